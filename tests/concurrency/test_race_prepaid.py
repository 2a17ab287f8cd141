"""Two (eight) receptionists spend the same prepaid balance at the same moment: the
balance can pay for only some of them, and it never goes below zero."""

import re
import threading

import pytest
import requests

from spa.sales.ledger import balance_of, ledger_sum
from spa.sales.models import Account, Invoice
from spa.sales.services import prepaid_top_up

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(live_server, user, path):
    from django.test import Client as DjangoClient

    django_client = DjangoClient()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = session.get(f"{live_server.url}{path}", timeout=10)
    return session, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_concurrent_checkouts_cannot_overdraw_prepaid(
    live_server, make_client, receptionist_a, manager_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    prepaid_top_up(
        actor=receptionist_a, client=hoa, branch=branch_a, paid=1_000_000
    )  # enough for 2 of 8
    catalogue["cleanser"].retail_price = 400_000
    catalogue["cleanser"].save()
    path = f"/sales/clients/{hoa.pk}/checkout/"
    attempts = 8
    sessions = [
        logged_in(live_server, receptionist_a if i % 2 else manager_a, path)
        for i in range(attempts)
    ]
    barrier = threading.Barrier(attempts)
    outcomes: list[int] = []

    def pay(http, token):
        barrier.wait()
        response = http.post(
            f"{live_server.url}{path}",
            data={
                "csrfmiddlewaretoken": token,
                "products-TOTAL_FORMS": "1",
                "products-INITIAL_FORMS": "0",
                "products-0-product": catalogue["cleanser"].pk,
                "products-0-quantity": "1",
                "prepaid": "400000",
            },  # fmt: skip
            headers={"Referer": f"{live_server.url}{path}"},
            allow_redirects=False,
            timeout=60,
        )
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=pay, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == [200] * 6 + [302] * 2
    assert Invoice.objects.count() == 2
    assert balance_of(hoa, Account.PREPAID) == 200_000 == ledger_sum(hoa, Account.PREPAID)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        1,
        2,
    ]  # no gap from the refused ones
