"""Many receptionists, one slot: exactly one booking. Real concurrent requests on the
live server, on PostgreSQL (exclusion constraint) and SQLite (serialised writers)."""

import re
import threading

import pytest
import requests

from conftest import tomorrow_at
from spa.booking.models import Appointment, SlotHold

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(live_server, user, path):
    from django.test import Client as DjangoClient

    django_client = DjangoClient()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = session.get(f"{live_server.url}{path}", timeout=10)
    return session, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_many_requests_for_one_slot_book_exactly_one(
    live_server, make_client, receptionist_a, manager_a, technician_a, catalogue, working_week
):
    attempts = 8
    clients = [make_client(f"Khách Số {chr(65 + i)}") for i in range(attempts)]
    start = tomorrow_at(10)
    sessions = []
    for i, client in enumerate(clients):
        path = f"/calendar/clients/{client.pk}/book/"
        sessions.append(
            (path, *logged_in(live_server, receptionist_a if i % 2 else manager_a, path))
        )
    barrier = threading.Barrier(attempts)
    outcomes: list[int] = []

    def book(path, http, token):
        barrier.wait()
        response = http.post(
            f"{live_server.url}{path}",
            data={
                "csrfmiddlewaretoken": token,
                "services": [catalogue["facial"].pk],
                "technician": technician_a.pk,
                "day": start.strftime("%d/%m/%Y"),
                "time": "10:00",
            },  # fmt: skip
            headers={"Referer": f"{live_server.url}{path}"},
            allow_redirects=False,
            timeout=60,
        )
        outcomes.append(response.status_code)

    threads = [threading.Thread(target=book, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == [200] * (attempts - 1) + [302]
    assert Appointment.objects.count() == 1
    assert SlotHold.objects.filter(holder=f"staff:{technician_a.pk}", active=True).count() == 1
