"""Reminders: never sent late after a booking, never after the appointment has
started, and a claim is a lease — a worker that died mid-send is given up on and the
reminder is sent again, with the same idempotency key."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from spa.accounts.models import SpaSettings
from spa.booking.models import DeliveryAttempt, Reminder, ReminderReason, ReminderStatus, Shift
from spa.booking.reminders import reminder_claim, reminder_deliver, reminders_due
from spa.booking.services import Booking, appointment_book
from spa.clients.services import client_consent_record


@pytest.fixture
def hoa(make_client, receptionist_a):
    client = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email")
    client_consent_record(
        actor=receptionist_a, client=client, channel="email", granted=True, method="paper"
    )
    return client


@pytest.fixture
def all_day(technician_a, midday):
    for day in range(7):
        Shift.objects.create(staff=technician_a, weekday=day, start=time(0), end=time(23, 59))


def book_in(minutes, client, receptionist, technician, catalogue, offsets):
    SpaSettings.objects.update_or_create(pk=1, defaults={"reminder_offsets": offsets})
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return appointment_book(actor=receptionist, data=Booking(
        client=client, branch=client.branch, services=[catalogue["facial"]], start=start,
        technician=technician))  # fmt: skip


def test_booking_an_hour_ahead_skips_the_reminders_already_past_and_says_why(
    client, hoa, receptionist_a, technician_a, catalogue, all_day
):
    appointment = book_in(61, hoa, receptionist_a, technician_a, catalogue, [1440, 120, 30])

    rows = {r.offset_minutes: r for r in appointment.reminders.all()}
    assert rows[1440].status == rows[120].status == ReminderStatus.SKIPPED
    assert rows[1440].reason == rows[120].reason == ReminderReason.TOO_LATE
    assert rows[30].status == ReminderStatus.PENDING
    # Nothing goes out for them, even when the sweep runs.
    assert rows[1440].pk not in reminders_due() and rows[120].pk not in reminders_due()
    assert reminder_deliver(rows[1440].pk).startswith("not due")
    assert mail.outbox == []
    client.force_login(receptionist_a)
    page = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert "đặt lịch trước 1 giờ" in page and "bỏ qua nhắc 24 giờ" in page
    assert "booked after" not in page and "too_late" not in page


def test_nothing_is_sent_once_the_appointment_has_started(
    hoa, receptionist_a, technician_a, catalogue, all_day
):
    appointment = book_in(61, hoa, receptionist_a, technician_a, catalogue, [30])
    reminder = appointment.reminders.get()
    # The worker was down: the reminder is still waiting when the client arrives.
    type(appointment).objects.filter(pk=appointment.pk).update(
        start=timezone.now() - timedelta(minutes=1)
    )
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - timedelta(minutes=31))

    assert reminder_deliver(reminder.pk).startswith("not due")
    assert reminders_due() == []
    reminder.refresh_from_db()
    assert (reminder.status, reminder.reason) == (ReminderStatus.SKIPPED, ReminderReason.STARTED)
    assert mail.outbox == [] and not DeliveryAttempt.objects.exists()


def test_a_claim_whose_worker_died_is_taken_back_after_its_lease_and_sent_once(
    hoa, receptionist_a, technician_a, catalogue, all_day, settings
):
    appointment = book_in(61, hoa, receptionist_a, technician_a, catalogue, [30])
    reminder = appointment.reminders.get()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    first = reminder_claim(reminder.pk)  # a worker claims it, then is killed (no send)
    assert first is not None and first.ok is None
    assert reminder_claim(reminder.pk) is None  # the lease holds: nobody else sends it
    assert reminders_due() == []

    Reminder.objects.filter(pk=reminder.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )  # the lease runs out
    assert reminders_due() == [reminder.pk]
    reminder_deliver(reminder.pk)

    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT and reminder.attempts == 2
    assert [(a.number, a.ok, a.detail) for a in reminder.attempt_log.all()] == [
        (1, False, ReminderReason.INTERRUPTED),
        (2, True, "email to hoa@example.com"),
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<spa-reminder-{reminder.pk}@")
    assert reminder_deliver(reminder.pk).startswith("not due")  # and never again
    assert len(mail.outbox) == 1


def test_a_late_outcome_from_a_worker_whose_lease_ran_out_does_not_overwrite(
    hoa, receptionist_a, technician_a, catalogue, all_day
):
    appointment = book_in(61, hoa, receptionist_a, technician_a, catalogue, [30])
    reminder = appointment.reminders.get()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    slow = reminder_claim(reminder.pk)
    Reminder.objects.filter(pk=reminder.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    reminder_deliver(reminder.pk)  # taken back and sent by another worker

    from spa.booking.reminders import _finish

    _finish(slow, ReminderStatus.PENDING, ok=False, detail="timeout")  # the slow one answers

    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
