"""Ten receptionists check out the same visit at the same moment: one unbilled session
and one unbilled package sale. Exactly one invoice is issued; the session and the
package are each billed once, and the client owes what one invoice says."""

import pytest
from django.utils import timezone

from spa.sales.ledger import balance_of, ledger_sum
from spa.sales.models import Account, Billed, Invoice, InvoiceLine
from spa.treatments.services import SessionInput, package_sell, session_log

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_visit_checked_out_ten_times_at_once_is_billed_once(
    race, make_client, receptionist_a, manager_a, technician_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    session = session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=branch_a, performed_at=timezone.now(), services=[catalogue["facial"]],
        technicians=[technician_a]))  # fmt: skip
    package = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 5 buổi",
                           services=[catalogue["facial"]], total_sessions=5, price=2_000_000)  # fmt: skip
    data = {"sessions": session.pk, "packages": package.pk,
            "products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0"}  # fmt: skip

    outcomes = race([receptionist_a, manager_a] * 5, f"/sales/clients/{hoa.pk}/checkout/", data)

    assert outcomes == [200] * 9 + [302]
    invoice = Invoice.objects.get()
    assert invoice.number == 1 and invoice.total == 450_000 + 2_000_000
    assert InvoiceLine.objects.filter(session=session).count() == 1
    assert InvoiceLine.objects.filter(package=package).count() == 1
    assert set(Billed.objects.values_list("invoice", "session", "package")) == {
        (invoice.pk, session.pk, None),
        (invoice.pk, None, package.pk),
    }
    assert balance_of(hoa, Account.DEBT) == 2_450_000 == ledger_sum(hoa, Account.DEBT)
