from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conftest import tomorrow_at
from spa.booking.models import (
    Appointment,
    Reminder,
    ReminderReason,
    ReminderStatus,
    SlotHold,
    Status,
    TimeOff,
)
from spa.booking.selectors import branch_day, client_appointment_counts, free_slots
from spa.booking.services import (
    Booking,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_no_show,
    appointment_reschedule,
    series_book,
    series_plan,
)
from spa.clients.services import client_consent_record
from spa.treatments.services import package_sell


@pytest.fixture(autouse=True)
def reminder_offsets(db):
    from spa.accounts.models import SpaSettings

    SpaSettings.objects.update_or_create(pk=1, defaults={"reminder_offsets": [120, 60]})


@pytest.fixture
def hoa(make_client):
    return make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email")


def booking(client, catalogue, start, technician=None, service="facial", **extra):
    return Booking(client=client, branch=client.branch, services=[catalogue[service]], start=start,
                   technician=technician, **extra)  # fmt: skip


def test_booking_holds_technician_and_room(
    hoa, receptionist_a, technician_a, catalogue, working_week
):
    appointment = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a)
    )
    assert appointment.end - appointment.start == timedelta(minutes=60)
    assert appointment.room in working_week["rooms"]
    holders = set(SlotHold.objects.filter(appointment=appointment).values_list("holder", flat=True))
    assert holders == {f"staff:{technician_a.pk}", f"resource:{appointment.room_id}"}


def test_the_same_technician_cannot_be_booked_twice(
    hoa, make_client, receptionist_a, technician_a, catalogue, working_week
):
    appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a)
    )
    other = make_client("Trần Văn Nam")
    with pytest.raises(SlotTaken):
        appointment_book(
            actor=receptionist_a, data=booking(other, catalogue, tomorrow_at(9, 30), technician_a)
        )
    assert Appointment.objects.count() == 1


def test_any_technician_takes_whoever_is_free(
    hoa, make_client, receptionist_a, technician_a, catalogue, working_week
):
    appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a)
    )
    second = appointment_book(
        actor=receptionist_a, data=booking(make_client("B"), catalogue, tomorrow_at(9))
    )
    assert second.technician == working_week["technicians"][1]
    with pytest.raises(SlotTaken):  # both technicians busy now
        appointment_book(
            actor=receptionist_a, data=booking(make_client("C"), catalogue, tomorrow_at(9))
        )


def test_the_one_machine_cannot_be_double_booked(
    make_client, receptionist_a, catalogue, working_week
):
    first, second = working_week["technicians"]
    appointment_book(
        actor=receptionist_a,
        data=booking(make_client("A"), catalogue, tomorrow_at(10), first, "laser"),
    )
    with pytest.raises(SlotTaken) as taken:
        appointment_book(
            actor=receptionist_a,
            data=booking(make_client("B"), catalogue, tomorrow_at(10), second, "laser"),
        )
    assert "máy" in taken.value.message.lower() or "machine" in taken.value.message.lower()


def test_outside_working_hours_break_or_time_off_is_refused(
    hoa, receptionist_a, technician_a, catalogue, working_week
):
    for start in (tomorrow_at(7), tomorrow_at(12), tomorrow_at(19, 30)):
        with pytest.raises(SlotTaken):
            appointment_book(
                actor=receptionist_a, data=booking(hoa, catalogue, start, technician_a)
            )
    TimeOff.objects.create(
        staff=technician_a, start=tomorrow_at(8), end=tomorrow_at(20), reason="Nghỉ phép"
    )
    with pytest.raises(SlotTaken):
        appointment_book(
            actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a)
        )


def test_cancel_frees_the_slot_and_needs_a_reason(
    hoa, make_client, receptionist_a, technician_a, catalogue, working_week
):
    appointment = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a)
    )
    with pytest.raises(ValueError):
        appointment_cancel(actor=receptionist_a, appointment=appointment, reason=" ")
    appointment_cancel(actor=receptionist_a, appointment=appointment, reason="Khách bận")
    again = appointment_book(
        actor=receptionist_a,
        data=booking(make_client("B"), catalogue, tomorrow_at(9), technician_a),
    )
    assert again.pk and Appointment.objects.get(pk=appointment.pk).status == Status.CANCELLED


def test_reschedule_moves_holds_and_reminders(
    hoa, receptionist_a, technician_a, catalogue, working_week
):
    client_consent_record(
        actor=receptionist_a, client=hoa, channel="email", granted=True, method="paper"
    )
    appointment = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(15), technician_a)
    )
    pending = appointment.reminders.filter(status=ReminderStatus.PENDING)
    assert {r.due_at for r in pending} == {tomorrow_at(13), tomorrow_at(14)}
    moved = appointment_reschedule(
        actor=receptionist_a, appointment=appointment, start=tomorrow_at(17), technician=None
    )
    assert moved.start == tomorrow_at(17)
    assert set(SlotHold.objects.filter(appointment=moved).values_list("start", flat=True)) == {
        tomorrow_at(17)
    }
    pending = moved.reminders.filter(status=ReminderStatus.PENDING)
    assert {r.due_at for r in pending} == {tomorrow_at(15), tomorrow_at(16)}


def test_reminders_only_with_consent_and_the_reason_is_recorded(
    hoa, receptionist_a, technician_a, catalogue, working_week
):
    appointment = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(15), technician_a)
    )
    assert (
        list(appointment.reminders.values_list("status", "reason"))
        == [(ReminderStatus.SKIPPED, ReminderReason.NO_CONSENT)] * 2
    )
    client_consent_record(
        actor=receptionist_a, client=hoa, channel="email", granted=True, method="paper"
    )
    second = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(17), technician_a)
    )
    statuses = sorted(second.reminders.values_list("offset_minutes", "status", "channel"))
    assert statuses == [
        (60, ReminderStatus.PENDING, "email"),
        (120, ReminderStatus.PENDING, "email"),
    ]


def test_series_lists_conflicts_before_saving_anything(
    hoa, make_client, receptionist_a, technician_a, catalogue, working_week
):
    blocker = appointment_book(actor=receptionist_a,
                               data=booking(make_client("B"), catalogue, tomorrow_at(9) + timedelta(days=14), technician_a))  # fmt: skip
    plan = series_plan(
        data=booking(hoa, catalogue, tomorrow_at(9), technician_a), every_days=7, count=4
    )
    assert len(plan.starts) == 4 and [s for s, _m in plan.conflicts] == [
        tomorrow_at(9) + timedelta(days=14)
    ]
    with pytest.raises(SlotTaken):
        series_book(
            actor=receptionist_a,
            data=booking(hoa, catalogue, tomorrow_at(9), technician_a),
            every_days=7,
            count=4,
        )
    assert list(Appointment.objects.all()) == [blocker]


def test_package_follow_ups_are_booked_in_one_step(
    hoa, receptionist_a, technician_a, catalogue, working_week, branch_a
):
    package = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 5 buổi",
                           services=[catalogue["facial"]], total_sessions=5, price=1)  # fmt: skip
    booked = series_book(actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a, package=package),
                         every_days=14, count=package.remaining)  # fmt: skip
    assert [a.start for a in booked] == [tomorrow_at(9) + timedelta(days=14 * i) for i in range(5)]
    assert {a.series_id for a in booked} == {booked[0].series_id} and all(
        a.package == package for a in booked
    )


def test_free_slots_respect_hours_bookings_and_rooms(
    hoa, make_client, receptionist_a, technician_a, catalogue, working_week
):
    day = tomorrow_at(0).date()
    first, second = working_week["technicians"]
    slots = {
        s.start: s.technicians
        for s in free_slots(
            branch=hoa.branch, services=[catalogue["facial"]], first_day=day, days=1
        )
    }
    assert tomorrow_at(8) in slots and tomorrow_at(11) in slots and tomorrow_at(11, 15) not in slots
    assert tomorrow_at(12) not in slots and tomorrow_at(19) in slots
    appointment_book(actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), first))
    slots = {
        s.start: s.technicians
        for s in free_slots(
            branch=hoa.branch, services=[catalogue["facial"]], first_day=day, days=1
        )
    }
    assert slots[tomorrow_at(9)] == [second]
    appointment_book(
        actor=receptionist_a, data=booking(make_client("B"), catalogue, tomorrow_at(9), second)
    )
    slots = {
        s.start
        for s in free_slots(
            branch=hoa.branch, services=[catalogue["facial"]], first_day=day, days=1
        )
    }
    assert (
        tomorrow_at(9) not in slots and tomorrow_at(8, 30) not in slots and tomorrow_at(10) in slots
    )


def test_profile_counts_and_day_view(hoa, receptionist_a, technician_a, catalogue, working_week):
    a = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a)
    )
    b = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(14), technician_a)
    )
    appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(16), technician_a)
    )
    appointment_no_show(actor=receptionist_a, appointment=a)
    appointment_cancel(actor=receptionist_a, appointment=b, reason="Ốm")
    assert client_appointment_counts(hoa) == {
        "total": 3,
        "attended": 0,
        "cancelled": 1,
        "no_show": 1,
    }
    columns = branch_day(branch=hoa.branch, day=tomorrow_at(0).date())
    assert [len(c.appointments) for c in columns if c.technician == technician_a] == [3]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's"
)
def test_database_refuses_overlapping_holds(
    hoa, receptionist_a, technician_a, catalogue, working_week
):
    appointment = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(9), technician_a)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotHold.objects.create(appointment=appointment, holder=f"staff:{technician_a.pk}",
                                start=tomorrow_at(9, 30), end=tomorrow_at(10, 30))  # fmt: skip
    # Touching end to start is not an overlap.
    SlotHold.objects.create(appointment=appointment, holder=f"staff:{technician_a.pk}",
                            start=tomorrow_at(10), end=tomorrow_at(11))  # fmt: skip


def test_past_times_cannot_be_booked(hoa, receptionist_a, technician_a, catalogue, working_week):
    with pytest.raises(SlotTaken):
        appointment_book(
            actor=receptionist_a,
            data=booking(hoa, catalogue, timezone.now() - timedelta(hours=3), technician_a),
        )
    assert not Reminder.objects.exists()


def test_rescheduling_a_client_without_consent_keeps_one_reminder_row_per_time(
    hoa, receptionist_a, technician_a, catalogue, working_week
):
    appointment = appointment_book(
        actor=receptionist_a, data=booking(hoa, catalogue, tomorrow_at(15), technician_a)
    )
    moved = appointment_reschedule(
        actor=receptionist_a, appointment=appointment, start=tomorrow_at(17), technician=None
    )
    moved = appointment_reschedule(
        actor=receptionist_a, appointment=moved, start=tomorrow_at(9), technician=None
    )
    assert sorted(moved.reminders.values_list("due_at", "status")) == [
        (tomorrow_at(7), ReminderStatus.SKIPPED), (tomorrow_at(8), ReminderStatus.SKIPPED)]  # fmt: skip
