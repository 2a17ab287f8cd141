import re
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from icalendar import Calendar

from conftest import statuses, tomorrow_at
from spa.booking.models import Appointment, CalendarFeed, Status
from spa.booking.services import Booking, appointment_book
from spa.clients.models import Client, ClientPhone


@pytest.fixture
def booked(make_client, receptionist_a, technician_a, catalogue, working_week):
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")
    return appointment_book(actor=receptionist_a, data=Booking(
        client=hoa, branch=hoa.branch, services=[catalogue["facial"]], start=tomorrow_at(9), technician=technician_a))  # fmt: skip


def test_appointment_page_matrix(client, people, booked):
    url = reverse("booking:detail", args=[booked.pk])
    assert statuses(client, people, url) == [302, 200, 200, 404, 200, 404, 200, 404]


def test_book_page_matrix(client, people, booked):
    url = reverse("booking:book", args=[booked.client_id])
    assert statuses(client, people, url) == [302, 200, 200, 404, 200, 404, 403, 404]


def test_cancel_matrix_and_effect(client, people, booked):
    url = reverse("booking:cancel", args=[booked.pk])
    got = statuses(
        client, people, url, "post", {"reason": ""}
    )  # empty reason: refused, nothing changes
    assert got == [302, 302, 302, 404, 302, 404, 403, 404]
    assert Appointment.objects.get(pk=booked.pk).status == Status.BOOKED
    client.force_login(people["receptionist_a"])
    client.post(url, {"reason": "Khách đổi ý"})
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED and booked.cancel_reason == "Khách đổi ý"


def test_technician_sees_only_their_own_column(
    client, technician_a, receptionist_a, booked, working_week
):
    url = reverse("booking:day") + f"?date={tomorrow_at(0).date().isoformat()}"
    client.force_login(receptionist_a)
    assert client.get(url).content.decode().count('data-testid="column"') == 2
    client.force_login(technician_a)
    page = client.get(url).content.decode()
    assert page.count('data-testid="column"') == 1 and "Nguyễn Thị Hoa" in page


def test_day_view_query_count_is_fixed(
    client,
    receptionist_a,
    booked,
    make_client,
    catalogue,
    working_week,
    django_assert_max_num_queries,
):
    second = working_week["technicians"][1]
    for hour in (10, 14, 15, 16, 17):
        appointment_book(actor=receptionist_a, data=Booking(
            client=make_client(f"Khách {hour}"), branch=receptionist_a.branch, services=[catalogue["facial"]],
            start=tomorrow_at(hour), technician=second))  # fmt: skip
    client.force_login(receptionist_a)
    with django_assert_max_num_queries(10):
        client.get(reverse("booking:day") + f"?date={tomorrow_at(0).date().isoformat()}")


def test_series_form_lists_conflicts_and_saves_nothing(
    client, receptionist_a, booked, make_client, catalogue, technician_a
):
    # The first date is a free time; the same time a week later is taken.
    blocker = appointment_book(actor=receptionist_a, data=Booking(
        client=booked.client, branch=booked.branch, services=[catalogue["facial"]],
        start=tomorrow_at(11) + timedelta(days=7), technician=technician_a))  # fmt: skip
    other = make_client("Trần Văn Nam")
    client.force_login(receptionist_a)
    response = client.post(reverse("booking:book", args=[other.pk]), {
        "services": [catalogue["facial"].pk], "technician": technician_a.pk,
        "day": tomorrow_at(0).strftime("%d/%m/%Y"),
        "time": "11:00", "repeat_every": "1", "repeat_unit": "weeks", "repeat_count": "3",
    })  # fmt: skip
    assert response.status_code == 200 and 'data-testid="conflicts"' in response.content.decode()
    assert set(Appointment.objects.values_list("pk", flat=True)) == {booked.pk, blocker.pk}


def test_ical_feed_is_secret_and_revocable(client, technician_a, booked):
    client.force_login(technician_a)
    client.get(reverse("booking:my_feed"))
    token = CalendarFeed.objects.get(staff=technician_a).token
    anonymous = HttpClient()
    response = anonymous.get(reverse("booking:feed", args=[token]))
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1 and str(events[0]["summary"]).startswith("Hoa:")
    assert "0912" not in response.content.decode() and "Nguyễn" not in response.content.decode()
    client.post(reverse("booking:my_feed"))  # a new address
    assert anonymous.get(reverse("booking:feed", args=[token])).status_code == 404


def test_public_booking_matches_a_returning_phone_and_shows_nothing_of_it(
    make_client, branch_a, catalogue, working_week
):
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678", email="hoa@example.com")
    public = HttpClient(enforce_csrf_checks=True)
    page = public.get(reverse("public_booking:page", args=[branch_a.code]), {"service": catalogue["facial"].pk,
                                                                             "day": tomorrow_at(0).date().isoformat()})  # fmt: skip
    assert 'data-testid="slot"' in page.content.decode()
    confirm_url = reverse("public_booking:confirm", args=[branch_a.code])
    start = tomorrow_at(10).strftime("%Y-%m-%dT%H:%M")
    form = public.get(confirm_url, {"service": catalogue["facial"].pk, "start": start})
    token = form.cookies["csrftoken"].value
    data = {"service": catalogue["facial"].pk, "start": start, "full_name": "Hoa", "phone": "+84 912 345 678",
            "csrfmiddlewaretoken": token}  # fmt: skip
    assert public.post(confirm_url, {**data, "csrfmiddlewaretoken": "forged"}).status_code == 403
    done = public.post(confirm_url, data, follow=True)
    body = done.content.decode()
    assert 'data-testid="booked"' in body
    assert "Nguyễn Thị Hoa" not in body and "hoa@example.com" not in body
    appointment = Appointment.objects.get()
    assert appointment.client == hoa and appointment.source == "online"
    assert Client.objects.count() == 1


def test_public_booking_creates_a_minimal_profile_for_a_new_phone(
    branch_a, catalogue, working_week
):
    public = HttpClient()
    confirm_url = reverse("public_booking:confirm", args=[branch_a.code])
    data = {"service": catalogue["facial"].pk, "start": tomorrow_at(11).strftime("%Y-%m-%dT%H:%M"),
            "full_name": "Phạm Thị Cúc", "phone": "0987 654 321", "remind_by": "zalo"}  # fmt: skip
    assert 'data-testid="booked"' in public.post(confirm_url, data, follow=True).content.decode()
    client = Client.objects.get()
    assert client.full_name == "Phạm Thị Cúc" and client.branch == branch_a
    assert ClientPhone.objects.get().e164 == "+84987654321"
    # Anyone can type a phone: the consent waits for the client to confirm it.
    assert not client.consents.exists() and client.preferred_channel == ""
    assert client.consent_requests.get().channel == "zalo"


def test_public_booking_is_rate_limited(branch_a, catalogue, working_week):
    public = HttpClient()
    confirm_url = reverse("public_booking:confirm", args=[branch_a.code])
    codes = [
        public.post(
            confirm_url,
            {"service": catalogue["facial"].pk, "start": "bad", "full_name": "A B", "phone": "1"},
        ).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]


def test_complete_opens_the_treatment_log_prefilled_and_links_the_session(
    client, technician_a, booked, catalogue
):
    client.force_login(technician_a)
    response = client.post(reverse("booking:status", args=[booked.pk, "complete"]))
    form_url = response["Location"]
    page = client.get(form_url).content.decode()
    assert f'name="appointment" value="{booked.pk}"' in page
    assert re.search(rf'name="services" value="{catalogue["facial"].pk}" id="[^"]+" checked', page)
    data = {
        "appointment": booked.pk, "performed_at": "01/01/2030 10:00", "services": [catalogue["facial"].pk],
        "technicians": [technician_a.pk], "products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0",
    }  # fmt: skip
    assert client.post(form_url, data).status_code == 302
    booked.refresh_from_db()
    assert booked.status == Status.COMPLETED and booked.session is not None


def test_staff_get_their_next_day_agenda_once(technician_a, booked, mailoutbox):
    from spa.booking.reminders import agendas_send

    technician_a.email = "thao@example.com"
    technician_a.save()
    assert agendas_send(day=tomorrow_at(0).date()) == 1
    assert agendas_send(day=tomorrow_at(0).date()) == 0  # never twice
    assert len(mailoutbox) == 1 and "09:00" in mailoutbox[0].body and "Hoa" in mailoutbox[0].body
    assert "Nguyễn" not in mailoutbox[0].body  # first names only


def test_preferred_channel_set_when_staff_confirm_online_consent_is_in_the_history(
    client, receptionist_a, branch_a, catalogue, working_week
):
    from spa.audit.models import Action, AuditEntry

    confirm_url = reverse("public_booking:confirm", args=[branch_a.code])
    data = {"service": catalogue["facial"].pk, "start": tomorrow_at(11).strftime("%Y-%m-%dT%H:%M"),
            "full_name": "Phạm Thị Cúc", "phone": "0987 654 321", "remind_by": "sms"}  # fmt: skip
    HttpClient().post(confirm_url, data)
    cuc = Client.objects.get()
    assert not AuditEntry.objects.filter(client_id=cuc.pk, action=Action.UPDATE).exists()
    client.force_login(receptionist_a)
    request = cuc.consent_requests.get()
    client.post(
        reverse("clients:consent_request", args=[cuc.pk, request.pk]), {"decision": "confirm"}
    )
    entry = AuditEntry.objects.get(client_id=cuc.pk, action=Action.UPDATE)
    assert entry.changes["preferred_channel"] == ["", "sms"]
    assert entry.actor == receptionist_a
