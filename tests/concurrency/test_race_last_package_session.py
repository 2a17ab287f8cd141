"""Two (or eight) technicians redeem the last session of a package at the same moment:
exactly one session is saved, the package ends at total, and stock moves once."""

from decimal import Decimal

import pytest
from django.utils import timezone

from spa.catalog.selectors import stock_ledger_sum, stock_level
from spa.clients.models import CareReason
from spa.clients.services import care_link_add
from spa.treatments.models import PackageRedemption, TreatmentPackage, TreatmentSession
from spa.treatments.services import package_sell

pytestmark = pytest.mark.django_db(transaction=True)


def test_last_session_of_a_package_is_redeemed_once(
    race, make_client, technician_a, manager_a, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    care_link_add(client=hoa, staff=technician_a, reason=CareReason.SERVED)
    package = package_sell(
        actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 3 buổi",
        services=[catalogue["facial"]], total_sessions=3, price=1_200_000,
    )  # fmt: skip
    TreatmentPackage.objects.filter(pk=package.pk).update(used_sessions=2)  # one session left
    data = {
        "performed_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
        "services": [catalogue["facial"].pk], "technicians": [technician_a.pk], "package": package.pk,
        "products-TOTAL_FORMS": "1", "products-INITIAL_FORMS": "0",
        "products-0-product": catalogue["cleanser"].pk, "products-0-quantity": "2",
    }  # fmt: skip
    outcomes = race(
        [technician_a, manager_a] * 4, f"/treatments/clients/{hoa.pk}/sessions/new/", data
    )

    assert outcomes == [200] * 7 + [302]
    package.refresh_from_db()
    assert package.used_sessions == 3
    assert list(PackageRedemption.objects.values_list("number", flat=True)) == [3]
    assert TreatmentSession.objects.count() == 1
    cleanser = catalogue["cleanser"]
    assert stock_level(cleanser.pk, branch_a.pk) == Decimal("98")
    assert stock_ledger_sum(cleanser.pk, branch_a.pk) == Decimal("98")
