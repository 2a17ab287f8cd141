"""The affected clients of a breach, generated from the audit history: in and out of the
window, by branch and by staff; and the Excel export of the list, itself audited."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from spa.audit.models import Action, AuditEntry
from spa.clients.services import client_update
from spa.privacy.selectors import affected_clients

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(make_client, receptionist_a, receptionist_b, manager_a, branch_b):
    """Clients whose records were touched (through the real services) at known times:
    `start` is the breach window's start, the window is 2 hours long."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=3)
    with time_machine.travel(start - timedelta(days=10), tick=False):
        before = make_client("Trần Văn Trước")  # created long before the window
        changed = make_client("Lê Thị Sửa")
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        inside = make_client("Nguyễn Thị Trong")
        client_update(actor=manager_a, client=changed, fields={"occupation": "Giáo viên"})
        other_branch = make_client("Phạm Văn Bê", actor=receptionist_b, branch=branch_b)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        make_client("Hoàng Thị Sau")  # exactly at the window's end: outside
    return {"start": start, "end": start + timedelta(hours=2), "before": before,
            "changed": changed, "inside": inside, "other_branch": other_branch}  # fmt: skip


def test_the_clients_touched_in_the_window_are_affected(history):
    got = affected_clients(history["start"], history["end"])
    assert {c.full_name for c in got} == {"Lê Thị Sửa", "Nguyễn Thị Trong", "Phạm Văn Bê"}
    changed = next(c for c in got if c.pk == history["changed"].pk)
    assert changed.touches == 1
    assert changed.first_touch == history["start"] + timedelta(minutes=30)


def test_a_wider_window_takes_in_earlier_touches(history):
    got = affected_clients(history["start"] - timedelta(days=11), history["end"])
    assert history["before"].pk in {c.pk for c in got}
    changed = next(c for c in got if c.pk == history["changed"].pk)
    assert changed.touches == 2  # created, then changed


def test_the_branch_filter_keeps_only_that_branchs_clients(history, branch_b):
    got = affected_clients(history["start"], history["end"], branch_ids=[branch_b.pk])
    assert [c.pk for c in got] == [history["other_branch"].pk]


def test_the_staff_filter_keeps_only_what_they_touched(history, manager_a):
    got = affected_clients(history["start"], history["end"], actor_ids=[manager_a.pk])
    assert [c.pk for c in got] == [history["changed"].pk]


def test_a_read_alone_makes_a_client_affected_and_counts_with_the_changes(
    history, technician_a, manager_a
):
    """Who looked (the access log) joins the audit history: a client only read in the
    window is affected, by whom it was read, and a read adds to a changed client's count."""
    from spa.audit.models import AccessKind
    from spa.audit.services import access_record

    read_at = history["start"] + timedelta(minutes=45)
    with time_machine.travel(read_at, tick=False):
        access_record(viewer=technician_a, client_id=history["before"].pk,
                      kinds=[AccessKind.PROFILE, AccessKind.HEALTH])  # fmt: skip
        access_record(viewer=manager_a, client_id=history["changed"].pk, kinds=AccessKind.PROFILE)
    with time_machine.travel(history["end"] + timedelta(minutes=1), tick=False):
        access_record(viewer=technician_a, client_id=history["inside"].pk, kinds=AccessKind.PROFILE)

    got = {c.pk: c for c in affected_clients(history["start"], history["end"])}
    before = got[history["before"].pk]  # created long ago, only read in the window
    assert (before.touches, before.first_touch, before.last_touch) == (2, read_at, read_at)
    changed = got[history["changed"].pk]  # changed at +30 min, read at +45 min
    assert changed.touches == 2
    assert (changed.first_touch, changed.last_touch) == (
        history["start"] + timedelta(minutes=30), read_at)  # fmt: skip
    assert got[history["inside"].pk].touches == 1  # the read after the window is not counted
    by_technician = affected_clients(history["start"], history["end"], actor_ids=[technician_a.pk])
    assert [c.pk for c in by_technician] == [history["before"].pk]


def test_the_incident_page_lists_the_affected_of_its_window(client, manager_a, history,
                                                            make_incident, branch_a, branch_b):  # fmt: skip
    incident = make_incident(window_start=history["start"], window_end=history["end"],
                             branches=[branch_a, branch_b])  # fmt: skip
    client.force_login(manager_a)
    page = client.get(reverse("privacy:incident", args=[incident.pk]))
    names = {c.full_name for c in page.context["affected"]}
    # A manager sees their own branch's share only.
    assert names == {"Lê Thị Sửa", "Nguyễn Thị Trong"}
    assert page.context["affected_count"] == 2


def test_the_export_lists_the_affected_and_is_audited(client, owner, history, make_incident):
    incident = make_incident(window_start=history["start"], window_end=history["end"],
                             branches=[])  # fmt: skip
    client.force_login(owner)
    exports_before = AuditEntry.objects.filter(action=Action.EXPORT).count()
    response = client.get(reverse("privacy:affected_export", args=[incident.pk]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert {r[1] for r in rows[1:]} == {"Lê Thị Sửa", "Nguyễn Thị Trong", "Phạm Văn Bê"}
    assert all(r[2] for r in rows[1:])  # the owner gets the phone to notify them
    entry = AuditEntry.objects.filter(action=Action.EXPORT).latest("id")
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == exports_before + 1
    assert entry.actor == owner and f"incident {incident.pk}" in entry.summary
    assert entry.summary.startswith("3 ")


def test_an_incident_without_a_window_has_no_list_to_export(client, owner, make_incident):
    incident = make_incident()
    client.force_login(owner)
    assert client.get(reverse("privacy:affected_export", args=[incident.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()
