"""Two (eight) receptionists spend the same prepaid balance at the same moment: the
balance can pay for only some of them, and it never goes below zero."""

import pytest

from spa.sales.ledger import balance_of, ledger_sum
from spa.sales.models import Account, Invoice
from spa.sales.services import prepaid_top_up

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_checkouts_cannot_overdraw_prepaid(
    race, make_client, receptionist_a, manager_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    prepaid_top_up(
        actor=receptionist_a, client=hoa, branch=branch_a, paid=1_000_000
    )  # enough for 2 of 8
    catalogue["sunscreen"].retail_price = 400_000
    catalogue["sunscreen"].save()
    data = {"products-TOTAL_FORMS": "1", "products-INITIAL_FORMS": "0",
            "products-0-product": catalogue["sunscreen"].pk, "products-0-quantity": "1", "prepaid": "400000"}  # fmt: skip
    outcomes = race([receptionist_a, manager_a] * 4, f"/sales/clients/{hoa.pk}/checkout/", data)

    assert outcomes == [200] * 6 + [302] * 2
    assert Invoice.objects.count() == 2
    assert balance_of(hoa, Account.PREPAID) == 200_000 == ledger_sum(hoa, Account.PREPAID)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        1,
        2,
    ]  # no gap from the refused ones
