"""Two (or eight) technicians redeem the last session of a package at the same moment:
exactly one session is saved, the package ends at total, and stock moves once."""

import re
import threading
from decimal import Decimal

import pytest
import requests
from django.utils import timezone

from spa.catalog.selectors import stock_ledger_sum, stock_level
from spa.clients.models import CareReason
from spa.clients.services import care_link_add
from spa.treatments.models import PackageRedemption, TreatmentPackage, TreatmentSession
from spa.treatments.services import package_sell

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(live_server, user, path):
    from django.test import Client as DjangoClient

    django_client = DjangoClient()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = session.get(f"{live_server.url}{path}", timeout=10)
    return session, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_last_session_of_a_package_is_redeemed_once(
    live_server, make_client, technician_a, manager_a, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    care_link_add(client=hoa, staff=technician_a, reason=CareReason.SERVED)
    package = package_sell(
        actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 3 buổi",
        services=[catalogue["facial"]], total_sessions=3, price=1_200_000,
    )  # fmt: skip
    TreatmentPackage.objects.filter(pk=package.pk).update(used_sessions=2)  # one session left
    path = f"/treatments/clients/{hoa.pk}/sessions/new/"
    attempts = 8
    sessions = [
        logged_in(live_server, technician_a if i % 2 else manager_a, path) for i in range(attempts)
    ]
    barrier = threading.Barrier(attempts)
    outcomes: list[int] = []

    def redeem(http, token):
        barrier.wait()
        response = http.post(
            f"{live_server.url}{path}",
            data={
                "csrfmiddlewaretoken": token,
                "performed_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
                "services": [catalogue["facial"].pk],
                "technicians": [technician_a.pk],
                "package": package.pk,
                "products-TOTAL_FORMS": "1",
                "products-INITIAL_FORMS": "0",
                "products-0-product": catalogue["cleanser"].pk,
                "products-0-quantity": "2",
            },  # fmt: skip
            headers={"Referer": f"{live_server.url}{path}"},
            allow_redirects=False,
            timeout=60,
        )
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=redeem, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == [200] * (attempts - 1) + [302]
    package.refresh_from_db()
    assert package.used_sessions == 3
    assert list(PackageRedemption.objects.values_list("number", flat=True)) == [3]
    assert TreatmentSession.objects.count() == 1
    cleanser = catalogue["cleanser"]
    assert stock_level(cleanser.pk, branch_a.pk) == Decimal("98")
    assert stock_ledger_sum(cleanser.pk, branch_a.pk) == Decimal("98")
