"""Booking offers the real free times: the day grid's empty cells link to booking, and
the staff form's time is one of free_slots' times, refreshed as the choices change."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import statuses, tomorrow_at
from spa.booking.models import Appointment
from spa.booking.services import Booking, appointment_book


@pytest.fixture
def booked(make_client, receptionist_a, technician_a, catalogue, working_week):
    """technician_a has a facial (60 min) tomorrow 09:00-10:00."""
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")
    return appointment_book(actor=receptionist_a, data=Booking(
        client=hoa, branch=hoa.branch, services=[catalogue["facial"]], start=tomorrow_at(9), technician=technician_a))  # fmt: skip


def form_data(catalogue, technician, time, **extra):
    return {"services": [catalogue["facial"].pk], "technician": technician.pk,
            "day": tomorrow_at(0).strftime("%d/%m/%Y"), "time": time, **extra}  # fmt: skip


def options(page: str) -> list[str]:
    import re

    select = re.search(r'<select name="time".*?</select>', page, re.S)
    return re.findall(r'<option value="(\d\d:\d\d)"', select.group(0)) if select else []


def test_form_offers_only_the_free_times_of_the_technician(
    client, receptionist_a, booked, technician_a, catalogue, make_client
):
    lan = make_client("Trần Thị Lan")
    client.force_login(receptionist_a)
    url = reverse("booking:book", args=[lan.pk])
    page = client.get(url, {"services": catalogue["facial"].pk, "technician": technician_a.pk,
                            "day": tomorrow_at(0).date().isoformat()}).content.decode()  # fmt: skip
    times = options(page)
    assert "08:00" in times and "10:00" in times and "19:00" in times
    assert not {"08:15", "09:00", "09:45", "11:15", "19:15"} & set(
        times
    )  # busy, or runs past a shift's end
    assert 'name="other_time"' not in page  # a receptionist picks among the free times


def test_the_free_times_are_refreshed_with_htmx_when_the_choices_change(
    client, receptionist_a, booked, technician_a, working_week, catalogue, make_client
):
    lan = make_client("Trần Thị Lan")
    client.force_login(receptionist_a)
    url = reverse("booking:book", args=[lan.pk])
    second = working_week["technicians"][1]
    part = client.get(
        url, {"part": "times", **form_data(catalogue, second, "")}, HTTP_HX_REQUEST="true"
    )
    body = part.content.decode()
    assert body.startswith('<div id="book-times"') and "<html" not in body
    assert "09:00" in options(body)  # the other technician is free at 09:00
    nothing = client.get(
        url, {"part": "times", "day": tomorrow_at(0).strftime("%d/%m/%Y")}, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="no-free-time"' in nothing.content.decode()


def test_a_taken_time_posted_anyway_is_refused_in_vietnamese_and_nothing_is_booked(
    client, receptionist_a, booked, technician_a, catalogue, make_client
):
    lan = make_client("Trần Thị Lan")
    client.force_login(receptionist_a)
    url = reverse("booking:book", args=[lan.pk])
    page = client.post(url, form_data(catalogue, technician_a, "09:00")).content.decode()
    assert "09:00 không còn trống" in page
    assert Appointment.objects.filter(client=lan).count() == 0
    response = client.post(url, form_data(catalogue, technician_a, "10:00"))
    appointment = Appointment.objects.get(client=lan)
    assert response["Location"] == reverse("booking:detail", args=[appointment.pk])
    assert appointment.start == tomorrow_at(10) and appointment.technician == technician_a


def test_a_manager_may_type_a_time_and_the_service_still_checks_it(
    client, manager_a, booked, technician_a, catalogue, make_client
):
    lan = make_client("Trần Thị Lan")
    client.force_login(manager_a)
    url = reverse("booking:book", args=[lan.pk])
    assert 'name="other_time"' in client.get(url).content.decode()
    page = client.post(
        url, form_data(catalogue, technician_a, "", other_time="09:30")
    ).content.decode()
    assert 'data-testid="book-error"' in page and "đã có lịch hẹn" in page
    assert not Appointment.objects.filter(client=lan).exists()
    client.post(url, form_data(catalogue, technician_a, "", other_time="10:10"))
    assert Appointment.objects.get(client=lan).start == tomorrow_at(10, 10)


def test_empty_cells_of_the_day_grid_link_to_booking_that_technician_then(
    client, receptionist_a, technician_a, booked, make_client
):
    day = tomorrow_at(0).date().isoformat()
    client.force_login(receptionist_a)
    page = client.get(reverse("booking:day"), {"date": day}).content.decode()
    pick = reverse("booking:pick_client")
    assert f'href="{pick}?technician={technician_a.pk}&amp;day={day}&amp;time=10%3A00"' in page
    assert f"technician={technician_a.pk}&amp;day={day}&amp;time=09%3A15" not in page  # taken
    # opened for a client (from the profile's booking form): straight to the form
    lan = make_client("Trần Thị Lan")
    page = client.get(reverse("booking:day"), {"date": day, "client": lan.pk}).content.decode()
    assert f'href="{reverse("booking:book", args=[lan.pk])}?technician={technician_a.pk}' in page
    client.force_login(technician_a)
    assert (
        'data-testid="free-cell"'
        not in client.get(reverse("booking:day"), {"date": day}).content.decode()
    )


def test_from_a_free_cell_the_desk_finds_the_client_and_gets_the_form_prefilled(
    client, receptionist_a, technician_a, booked, catalogue, make_client
):
    lan = make_client("Trần Thị Lan")
    client.force_login(receptionist_a)
    keep = {
        "technician": technician_a.pk,
        "day": tomorrow_at(0).date().isoformat(),
        "time": "10:00",
    }
    page = client.get(
        reverse("booking:pick_client"), {**keep, "q": "tran thi lan"}
    ).content.decode()
    link = f"{reverse('booking:book', args=[lan.pk])}?technician={technician_a.pk}&amp;day="
    assert link in page
    form = client.get(
        reverse("booking:book", args=[lan.pk]), {**keep, "services": catalogue["facial"].pk}
    )
    body = form.content.decode()
    assert '<option value="10:00" selected>' in body
    assert f'<option value="{technician_a.pk}" selected>' in body


def test_pick_client_matrix(client, people):
    assert statuses(client, people, reverse("booking:pick_client")) == [
        302,
        200,
        200,
        200,
        200,
        200,
        403,
        403,
    ]


def test_after_check_in_the_appointment_offers_the_next_steps(
    client, manager_a, receptionist_a, booked
):
    from spa.booking.services import appointment_check_in

    appointment_check_in(actor=receptionist_a, appointment=booked)
    client.force_login(receptionist_a)
    page = client.get(reverse("booking:detail", args=[booked.pk])).content.decode()
    assert 'data-testid="next-checkout"' in page and 'data-testid="next-session"' not in page
    client.force_login(manager_a)
    page = client.get(reverse("booking:detail", args=[booked.pk])).content.decode()
    assert 'data-testid="next-checkout"' in page and 'data-testid="next-session"' in page
    assert timedelta(0) < booked.end - booked.start
