"""An anonymous booking never widens anyone's access: the public page takes no
technician, matches phones only within its own branch, gives the technician access
to the profile only once staff confirm, and records consent only once the client
confirms it."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from conftest import tomorrow_at
from spa.booking.models import Appointment
from spa.clients.models import CareLink, Client, ConsentRecord, ConsentRequest
from spa.clients.services import client_health_update


def book_online(branch, catalogue, phone, name="Khách Lạ", **extra):
    url = reverse("public_booking:confirm", args=[branch.code])
    data = {"service": catalogue["facial"].pk, "start": tomorrow_at(10).strftime("%Y-%m-%dT%H:%M"),
            "full_name": name, "phone": phone, **extra}  # fmt: skip
    response = HttpClient().post(url, data, follow=True)
    assert 'data-testid="booked"' in response.content.decode()
    return Appointment.objects.order_by("-id").first()


@pytest.mark.django_db
def test_a_phone_of_another_branch_books_a_new_profile_and_reaches_nothing_of_the_other(
    client, make_client, receptionist_b, technician_a, technician_b, receptionist_a,
    branch_a, branch_b, catalogue, working_week,
):  # fmt: skip
    lan = make_client("Trần Thị Lan", phone="0903111222", actor=receptionist_b)
    client_health_update(actor=technician_b, client=lan, values={"medications": "Isotretinoin"})
    other_tech = technician_b

    appointment = book_online(branch_a, catalogue, "0903111222", name="Lan",
                              technician=other_tech.pk, remind_by="sms")  # fmt: skip

    assert appointment.client != lan and appointment.client.branch == branch_a
    assert appointment.technician.branch == branch_a  # the posted technician is not taken
    assert not CareLink.objects.filter(client=lan).exclude(staff=receptionist_b).exists()
    assert not ConsentRecord.objects.filter(client=lan).exists()
    assert not ConsentRequest.objects.filter(client=lan).exists()
    for person in (technician_a, receptionist_a):
        client.force_login(person)
        assert client.get(reverse("clients:detail", args=[lan.pk])).status_code == 404
    client.force_login(receptionist_a)
    day = client.get(reverse("booking:day"), {"date": tomorrow_at(0).date().isoformat()})
    assert "Trần Thị Lan" not in day.content.decode()
    # The new profile tells the desk to check it against the other branch.
    assert "chi nhánh khác" in appointment.client.notes


@pytest.mark.django_db
def test_the_technician_may_open_the_profile_only_once_staff_confirm_the_online_booking(
    client, make_client, receptionist_a, technician_a, branch_a, catalogue, working_week
):
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")
    working_week["technicians"][1].is_active = False  # one technician: the booking is hers
    working_week["technicians"][1].save()

    appointment = book_online(branch_a, catalogue, "0912345678", name="Hoa")

    assert appointment.client == hoa and appointment.technician == technician_a
    assert appointment.awaiting_confirmation
    client.force_login(technician_a)
    assert client.get(reverse("clients:detail", args=[hoa.pk])).status_code == 404
    client.force_login(receptionist_a)
    page = client.get(reverse("booking:detail", args=[appointment.pk])).content.decode()
    assert 'data-testid="to-confirm"' in page and 'data-testid="confirm"' in page
    assert (
        client.post(reverse("booking:status", args=[appointment.pk, "confirm"])).status_code == 302
    )

    appointment.refresh_from_db()
    assert not appointment.awaiting_confirmation
    client.force_login(technician_a)
    assert client.get(reverse("clients:detail", args=[hoa.pk])).status_code == 200


@pytest.mark.django_db
def test_consent_typed_on_the_online_page_waits_for_the_client_to_confirm_it(
    client, make_client, receptionist_a, branch_a, catalogue, working_week
):
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")

    appointment = book_online(branch_a, catalogue, "0912345678", remind_by="sms")

    assert not ConsentRecord.objects.filter(client=hoa).exists()
    assert {r.reason for r in appointment.reminders.all()} <= {"no_channel", "no_consent"}
    request = ConsentRequest.objects.get(client=hoa)
    assert request.state == ConsentRequest.State.PENDING
    client.force_login(receptionist_a)
    profile = client.get(reverse("clients:detail", args=[hoa.pk])).content.decode()
    assert 'data-testid="consent-request"' in profile and "Chưa có hiệu lực" in profile

    client.post(
        reverse("clients:consent_request", args=[hoa.pk, request.pk]), {"decision": "confirm"}
    )

    record = ConsentRecord.objects.get(client=hoa)
    assert record.granted and record.channel == "sms" and record.recorded_by == receptionist_a
    hoa.refresh_from_db()
    assert hoa.preferred_channel == "sms"
    assert client.post(reverse("clients:consent_request", args=[hoa.pk, request.pk]),
                       {"decision": "confirm"}).status_code == 404  # fmt: skip
    assert Client.objects.count() == 1


@pytest.mark.django_db
def test_confirm_and_consent_request_matrices(client, people, make_client, branch_a, catalogue,
                                              working_week):  # fmt: skip
    from conftest import ROLES

    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")
    expected = {"anonymous": 302, "owner": 302, "manager_a": 302, "manager_b": 404,
                "receptionist_a": 302, "receptionist_b": 404,
                # by now confirmed bookings made her the client's technician: she sees the
                # client but may neither confirm bookings nor record consent
                "technician_a": 403, "technician_b": 404}  # fmt: skip
    for role in ROLES:
        appointment = book_online(branch_a, catalogue, "0912345678", remind_by="zalo")
        request = ConsentRequest.objects.filter(client=hoa, state="pending").latest("id")
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        confirm = client.post(reverse("booking:status", args=[appointment.pk, "confirm"]))
        decide = client.post(reverse("clients:consent_request", args=[hoa.pk, request.pk]),
                             {"decision": "discard"})  # fmt: skip
        assert (role, confirm.status_code, decide.status_code) == (
            role,
            expected[role],
            expected[role],
        )
        appointment.refresh_from_db()
        assert appointment.awaiting_confirmation == (expected[role] != 302 or role == "anonymous")
        appointment.delete()


@pytest.mark.django_db
def test_reloading_the_booked_page_does_not_book_again(branch_a, catalogue, working_week):
    url = reverse("public_booking:confirm", args=[branch_a.code])
    data = {"service": catalogue["facial"].pk, "start": tomorrow_at(10).strftime("%Y-%m-%dT%H:%M"),
            "full_name": "Đỗ Minh Anh", "phone": "0903999888"}  # fmt: skip
    public = HttpClient()
    response = public.post(url, data)
    assert response.status_code == 302
    for _ in range(3):  # the client reloads the page
        page = public.get(response["Location"])
        assert page.status_code == 200 and 'data-testid="booked"' in page.content.decode()
    assert Appointment.objects.count() == 1
    tampered = response["Location"][:-3] + "xyz"
    assert public.get(tampered).status_code == 404


@pytest.mark.django_db
def test_calendar_feed_and_agenda_show_the_typed_name_until_confirmed(
    client, make_client, technician_a, branch_a, catalogue, working_week, mailoutbox
):
    from spa.booking.models import CalendarFeed
    from spa.booking.reminders import agendas_send

    make_client("Nguyễn Thị Hoa", phone="0912345678")
    working_week["technicians"][1].is_active = False
    working_week["technicians"][1].save()
    book_online(branch_a, catalogue, "0912345678", name="Khách Lạ")
    feed = CalendarFeed.objects.create(staff=technician_a)
    ics = HttpClient().get(reverse("booking:feed", args=[feed.token])).content.decode()
    assert "Khách Lạ" in ics and "Hoa" not in ics
    technician_a.email = "thao@example.com"
    technician_a.save()
    agendas_send(day=tomorrow_at(0).date())
    assert "Khách Lạ" in mailoutbox[0].body and "Hoa" not in mailoutbox[0].body
