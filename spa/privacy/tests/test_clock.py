"""The 72-hour clock from detection: time left, overdue, and the notification stops it."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from spa.privacy.models import IncidentStatus
from spa.privacy.selectors import incident_clock
from spa.privacy.services import incident_update

pytestmark = pytest.mark.django_db


def test_the_clock_runs_72_hours_from_detection(make_incident):
    detected = timezone.now().replace(microsecond=0) - timedelta(hours=10)
    incident = make_incident(detected_at=detected)
    clock = incident_clock(incident, now=detected + timedelta(hours=10, minutes=15))
    assert clock.state == "running"
    assert clock.deadline == detected + timedelta(hours=72)
    assert (clock.hours_left, clock.minutes_left) == (61, 45)


def test_the_clock_is_overdue_after_72_hours_without_notification(make_incident):
    detected = timezone.now() - timedelta(hours=80)
    incident = make_incident(detected_at=detected)
    clock = incident_clock(incident, now=detected + timedelta(hours=75, minutes=30))
    assert clock.state == "overdue"
    assert clock.hours_over == 3


def test_notifying_the_authority_stops_the_clock(owner, make_incident):
    detected = timezone.now() - timedelta(hours=100)
    incident = make_incident(detected_at=detected)
    incident_update(actor=owner, incident=incident, fields={
        "status": IncidentStatus.NOTIFIED, "notified_at": detected + timedelta(hours=50)})  # fmt: skip
    incident.refresh_from_db()
    for later in (timedelta(hours=60), timedelta(hours=500)):
        clock = incident_clock(incident, now=detected + later)
        assert clock.state == "notified" and not clock.late
        assert clock.left == timedelta(hours=22)


def test_a_notification_after_the_deadline_is_marked_late(owner, make_incident):
    detected = timezone.now() - timedelta(hours=100)
    incident = make_incident(detected_at=detected)
    incident_update(actor=owner, incident=incident, fields={
        "status": IncidentStatus.NOTIFIED, "notified_at": detected + timedelta(hours=80)})  # fmt: skip
    incident.refresh_from_db()
    clock = incident_clock(incident)
    assert clock.state == "notified" and clock.late


def test_marking_notified_without_a_time_stops_the_clock_now(owner, make_incident):
    incident = make_incident()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        incident_update(actor=owner, incident=incident, fields={"status": IncidentStatus.NOTIFIED})
        incident.refresh_from_db()
        assert incident.notified_at == timezone.now()
        traveller.shift(timedelta(days=10))
        assert incident_clock(incident).state == "notified"


def test_the_list_shows_time_left_and_highlights_the_overdue(client, owner, make_incident):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        make_incident(title="Sự cố mới", detected_at=start - timedelta(hours=2))
        make_incident(title="Sự cố cũ", detected_at=start - timedelta(hours=71))
        client.force_login(owner)
        page = client.get(reverse("privacy:incidents")).content.decode()
        assert page.count('data-state="running"') == 2 and "overdue" not in page
        assert 'data-hours-left="70"' in page and 'data-hours-left="1"' in page
        traveller.shift(timedelta(hours=2))
        page = client.get(reverse("privacy:incidents")).content.decode()
    assert page.count('data-state="overdue"') == 1
    assert page.count('class="incident-overdue"') == 1
    # The overdue one is listed first (nearest deadline first).
    assert page.index("Sự cố cũ") < page.index("Sự cố mới")


def test_the_list_costs_the_same_queries_for_more_incidents(client, owner, make_incident):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner)
    client.get(reverse("privacy:incidents"))  # the session and caches warmed
    counts = []
    for _ in range(2):
        for _ in range(3):
            make_incident()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("privacy:incidents")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
