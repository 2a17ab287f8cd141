"""Who looked at a client's record (issue 14, item 2): every staff read is logged once,
with who, branch and what; refused, anonymous and the client's own reads are not; the log
is append-only and outlives the client's erasure; owners and the branch's manager read it."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.accounts.models import Role
from spa.audit.models import AccessEntry, AccessKind, AppendOnly
from spa.audit.selectors import access_log_for_client
from spa.audit.services import access_record
from spa.clients.models import CareReason
from spa.clients.services import (
    care_link_add,
    client_delete,
    client_health_update,
    client_photo_set,
)
from spa.clients.tests.test_views_forms import jpeg_bytes
from spa.treatments.models import SessionPhoto, TreatmentSession
from spa.treatments.services import ProductUse, SessionInput, session_log


@pytest.fixture
def hoa(make_client, technician_a, aha):
    client = make_client("Nguyễn Thị Hoa")
    care_link_add(client=client, staff=technician_a, reason=CareReason.IN_CHARGE)
    client_health_update(
        actor=technician_a, client=client, values={"allergen_ids": [aha.pk], "conditions": "Hen"}
    )
    return client


@pytest.fixture
def with_session(hoa, technician_a, catalogue):
    for _ in range(2):
        session_log(
            actor=technician_a, acknowledged=True,
            data=SessionInput(client=hoa, branch=technician_a.branch, performed_at=timezone.now(),
                              services=[catalogue["facial"]], technicians=[technician_a],
                              products=[ProductUse(catalogue["cleanser"], Decimal("1"))],
                              photos=[("before", jpeg_bytes(gps=False))]),
        )  # fmt: skip
    return hoa


def entries(client_id=None):
    qs = AccessEntry.objects.order_by("id")
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return [(e.actor_id, e.role, e.branch_id, e.kind) for e in qs]


def test_profile_read_by_a_receptionist_logs_profile_and_the_allergy_alert(
    client, receptionist_a, hoa
):
    client.force_login(receptionist_a)
    assert client.get(reverse("clients:detail", args=[hoa.pk])).status_code == 200
    # A receptionist sees the allergy alert (health data), not the rest of the section.
    assert entries(hoa.pk) == [
        (receptionist_a.pk, Role.RECEPTIONIST, receptionist_a.branch_id, AccessKind.PROFILE),
        (receptionist_a.pk, Role.RECEPTIONIST, receptionist_a.branch_id, AccessKind.HEALTH),
    ]


def test_profile_of_a_client_without_health_data_logs_only_the_profile(
    client, manager_a, make_client
):
    plain = make_client("Trần Văn Nam")
    client.force_login(manager_a)
    assert client.get(reverse("clients:detail", args=[plain.pk])).status_code == 200
    assert entries(plain.pk) == [(manager_a.pk, Role.MANAGER, manager_a.branch_id, "profile")]


def test_owner_profile_read_is_logged_without_a_branch(client, owner, hoa):
    client.force_login(owner)
    client.get(reverse("clients:detail", args=[hoa.pk]))
    assert entries(hoa.pk) == [
        (owner.pk, Role.OWNER, None, "profile"),
        (owner.pk, Role.OWNER, None, "health"),
    ]


def test_health_form_read_logs_one_health_entry_and_saving_it_logs_none(client, technician_a, hoa):
    client.force_login(technician_a)
    url = reverse("clients:health", args=[hoa.pk])
    assert client.get(url).status_code == 200
    assert entries(hoa.pk) == [(technician_a.pk, Role.TECHNICIAN, technician_a.branch_id, "health")]
    client.post(url, {"conditions": "Hen suyễn"})
    assert len(entries(hoa.pk)) == 1  # a write is in the audit history, not a read


def test_full_profile_photo_is_a_read_its_thumbnail_is_not(client, receptionist_a, hoa):
    client_photo_set(actor=receptionist_a, client=hoa, data=jpeg_bytes())
    client.force_login(receptionist_a)
    assert client.get(reverse("clients:photo", args=[hoa.pk, "thumb"])).status_code == 200
    assert entries(hoa.pk) == []
    assert client.get(reverse("clients:photo", args=[hoa.pk, "full"])).status_code == 200
    assert entries(hoa.pk) == [
        (receptionist_a.pk, Role.RECEPTIONIST, receptionist_a.branch_id, "photo")
    ]


def test_treatment_photo_course_session_and_pdf_each_log_one_entry(client, manager_a, with_session):
    hoa = with_session
    client.force_login(manager_a)
    photo = SessionPhoto.objects.filter(client_id=hoa.pk).first()
    session = TreatmentSession.objects.filter(client=hoa).first()
    who = (manager_a.pk, Role.MANAGER, manager_a.branch_id)
    for url, kind in [
        (reverse("treatments:photo", args=[photo.pk, "thumb"]), "photo"),
        (reverse("treatments:course", args=[hoa.pk]), "course"),
        (reverse("treatments:session_detail", args=[session.pk]), "session"),
        (reverse("treatments:course_pdf", args=[hoa.pk]), "course_pdf"),
    ]:
        before = len(entries(hoa.pk))
        assert client.get(url).status_code == 200
        assert entries(hoa.pk)[before:] == [(*who, kind)]


def test_refused_and_anonymous_requests_are_not_reads(
    client, receptionist_a, technician_b, manager_b, with_session
):
    hoa = with_session
    photo = SessionPhoto.objects.filter(client_id=hoa.pk).first()
    client.force_login(receptionist_a)  # sees the client, not their treatment details
    assert client.get(reverse("treatments:photo", args=[photo.pk, "full"])).status_code == 403
    assert client.get(reverse("treatments:course_pdf", args=[hoa.pk])).status_code == 403
    for user in (technician_b, manager_b):  # never served the client / another branch
        client.force_login(user)
        assert client.get(reverse("clients:detail", args=[hoa.pk])).status_code == 404
        assert client.get(reverse("clients:health", args=[hoa.pk])).status_code == 404
        assert client.get(reverse("treatments:photo", args=[photo.pk, "thumb"])).status_code == 404
    client.logout()
    assert client.get(reverse("clients:detail", args=[hoa.pk])).status_code == 302
    assert entries() == []


def test_the_clients_own_read_and_an_anonymous_one_leave_nothing(hoa):
    """The portal reads as the client, with no staff user: nothing is logged."""
    access_record(viewer=None, client_id=hoa.pk, kinds=AccessKind.PROFILE)
    access_record(viewer=AnonymousUser(), client_id=hoa.pk, kinds=AccessKind.PROFILE)
    assert entries() == []


def test_an_inactive_account_is_not_logged_as_staff(receptionist_a, hoa):
    receptionist_a.is_active = False
    access_record(viewer=receptionist_a, client_id=hoa.pk, kinds=AccessKind.PROFILE)
    assert entries() == []


def test_export_logs_one_entry_per_exported_client(client, manager_a, make_client, make_client_b):
    ids = [make_client(f"Khách {n}").pk for n in range(3)]
    other_branch = make_client_b("Khách chi nhánh B")
    client.force_login(manager_a)
    response = client.get(reverse("clients:export"))
    b"".join(response.streaming_content)
    got = AccessEntry.objects.filter(kind=AccessKind.EXPORT)
    assert sorted(got.values_list("client_id", flat=True)) == sorted(ids)
    assert other_branch.pk not in set(got.values_list("client_id", flat=True))
    assert set(got.values_list("actor_id", "branch_id")) == {(manager_a.pk, manager_a.branch_id)}


def test_list_export_logs_only_the_filtered_clients(
    client, owner, make_client, make_client_b, branch_a
):
    hoa, lan = make_client("Nguyễn Thị Hoa"), make_client_b("Lê Thị Lan")
    client.force_login(owner)
    response = client.get(reverse("clients:list_export"), {"branch": branch_a.pk})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    got = list(AccessEntry.objects.filter(kind="export").values_list("client_id", flat=True))
    assert hoa.pk in got and lan.pk not in got and len(got) == 1


@pytest.fixture
def make_client_b(make_client, receptionist_b):
    def make(name):
        return make_client(name, actor=receptionist_b)

    return make


def test_access_log_page_for_every_role(client, people, hoa):
    url = reverse("clients:access_log", args=[hoa.pk])
    assert statuses(client, people, url) == [302, 200, 200, 404, 403, 404, 403, 404]


def test_access_log_page_lists_reads_newest_first_by_role_and_first_name(
    client, manager_a, receptionist_a, technician_a, hoa
):
    access_record(viewer=receptionist_a, client_id=hoa.pk, kinds=AccessKind.PROFILE)
    access_record(viewer=technician_a, client_id=hoa.pk, kinds=AccessKind.HEALTH)
    client.force_login(manager_a)
    page = client.get(reverse("clients:access_log", args=[hoa.pk])).content.decode()
    rows = page.split('data-testid="access-entry"')[1:]
    assert len(rows) == 2
    assert "Kỹ thuật viên" in rows[0] and "Thao" in rows[0] and "Chi nhánh A" in rows[0]
    assert "Lễ tân" in rows[1] and "Rosa" in rows[1]
    assert "thao" not in page and "rosa" not in page  # first names, never usernames
    assert timezone.localtime().strftime("%d/%m/%Y") in rows[0]
    # Reading the log is not a read of the record.
    assert AccessEntry.objects.filter(actor=manager_a).count() == 0


def test_access_log_page_pages_by_keyset(client, owner, receptionist_a, hoa):
    for _ in range(55):
        access_record(viewer=receptionist_a, client_id=hoa.pk, kinds=AccessKind.PROFILE)
    client.force_login(owner)
    url = reverse("clients:access_log", args=[hoa.pk])
    first = client.get(url)
    assert first.content.decode().count('data-testid="access-entry"') == 50
    older = first.context["older"]
    second = client.get(url, {"before": older})
    assert second.content.decode().count('data-testid="access-entry"') == 5
    assert second.context["older"] is None
    assert client.get(url, {"before": "abc"}).status_code == 200


def test_selector_pages_newest_first_with_role_and_first_name_only(receptionist_a, owner, hoa):
    for _ in range(3):
        access_record(viewer=receptionist_a, client_id=hoa.pk, kinds=AccessKind.PROFILE)
    access_record(viewer=owner, client_id=hoa.pk, kinds=AccessKind.PHOTO)
    rows = access_log_for_client(hoa.pk, limit=2)
    assert [r.kind for r in rows] == ["photo", "profile"]
    assert rows[0].first_name == "Olivia" and rows[0].branch_name == ""
    assert rows[1].branch_name == "Chi nhánh A" and rows[1].role_label == "Lễ tân"
    assert not hasattr(rows[0], "username")
    rest = access_log_for_client(hoa.pk, before_id=rows[-1].id, limit=50)
    assert len(rest) == 2 and all(r.id < rows[-1].id for r in rest)
    assert isinstance(rows[0].at, datetime)


def test_the_log_refuses_updates_and_deletes_through_the_orm(receptionist_a, hoa):
    access_record(viewer=receptionist_a, client_id=hoa.pk, kinds=AccessKind.PROFILE)
    entry = AccessEntry.objects.get()
    with pytest.raises(AppendOnly):
        AccessEntry.objects.filter(pk=entry.pk).update(kind="photo")
    with pytest.raises(AppendOnly):
        AccessEntry.objects.all().delete()
    with pytest.raises(AppendOnly):
        entry.delete()
    entry.kind = "photo"
    with pytest.raises(AppendOnly):
        entry.save()
    assert AccessEntry.objects.get().kind == "profile"


def test_the_database_refuses_an_update_behind_the_orms_back(receptionist_a, hoa):
    access_record(viewer=receptionist_a, client_id=hoa.pk, kinds=AccessKind.PROFILE)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accessentry SET kind = 'photo'")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_accessentry")
    assert AccessEntry.objects.get().kind == "profile"


def test_entries_survive_the_clients_erasure(client, owner, receptionist_a, hoa):
    client.force_login(receptionist_a)
    client.get(reverse("clients:detail", args=[hoa.pk]))
    client_id = hoa.pk
    client_delete(actor=owner, client=hoa, reason="Khách yêu cầu xóa")
    assert len(entries(client_id)) == 2
    assert [r.kind for r in access_log_for_client(client_id)] == ["health", "profile"]


def test_a_profile_read_costs_one_insert(
    client, receptionist_a, hoa, django_assert_num_queries, settings
):
    client.force_login(receptionist_a)
    url = reverse("clients:detail", args=[hoa.pk])
    client.get(url)  # warm the per-process caches (settings row, custom fields)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    inserts = [q["sql"] for q in queries if "audit_accessentry" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT")


@pytest.mark.django_db(transaction=True)
def test_a_read_outside_any_transaction_is_committed_at_once(receptionist_a, branch_a):
    """As in production (no test transaction around it): on PostgreSQL the entry's own
    transaction commits asynchronously, and the entry is there for the next reader."""
    access_record(viewer=receptionist_a, client_id=424242, kinds=[AccessKind.PROFILE])
    assert not connection.in_atomic_block
    assert [r.kind for r in access_log_for_client(424242)] == ["profile"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"  # SET LOCAL ended with its transaction
