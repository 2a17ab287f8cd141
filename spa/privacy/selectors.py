"""Reads of the breach register: the incidents a user may see, the 72-hour clock, and the
clients affected by a breach (from the history of who read or changed their records)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from spa.audit.models import AccessEntry, AuditEntry
from spa.clients.models import Client
from spa.core import access
from spa.privacy.models import Incident, IncidentStatus


def incidents_visible_to(user) -> QuerySet[Incident]:
    """The owner sees every incident; a manager those about their branch."""
    if not access.can_manage_incidents(user):
        return Incident.objects.none()
    branches = access.incident_branch_ids(user)
    qs = Incident.objects.all()
    if branches is not None:
        qs = qs.filter(pk__in=Incident.objects.filter(branches__in=branches).values("pk"))
    return qs


@dataclass(frozen=True)
class Clock:
    """Where an incident stands against its 72 hours: `state` is running, overdue,
    notified (stopped, `late` if after the deadline) or closed (stopped, never notified)."""

    state: str
    deadline: datetime
    left: timedelta  # negative once overdue; frozen at the notification when notified
    late: bool = False

    @property
    def hours_left(self) -> int:
        return int(self.left.total_seconds() // 3600)

    @property
    def minutes_left(self) -> int:
        return int(self.left.total_seconds() // 60) % 60

    @property
    def hours_over(self) -> int:
        return int(-self.left.total_seconds() // 3600)


def incident_clock(incident: Incident, *, now: datetime | None = None) -> Clock:
    """The 72-hour clock from detection; the notification stops it."""
    now = now or timezone.now()
    deadline = incident.deadline
    if incident.notified_at:
        left = deadline - incident.notified_at
        return Clock("notified", deadline, left, late=left < timedelta(0))
    if incident.status == IncidentStatus.CLOSED:
        return Clock("closed", deadline, deadline - now)
    left = deadline - now
    return Clock("overdue" if left < timedelta(0) else "running", deadline, left)


def affected_clients(
    window_start: datetime,
    window_end: datetime,
    branch_ids: list[int] | None = None,
    actor_ids: list[int] | None = None,
) -> QuerySet[Client]:
    """The clients whose records were read or changed in [window_start, window_end),
    optionally only those of `branch_ids` and only by `actor_ids`; each annotated with
    `touches` (how many entries), `first_touch` and `last_touch`.

    Two sources: the audit history (spa.audit.models.AuditEntry: every change, export
    and merge) and the access log (spa.audit.models.AccessEntry: every staff read of a
    profile, health section, photo, course, PDF or export row). `touches` counts the
    entries of both. (The access log has no index on `at`: a window over a long log is
    a sequential scan, seconds at 10 million rows, which an investigation can afford.)"""
    entries = AuditEntry.objects.filter(
        client_id__isnull=False, at__gte=window_start, at__lt=window_end
    )
    reads = AccessEntry.objects.filter(at__gte=window_start, at__lt=window_end)
    if actor_ids:
        entries = entries.filter(actor_id__in=actor_ids)
        reads = reads.filter(actor_id__in=actor_ids)
    clients = Client.objects.filter(
        Q(pk__in=entries.values("client_id")) | Q(pk__in=reads.values("client_id"))
    )
    if branch_ids:
        clients = clients.filter(branch_id__in=branch_ids)

    def per_client(rows, value):
        group = rows.filter(client_id=OuterRef("pk")).order_by().values("client_id")
        return Subquery(group.annotate(v=value).values("v")[:1])

    changed, read = (
        {"n": per_client(rows, Count("id")), "first": per_client(rows, Min("at")),
         "last": per_client(rows, Max("at"))}
        for rows in (entries, reads)
    )  # fmt: skip
    return clients.annotate(
        touches=Coalesce(changed["n"], 0) + Coalesce(read["n"], 0),
        # Either may be missing (NULL): LEAST / GREATEST of the two, each standing in for
        # the other when absent (SQLite's MIN/MAX of a NULL is NULL).
        first_touch=Least(Coalesce(changed["first"], read["first"]),
                          Coalesce(read["first"], changed["first"])),
        last_touch=Greatest(Coalesce(changed["last"], read["last"]),
                            Coalesce(read["last"], changed["last"])),
    ).order_by("full_name", "pk")  # fmt: skip


def incident_affected_clients(incident: Incident, *, user) -> QuerySet[Client] | None:
    """The affected clients of an incident's window, within what `user` may see (a
    manager: their branch); None while the incident has no window."""
    if not (incident.window_start and incident.window_end):
        return None
    branch_ids = [b.pk for b in incident.branches.all()]
    allowed = access.incident_branch_ids(user)
    if allowed is not None:
        branch_ids = [b for b in branch_ids if b in allowed] or allowed
    actor_ids = [u.pk for u in incident.staff.all()]
    return affected_clients(
        incident.window_start, incident.window_end, branch_ids or None, actor_ids or None
    )


def incidents_open_first(qs: QuerySet[Incident]) -> list[Incident]:
    """Incidents still waiting for a notification first (nearest deadline first), then
    the rest, newest first."""
    items = list(qs.prefetch_related("branches"))
    waiting = sorted((i for i in items if _waiting(i)), key=lambda i: i.detected_at)
    rest = [i for i in items if not _waiting(i)]
    return waiting + rest


def _waiting(incident: Incident) -> bool:
    return incident.notified_at is None and incident.status == IncidentStatus.OPEN
