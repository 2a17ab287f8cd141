"""The real worker (`manage.py run_huey`, a separate process) sends the survey after a
visit: a logged session leads to exactly one email, to a real SMTP server started here,
whose link opens the survey page; the client who did not consent gets none."""

import email
import re
import time
from datetime import time as clock

import pytest
import requests
from aiosmtpd.controller import Controller
from django.utils import timezone

from spa.care.models import CareSettings, SurveyInvite, SurveyReason, SurveyStatus
from spa.clients.services import client_consent_record
from spa.treatments.services import SessionInput, session_log
from tests.worker.helpers import Inbox, free_port, start_worker, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


def _body(content: str) -> str:
    message = email.message_from_bytes(content.encode("utf-8"))
    return message.get_payload(decode=True).decode("utf-8")


def test_a_logged_session_leads_to_one_survey_email_with_a_working_link(
    live_server, make_client, receptionist_a, technician_a, catalogue
):
    from huey.contrib.djhuey import HUEY

    now = timezone.localtime()
    if not clock(8, 0) <= now.time() < clock(20, 55):
        pytest.skip("surveys wait for the morning at night")
    CareSettings.objects.update_or_create(pk=1, defaults={"survey_delay_minutes": 0})
    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email",
                      language="en")  # fmt: skip
    client_consent_record(actor=receptionist_a, client=hoa, channel="email", granted=True,
                          method="paper")  # fmt: skip
    lan = make_client("Trần Thị Lan", email="lan@example.com", preferred_channel="email")

    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    HUEY.immediate = False  # the real queue and the real worker
    env = worker_env(smtp_port, HUEY.storage.filename, SITE_URL=live_server.url)
    worker = None
    output = ""
    try:
        for client in (hoa, hoa, lan):  # two sessions of Hoa the same day: one visit
            session_log(actor=technician_a, data=SessionInput(
                client=client, branch=client.branch, performed_at=timezone.now(),
                services=[catalogue["facial"]], technicians=[technician_a]))  # fmt: skip
        worker = start_worker(env)
        assert wait_for(lambda: len(inbox.messages) >= 1, 60), "no survey arrived"
        time.sleep(3)  # room for a duplicate to show up, if there were one
    finally:
        HUEY.immediate = True
        if worker is not None:
            worker.terminate()
            output = worker.communicate(timeout=20)[0].decode(errors="replace")
        smtp.stop()

    assert len(inbox.messages) == 1, output
    recipients, content = inbox.messages[0]
    assert recipients == ["hoa@example.com"]
    text = _body(content)
    assert "How was it?" in text  # the client's language
    link = re.search(r"(http://\S+/s/[\w-]+/)", text).group(1)
    invite = SurveyInvite.objects.get(client=hoa)
    assert invite.status == SurveyStatus.SENT and invite.attempts == 1
    assert link == f"{live_server.url}/s/{invite.token}/"
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and 'data-testid="survey"' in page.text
    skipped = SurveyInvite.objects.get(client=lan)
    assert (skipped.status, skipped.reason) == (SurveyStatus.SKIPPED, SurveyReason.NO_CONSENT)
