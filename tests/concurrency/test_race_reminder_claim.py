"""Eight workers try to claim the same due reminder at the same instant (the minute
sweep and the scheduled job firing together, on several worker threads): exactly one
gets it, and only one attempt is on record."""

import threading
from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import tomorrow_at
from spa.accounts.models import SpaSettings
from spa.booking.models import DeliveryAttempt, Reminder, ReminderStatus, Shift
from spa.booking.reminders import reminder_claim
from spa.booking.services import Booking, appointment_book
from spa.clients.services import client_consent_record

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_due_reminder_is_claimed_by_exactly_one_of_eight_workers(
    make_client, receptionist_a, technician_a, catalogue
):
    for day in range(7):
        Shift.objects.create(staff=technician_a, weekday=day, start=time(0), end=time(23, 59))
    SpaSettings.objects.update_or_create(pk=1, defaults={"reminder_offsets": [60]})
    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email")
    client_consent_record(actor=receptionist_a, client=hoa, channel="email", granted=True, method="paper")  # fmt: skip
    appointment = appointment_book(actor=receptionist_a, data=Booking(
        client=hoa, branch=hoa.branch, services=[catalogue["facial"]], start=tomorrow_at(10),
        technician=technician_a))  # fmt: skip
    reminder = appointment.reminders.get()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - timedelta(seconds=1))

    barrier = threading.Barrier(8)
    claims = []

    def claim():
        try:
            barrier.wait()
            claims.append(reminder_claim(reminder.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len([c for c in claims if c is not None]) == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENDING and reminder.attempts == 1
    assert DeliveryAttempt.objects.filter(reminder=reminder).count() == 1
