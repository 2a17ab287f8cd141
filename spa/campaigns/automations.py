"""The automations' daily queries. Each trigger finds today's clients and puts them on
the automation's list with a run key that names the occurrence, so the unique
(campaign, client, run) gives each client one message per occurrence however often
this runs:

- birthday: the birthday is in `trigger_days` days; run = the birthday's year (the
  offer is valid through the birthday's month, see vouchers.valid_until);
- welcome: the first visit was `trigger_days` days ago or more, and after the
  automation was switched on; run "welcome" (once ever);
- tier: reached `trigger_tier` (sales.TierChange) `trigger_days` days ago or more,
  after it was switched on; run = the tier;
- win-back: no visit for `trigger_days` days; run = the last visit's date, so a client
  who comes back and lapses again gets it again;
- care tips: a session with `trigger_service` `trigger_days` days ago (or more, within
  a week, so a day the worker was down is caught up); run = the session's id.
The audience of the automation (its segment or filters, its branch) limits each."""

import calendar
from datetime import date, datetime, timedelta

from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone

from spa.campaigns.audience import audience_clients, campaign_enqueue
from spa.campaigns.models import Campaign, Kind, Status, Trigger
from spa.sales.models import TierChange
from spa.treatments.models import SessionService, SessionStatus, TreatmentSession

CATCH_UP_DAYS = 7


def active_ids() -> list[int]:
    return list(
        Campaign.objects.filter(kind=Kind.AUTOMATION, status=Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def birthday_q(day: date) -> Q:
    q = Q(birth_date__month=day.month, birth_date__day=day.day)
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        q |= Q(birth_date__month=2, birth_date__day=29)
    return q


def runs_for(campaign: Campaign, today: date) -> dict[str, list[int]]:
    """{run key: client ids} of the automation for `today`."""
    clients = audience_clients(campaign)
    days = campaign.trigger_days
    since = campaign.started_at or timezone.now()
    runs: dict[str, list[int]] = {}
    if campaign.trigger == Trigger.BIRTHDAY:
        for back in range(CATCH_UP_DAYS):  # today's, and any missed on the days before
            target = today + timedelta(days=days - back)
            if target < timezone.localdate(since) + timedelta(days=days):
                break
            ids = clients.filter(birthday_q(target)).values_list("pk", flat=True)
            runs.setdefault(str(target.year), []).extend(ids)
    elif campaign.trigger == Trigger.WELCOME:
        first = (
            TreatmentSession.objects.filter(status=SessionStatus.DONE)
            .values("client_id")
            .annotate(first=Min("performed_at"))
            .filter(first__gte=since, first__lt=_start_of(today - timedelta(days=days - 1)))
            .values("client_id")
        )
        runs["welcome"] = list(clients.filter(pk__in=first).values_list("pk", flat=True))
    elif campaign.trigger == Trigger.TIER and campaign.trigger_tier:
        reached = TierChange.objects.filter(
            new=campaign.trigger_tier, at__gte=since,
            at__lt=_start_of(today - timedelta(days=days - 1)),
        ).values("client_id")  # fmt: skip
        runs[campaign.trigger_tier] = list(
            clients.filter(pk__in=reached).values_list("pk", flat=True)
        )
    elif campaign.trigger == Trigger.WINBACK and days:
        lapsed = clients.filter(last_visit_at__lt=_start_of(today - timedelta(days=days - 1)))
        for client_id, last in lapsed.values_list("pk", "last_visit_at"):
            runs.setdefault(timezone.localdate(last).isoformat(), []).append(client_id)
    elif campaign.trigger == Trigger.CARE_TIPS and campaign.trigger_service_id:
        had = SessionService.objects.filter(
            session=OuterRef("pk"), service_id=campaign.trigger_service_id
        )
        sessions = TreatmentSession.objects.filter(
            Exists(had), status=SessionStatus.DONE, client__in=clients,
            performed_at__gte=max(since, _start_of(today - timedelta(days=days + CATCH_UP_DAYS))),
            performed_at__lt=_start_of(today - timedelta(days=days - 1)),
        )  # fmt: skip
        for session_id, client_id in sessions.values_list("pk", "client_id"):
            runs.setdefault(str(session_id), []).append(client_id)
    return runs


def automation_run(campaign: Campaign, today: date | None = None) -> int:
    """Put today's clients of one automation on its list; how many are new."""
    today = today or timezone.localdate()
    return sum(
        campaign_enqueue(campaign, run=run, client_ids=ids)
        for run, ids in runs_for(campaign, today).items()
        if ids
    )


def automations_run(today: date | None = None) -> int:
    added = 0
    for campaign in Campaign.objects.filter(
        kind=Kind.AUTOMATION, status=Status.ACTIVE
    ).select_related("created_by", "segment"):
        added += automation_run(campaign, today)
    return added
