"""Who may open each data-protection page (every role, anonymous included), recording
and changing an incident, and bad input refused with nothing saved."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.privacy.models import Incident, IncidentChange, IncidentStatus, NotificationDraft

pytestmark = pytest.mark.django_db

ANON = 302
MANAGERS = [ANON, 200, 200, 200, 403, 403, 403, 403]
BRANCH_A = [ANON, 200, 200, 404, 403, 403, 403, 403]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def _form(branch, **extra):
    data = {
        "title": "Email gửi nhầm danh sách khách",
        "detected_at": _when(timezone.now() - timedelta(hours=1)),
        "description": "Danh sách khách được gửi nhầm cho một nhà cung cấp.",
        "categories": ["contact"],
        "branches": [branch.pk],
        "status": "open",
    }
    data.update(extra)
    return data


def test_incident_list_and_new_page_access(client, people):
    assert statuses(client, people, reverse("privacy:incidents")) == MANAGERS
    assert statuses(client, people, reverse("privacy:incident_new")) == MANAGERS


def test_an_incident_of_branch_a_is_for_the_owner_and_manager_a(client, people, make_incident):
    incident = make_incident(window_start=timezone.now() - timedelta(days=1),
                             window_end=timezone.now())  # fmt: skip
    for name in ("privacy:incident", "privacy:incident_edit", "privacy:affected_export"):
        assert statuses(client, people, reverse(name, args=[incident.pk])) == BRANCH_A, name
    draft = reverse("privacy:draft", args=[incident.pk, "authority", "vi"])
    assert statuses(client, people, draft) == BRANCH_A


def test_a_spa_wide_incident_is_the_owners_only(client, people, make_incident):
    incident = make_incident(branches=[])
    assert statuses(client, people, reverse("privacy:incident", args=[incident.pk])) == [
        ANON, 200, 404, 404, 403, 403, 403, 403]  # fmt: skip


def test_the_records_of_processing_are_the_owners(client, people):
    assert statuses(client, people, reverse("privacy:processing")) == [
        ANON, 200, 403, 403, 403, 403, 403, 403]  # fmt: skip


def test_posting_is_refused_to_staff_who_may_not(client, people, branch_a):
    refused = {"anonymous": 302, "receptionist_a": 403, "technician_a": 403}
    for role, expected in refused.items():
        client.logout()
        if people[role]:
            client.force_login(people[role])
        assert client.post(reverse("privacy:incident_new"), _form(branch_a)).status_code == expected
    assert not Incident.objects.exists()


def test_a_manager_records_an_incident_of_their_branch_with_its_history(
    client, manager_a, branch_a
):
    client.force_login(manager_a)
    response = client.post(reverse("privacy:incident_new"), _form(branch_a))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert list(incident.branches.all()) == [branch_a]
    assert incident.categories == ["contact"] and incident.created_by == manager_a
    entry = IncidentChange.objects.get(incident=incident)
    assert entry.created and entry.actor == manager_a
    assert entry.changes["title"] == [None, "Email gửi nhầm danh sách khách"]
    assert entry.changes["branches"] == [None, ["Chi nhánh A"]]


def test_a_manager_cannot_record_an_incident_for_another_branch(client, manager_a, branch_b):
    client.force_login(manager_a)
    response = client.post(reverse("privacy:incident_new"), _form(branch_b))
    assert response.status_code == 400
    assert not Incident.objects.exists()
    response = client.post(reverse("privacy:incident_new"), _form(branch_b, branches=[]))
    assert response.status_code == 400
    assert not Incident.objects.exists()


@pytest.mark.parametrize("bad", [
    {"title": ""},
    {"detected_at": "32/13/2026 25:00"},
    {"detected_at": _when(timezone.now() + timedelta(days=2))},
    {"categories": ["nonsense"]},
    {"status": "lost"},
    {"clients_affected": "-3"},
    {"branches": ["99999999999999999999"]},
    {"notified_at": _when(timezone.now() - timedelta(days=3))},  # before the detection
    {"status": "notified", "notified_at": _when(timezone.now() + timedelta(days=1))},
    {"window_start": _when(timezone.now() - timedelta(days=1))},  # without an end
    {"window_start": _when(timezone.now() - timedelta(hours=1)),
     "window_end": _when(timezone.now() - timedelta(hours=2))},
    {"description": "x" * 5001},
])  # fmt: skip
def test_bad_input_is_refused_with_nothing_saved(client, owner, branch_a, bad):
    client.force_login(owner)
    response = client.post(reverse("privacy:incident_new"), _form(branch_a, **bad))
    assert response.status_code == 400
    assert not Incident.objects.exists() and not IncidentChange.objects.exists()


def test_changing_an_incident_records_who_when_and_what(client, owner, manager_a, make_incident):
    incident = make_incident()
    client.force_login(manager_a)
    notified = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=30)
    data = _form(incident.branches.get(), title=incident.title,
                 detected_at=_when(incident.detected_at), description=incident.description,
                 categories=["contact", "health", "photos"], measures=incident.measures,
                 consequences=incident.consequences, contact=incident.contact,
                 status="notified", notified_at=_when(notified))  # fmt: skip
    assert (
        client.post(reverse("privacy:incident_edit", args=[incident.pk]), data).status_code == 302
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NOTIFIED and incident.notified_at == notified
    entry = IncidentChange.objects.filter(incident=incident, created=False).get()
    assert entry.actor == manager_a
    assert set(entry.changes) == {"categories", "status", "notified_at"}
    assert entry.changes["status"] == ["open", "notified"]
    page = client.get(reverse("privacy:incident", args=[incident.pk])).content.decode()
    assert manager_a.display_name in page and _when(notified) in page


def test_saving_an_unchanged_incident_records_nothing(client, owner, make_incident):
    incident = make_incident()
    client.force_login(owner)
    data = _form(incident.branches.get(), title=incident.title,
                 detected_at=_when(incident.detected_at), description=incident.description,
                 categories=incident.categories, measures=incident.measures,
                 consequences=incident.consequences, contact=incident.contact)  # fmt: skip
    response = client.post(reverse("privacy:incident_edit", args=[incident.pk]), data)
    assert response.status_code == 302
    assert IncidentChange.objects.filter(incident=incident).count() == 1


def test_a_bad_edit_changes_nothing(client, owner, make_incident):
    incident = make_incident()
    client.force_login(owner)
    data = _form(incident.branches.get(), title="", status="closed")
    assert (
        client.post(reverse("privacy:incident_edit", args=[incident.pk]), data).status_code == 400
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN and incident.title == "Máy tính lễ tân bị mất"
    assert IncidentChange.objects.filter(incident=incident).count() == 1
    assert not NotificationDraft.objects.exists()


def test_a_manager_editing_a_two_branch_incident_keeps_the_other_branch(
    client, manager_a, technician_b, make_incident, branch_a, branch_b
):
    incident = make_incident(branches=[branch_a, branch_b])
    incident.staff.set([technician_b])
    client.force_login(manager_a)
    data = _form(branch_a, title="Đổi tên", detected_at=_when(incident.detected_at),
                 description=incident.description, categories=incident.categories)  # fmt: skip
    assert (
        client.post(reverse("privacy:incident_edit", args=[incident.pk]), data).status_code == 302
    )
    incident.refresh_from_db()
    assert incident.title == "Đổi tên"
    assert set(incident.branches.all()) == {branch_a, branch_b}
    assert list(incident.staff.all()) == [technician_b]
