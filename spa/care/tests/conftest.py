"""Helpers of the care tests: a session logged through the real service (its survey is
planned on commit), and a consenting client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from spa.clients.services import client_consent_record
from spa.treatments.services import SessionInput, session_log


@pytest.fixture
def log_visit(technician_a, catalogue, django_capture_on_commit_callbacks):
    def log(client, *, when=None, service="facial"):
        when = when or timezone.now() - timedelta(minutes=5)
        with django_capture_on_commit_callbacks(execute=True):
            return session_log(actor=technician_a, data=SessionInput(
                client=client, branch=client.branch, performed_at=when,
                services=[catalogue[service]], technicians=[technician_a]))  # fmt: skip

    return log


@pytest.fixture
def emailing_client(make_client, receptionist_a):
    def make(name="Nguyễn Thị Hoa", **fields):
        client = make_client(name, email="hoa@example.com", preferred_channel="email", **fields)
        client_consent_record(actor=receptionist_a, client=client, channel="email", granted=True,
                              method="paper")  # fmt: skip
        return client

    return make
