"""The same survey link answered from two tabs (or two phones) at the same instant:
exactly one answer is kept, and at most one care task opened."""

import re

import pytest
import requests
from django.urls import reverse

from spa.care.models import CareTask, Feedback, SurveyInvite
from spa.clients.services import client_consent_record
from spa.treatments.services import SessionInput, session_log
from tests.concurrency.conftest import post_together

pytestmark = pytest.mark.django_db(transaction=True)


def _tab(live_server, path):
    http = requests.Session()
    page = http.get(f"{live_server.url}{path}", timeout=10)
    return http, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_two_tabs_answering_at_once_keep_exactly_one_answer(
    live_server, make_client, receptionist_a, technician_a, catalogue
):
    from django.utils import timezone

    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email")
    client_consent_record(actor=receptionist_a, client=hoa, channel="email", granted=True,
                          method="paper")  # fmt: skip
    session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=hoa.branch, performed_at=timezone.now(),
        services=[catalogue["facial"]], technicians=[technician_a]))  # fmt: skip
    invite = SurveyInvite.objects.get()  # planned on commit (a transactional test commits)
    path = reverse("care_public:survey", args=[invite.token])
    attempts = []
    for i in range(6):
        http, token = _tab(live_server, path)
        attempts.append((http, token, path, {"overall": str(1 + i % 2), "comment": f"tab {i}"}))
    codes = post_together(live_server, attempts)
    assert codes.count(302) == 1, codes
    assert set(codes) <= {302, 410}
    assert Feedback.objects.filter(invite=invite).count() == 1
    assert CareTask.objects.count() == 1
