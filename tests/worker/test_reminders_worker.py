"""The real worker (`manage.py run_huey`, a separate process) sends reminders at their
time: one email to a real SMTP server started here for the client who consented,
nothing for the one who did not, and an SMS through an HTTP gateway stub that fails
once and is retried."""

import json
import threading
import time
from datetime import time as clock
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from conftest import _staff
from spa.accounts.models import Role, SpaSettings
from spa.booking.models import DeliveryAttempt, Reminder, ReminderStatus, Shift
from spa.booking.services import Booking, appointment_book
from spa.catalog.models import Service, ServiceCategory, ServicePrice
from spa.clients.services import client_consent_record
from tests.worker.helpers import Inbox, free_port, start_worker, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


class Gateway(BaseHTTPRequestHandler):
    calls: list = []
    fail_first = True

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Gateway.calls.append((self.headers.get("Authorization"), body))
        status = 503 if Gateway.fail_first and len(Gateway.calls) == 1 else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_worker_sends_one_reminder_at_its_time_and_only_with_consent(
    make_client, technician_a, receptionist_a, branch_a
):
    from huey.contrib.djhuey import HUEY

    now = timezone.localtime()
    start = now + timedelta(minutes=1, seconds=12)  # the 1-minute reminder is due in ~12 s
    if (start + timedelta(minutes=15)).date() != now.date():
        pytest.skip("too close to midnight for a same-day appointment")
    technicians = [
        technician_a,
        _staff("tam", Role.TECHNICIAN, branch_a),
        _staff("tu", Role.TECHNICIAN, branch_a),
    ]
    for person in technicians:
        Shift.objects.create(
            staff=person, weekday=now.weekday(), start=clock(0, 0), end=clock(23, 59)
        )
    service = Service.objects.create(
        name="Gội đầu", category=ServiceCategory.objects.create(name="Tóc"), duration_minutes=15
    )
    ServicePrice.objects.create(service=service, branch=branch_a, price=150_000)

    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    Gateway.calls = []
    http = ThreadingHTTPServer(("127.0.0.1", free_port()), Gateway)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    SpaSettings.objects.update_or_create(pk=1, defaults={
        "reminder_offsets": [1], "sms_gateway_url": f"http://127.0.0.1:{http.server_port}/send",
        "sms_gateway_token": "secret-token"})  # fmt: skip

    consenting = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email")
    client_consent_record(
        actor=receptionist_a, client=consenting, channel="email", granted=True, method="paper"
    )
    silent = make_client("Trần Thị Lan", email="lan@example.com", preferred_channel="email")
    by_sms = make_client("Lê Thị Thu", preferred_channel="sms", language="en")
    client_consent_record(
        actor=receptionist_a, client=by_sms, channel="sms", granted=True, method="online"
    )

    HUEY.immediate = False  # this test uses the real queue and the real worker
    env = worker_env(smtp_port, HUEY.storage.filename)
    worker = None
    try:
        for client, technician in zip((consenting, silent, by_sms), technicians, strict=True):
            booking = Booking(
                client=client,
                branch=branch_a,
                services=[service],
                start=start,
                technician=technician,
            )
            appointment_book(actor=receptionist_a, data=booking)
        due = Reminder.objects.filter(appointment__client=consenting).get().due_at
        worker = start_worker(env)
        # Not before its time.
        seconds_to_due = (due - timezone.now()).total_seconds()
        time.sleep(max(0.0, seconds_to_due - 2))
        assert inbox.messages == []
        # Then exactly one, to the client who consented.
        assert wait_for(lambda: len(inbox.messages) >= 1, 40), "no email arrived"
        assert wait_for(
            lambda: Reminder.objects.filter(
                appointment__client=by_sms, status=ReminderStatus.SENT
            ).exists(),
            60,
        )
        time.sleep(3)  # room for a duplicate to show up, if there were one
    finally:
        HUEY.immediate = True
        if worker is not None:
            worker.terminate()
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
        smtp.stop()
        http.shutdown()

    assert len(inbox.messages) == 1, output
    recipients, content = inbox.messages[0]
    assert recipients == ["hoa@example.com"]
    assert "Hoa" in content
    sent = Reminder.objects.get(appointment__client=consenting)
    assert sent.status == ReminderStatus.SENT and sent.sent_at >= due
    assert DeliveryAttempt.objects.filter(reminder=sent, ok=True).count() == 1
    assert Reminder.objects.get(appointment__client=silent).status == ReminderStatus.SKIPPED
    # SMS: the gateway failed once, the worker retried, the second attempt went out.
    assert [auth for auth, _body in Gateway.calls] == ["Bearer secret-token"] * 2
    assert Gateway.calls[1][1]["to"] == by_sms.phones.get().e164
    assert "reminder of your appointment" in Gateway.calls[1][1]["message"]  # the client's language
    sms = Reminder.objects.get(appointment__client=by_sms)
    assert [a.ok for a in sms.attempt_log.all()] == [False, True]
