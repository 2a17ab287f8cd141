from datetime import date

import pytest
from django.db import connection

from spa.audit.models import Action, AuditEntry
from spa.clients.models import (
    CareLink,
    Client,
    ClientHealth,
    ClientNameKey,
    ClientPhone,
    ConsentRecord,
    MergeRecord,
    Tag,
)
from spa.clients.services import (
    DuplicateSuspected,
    PhoneInput,
    client_consent_record,
    client_create,
    client_delete,
    client_health_update,
    client_merge,
    client_update,
)
from spa.core.phone import parse_phone


def phones(*numbers):
    return [PhoneInput(phone=parse_phone(n)) for n in numbers]


def test_a_client_needs_only_a_name_and_a_phone(receptionist_a, branch_a):
    client = client_create(
        actor=receptionist_a,
        fields={"full_name": "  Nguyễn   Thị Hoa ", "branch": branch_a},
        phones=phones("0912 345 678"),
    )
    client.refresh_from_db()
    assert client.full_name == "Nguyễn Thị Hoa"
    assert client.given_name == "Hoa"
    assert client.primary_phone.replace(" ", "") == "0912345678"
    assert ClientPhone.objects.get(client=client).e164 == "+84912345678"
    assert ClientNameKey.objects.filter(client=client).count() == 9
    entry = AuditEntry.objects.get(client_id=client.pk)
    assert entry.action == Action.CREATE and entry.actor == receptionist_a
    assert entry.changes["full_name"] == [None, "Nguyễn Thị Hoa"]


def test_chinese_given_name_is_what_follows_the_surname(make_client):
    assert make_client("王秀英").given_name == "秀英"


def test_same_phone_is_refused_until_confirmed_as_another_person(
    make_client, receptionist_a, branch_a
):
    mother = make_client("Trần Thị Lan", phone="0912345678")
    with pytest.raises(DuplicateSuspected) as caught:
        client_create(
            actor=receptionist_a,
            fields={"full_name": "Trần Ngọc Mai", "branch": branch_a},
            phones=phones("+84 912 345 678"),
        )
    assert caught.value.report.same_phone == [mother]
    assert Client.objects.count() == 1  # nothing half-saved

    daughter = client_create(
        actor=receptionist_a,
        fields={"full_name": "Trần Ngọc Mai", "branch": branch_a},
        phones=phones("0912345678"),
        confirm_different=True,
    )
    assert ClientPhone.objects.get(client=daughter).shared_confirmed is True
    assert ClientPhone.objects.get(client=mother).shared_confirmed is False


def test_same_email_is_a_suspected_duplicate(make_client, receptionist_a, branch_a):
    make_client("Lê Thị Thu", email="Thu.Le@Example.com")
    with pytest.raises(DuplicateSuspected) as caught:
        client_create(
            actor=receptionist_a,
            fields={"full_name": "Lê Thu", "branch": branch_a, "email": "thu.le@example.com"},
            phones=phones("0903000111"),
        )
    assert [c.full_name for c in caught.value.report.same_email] == ["Lê Thị Thu"]


@pytest.mark.parametrize(
    "typed", ["nguyen thi hoa", "Hoa Nguyễn Thị", "Nguyễn Thị Hao", "NGUYEN THI HOA"]
)
def test_similar_name_with_same_birth_date_warns(make_client, receptionist_a, branch_a, typed):
    make_client("Nguyễn Thị Hoa", birth_date=date(1990, 5, 17))
    with pytest.raises(DuplicateSuspected) as caught:
        client_create(
            actor=receptionist_a,
            fields={"full_name": typed, "branch": branch_a, "birth_date": date(1990, 5, 17)},
            phones=phones("0903000222"),
        )
    assert [c.full_name for c in caught.value.report.similar_name] == ["Nguyễn Thị Hoa"]


def test_similar_name_with_another_birth_date_is_not_a_duplicate(
    make_client, receptionist_a, branch_a
):
    make_client("Nguyễn Thị Hoa", birth_date=date(1990, 5, 17))
    client = client_create(
        actor=receptionist_a,
        fields={"full_name": "Nguyễn Thị Hoa", "branch": branch_a, "birth_date": date(1991, 5, 17)},
        phones=phones("0903000333"),
    )
    assert client.pk


def test_phone_held_in_another_branch_is_counted_not_shown(
    make_client, receptionist_a, receptionist_b
):
    make_client("Phạm Thị Cúc", phone="0912345678", actor=receptionist_b)
    with pytest.raises(DuplicateSuspected) as caught:
        client_create(
            actor=receptionist_a,
            fields={"full_name": "Phạm Cúc", "branch": receptionist_a.branch},
            phones=phones("0912345678"),
        )
    report = caught.value.report
    assert report.same_phone == [] and report.hidden_matches == 1


def test_update_records_old_and_new_values(make_client, receptionist_a):
    client = make_client("Võ Thị Sáu")
    client_update(
        actor=receptionist_a,
        client=client,
        fields={"full_name": "Võ Thị Sáu", "address": "12 Lê Lợi", "occupation": "Giáo viên"},
    )
    entry = AuditEntry.objects.filter(client_id=client.pk, action=Action.UPDATE).get()
    assert entry.changes == {"address": ["", "12 Lê Lợi"], "occupation": ["", "Giáo viên"]}


def test_rename_rewrites_search_keys(make_client, receptionist_a):
    client = make_client("Võ Thị Sáu")
    client_update(actor=receptionist_a, client=client, fields={"full_name": "Võ Thị Bảy"})
    keys = set(ClientNameKey.objects.filter(client=client).values_list("key", flat=True))
    assert "bay" in keys and "sau" not in keys


def test_health_is_encrypted_at_rest_and_audited_encrypted(make_client, technician_a, aha):
    client = make_client("Đỗ Thị Mơ")
    client_health_update(
        actor=technician_a,
        client=client,
        values={
            "allergen_ids": [aha.pk],
            "conditions": "Tiểu đường type 2",
            "pregnancy": "pregnant",
        },
        confirmed=True,
    )
    with connection.cursor() as cur:
        cur.execute("SELECT data FROM clients_clienthealth WHERE client_id = %s", [client.pk])
        raw = cur.fetchone()[0]
        cur.execute(
            "SELECT sensitive_changes, changes FROM audit_auditentry WHERE action = 'health'"
        )
        audit_raw, audit_plain = cur.fetchone()
    for secret in ["Tiểu đường", "pregnant", "aha"]:
        assert secret not in raw and secret not in audit_raw and secret not in str(audit_plain)
    health = ClientHealth.objects.get(client=client)
    assert health.values()["conditions"] == "Tiểu đường type 2"
    assert health.values()["allergen_ids"] == [aha.pk]
    entry = AuditEntry.objects.get(action=Action.HEALTH)
    assert entry.sensitive_changes["allergen_ids"] == [[], ["aha"]]
    assert entry.changes["health_confirmed_at"][1] == health.confirmed_at.isoformat()


def test_consent_is_appended_not_overwritten(make_client, receptionist_a):
    client = make_client("Hồ Thị Xuân")
    client_consent_record(
        actor=receptionist_a, client=client, channel="zalo", granted=True, method="paper"
    )
    client_consent_record(
        actor=receptionist_a, client=client, channel="zalo", granted=False, method="phone"
    )
    records = list(ConsentRecord.objects.filter(client=client).order_by("id"))
    assert [(r.granted, r.method) for r in records] == [(True, "paper"), (False, "phone")]
    assert AuditEntry.objects.filter(client_id=client.pk, action=Action.CONSENT).count() == 2


def test_merge_keeps_everything_of_both_profiles(make_client, manager_a, technician_a, aha):
    keep = make_client("Nguyễn Thị Hoa", phone="0912345678", email="")
    dup = make_client(
        "Nguyen Thi Hoa", phone="0987654321", email="hoa@example.com",
        birth_date=date(1990, 1, 2), notes_family="Có 2 con", staff_in_charge=technician_a,
    )  # fmt: skip
    tag = Tag.objects.create(name="VIP")
    dup.tags.add(tag)
    referred = make_client("Lý Thị Mến", referrer=dup)
    client_health_update(actor=technician_a, client=dup, values={"allergen_ids": [aha.pk]})
    client_consent_record(actor=manager_a, client=dup, channel="sms", granted=True, method="paper")

    record = client_merge(actor=manager_a, survivor=keep, absorbed=dup)

    keep.refresh_from_db()
    dup.refresh_from_db()
    assert dup.merged_into == keep
    assert keep.email == "hoa@example.com" and keep.birth_date == date(1990, 1, 2)
    assert "Có 2 con" in keep.notes_family
    assert sorted(keep.phones.values_list("e164", flat=True)) == ["+84912345678", "+84987654321"]
    assert list(keep.tags.all()) == [tag]
    assert ClientHealth.objects.get(client=keep).values()["allergen_ids"] == [aha.pk]
    assert ConsentRecord.objects.filter(client=keep, channel="sms").exists()
    assert CareLink.objects.filter(client=keep, staff=technician_a).exists()
    referred.refresh_from_db()
    assert referred.referrer == keep
    assert record.snapshot["client"]["email"] == "hoa@example.com"
    assert record.snapshot["health"]["allergen_ids"] == [aha.pk]
    assert not ClientNameKey.objects.filter(client_id=dup.pk).exists()
    actions = set(
        AuditEntry.objects.filter(client_id__in=[keep.pk, dup.pk]).values_list("action", flat=True)
    )
    assert {Action.MERGE, Action.MERGED_AWAY} <= actions
    assert MergeRecord.objects.count() == 1


def test_a_profile_cannot_be_merged_twice(make_client, manager_a):
    keep, dup = make_client("A Bê"), make_client("A Bê")
    client_merge(actor=manager_a, survivor=keep, absorbed=dup)
    with pytest.raises(ValueError):
        client_merge(actor=manager_a, survivor=keep, absorbed=dup)


def test_delete_erases_the_profile_and_its_merged_copies(make_client, owner, manager_a):
    keep, dup = make_client("Cao Thị Vân"), make_client("Cao Thi Van")
    client_merge(actor=manager_a, survivor=keep, absorbed=dup)
    client_delete(actor=owner, client=keep, reason="Khách yêu cầu xoá dữ liệu")
    assert not Client.objects.filter(pk__in=[keep.pk, dup.pk]).exists()
    assert not ClientPhone.objects.exists()
    entry = AuditEntry.objects.get(action=Action.DELETE)
    assert entry.client_id == keep.pk and entry.summary == "Khách yêu cầu xoá dữ liệu"
    # Earlier entries keep who and when, but no longer the person's data.
    earlier = AuditEntry.objects.filter(client_id__in=[keep.pk, dup.pk]).exclude(pk=entry.pk)
    assert earlier.count() >= 3
    assert all(e.changes == {} and e.sensitive_changes is None for e in earlier)
    assert "Cao" not in str(list(AuditEntry.objects.values_list("changes", "summary")))
