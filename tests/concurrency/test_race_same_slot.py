"""Many receptionists, one slot: exactly one booking. Real concurrent requests on the
live server, on PostgreSQL (exclusion constraint) and SQLite (serialised writers)."""

import pytest

from conftest import tomorrow_at
from spa.booking.models import Appointment, SlotHold

pytestmark = pytest.mark.django_db(transaction=True)


def test_many_requests_for_one_slot_book_exactly_one(
    race, make_client, receptionist_a, manager_a, technician_a, catalogue, working_week
):
    clients = [make_client(f"Khách Số {chr(65 + i)}") for i in range(8)]
    data = {"services": [catalogue["facial"].pk], "technician": technician_a.pk,
            "day": tomorrow_at(10).strftime("%d/%m/%Y"), "time": "10:00"}  # fmt: skip
    outcomes = race(
        [receptionist_a, manager_a] * 4, lambda i: f"/calendar/clients/{clients[i].pk}/book/", data
    )

    assert outcomes == [200] * 7 + [302]
    assert Appointment.objects.count() == 1
    assert SlotHold.objects.filter(holder=f"staff:{technician_a.pk}", active=True).count() == 1
