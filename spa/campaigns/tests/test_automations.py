"""The automations' run keys: each hourly run (and a repeat the same day, or the days
after) puts a client on an automation's list once per occurrence, and each trigger
picks the right clients — the birthday N days ahead across the year's end and for
29 February in a year without one, the welcome after a first visit, the tier reached,
the lapsed clients for win-back, and the care tips after a service."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from spa.campaigns import automations, services
from spa.campaigns.models import Recipient, Trigger
from spa.catalog.models import Service, ServiceCategory, ServicePrice
from spa.sales.models import TierChange
from spa.treatments.services import SessionInput, session_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def automation(make_campaign, owner):
    """An automation switched on through the service (status on, started now)."""

    def make(trigger, days=0, **fields):
        campaign = make_campaign(name=f"Tự động {trigger}", trigger=trigger, trigger_days=days,
                                 **fields)  # fmt: skip
        services.campaign_start(actor=owner, campaign=campaign)
        campaign.refresh_from_db()
        return campaign

    return make


def on_list(campaign) -> list[tuple[int, str]]:
    return sorted(Recipient.objects.filter(campaign=campaign).values_list("client_id", "run"))


def visit(client, technician, service, when: datetime):
    return session_log(actor=technician, data=SessionInput(
        client=client, branch=client.branch, performed_at=when, services=[service],
        technicians=[technician]))  # fmt: skip


def local(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def test_the_hourly_run_twice_the_same_day_adds_nobody_the_second_time(automation, make_client):
    hoa = make_client("Nguyễn Thị Hoa", birth_date=date(1990, 12, 20))
    campaign = automation(Trigger.BIRTHDAY, days=3)
    today = date(2026, 12, 17)

    assert automations.automations_run(today) == 1
    assert automations.automations_run(today) == 0  # the next hour
    assert automations.automations_run(today + timedelta(days=1)) == 0  # the catch-up window
    assert on_list(campaign) == [(hoa.pk, "2026")]


def test_a_birthday_n_days_ahead_across_the_years_end_is_next_years_run(automation, make_client):
    january = make_client("Trần Thị Lan", birth_date=date(1988, 1, 2))
    december = make_client("Lê Thị Thu", birth_date=date(1992, 12, 31))
    make_client("Phạm Thị Mai", birth_date=date(1992, 1, 3))  # a day too far
    campaign = automation(Trigger.BIRTHDAY, days=3)

    automations.automation_run(campaign, date(2026, 12, 28))  # 31 December is in 3 days
    assert on_list(campaign) == [(december.pk, "2026")]
    automations.automation_run(campaign, date(2026, 12, 30))  # 2 January 2027 is in 3 days
    assert on_list(campaign) == sorted([(january.pk, "2027"), (december.pk, "2026")])
    # The next year, each is greeted again, once.
    automations.automation_run(campaign, date(2027, 12, 28))
    automations.automation_run(campaign, date(2027, 12, 28))
    automations.automation_run(campaign, date(2027, 12, 30))
    assert on_list(campaign) == sorted([
        (january.pk, "2027"), (december.pk, "2026"), (december.pk, "2027"), (january.pk, "2028"),
    ])  # fmt: skip


def test_a_29_february_birthday_is_greeted_on_the_28th_in_a_year_without_one(
    automation, make_client
):
    leapling = make_client("Võ Thị Hạnh", birth_date=date(1996, 2, 29))
    on_28th = make_client("Đỗ Thị Ngọc", birth_date=date(1995, 2, 28))
    make_client("Bùi Thị Yến", birth_date=date(1995, 3, 1))
    campaign = automation(Trigger.BIRTHDAY, days=0)

    automations.automation_run(campaign, date(2027, 2, 28))
    automations.automation_run(campaign, date(2027, 2, 28))

    assert on_list(campaign) == sorted([(leapling.pk, "2027"), (on_28th.pk, "2027")])
    automations.automation_run(campaign, date(2027, 3, 1))  # the catch-up adds nobody twice
    assert Recipient.objects.filter(campaign=campaign, client=leapling).count() == 1


def test_a_29_february_birthday_n_days_ahead_in_a_year_without_one(automation, make_client):
    leapling = make_client("Võ Thị Hạnh", birth_date=date(1996, 2, 29))
    campaign = automation(Trigger.BIRTHDAY, days=7)

    automations.automation_run(campaign, date(2027, 2, 21))  # 28 February is in 7 days

    assert on_list(campaign) == [(leapling.pk, "2027")]


def test_a_29_february_birthday_in_a_leap_year_is_greeted_on_the_29th_only(automation, make_client):
    leapling = make_client("Võ Thị Hạnh", birth_date=date(1996, 2, 29))
    campaign = automation(Trigger.BIRTHDAY, days=0)

    automations.automation_run(campaign, date(2028, 2, 28))
    assert on_list(campaign) == []
    automations.automation_run(campaign, date(2028, 2, 29))
    assert on_list(campaign) == [(leapling.pk, "2028")]


@pytest.fixture
def plain_service(branch_a):
    service = Service.objects.create(
        name="Gội đầu", category=ServiceCategory.objects.create(name="Tóc"), duration_minutes=15
    )
    ServicePrice.objects.create(service=service, branch=branch_a, price=150_000)
    return service


def test_welcome_after_the_first_visit_comes_once_per_client(
    automation, make_client, technician_a, plain_service
):
    before = make_client("Trần Thị Lan")  # a client since before the automation
    visit(before, technician_a, plain_service, timezone.now() - timedelta(days=20))
    campaign = automation(Trigger.WELCOME, days=2)
    hoa = make_client("Nguyễn Thị Hoa")
    today = timezone.localdate()
    visit(hoa, technician_a, plain_service, timezone.now())
    visit(before, technician_a, plain_service, timezone.now())

    automations.automation_run(campaign, today)
    assert on_list(campaign) == []  # not before the N days
    automations.automation_run(campaign, today + timedelta(days=2))
    automations.automation_run(campaign, today + timedelta(days=2))
    assert on_list(campaign) == [(hoa.pk, "welcome")]
    # A second visit, and the days after: still the one welcome.
    visit(hoa, technician_a, plain_service, timezone.now() + timedelta(minutes=5))
    for later in range(3, 12):
        automations.automation_run(campaign, today + timedelta(days=later))
    assert on_list(campaign) == [(hoa.pk, "welcome")]


def test_a_tier_reached_is_greeted_once_per_tier(automation, make_client):
    hoa = make_client("Nguyễn Thị Hoa")
    lan = make_client("Trần Thị Lan")
    gold = automation(Trigger.TIER, days=0, trigger_tier="gold")
    TierChange.objects.create(client=hoa, old="silver", new="gold", spend=20_000_000)
    TierChange.objects.create(client=lan, old="bronze", new="silver", spend=5_000_000)
    today = timezone.localdate()

    automations.automation_run(gold, today)
    automations.automation_run(gold, today)
    assert on_list(gold) == [(hoa.pk, "gold")]
    # Dropped back and reached gold again: the tier was already greeted.
    TierChange.objects.create(client=hoa, old="gold", new="silver", spend=9_000_000)
    TierChange.objects.create(client=hoa, old="silver", new="gold", spend=21_000_000)
    automations.automation_run(gold, today + timedelta(days=1))
    assert on_list(gold) == [(hoa.pk, "gold")]


def test_win_back_is_not_repeated_until_the_client_returns_and_lapses_again(
    automation, make_client, technician_a, plain_service
):
    hoa = make_client("Nguyễn Thị Hoa")
    lan = make_client("Trần Thị Lan")
    today = timezone.localdate()
    long_ago = timezone.now() - timedelta(days=100)
    visit(hoa, technician_a, plain_service, long_ago)
    visit(lan, technician_a, plain_service, timezone.now() - timedelta(days=30))
    campaign = automation(Trigger.WINBACK, days=90)

    automations.automation_run(campaign, today)
    for later in range(1, 60):  # every day of the next two months: no repeat
        automations.automation_run(campaign, today + timedelta(days=later))
    first_run = timezone.localdate(long_ago).isoformat()
    assert on_list(campaign) == [(hoa.pk, first_run)]
    # Hoa comes back; the win-back is not due again until she has lapsed once more.
    # Lan, 90 days after her visit, gets hers.
    visit(hoa, technician_a, plain_service, timezone.now())
    automations.automation_run(campaign, today + timedelta(days=60))
    lan_run = (lan.pk, (today - timedelta(days=30)).isoformat())
    assert on_list(campaign) == sorted([(hoa.pk, first_run), lan_run])
    automations.automation_run(campaign, today + timedelta(days=91))
    assert on_list(campaign) == sorted([(hoa.pk, first_run), lan_run, (hoa.pk, today.isoformat())])


def test_care_tips_follow_each_session_with_the_service_once(
    automation, make_client, technician_a, plain_service, branch_a
):
    facial = Service.objects.create(
        name="Chăm sóc da", category=ServiceCategory.objects.create(name="Da"), duration_minutes=30
    )
    ServicePrice.objects.create(service=facial, branch=branch_a, price=300_000)
    campaign = automation(Trigger.CARE_TIPS, days=1, trigger_service=facial)
    hoa = make_client("Nguyễn Thị Hoa")
    lan = make_client("Trần Thị Lan")
    today = timezone.localdate()
    session = visit(hoa, technician_a, facial, timezone.now())
    visit(lan, technician_a, plain_service, timezone.now())  # another service: no tips

    automations.automation_run(campaign, today)
    assert on_list(campaign) == []  # the day after, not the same day
    for later in range(1, 10):
        automations.automation_run(campaign, today + timedelta(days=later))
    assert on_list(campaign) == [(hoa.pk, str(session.pk))]
    # A second session with the service: tips for that one too.
    again = visit(hoa, technician_a, facial, timezone.now() + timedelta(minutes=1))
    automations.automation_run(campaign, timezone.localdate(again.performed_at) + timedelta(days=1))
    assert on_list(campaign) == sorted([(hoa.pk, str(session.pk)), (hoa.pk, str(again.pk))])
