"""Two receptionists, one new client, the same instant: exactly one profile.

Real concurrent HTTP requests against the live server, on PostgreSQL and on SQLite
(where writers are serialised, so the check before the insert is final)."""

import re
import threading

import pytest
import requests
from django.db import IntegrityError, transaction

from spa.clients.models import Client, ClientPhone


def _logged_in_session(live_server, user) -> tuple[requests.Session, str]:
    from django.test import Client as DjangoClient

    django_client = DjangoClient()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = session.get(f"{live_server.url}/clients/new/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session, token


@pytest.mark.django_db(transaction=True)
def test_unconfirmed_second_holder_of_a_phone_is_refused_by_the_database(make_client):
    client = make_client("Trần Thị Lan", phone="0912345678")
    other = make_client("Lê Văn Tám")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPhone.objects.create(
            client=other, e164="+84912345678", national="0912 345 678", digits_reversed="876543219"
        )
    assert ClientPhone.objects.filter(e164="+84912345678").get().client == client


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_the_same_phone_make_exactly_one_profile(
    live_server, receptionist_a, manager_a
):
    attempts = 8
    sessions = [
        _logged_in_session(live_server, receptionist_a if i % 2 else manager_a)
        for i in range(attempts)
    ]
    barrier = threading.Barrier(attempts)
    outcomes: list[int] = []

    def create(session, token):
        barrier.wait()
        response = session.post(
            f"{live_server.url}/clients/new/",
            data={
                "csrfmiddlewaretoken": token,
                "full_name": "Nguyễn Thị Hoa",
                "phone": "0912 345 678",
                "branch": receptionist_a.branch_id,
            },
            headers={"Referer": f"{live_server.url}/clients/new/"},
            allow_redirects=False,
            timeout=30,
        )
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=create, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == [200] * (attempts - 1) + [302]  # one created, the rest warned
    assert Client.objects.count() == 1
    assert ClientPhone.objects.filter(e164="+84912345678").count() == 1
