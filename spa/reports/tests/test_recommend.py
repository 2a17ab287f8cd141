"""The next-service suggestion: pairs and their lift learnt from the histories, ranked
for one client, never what the contraindication guard would stop."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from spa.catalog.models import RuleKind, Service, ServicePrice, ServiceRule
from spa.clients.models import Condition
from spa.clients.services import client_health_update
from spa.reports.models import ServicePair
from spa.reports.recommend import pairs_count, pairs_learn, recommend_for, service_pairs_recompute
from spa.reports.rollups import rollups_nightly, rollups_refresh
from spa.reports.tests.test_due import treat

pytestmark = pytest.mark.django_db

D0 = date(2026, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


# A hand-made history: A then B (10 days), A then B too late (70 days), A then C then
# B, B alone, A and D on the same day (no "then" on the same day).
HISTORIES = {
    1: [(day(0), "A"), (day(10), "B")],
    2: [(day(0), "A"), (day(70), "B")],
    3: [(day(0), "A"), (day(5), "C"), (day(30), "B")],
    4: [(day(0), "B")],
    5: [(day(0), "A"), (day(0), "D")],
}


def test_lift_is_how_much_more_often_b_follows_a_than_clients_take_b_at_all():
    learnt = pairs_learn(HISTORIES)
    # 5 clients; A had by 4, B by 4, C by 1, D by 1
    assert set(learnt) == {("A", "B"), ("A", "C"), ("C", "B")}
    n, lift = learnt[("A", "B")]
    assert n == 2 and lift == pytest.approx((2 / 4) / (4 / 5))
    assert learnt[("A", "C")] == (1, pytest.approx((1 / 4) / (1 / 5)))
    assert learnt[("C", "B")] == (1, pytest.approx((1 / 1) / (4 / 5)))


def test_the_streamed_count_equals_the_histories_count():
    rows = sorted((c, d.toordinal(), s) for c, visits in HISTORIES.items() for d, s in visits)
    assert pairs_count(rows=iter(rows)).learnt() == pairs_learn(HISTORIES)


@pytest.fixture
def services(catalogue, branch_a):
    face = catalogue["facial"].category
    made = {"facial": catalogue["facial"], "laser": catalogue["laser"]}
    for key, name in (("massage", "Massage đá nóng"), ("hair", "Gội đầu dưỡng sinh")):
        made[key] = Service.objects.create(name=name, category=face, duration_minutes=45)
        ServicePrice.objects.create(service=made[key], branch=branch_a, price=300_000)
    return made


def history(make_client, technician, services, plan: list[tuple[str, list[tuple[str, int]]]]):
    """Clients named in `plan`, each with sessions [(service key, days ago)]."""
    made = {}
    for name, visits in plan:
        client = make_client(name)
        for key, days_ago in visits:
            treat(client, technician, services[key], days_ago=days_ago)
        made[name] = client
    rollups_refresh()
    rollups_nightly(rescore=False)
    return made


def test_pairs_learnt_from_real_sessions_count_clients_once_and_keep_the_window(
    make_client, technician_a, services
):
    f, la = services["facial"].pk, services["laser"].pk
    history(make_client, technician_a, services, [
        ("Hoa", [("facial", 100), ("laser", 90), ("facial", 80), ("laser", 70)]),
        ("Lan", [("facial", 100), ("laser", 20)]),  # 80 days: too late
        ("Mai", [("laser", 50)]),
    ])  # fmt: skip
    pairs = {(p.first_id, p.then_id): (p.clients, p.lift) for p in ServicePair.objects.all()}
    # 3 clients; facial had by 2, laser by 3; Hoa counts once for facial -> laser
    assert pairs == {
        (f, la): (1, pytest.approx((1 / 2) / (3 / 3))),
        (la, f): (1, pytest.approx((1 / 3) / (2 / 3))),
    }
    assert service_pairs_recompute(before=date.today() - timedelta(days=75)) == 2


@pytest.fixture
def peel_then_laser(make_client, technician_a, services):
    """Three clients took laser within weeks of a peel, one a massage; Hoa had a peel a
    month ago; the branch does many hair washes."""
    return history(make_client, technician_a, services, [
        *[(f"Khách {n}", [("facial", 60 + n), ("laser", 50 + n)]) for n in range(3)],
        ("Khách 3", [("facial", 61), ("massage", 55)]),
        ("Khách 4", [("laser", 40)]),
        *[(f"Gội {n}", [("hair", 10 + n)]) for n in range(6)],
        ("Hoa", [("facial", 30)]),
    ])  # fmt: skip


def test_suggestions_rank_by_lift_times_clients_and_say_why(peel_then_laser, services):
    with translation.override("en"):
        got = recommend_for(client=peel_then_laser["Hoa"])
    # 12 clients. facial -> laser: 3 clients, lift (3/5)/(4/12) = 1.8, score 5.4;
    # facial -> massage: 1 client, lift (1/5)/(1/12) = 2.4, score 2.4; then the most
    # popular of the branch not suggested yet: the hair wash (6 sessions)
    assert [s.service for s in got] == [services["laser"], services["massage"], services["hair"]]
    assert [s.reason for s in got] == [
        "Clients who had Peel da AHA often take Triệt lông laser next.",
        "Clients who had Peel da AHA often take Massage đá nóng next.",
        "Popular at Chi nhánh A.",
    ]


def test_a_service_had_in_the_last_two_weeks_is_not_suggested(
    peel_then_laser, services, technician_a
):
    hoa = peel_then_laser["Hoa"]
    treat(hoa, technician_a, services["laser"], days_ago=3)
    rollups_refresh()
    names = [s.service.name for s in recommend_for(client=hoa)]
    assert services["laser"].name not in names


def test_an_inactive_service_is_never_suggested(peel_then_laser, services):
    Service.objects.filter(pk=services["laser"].pk).update(is_active=False)
    names = [s.service.name for s in recommend_for(client=peel_then_laser["Hoa"])]
    assert services["laser"].name not in names and services["massage"].name in names


def test_a_client_with_no_history_gets_the_branchs_most_popular_services(
    peel_then_laser, make_client, services
):
    new = make_client("Khách mới")
    got = recommend_for(client=new)
    assert got[0].service == services["hair"]  # six washes in the last 90 days
    assert all("Chi nhánh A" in s.reason for s in got)


@pytest.fixture
def laser_then_peel(make_client, technician_a, services):
    """Clients take a peel after laser (twice as often as clients take a peel at all);
    Lan had laser a month ago."""
    return history(make_client, technician_a, services, [
        *[(f"Khách {n}", [("laser", 60 + n), ("facial", 50 + n)]) for n in range(4)],
        ("Khách 5", [("laser", 60), ("massage", 50)]),
        *[(f"Gội {n}", [("hair", 10 + n)]) for n in range(6)],
        ("Lan", [("laser", 30)]),
    ])  # fmt: skip


def test_without_a_contraindication_the_peel_is_the_first_suggestion(laser_then_peel, services):
    assert recommend_for(client=laser_then_peel["Lan"])[0].service == services["facial"]


def test_a_client_allergic_to_aha_is_never_suggested_the_aha_peel(
    laser_then_peel, services, technician_a, aha
):
    lan = laser_then_peel["Lan"]
    ServiceRule.objects.create(
        service=services["facial"], kind=RuleKind.ALLERGEN, allergen=aha, hard=True
    )
    client_health_update(actor=technician_a, client=lan, values={"allergen_ids": [aha.pk]})
    got = recommend_for(client=lan, limit=10)
    assert services["facial"] not in [s.service for s in got]
    assert got and got[0].service == services["massage"]
    # and nothing of the health section or the guard's words in the reasons
    for s in got:
        assert "dị ứng" not in s.reason and "allerg" not in s.reason.lower()


def test_a_service_the_guard_only_warns_about_is_not_suggested_either(
    laser_then_peel, services, technician_a
):
    lan = laser_then_peel["Lan"]
    epilepsy = Condition.objects.get(code="epilepsy")
    ServiceRule.objects.create(
        service=services["facial"], kind=RuleKind.CONDITION, condition=epilepsy, hard=False
    )
    client_health_update(actor=technician_a, client=lan, values={"condition_ids": [epilepsy.pk]})
    assert services["facial"] not in [s.service for s in recommend_for(client=lan, limit=10)]
    # another client of the same history, without the condition, still gets it
    assert recommend_for(client=laser_then_peel["Khách 5"])[0].service == services["facial"]


def test_the_sql_stream_of_postgresql_reads_the_same_days_as_the_orm(
    make_client, technician_a, services
):
    from datetime import datetime, time

    from django.db import connection
    from django.utils import timezone

    from spa.reports.recommend import _visit_rows_orm, _visit_rows_pg
    from spa.reports.rollups import day_start
    from spa.treatments.services import SessionInput, session_log

    if connection.vendor != "postgresql":
        pytest.skip("the SQL stream is PostgreSQL's")
    hoa = make_client("Hoa")
    yesterday = timezone.localdate() - timedelta(days=1)
    # 23:30 and, an hour later, 00:30 local time: two days here, one in UTC
    for day, when in ((yesterday - timedelta(days=1), time(23, 30)), (yesterday, time(0, 30))):
        session_log(actor=technician_a, data=SessionInput(
            client=hoa, branch=technician_a.branch, services=[services["facial"]],
            performed_at=timezone.make_aware(datetime.combine(day, when)),
            technicians=[technician_a],
        ))  # fmt: skip
    treat(hoa, technician_a, services["laser"], days_ago=30)
    for before in (None, day_start(yesterday)):
        assert sorted(_visit_rows_pg(before)) == sorted(_visit_rows_orm(before))
    assert len(list(_visit_rows_pg(None))) == 3
