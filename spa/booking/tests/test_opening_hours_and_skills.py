"""Booking keeps to the branch's opening hours and closures, and to the services each
technician performs; a deactivated technician is never offered but keeps their name
on past appointments."""

from datetime import time, timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from conftest import tomorrow_at
from spa.booking.models import Appointment, Closure, StaffService
from spa.booking.selectors import branch_day, free_slots
from spa.booking.services import Booking, SlotTaken, appointment_book, appointment_reschedule
from spa.office.services_branches import closure_add, opening_hours_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def hoa(make_client):
    return make_client("Nguyễn Thị Hoa")


def _book(client, catalogue, start, technician=None, service="facial"):
    return Booking(client=client, branch=client.branch, services=[catalogue[service]],
                   start=start, technician=technician)  # fmt: skip


def _slots(branch, catalogue, service="facial", **extra):
    day = tomorrow_at(0).date()
    return free_slots(branch=branch, services=[catalogue[service]], first_day=day, days=1, **extra)


def _open_nine_to_six(owner, branch):
    opening_hours_set(actor=owner, branch=branch, week={d: (time(9), time(18)) for d in range(7)})


def test_no_free_slot_outside_opening_hours(owner, branch_a, catalogue, working_week):
    before = {timezone.localtime(s.start).time() for s in _slots(branch_a, catalogue)}
    assert time(8) in before and time(19) in before  # the shifts alone: 08:00-20:00

    _open_nine_to_six(owner, branch_a)

    starts = [timezone.localtime(s.start) for s in _slots(branch_a, catalogue)]
    assert starts and min(starts).time() == time(9)
    # a 60-minute facial must end by 18:00
    assert max(starts).time() == time(17)


def test_a_weekday_marked_closed_has_no_free_slot(owner, branch_a, catalogue, working_week):
    closed_day = tomorrow_at(0).weekday()
    week = {d: (time(9), time(18)) for d in range(7)}
    week[closed_day] = None
    opening_hours_set(actor=owner, branch=branch_a, week=week)
    assert _slots(branch_a, catalogue) == []


def test_no_free_slot_on_a_closure_day_but_the_next_day_is_open(
    owner, branch_a, catalogue, working_week
):
    day = tomorrow_at(0).date()
    closure_add(actor=owner, branch=branch_a, first_day=day, last_day=day, reason="Tết")
    slots = free_slots(branch=branch_a, services=[catalogue["facial"]], first_day=day, days=2)
    assert slots and {timezone.localtime(s.start).date() for s in slots} == {day + timedelta(1)}


def test_a_closure_of_another_branch_changes_nothing_here(
    owner, branch_a, branch_b, catalogue, working_week
):
    day = tomorrow_at(0).date()
    closure_add(actor=owner, branch=branch_b, first_day=day, last_day=day, reason="Sửa chữa")
    assert _slots(branch_a, catalogue)


def test_booking_on_a_closure_day_is_refused_with_the_reason(
    owner, hoa, receptionist_a, technician_a, catalogue, working_week
):
    day = tomorrow_at(0).date()
    closure_add(actor=owner, branch=hoa.branch, first_day=day, last_day=day, reason="Nghỉ Tết")
    with pytest.raises(SlotTaken) as refused:
        appointment_book(actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(10)))
    assert "đóng cửa" in refused.value.message and "Nghỉ Tết" in refused.value.message
    with pytest.raises(SlotTaken):
        appointment_book(
            actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(10), technician_a)
        )
    assert not Appointment.objects.exists()


def test_booking_outside_opening_hours_is_refused_and_inside_works(
    owner, hoa, receptionist_a, catalogue, working_week
):
    _open_nine_to_six(owner, hoa.branch)
    for start in (tomorrow_at(8), tomorrow_at(17, 30)):
        with pytest.raises(SlotTaken) as refused:
            appointment_book(actor=receptionist_a, data=_book(hoa, catalogue, start))
        assert "09:00" in refused.value.message and "18:00" in refused.value.message
    assert appointment_book(actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(9)))


def test_moving_an_appointment_onto_a_closure_day_is_refused(
    owner, hoa, receptionist_a, technician_a, catalogue, working_week
):
    appointment = appointment_book(
        actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(10), technician_a)
    )
    later = (tomorrow_at(10) + timedelta(days=2)).date()
    closure_add(actor=owner, branch=hoa.branch, first_day=later, last_day=later, reason="Sơn lại")
    with pytest.raises(SlotTaken):
        appointment_reschedule(actor=receptionist_a, appointment=appointment,
                               start=tomorrow_at(10) + timedelta(days=2), technician=None)  # fmt: skip
    appointment.refresh_from_db()
    assert appointment.start == tomorrow_at(10)


def test_only_technicians_who_perform_the_service_are_offered_and_assigned(
    hoa, make_client, receptionist_a, technician_a, catalogue, working_week
):
    second = working_week["technicians"][1]
    # technician_a does lasers only; the second has nothing recorded: performs everything
    StaffService.objects.create(staff=technician_a, service=catalogue["laser"])

    facial_techs = {t for s in _slots(hoa.branch, catalogue) for t in s.technicians}
    laser_techs = {t for s in _slots(hoa.branch, catalogue, "laser") for t in s.technicians}
    assert facial_techs == {second}
    assert laser_techs == {technician_a, second}
    assert _slots(hoa.branch, catalogue, technician=technician_a) == []

    with pytest.raises(SlotTaken) as refused:
        appointment_book(
            actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(9), technician_a)
        )
    assert "không làm" in refused.value.message
    booked = appointment_book(actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(9)))
    assert booked.technician == second
    # the second is busy at 09:00 now, and technician_a does not do facials
    with pytest.raises(SlotTaken):
        appointment_book(
            actor=receptionist_a, data=_book(make_client("Lan"), catalogue, tomorrow_at(9))
        )


def test_a_deactivated_technician_is_not_offered_but_keeps_their_name_on_old_appointments(
    client, hoa, receptionist_a, technician_a, catalogue, working_week
):
    old = appointment_book(
        actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(9), technician_a)
    )
    technician_a.is_active = False
    technician_a.save()

    offered = {t for s in _slots(hoa.branch, catalogue) for t in s.technicians}
    assert technician_a not in offered and offered
    with pytest.raises(SlotTaken) as refused:
        appointment_book(
            actor=receptionist_a, data=_book(hoa, catalogue, tomorrow_at(14), technician_a)
        )
    assert "không còn làm" in refused.value.message
    assert _slots(hoa.branch, catalogue, technician=technician_a) == []
    client.force_login(receptionist_a)
    page = client.get(reverse("booking:detail", args=[old.pk])).content.decode()
    assert technician_a.display_name in page


def test_day_view_shows_the_closure_and_no_working_hours(
    client, owner, receptionist_a, branch_a, working_week
):
    day = tomorrow_at(0).date()
    closure_add(actor=owner, branch=branch_a, first_day=day, last_day=day, reason="Giỗ Tổ")
    assert all(column.shifts == [] for column in branch_day(branch=branch_a, day=day))
    client.force_login(receptionist_a)
    page = client.get(reverse("booking:day") + f"?date={day.isoformat()}").content.decode()
    assert 'data-testid="closure"' in page and "Giỗ Tổ" in page
    other = client.get(reverse("booking:day") + f"?date={(day + timedelta(1)).isoformat()}")
    assert 'data-testid="closure"' not in other.content.decode()


def test_day_view_shows_shifts_only_within_opening_hours(owner, branch_a, working_week):
    _open_nine_to_six(owner, branch_a)
    column = branch_day(branch=branch_a, day=tomorrow_at(0).date())[0]
    assert [(s.start, s.end) for s in column.shifts] == [(time(9), time(12)), (time(13), time(18))]


def test_public_booking_page_offers_nothing_on_a_closure_day(
    owner, branch_a, catalogue, working_week
):
    day = tomorrow_at(0).date()
    url = reverse("public_booking:page", args=[branch_a.code])
    query = {"service": catalogue["facial"].pk, "day": day.isoformat()}
    assert HttpClient().get(url, query).context["slots"]
    Closure.objects.create(branch=branch_a, first_day=day, last_day=day, reason="Tết")
    assert HttpClient().get(url, query).context["slots"] == []
