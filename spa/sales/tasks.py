"""Nightly money jobs, run by the worker. Both are safe to run again."""

from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from spa.clients.models import Client, Tier
from spa.sales.models import Invoice, LoyaltyProgram
from spa.sales.services import points_expire, tier_refresh


@db_periodic_task(crontab(hour="19", minute="30"))  # 02:30 in Vietnam (UTC+7)
def points_expire_nightly() -> int:
    return points_expire()


@db_periodic_task(crontab(hour="19", minute="45"))
def tiers_refresh_nightly() -> int:
    """Spend leaves the rolling window every day: tiers can fall as well as rise."""
    program = LoyaltyProgram.current()
    since = timezone.now() - timezone.timedelta(days=program.tier_window_days + 1)
    changed = 0
    buyers = Invoice.objects.filter(issued_at__gte=since).values("client_id")
    for client in Client.objects.filter(Q(pk__in=buyers) | ~Q(tier=Tier.BRONZE)).only("id", "tier"):
        before = client.tier
        changed += tier_refresh(client=client, program=program) != before
    return changed
