"""Segments hold exactly the clients a plain Python filter over the raw records finds;
a branch manager never reaches another branch; a definition survives its JSON; only
the owner and managers use segments, and a manager's segments are their branch's."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from spa.clients.models import Client, ConsentRecord, Tag
from spa.clients.services import client_consent_record, client_update
from spa.reports import segments as seg
from spa.reports.models import ClientStats, Segment
from spa.reports.rollups import age_band, rollups_refresh
from spa.reports.segments import (
    SPEND_BAND,
    SegmentDefinition,
    SegmentError,
    builtin_counts,
    builtin_segments,
    segment_clients,
    segment_count,
    segment_create,
    segment_definition,
    segment_delete,
    segment_get_for_user,
    segment_update,
    segments_visible_to,
)
from spa.sales.models import Invoice
from spa.sales.services import Checkout, Line, checkout_issue
from spa.treatments.models import SessionService, TreatmentSession
from spa.treatments.services import SessionInput, package_sell, session_log

pytestmark = pytest.mark.django_db


def ago(days: int):
    now = timezone.localtime()
    return now.replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=days)


@pytest.fixture
def chain(make_client, owner, receptionist_a, receptionist_b, technician_a, technician_b,
          catalogue, branch_a, branch_b):  # fmt: skip
    return build_chain(make_client, owner, receptionist_a, receptionist_b, technician_a,
                       technician_b, catalogue, branch_a)  # fmt: skip


def build_chain(make_client, owner, receptionist_a, receptionist_b, technician_a, technician_b,
                catalogue, branch_a):  # fmt: skip
    """Seven clients over two branches, each made by the services the desk uses:
    sessions months apart, sales (one unpaid in part), consents, tags, a package."""
    year = timezone.localdate().year
    peel, laser = catalogue["facial"], catalogue["laser"]
    vip, sensitive = Tag.objects.create(name="VIP"), Tag.objects.create(name="Da nhạy cảm")
    people = {
        "hoa": make_client("Nguyễn Thị Hoa", gender="female", birth_year=year - 30,
                           occupation="Kế toán"),
        "lan": make_client("Trần Thị Lan", gender="female", birth_year=year - 50),
        "mai": make_client("Lê Thị Mai", gender="female", birth_year=year - 22,
                           occupation="Sinh viên kế toán"),
        "cuc": make_client("Phạm Văn Cúc", gender="male"),
        "nam": make_client("Đỗ Văn Nam", gender="male", birth_year=year - 41),
        "dao": make_client("Vũ Thị Đào", gender="female", birth_year=year - 60,
                           actor=receptionist_b),
        "bich": make_client("Hồ Thị Bích", gender="female", birth_year=year - 35,
                            actor=receptionist_b),
    }  # fmt: skip
    p = people

    def visit(client, days, services, technician=technician_a):
        session_log(actor=owner, data=SessionInput(
            client=client, branch=client.branch, performed_at=ago(days), services=services,
            technicians=[technician]))  # fmt: skip

    for days in (150, 100, 60, 40, 5):
        visit(p["hoa"], days, [peel])
    visit(p["lan"], 400, [laser])
    visit(p["mai"], 20, [peel])
    visit(p["nam"], 250, [peel])
    visit(p["nam"], 30, [laser])
    visit(p["dao"], 300, [peel], technician_b)
    visit(p["dao"], 10, [peel, laser], technician_b)
    visit(p["bich"], 70, [laser], technician_b)

    def sell(client, amount, paid=None, actor=receptionist_a):
        checkout_issue(actor=actor, data=Checkout(client=client, branch=client.branch, lines=[
            Line(kind="service", description="Dịch vụ", unit_price=amount, service=peel)],
            payments={"cash": amount if paid is None else paid}))  # fmt: skip

    sell(p["hoa"], 25_000_000)
    sell(p["lan"], 3_000_000)
    sell(p["mai"], 600_000, paid=400_000)  # 200.000 ₫ owed
    sell(p["nam"], 8_000_000)
    sell(p["dao"], 60_000_000, actor=receptionist_b)
    sell(p["bich"], 1_000_000, actor=receptionist_b)

    def consent(client, channel, granted, actor=receptionist_a):
        client_consent_record(actor=actor, client=client, channel=channel, granted=granted,
                              method="paper")  # fmt: skip

    consent(p["hoa"], "zalo", True)
    consent(p["lan"], "zalo", True)
    consent(p["lan"], "zalo", False)  # withdrawn since: the latest record wins
    consent(p["mai"], "sms", True)
    consent(p["cuc"], "zalo", True)
    consent(p["dao"], "zalo", True, receptionist_b)
    client_update(actor=receptionist_a, client=p["hoa"], fields={}, tags=[vip])
    client_update(actor=receptionist_a, client=p["lan"], fields={}, tags=[sensitive])
    client_update(actor=receptionist_b, client=p["dao"], fields={}, tags=[vip, sensitive])
    package_sell(actor=receptionist_a, client=p["nam"], branch=branch_a, name="Laser 5 buổi",
                 services=[laser], total_sessions=5, price=4_000_000)  # fmt: skip
    rollups_refresh()
    return {"people": people, "vip": vip, "sensitive": sensitive, "peel": peel, "laser": laser}


def names(qs) -> list[str]:
    return sorted(qs.values_list("full_name", flat=True))


# --- The same clients as a plain Python filter over the raw records ------------------


def _consents_now(client) -> dict[str, bool]:
    said = {}
    for record in ConsentRecord.objects.filter(client=client).order_by("recorded_at", "id"):
        said[record.channel] = record.granted
    return said


def _spent(client) -> int:
    return sum(i.total for i in Invoice.objects.filter(client=client))


def _services_had(client) -> list[tuple[int, date]]:
    return [
        (row.service_id, timezone.localdate(row.session.performed_at))
        for row in SessionService.objects.filter(session__client=client, session__status="done")
        .select_related("session")
    ]  # fmt: skip


def _visits(client) -> int:
    days = {
        timezone.localdate(s.performed_at)
        for s in TreatmentSession.objects.filter(client=client, status="done")
    }
    return len(days)


TODAY = timezone.localdate


def _in_band(amount, code):
    band = SPEND_BAND[code]
    return amount >= band.low and (band.high is None or amount < band.high)


def _age_band_of(client):
    return age_band(TODAY().year - client.birth_year if client.birth_year else None)


CASES = {
    "rfm vip": (
        lambda c: SegmentDefinition(rfm_groups=("vip",)),
        lambda c, x: ClientStats.objects.get(pk=c.pk).rfm_group == "vip",
    ),
    "rfm new or lapsed": (
        lambda c: SegmentDefinition(rfm_groups=("lapsed", "new")),
        lambda c, x: ClientStats.objects.get(pk=c.pk).rfm_group in ("new", "lapsed"),
    ),
    "spend 20 to 50 million": (
        lambda c: SegmentDefinition(spend_band="20m"),
        lambda c, x: _in_band(_spent(c), "20m"),
    ),
    "spend 1 to 5 million": (
        lambda c: SegmentDefinition(spend_band="1m"),
        lambda c, x: _in_band(_spent(c), "1m"),
    ),
    "had a peel in the last 6 months": (
        lambda c: SegmentDefinition(had_service_id=c["peel"].pk, had_within_days=183),
        lambda c, x: any(s == x["peel"].pk and (TODAY() - d).days <= 183
                         for s, d in _services_had(c)),
    ),
    "had a service of the category ever": (
        lambda c: SegmentDefinition(had_category_id=c["laser"].category_id),
        lambda c, x: any(s in (x["peel"].pk, x["laser"].pk) for s, _d in _services_had(c)),
    ),
    "never had laser": (
        lambda c: SegmentDefinition(never_service_id=c["laser"].pk),
        lambda c, x: all(s != x["laser"].pk for s, _d in _services_had(c)),
    ),
    "consents to zalo": (
        lambda c: SegmentDefinition(consent_channel="zalo"),
        lambda c, x: _consents_now(c).get("zalo", False),
    ),
    "age 25 to 34 or 45 to 54": (
        lambda c: SegmentDefinition(age_bands=("25", "45")),
        lambda c, x: _age_band_of(c) in ("25", "45"),
    ),
    "tagged VIP or sensitive skin": (
        lambda c: SegmentDefinition(tag_ids=(c["vip"].pk, c["sensitive"].pk)),
        lambda c, x: bool({t.name for t in c.tags.all()} & {"VIP", "Da nhạy cảm"}),
    ),
    "women with 2 visits or more": (
        lambda c: SegmentDefinition(gender="female", visits_min=2),
        lambda c, x: c.gender == "female" and _visits(c) >= 2,
    ),
    "occupation contains": (
        lambda c: SegmentDefinition(occupation="kế toán"),
        lambda c, x: "kế toán" in c.occupation.lower(),
    ),
    "owes money": (
        lambda c: SegmentDefinition(has_debt=True),
        lambda c, x: _spent(c) > sum(p.amount for p in c.payments.all()),
    ),
    "spent 1 to 10 million in branch A": (
        lambda c: SegmentDefinition(spend_min=1_000_000, spend_max=10_000_000,
                                    branch_id=c["people"]["hoa"].branch_id),
        lambda c, x: 1_000_000 <= _spent(c) <= 10_000_000
        and c.branch_id == x["people"]["hoa"].branch_id,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_segment_holds_exactly_the_clients_a_python_filter_finds(chain, owner, case):
    make, keep = CASES[case]
    definition = make(chain)
    expected = sorted(c.full_name for c in Client.objects.all() if keep(c, chain))
    got = names(segment_clients(user=owner, definition=definition))
    assert got == expected
    assert segment_count(user=owner, definition=definition) == len(expected)


def test_the_chain_covers_each_kind_of_client(chain, owner):
    """The cases above are not trivially empty: the groups really differ."""
    groups = dict(ClientStats.objects.values_list("client_id", "rfm_group"))
    p = chain["people"]
    assert groups[p["hoa"].pk] == "vip"
    assert groups[p["lan"].pk] == "lapsed"
    assert groups[p["mai"].pk] == "new"
    assert groups[p["cuc"].pk] == ""  # never came
    peel = SegmentDefinition(had_service_id=chain["peel"].pk, had_within_days=183)
    assert names(segment_clients(user=owner, definition=peel)) == [
        "Lê Thị Mai", "Nguyễn Thị Hoa", "Vũ Thị Đào",
    ]  # fmt: skip


def test_a_client_is_counted_once_however_many_rows_match(chain, owner):
    # Đào has two tags, both asked for, and two services of the category.
    p = chain["people"]
    both = SegmentDefinition(tag_ids=(chain["vip"].pk, chain["sensitive"].pk),
                             had_category_id=chain["peel"].category_id)  # fmt: skip
    rows = list(segment_clients(user=owner, definition=both).values_list("pk", flat=True))
    assert sorted(rows) == sorted([p["hoa"].pk, p["dao"].pk, p["lan"].pk])


def test_an_unused_package_and_a_birth_month(chain, owner):
    p = chain["people"]
    assert names(segment_clients(user=owner, definition=SegmentDefinition(has_package=True))) == [
        "Đỗ Văn Nam"
    ]
    Client.objects.filter(pk=p["lan"].pk).update(birth_date=date(1976, 3, 8))
    march = SegmentDefinition(birth_month=3)
    assert names(segment_clients(user=owner, definition=march)) == ["Trần Thị Lan"]


def test_a_count_is_never_stale(chain, owner, technician_a):
    mai = chain["people"]["mai"]
    twice = SegmentDefinition(visits_min=2, branch_id=mai.branch_id)
    before = segment_count(user=owner, definition=twice)
    session_log(actor=technician_a, data=SessionInput(
        client=mai, branch=mai.branch, performed_at=ago(2), services=[chain["laser"]],
        technicians=[technician_a]))  # fmt: skip
    assert segment_count(user=owner, definition=twice) == before + 1


# --- Who reaches whom ---------------------------------------------------------------


def test_a_manager_never_counts_another_branchs_clients(chain, manager_a, manager_b, branch_b):
    zalo = SegmentDefinition(consent_channel="zalo")
    assert names(segment_clients(user=manager_a, definition=zalo)) == [
        "Nguyễn Thị Hoa", "Phạm Văn Cúc",
    ]  # fmt: skip
    assert names(segment_clients(user=manager_b, definition=zalo)) == ["Vũ Thị Đào"]
    # Asking for the other branch gives nobody, not the other branch.
    other = SegmentDefinition(branch_id=branch_b.pk)
    assert segment_count(user=manager_a, definition=other) == 0
    everyone = segment_count(user=manager_a, definition=SegmentDefinition())
    assert everyone == Client.objects.filter(branch=manager_a.branch).count() == 5
    counts = builtin_counts(user=manager_a)
    assert counts["spend-50m"] == 0  # Đào, of branch B, spent 60 million
    assert builtin_counts(user=manager_b)["spend-50m"] == 1


@pytest.mark.parametrize("role", ["receptionist_a", "technician_a", "anonymous"])
def test_nobody_else_uses_segments(chain, people, role):
    user = people[role]
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    assert segment_count(user=user, definition=SegmentDefinition()) == 0
    assert not segment_clients(user=user, definition=SegmentDefinition()).exists()
    assert set(builtin_counts(user=user).values()) == {0}
    assert not segments_visible_to(user).exists()


def test_each_builtin_count_equals_its_segment_count(chain, owner, manager_a, branch_b):
    for user, branch_id in ((owner, None), (owner, branch_b.pk), (manager_a, None)):
        counts = builtin_counts(user=user, branch_id=branch_id)
        for builtin in builtin_segments():
            definition = builtin.definition
            if branch_id:
                definition = SegmentDefinition(**{**vars(definition), "branch_id": branch_id})
            assert counts[builtin.code] == segment_count(user=user, definition=definition), (
                builtin.code
            )


def test_builtins_are_the_six_groups_and_five_bands_with_translated_names():
    from django.utils import translation
    from django.utils.functional import Promise

    codes = [b.code for b in builtin_segments()]
    assert codes == ["vip", "loyal", "potential", "new", "at_risk", "lapsed", "spend-u1m",
                     "spend-1m", "spend-5m", "spend-20m", "spend-50m"]  # fmt: skip
    assert all(isinstance(b.name, Promise) for b in builtin_segments())  # read when shown
    with translation.override("en"):
        assert str(builtin_segments()[0].name) == "VIP clients"


# --- The definition as JSON -----------------------------------------------------------


def test_a_definition_round_trips_through_json():
    full = SegmentDefinition(
        branch_id=3, tiers=("gold", "silver"), tag_ids=(4, 9), source_id=2, group_id=5,
        birth_month=12, visit_after=date(2026, 1, 1), visit_before=date(2026, 6, 30),
        has_debt=True, has_package=True, consent_channel="zalo", gender="female",
        age_bands=("25", "u25"), occupation="Kế toán", rfm_groups=("at_risk", "vip"),
        spend_band="5m", spend_min=1_000_000, spend_max=9_000_000, visits_min=3,
        had_service_id=7, had_within_days=183, never_service_id=8,
    )  # fmt: skip
    stored = json.loads(json.dumps(full.to_json()))
    assert SegmentDefinition.from_json(stored) == full
    assert SegmentDefinition.from_json(SegmentDefinition().to_json()) == SegmentDefinition()
    assert SegmentDefinition().to_json() == {"v": 1}


def test_old_keys_unknown_keys_and_bad_values_are_tolerated():
    stored = {
        "v": 0, "tier": "gold", "tag": "4", "consent": "zalo", "colour": "red",
        "branch_id": "abc", "visits_min": -3, "visit_after": "31/02/2026", "spend_max": "9" * 40,
        "rfm_groups": ["vip", "nonsense", 3], "age_bands": "35", "has_debt": "yes",
        "had_within_days": 10**9, "occupation": {"x": 1},
    }  # fmt: skip
    assert SegmentDefinition.from_json(stored) == SegmentDefinition(
        tiers=("gold",), tag_ids=(4,), consent_channel="zalo", rfm_groups=("vip",),
        age_bands=("35",),
    )  # fmt: skip
    assert SegmentDefinition.from_json("not a dict") == SegmentDefinition()
    assert SegmentDefinition.from_json(None) == SegmentDefinition()


def test_the_client_list_can_say_only_definitions_made_of_its_filters():
    assert SegmentDefinition(tiers=("gold",), has_debt=True).client_list_filters().tier == "gold"
    assert SegmentDefinition(tiers=("gold", "silver")).client_list_filters() is None
    assert SegmentDefinition(rfm_groups=("vip",)).client_list_filters() is None


# --- Saved segments -------------------------------------------------------------------------


def test_a_managers_segment_is_bound_to_their_branch(chain, manager_a, manager_b, owner, branch_b):
    mine = segment_create(actor=manager_a, name="  Khách   Zalo ",
                          definition=SegmentDefinition(consent_channel="zalo"))  # fmt: skip
    assert mine.name == "Khách Zalo" and mine.branch_id == manager_a.branch_id
    assert segment_definition(mine).branch_id == manager_a.branch_id
    assert segment_get_for_user(manager_b, mine.pk) is None
    assert segment_get_for_user(owner, mine.pk) == mine
    # The owner opening it still counts only branch A's clients.
    assert segment_count(user=owner, definition=segment_definition(mine)) == 2
    with pytest.raises(SegmentError):
        segment_create(actor=manager_a, name="Chi nhánh B",
                       definition=SegmentDefinition(branch_id=branch_b.pk))  # fmt: skip
    with pytest.raises(SegmentError):
        segment_update(actor=manager_b, segment=mine, name="Của tôi")
    with pytest.raises(SegmentError):
        segment_delete(actor=manager_b, segment=mine)
    assert Segment.objects.get(pk=mine.pk).name == "Khách Zalo"


def test_owner_segments_for_the_chain_or_a_branch(chain, owner, manager_a, manager_b, branch_b):
    chain_wide = segment_create(actor=owner, name="Toàn chuỗi", definition=SegmentDefinition())
    of_b = segment_create(actor=owner, name="Chi nhánh B",
                          definition=SegmentDefinition(branch_id=branch_b.pk))  # fmt: skip
    assert chain_wide.branch_id is None and of_b.branch_id == branch_b.pk
    assert list(segments_visible_to(manager_a)) == []
    assert list(segments_visible_to(manager_b)) == [of_b]
    assert segment_count(user=owner, definition=segment_definition(chain_wide)) == 7


def test_names_are_unique_per_branch_and_renaming_keeps_the_filters(chain, owner, manager_a):
    first = segment_create(actor=manager_a, name="VIP", definition=SegmentDefinition(
        tag_ids=(chain["vip"].pk,)))  # fmt: skip
    with pytest.raises(SegmentError) as refused:
        segment_create(actor=manager_a, name="vip", definition=SegmentDefinition())
    assert refused.value.field == "name"
    segment_create(actor=owner, name="VIP", definition=SegmentDefinition())  # the chain's own
    renamed = segment_update(actor=manager_a, segment=first, name="Khách VIP")
    assert renamed.name == "Khách VIP" and renamed.definition == first.definition
    with pytest.raises(SegmentError):
        segment_update(actor=manager_a, segment=first, name="   ")
    assert Segment.objects.get(pk=first.pk).name == "Khách VIP"
    segment_delete(actor=manager_a, segment=first)
    assert not Segment.objects.filter(pk=first.pk).exists()


def test_only_the_owner_and_managers_save_segments(chain, receptionist_a, technician_a):
    for user in (receptionist_a, technician_a):
        with pytest.raises(SegmentError):
            segment_create(actor=user, name="Thử", definition=SegmentDefinition())
    assert not Segment.objects.exists()


def test_the_stats_filter_is_one_narrow_table(chain, owner):
    """Every rollup filter reads ClientStats only: one subquery, never a join."""
    sql = str(segment_clients(user=owner, definition=SegmentDefinition(
        rfm_groups=("vip",), spend_band="5m", consent_channel="zalo", age_bands=("25",),
        visits_min=2)).query)  # fmt: skip
    assert sql.count("reports_clientstats") == 1
    assert " JOIN " not in sql
    assert seg.stats_q(SegmentDefinition()) == seg.Q()


def test_the_first_members_are_the_latest_visitors_the_user_may_see(chain, owner, manager_a):
    from spa.reports.segments import segment_members

    came = SegmentDefinition(visits_min=1)
    assert [m.client.full_name for m in segment_members(user=owner, definition=came)] == [
        "Nguyễn Thị Hoa", "Vũ Thị Đào", "Lê Thị Mai", "Đỗ Văn Nam", "Hồ Thị Bích", "Trần Thị Lan",
    ]  # fmt: skip
    mine = segment_members(user=manager_a, definition=came, limit=2)
    assert [m.client.full_name for m in mine] == ["Nguyễn Thị Hoa", "Lê Thị Mai"]
    assert mine[0].spend == 25_000_000 and mine[0].last_visit == ago(5).date()


def test_saving_changing_and_deleting_a_segment_is_in_the_settings_history(owner):
    from spa.audit.models import Action, AuditEntry
    from spa.reports.segments import (
        SegmentDefinition,
        segment_create,
        segment_delete,
        segment_update,
    )

    segment = segment_create(actor=owner, name="Khách VIP Zalo",
                             definition=SegmentDefinition(consent_channel="zalo"))  # fmt: skip
    segment_update(actor=owner, segment=segment, name="Khách VIP nhận Zalo")
    segment_delete(actor=owner, segment=segment)
    entries = list(AuditEntry.objects.filter(action=Action.SETTINGS).order_by("id"))
    assert len(entries) == 3 and all(e.actor == owner and e.client_id is None for e in entries)
    assert entries[1].changes["name"] == ["Khách VIP Zalo", "Khách VIP nhận Zalo"]
