"""A reminder uses the owner's text for the client's language and channel; without one,
the spa's reminder text, then the built-in text in the client's language. Email goes
out through the spa's own SMTP server when one is set."""

import json
import threading
from datetime import time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from spa.accounts.models import SpaSettings
from spa.booking.messaging import template_placeholders_unknown, template_render
from spa.booking.models import MessageTemplate, Reminder, ReminderStatus, Shift
from spa.booking.reminders import reminder_deliver
from spa.booking.services import Booking, appointment_book
from spa.clients.services import client_consent_record
from tests.worker.helpers import Inbox, free_port, wait_for

pytestmark = pytest.mark.django_db


class Gateway(BaseHTTPRequestHandler):
    calls: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        Gateway.calls.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SpaSettings.objects.update_or_create(
        pk=1, defaults={"sms_gateway_url": f"http://127.0.0.1:{server.server_port}/"}
    )
    yield Gateway.calls
    server.shutdown()
    server.server_close()


@pytest.fixture
def all_day(technician_a, midday):
    for day in range(7):
        Shift.objects.create(staff=technician_a, weekday=day, start=time(0), end=time(23, 59))


def remind(client, receptionist, technician, catalogue) -> Reminder:
    """Book in 61 minutes with a 30-minute reminder, make it due, deliver it."""
    SpaSettings.objects.update_or_create(pk=1, defaults={"reminder_offsets": [30]})
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=61)
    appointment = appointment_book(actor=receptionist, data=Booking(
        client=client, branch=client.branch, services=[catalogue["facial"]], start=start,
        technician=technician))  # fmt: skip
    reminder = appointment.reminders.get()
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now())
    reminder_deliver(reminder.pk)
    reminder.refresh_from_db()
    return reminder


def a_client(make_client, receptionist, channel, language, **fields):
    client = make_client("Trần Thị Lan", preferred_channel=channel, language=language, **fields)
    client_consent_record(
        actor=receptionist, client=client, channel=channel, granted=True, method="paper"
    )
    return client


def test_an_email_reminder_uses_the_text_for_the_clients_language(
    make_client, receptionist_a, technician_a, catalogue, all_day
):
    MessageTemplate.objects.create(kind="reminder", channel="email", language="en",
                                   body="Hi {name}, see you at {time} for {service} at {branch}.")  # fmt: skip
    MessageTemplate.objects.create(
        kind="reminder", channel="email", language="vi", body="Chào {name}"
    )
    MessageTemplate.objects.create(kind="reminder", channel="sms", language="en", body="SMS {name}")
    lan = a_client(make_client, receptionist_a, "email", "en", email="lan@example.com")

    reminder = remind(lan, receptionist_a, technician_a, catalogue)

    assert reminder.status == ReminderStatus.SENT
    [message] = mail.outbox
    start = timezone.localtime(reminder.appointment.start)
    assert message.body == (
        f"Hi Lan, see you at {start:%H:%M %d/%m/%Y} for {catalogue['facial'].name} at "
        f"{lan.branch.name}."
    )


def test_an_sms_reminder_uses_the_sms_text_and_the_gateway_gets_it(
    make_client, receptionist_a, technician_a, catalogue, all_day, gateway
):
    MessageTemplate.objects.create(kind="reminder", channel="sms", language="vi",
                                   body="{name} oi, {date} co lich {service}")  # fmt: skip
    MessageTemplate.objects.create(
        kind="reminder", channel="email", language="vi", body="email {name}"
    )
    lan = a_client(make_client, receptionist_a, "sms", "vi")

    reminder = remind(lan, receptionist_a, technician_a, catalogue)

    assert reminder.status == ReminderStatus.SENT
    start = timezone.localtime(reminder.appointment.start)
    assert [call["message"] for call in gateway] == [
        f"Lan oi, {start:%d/%m/%Y} co lich {catalogue['facial'].name}"
    ]


def test_without_a_text_for_the_language_the_built_in_text_is_used(
    make_client, receptionist_a, technician_a, catalogue, all_day
):
    MessageTemplate.objects.create(
        kind="reminder", channel="email", language="vi", body="Chào {name}"
    )
    MessageTemplate.objects.create(kind="reminder", channel="email", language="zh-hans",
                                   body="停用 {name}", is_active=False)  # fmt: skip
    lan = a_client(make_client, receptionist_a, "email", "zh-hans", email="lan@example.com")

    remind(lan, receptionist_a, technician_a, catalogue)

    [message] = mail.outbox
    assert "停用" not in message.body and "Chào" not in message.body
    assert "Lan" in message.body and catalogue["facial"].name in message.body


def test_the_spas_own_reminder_text_is_the_fallback_before_the_built_in_one(
    make_client, receptionist_a, technician_a, catalogue, all_day
):
    SpaSettings.objects.update_or_create(pk=1, defaults={"message_template": "Spa: {{ name }}"})
    lan = a_client(make_client, receptionist_a, "email", "vi", email="lan@example.com")
    remind(lan, receptionist_a, technician_a, catalogue)
    assert mail.outbox[0].body == "Spa: Lan"


def test_an_email_reminder_goes_through_the_spas_smtp_server_when_set(
    make_client, receptionist_a, technician_a, catalogue, all_day
):
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        SpaSettings.objects.update_or_create(pk=1, defaults={
            "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_use_tls": False,
            "smtp_from": "nhac-lich@hoasen.vn"})  # fmt: skip
        lan = a_client(make_client, receptionist_a, "email", "vi", email="lan@example.com")
        reminder = remind(lan, receptionist_a, technician_a, catalogue)
        assert reminder.status == ReminderStatus.SENT
        assert wait_for(lambda: inbox.messages, 5)
    finally:
        controller.stop()
    [(to, content)] = inbox.messages
    assert to == ["lan@example.com"] and "From: nhac-lich@hoasen.vn" in content
    assert mail.outbox == []  # not Django's configured backend


def test_placeholders_are_checked_and_filled():
    assert template_placeholders_unknown("{name} {time} {date} {service} {branch} {address}") == []
    assert template_placeholders_unknown("{ten} {name}") == ["ten"]
    assert template_placeholders_unknown("hello {name") == ["{"]
    assert template_render("{ name } / {other}", {"name": "Lan"}) == "Lan / {other}"
