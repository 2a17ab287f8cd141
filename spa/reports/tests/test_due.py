"""When a client is due again: own rhythm, the service's usual interval, a package; and
the selectors of the desk's list and the profile line."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from conftest import tomorrow_at
from spa.booking.services import Booking, appointment_book, appointment_cancel
from spa.catalog.models import Service, ServiceCategory
from spa.clients.services import client_delete, client_merge
from spa.reports.due import (
    OWN,
    PACKAGE,
    TYPICAL,
    PackageLeft,
    client_due,
    clients_due,
    due_counts,
    due_dates_recompute,
    due_of,
)
from spa.reports.models import ClientService, ServiceStats
from spa.reports.rollups import rollups_nightly, rollups_refresh
from spa.treatments.services import SessionInput, package_sell, session_log

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)


def at_days_ago(days: int, hour: int = 10):
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def treat(client, technician, *services, days_ago: int, package=None):
    """A session done `days_ago` days ago, logged through the real service."""
    return session_log(actor=technician, data=SessionInput(
        client=client, branch=technician.branch, performed_at=at_days_ago(days_ago),
        services=list(services), technicians=[technician], package=package,
    ))  # fmt: skip


def row_of(client, service) -> ClientService:
    return ClientService.objects.get(client_id=client.pk, service_id=service.pk)


def today() -> date:
    return timezone.localdate()


# --- The rule, as a function -------------------------------------------------------------


def test_the_clients_own_rhythm_comes_before_the_services_usual_interval():
    assert due_of(last_on=TODAY, own_interval=21, typical_interval=30, today=TODAY) == (
        TODAY + timedelta(days=21), OWN,
    )  # fmt: skip


def test_a_client_seen_once_is_due_after_the_usual_interval():
    assert due_of(last_on=TODAY, own_interval=None, typical_interval=30, today=TODAY) == (
        TODAY + timedelta(days=30), TYPICAL,
    )  # fmt: skip


def test_with_no_interval_at_all_nobody_knows_when_the_client_is_due():
    assert due_of(last_on=TODAY, own_interval=None, typical_interval=None, today=TODAY) == (
        None, "",
    )  # fmt: skip


def test_with_no_interval_a_package_spreads_its_sessions_left_until_it_expires():
    plan = PackageLeft(remaining=4, expires_on=TODAY + timedelta(days=120))
    got = due_of(last_on=TODAY, own_interval=None, typical_interval=None, package=plan, today=TODAY)
    assert got == (TODAY + timedelta(days=30), PACKAGE)


def test_an_interval_wins_over_a_package_that_is_far_from_expiring():
    plan = PackageLeft(remaining=4, expires_on=TODAY + timedelta(days=120))
    got = due_of(last_on=TODAY, own_interval=14, typical_interval=None, package=plan, today=TODAY)
    assert got == (TODAY + timedelta(days=14), OWN)


def test_a_package_nearly_expired_with_sessions_left_makes_the_client_due_now():
    plan = PackageLeft(remaining=2, expires_on=TODAY + timedelta(days=20))
    last = TODAY - timedelta(days=10)
    got = due_of(last_on=last, own_interval=60, typical_interval=None, package=plan, today=TODAY)
    assert got == (TODAY, PACKAGE)
    # treated today: called from tomorrow
    got = due_of(last_on=TODAY, own_interval=60, typical_interval=None, package=plan, today=TODAY)
    assert got == (TODAY + timedelta(days=1), PACKAGE)


def test_an_expired_or_used_up_package_changes_nothing():
    expired = PackageLeft(remaining=2, expires_on=TODAY - timedelta(days=1))
    used_up = PackageLeft(remaining=0, expires_on=TODAY + timedelta(days=5))
    for plan in (expired, used_up):
        got = due_of(last_on=TODAY, own_interval=None, typical_interval=30, package=plan,
                     today=TODAY)  # fmt: skip
        assert got == (TODAY + timedelta(days=30), TYPICAL)


# --- The rule, on rows the rollups compute ----------------------------------------------


def test_sessions_every_three_weeks_make_the_client_due_three_weeks_after_the_last(
    make_client, technician_a, catalogue
):
    hoa = make_client("Hoa")
    for days in (50, 29, 8):
        treat(hoa, technician_a, catalogue["facial"], days_ago=days)
    rollups_refresh()
    row = row_of(hoa, catalogue["facial"])
    assert (row.sessions, row.mean_interval_days) == (3, 21)
    assert row.due_on == today() - timedelta(days=8) + timedelta(days=21)


def test_a_client_seen_once_is_dated_by_the_interval_of_the_services_repeat_clients(
    make_client, technician_a, catalogue
):
    facial = catalogue["facial"]
    for n, gap in enumerate((20, 30, 40)):
        regular = make_client(f"Khách {n}")
        treat(regular, technician_a, facial, days_ago=100)
        treat(regular, technician_a, facial, days_ago=100 - gap)
    once = make_client("Lan")
    treat(once, technician_a, facial, days_ago=5)
    rollups_refresh()
    assert row_of(once, facial).due_on is None  # no usual interval learnt yet
    rollups_nightly(rescore=False)
    assert ServiceStats.objects.get(service_id=facial.pk).typical_interval_days == 30
    assert row_of(once, facial).due_on == today() - timedelta(days=5) + timedelta(days=30)
    # and the regulars keep their own rhythm
    assert row_of(regular, facial).due_on == today() - timedelta(days=60) + timedelta(days=40)


def test_a_package_with_sessions_left_dates_a_client_seen_once(
    make_client, technician_a, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Hoa")
    laser = catalogue["laser"]
    treat(hoa, technician_a, laser, days_ago=10)
    package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Laser 5 buổi",
                 services=[laser], total_sessions=5, price=3_000_000,
                 expires_on=today() + timedelta(days=150))  # fmt: skip
    rollups_refresh()
    # 5 sessions in the 160 days from the last one to the expiry: every 32 days
    assert row_of(hoa, laser).due_on == today() - timedelta(days=10) + timedelta(days=32)


def test_a_redemption_recomputes_the_row_and_a_package_about_to_expire_makes_it_due_now(
    make_client, technician_a, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Hoa")
    facial = catalogue["facial"]
    package = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 3 buổi",
                           services=[facial], total_sessions=3, price=1_200_000,
                           expires_on=today() + timedelta(days=25))  # fmt: skip
    treat(hoa, technician_a, facial, days_ago=40, package=package)
    treat(hoa, technician_a, facial, days_ago=5, package=package)
    rollups_refresh()
    assert row_of(hoa, facial).due_on == today()  # rhythm says in 30 days: too late
    treat(hoa, technician_a, facial, days_ago=1, package=package)  # the last session
    rollups_refresh()
    # used up: the rhythm again (sessions 40, 5 and 1 days ago: every 20 days)
    assert row_of(hoa, facial).due_on == today() - timedelta(days=1) + timedelta(days=20)


def test_the_nightly_pass_moves_a_package_due_date_to_the_new_day_and_drops_an_expired_one(
    make_client, technician_a, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Hoa")
    facial = catalogue["facial"]
    package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 3 buổi",
                 services=[facial], total_sessions=3, price=1_200_000,
                 expires_on=today() + timedelta(days=3))  # fmt: skip
    for days in (60, 30):
        treat(hoa, technician_a, facial, days_ago=days)
    rollups_refresh()
    assert row_of(hoa, facial).due_on == today()
    due_dates_recompute(today=today() + timedelta(days=2))
    assert row_of(hoa, facial).due_on == today() + timedelta(days=2)
    due_dates_recompute(today=today() + timedelta(days=5))  # expired two days ago
    assert row_of(hoa, facial).due_on == today()  # 30 days after the last, its own rhythm


def test_the_nightly_pass_redates_once_only_rows_with_one_update_per_service(
    make_client, technician_a, catalogue, django_assert_max_num_queries
):
    facial, laser = catalogue["facial"], catalogue["laser"]
    clients = [make_client(f"Khách {n}") for n in range(4)]
    for c in clients:
        treat(c, technician_a, facial, laser, days_ago=12)
    rollups_refresh()
    ServiceStats.objects.create(service_id=facial.pk, typical_interval_days=28)
    with django_assert_max_num_queries(12):
        assert due_dates_recompute() == 4  # the facial rows; the laser ones stay undated
    assert {row_of(c, facial).due_on for c in clients} == {today() + timedelta(days=16)}
    assert {row_of(c, laser).due_on for c in clients} == {None}
    assert due_dates_recompute() == 0  # nothing changed: nothing written


# --- The desk's list ----------------------------------------------------------------------


@pytest.fixture
def due_week(make_client, technician_a, technician_b, receptionist_b, catalogue, branch_b):
    """Clients of both branches, due for the facial on a day of this week (own rhythm:
    two sessions 30 days apart, the last 30 - k days ago)."""
    facial = catalogue["facial"]
    from spa.catalog.models import ServicePrice

    ServicePrice.objects.create(service=facial, branch=branch_b, price=450_000)
    made = {}
    for name, k, technician, actor in (
        ("Hoa", 1, technician_a, None), ("Lan", 3, technician_a, None),
        ("Xuân", 2, technician_b, receptionist_b),
    ):  # fmt: skip
        c = make_client(name, actor=actor) if actor else make_client(name)
        treat(c, technician, facial, days_ago=60 - k)
        treat(c, technician, facial, days_ago=30 - k)
        made[name] = c
    rollups_refresh()
    return made


def week() -> tuple[date, date]:
    return today(), today() + timedelta(days=6)


def test_the_list_shows_the_clients_due_this_week_soonest_first(due_week, receptionist_a):
    start, end = week()
    rows = clients_due(user=receptionist_a, start=start, end=end)
    assert [(r.client.full_name, r.due_on, r.reason) for r in rows] == [
        ("Hoa", today() + timedelta(days=1), OWN), ("Lan", today() + timedelta(days=3), OWN),
    ]  # fmt: skip
    assert rows[0].sessions == 2 and rows[0].last_on == today() - timedelta(days=29)
    assert due_counts(user=receptionist_a, start=start, end=end) == {
        today() + timedelta(days=1): 1, today() + timedelta(days=3): 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    "who, names",
    [
        ("owner", ["Hoa", "Xuân", "Lan"]),
        ("manager_a", ["Hoa", "Lan"]),
        ("manager_b", ["Xuân"]),
        ("receptionist_a", ["Hoa", "Lan"]),
        ("receptionist_b", ["Xuân"]),
        ("technician_a", []),  # served them, but the call list is the desk's
        ("technician_b", []),
        ("anonymous", []),
    ],
)
def test_each_role_sees_only_the_due_clients_it_may(due_week, people, who, names):
    from django.contrib.auth.models import AnonymousUser

    user = people[who] or AnonymousUser()
    start, end = week()
    assert [r.client.full_name for r in clients_due(user=user, start=start, end=end)] == names


def test_a_receptionist_never_sees_another_branchs_clients_even_asking_for_that_branch(
    due_week, receptionist_a, branch_b, owner
):
    start, end = week()
    assert clients_due(user=receptionist_a, start=start, end=end, branch_id=branch_b.pk) == []
    assert due_counts(user=receptionist_a, start=start, end=end, branch_id=branch_b.pk) == {}
    owner_b = clients_due(user=owner, start=start, end=end, branch_id=branch_b.pk)
    assert [r.client.full_name for r in owner_b] == ["Xuân"]


def test_a_client_already_booked_for_the_service_is_not_on_the_list_until_cancelled(
    due_week, receptionist_a, catalogue, working_week, technician_a
):
    booked = appointment_book(actor=receptionist_a, data=Booking(
        client=due_week["Hoa"], branch=receptionist_a.branch, services=[catalogue["facial"]],
        start=tomorrow_at(9), technician=technician_a,
    ))  # fmt: skip
    start, end = week()
    assert [r.client.full_name for r in clients_due(user=receptionist_a, start=start, end=end)] == [
        "Lan"
    ]
    assert client_due(due_week["Hoa"]) == []
    appointment_cancel(actor=receptionist_a, appointment=booked, reason="Bận")
    assert len(clients_due(user=receptionist_a, start=start, end=end)) == 2


def test_merged_and_erased_clients_leave_the_list(due_week, manager_a, owner):
    start, end = week()
    hoa, lan = due_week["Hoa"], due_week["Lan"]
    client_merge(actor=manager_a, survivor=lan, absorbed=hoa)
    assert [r.client.pk for r in clients_due(user=manager_a, start=start, end=end)] == [lan.pk]
    client_delete(actor=owner, client=lan, reason="Yêu cầu của khách")
    assert clients_due(user=manager_a, start=start, end=end) == []
    # the rollup rows go with the next refresh; the list did not wait for it
    rollups_refresh()
    assert not ClientService.objects.filter(client_id__in=[hoa.pk, lan.pk]).exists()


def test_the_list_keeps_to_live_services_and_the_chosen_category(
    due_week, receptionist_a, catalogue
):
    start, end = week()
    other = ServiceCategory.objects.create(name="Body")
    assert clients_due(user=receptionist_a, start=start, end=end, category_id=other.pk) == []
    face = catalogue["facial"].category_id
    assert len(clients_due(user=receptionist_a, start=start, end=end, category_id=face)) == 2
    Service.objects.filter(pk=catalogue["facial"].pk).update(is_active=False)
    assert clients_due(user=receptionist_a, start=start, end=end) == []


def test_the_list_pages_after_a_row(due_week, receptionist_a):
    start, end = week()
    first = clients_due(user=receptionist_a, start=start, end=end, limit=1)
    rest = clients_due(user=receptionist_a, start=start, end=end, after=first[0].key)
    assert [r.client.full_name for r in first + rest] == ["Hoa", "Lan"]


def test_the_profile_lists_the_next_services_due_with_dates(
    make_client, technician_a, catalogue, django_assert_num_queries
):
    hoa = make_client("Hoa")
    facial, laser = catalogue["facial"], catalogue["laser"]
    treat(hoa, technician_a, facial, laser, days_ago=40)
    treat(hoa, technician_a, facial, days_ago=20)
    treat(hoa, technician_a, laser, days_ago=10)
    rollups_refresh()
    with django_assert_num_queries(4):  # rows, services, intervals, packages
        due = client_due(hoa)
    assert [(r.service.name, r.due_on, r.reason) for r in due] == [
        (facial.name, today(), OWN), (laser.name, today() + timedelta(days=20), OWN),
    ]  # fmt: skip


def test_the_profile_leaves_out_a_service_overdue_for_months(make_client, technician_a, catalogue):
    hoa = make_client("Hoa")
    treat(hoa, technician_a, catalogue["facial"], days_ago=200)
    treat(hoa, technician_a, catalogue["facial"], days_ago=150)  # due 100 days ago
    treat(hoa, technician_a, catalogue["laser"], days_ago=140)
    treat(hoa, technician_a, catalogue["laser"], days_ago=90)  # due 40 days ago
    rollups_refresh()
    assert [(r.service.name, r.due_on) for r in client_due(hoa)] == [
        (catalogue["laser"].name, today() - timedelta(days=40))
    ]
