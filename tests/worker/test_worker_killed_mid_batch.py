"""`kill -9` of the real worker while it is sending a batch of reminders, then a
restart: every due reminder arrives exactly once at the SMTP server and at the SMS
gateway (which, like a real provider, drops a repeat of an idempotency key it has
already accepted), nothing stays 'sending', and each reminder has one successful
attempt on record."""

import email
import json
import signal
import threading
import time
from datetime import time as clock
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from spa.accounts.models import SpaSettings
from spa.booking.models import Reminder, ReminderReason, ReminderStatus, Shift
from spa.booking.services import Booking, appointment_book
from spa.catalog.models import Service, ServiceCategory, ServicePrice
from spa.clients.services import client_consent_record
from tests.worker.helpers import Inbox, free_port, start_worker, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)
LEASE_SECONDS = 3


class SlowGateway(BaseHTTPRequestHandler):
    """An SMS provider that takes its time and keeps each idempotency key once."""

    received: list = []  # every request, repeats included
    accepted: dict = {}  # idempotency key -> body, as the provider delivers them

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers.get("Idempotency-Key")
        SlowGateway.received.append((key, body["attempt"]))
        time.sleep(0.6)
        SlowGateway.accepted.setdefault(key, body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def message_ids(inbox: Inbox) -> list[str]:
    return [email.message_from_string(content)["Message-ID"] for _to, content in inbox.messages]


def test_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    make_client, receptionist_a, technician_a, branch_a
):
    tomorrow = timezone.localdate() + timedelta(days=1)
    Shift.objects.create(staff=technician_a, weekday=tomorrow.weekday(), start=clock(0), end=clock(23, 59))  # fmt: skip
    service = Service.objects.create(
        name="Gội đầu", category=ServiceCategory.objects.create(name="Tóc"), duration_minutes=15
    )
    ServicePrice.objects.create(service=service, branch=branch_a, price=150_000)
    inbox, smtp_port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    SlowGateway.received, SlowGateway.accepted = [], {}
    http = ThreadingHTTPServer(("127.0.0.1", free_port()), SlowGateway)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    SpaSettings.objects.update_or_create(pk=1, defaults={
        "reminder_offsets": [60], "sms_gateway_url": f"http://127.0.0.1:{http.server_port}/send"})  # fmt: skip

    # Twelve appointments tomorrow, half reminded by email and half by SMS.
    start = timezone.make_aware(timezone.datetime.combine(tomorrow, clock(8)))
    for n in range(12):
        channel = "email" if n % 2 else "sms"
        client = make_client(f"Khách Số {n}", email=f"k{n}@example.com", preferred_channel=channel)
        client_consent_record(actor=receptionist_a, client=client, channel=channel, granted=True, method="paper")  # fmt: skip
        appointment_book(actor=receptionist_a, data=Booking(
            client=client, branch=branch_a, services=[service], technician=technician_a,
            start=start + timedelta(minutes=15 * n)))  # fmt: skip
    # All of them are due now, and their scheduled jobs were lost: only the sweep finds them.
    now = timezone.now()
    for n, reminder in enumerate(Reminder.objects.order_by("appointment__start")):
        Reminder.objects.filter(pk=reminder.pk).update(due_at=now - timedelta(seconds=12 - n))
    sms_keys = {f"spa-reminder-{pk}" for pk in Reminder.objects.filter(channel="sms").values_list("pk", flat=True)}  # fmt: skip
    email_ids = set(Reminder.objects.filter(channel="email").values_list("pk", flat=True))

    env = worker_env(
        smtp_port, settings.HUEY["filename"], REMINDER_LEASE_SECONDS=str(LEASE_SECONDS)
    )
    first = start_worker(env)
    second = None
    try:
        # Kill it while the gateway is answering the third SMS: that one is mid-send.
        assert wait_for(lambda: len(SlowGateway.received) >= 3, 60), "the worker sent nothing"
        time.sleep(0.2)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        stuck = Reminder.objects.filter(status=ReminderStatus.SENDING)
        assert stuck.count() == 1, "the kill did not land mid-send"
        assert Reminder.objects.filter(status=ReminderStatus.SENT).count() < 12

        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
        second = start_worker(env)
        assert wait_for(
            lambda: Reminder.objects.filter(status=ReminderStatus.SENT).count() == 12, 90
        ), list(Reminder.objects.values_list("pk", "status", "note"))
        time.sleep(2)  # room for a duplicate to show up, if there were one
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.communicate(timeout=20)
        smtp.stop()
        http.shutdown()

    # Exactly once at each sink.
    assert set(SlowGateway.accepted) == sms_keys and len(SlowGateway.accepted) == 6
    ids = message_ids(inbox)
    assert len(ids) == len(set(ids)) == 6
    assert {int(i.strip("<>").split("@")[0].rsplit("-", 1)[1]) for i in ids} == email_ids
    # The one cut off mid-send was sent again with the same key, as attempt 2.
    repeats = [key for key in sms_keys if [k for k, _a in SlowGateway.received].count(key) > 1]
    assert len(repeats) <= 1
    for key in repeats:
        assert sorted(a for k, a in SlowGateway.received if k == key) == [1, 2]
    for reminder in Reminder.objects.all():
        outcomes = [a.ok for a in reminder.attempt_log.all()]
        assert outcomes.count(True) == 1 and None not in outcomes, (reminder.pk, outcomes)
    interrupted = Reminder.objects.filter(attempt_log__detail=ReminderReason.INTERRUPTED)
    assert interrupted.count() == 1 and interrupted.get().attempts == 2
