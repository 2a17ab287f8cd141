"""When each client is due for each service again, and the desk's list of whom to call.

The expected next date comes from, in this order:
- the client's own rhythm: the mean interval of their sessions of that service;
- the service's usual interval: the median over its repeat clients, relearnt nightly;
- a package that covers the service and has sessions left: with neither interval, the
  sessions left spread evenly until the package expires.
And a package with sessions left that expires within PACKAGE_NEARLY_EXPIRED makes its
client due now, whatever the rhythm says: the desk calls before the sessions are lost.

`due_on` is called for each ClientService row by spa.reports.rollups (on refresh, for the
clients whose record, visits or packages changed; a package sale or redemption leaves
a mark through its audit entry) and `due_dates_recompute` re-dates nightly what moves
with the calendar or the learnt intervals.
"""

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from spa.reports.models import ClientService, ServiceStats

PACKAGE_NEARLY_EXPIRED = timedelta(days=30)  # as the today page's package alert
# A package that ended (expired) within this long is re-dated nightly without it; a
# package used up or cancelled marks its client and is re-dated on the next refresh.
PACKAGE_ENDED_RECENTLY = timedelta(days=31)
PAGE_SIZE = 100
# The profile names a service overdue for up to this long ("due for Peel since 12/01"):
# a date further back is a lapsed client's, and dd/mm would no longer say which year.
OVERDUE_SHOWN = timedelta(days=60)

OWN, TYPICAL, PACKAGE = "own", "typical", "package"
REASONS = {
    OWN: _("own rhythm"),
    TYPICAL: _("usual interval"),
    PACKAGE: _("package"),
}


@dataclass(frozen=True)
class PackageLeft:
    """What a live package leaves of one service for one client."""

    remaining: int
    expires_on: date | None
    name: str = ""


def due_of(
    *,
    last_on: date,
    own_interval: int | None,
    typical_interval: int | None,
    package: PackageLeft | None = None,
    today: date | None = None,
) -> tuple[date | None, str]:
    """(expected date, reason code) for a client who last had a service on `last_on`."""
    interval = own_interval or typical_interval
    due = last_on + timedelta(days=interval) if interval else None
    reason = OWN if own_interval else TYPICAL if typical_interval else ""
    if package is None or package.remaining <= 0:
        return due, reason
    today = today or timezone.localdate()
    if package.expires_on is not None and package.expires_on < today:
        return due, reason
    if package.expires_on is not None and package.expires_on - today <= PACKAGE_NEARLY_EXPIRED:
        # Due now; a client treated today is called from tomorrow.
        return max(today, last_on + timedelta(days=1)), PACKAGE
    if due is None and package.expires_on is not None:
        gap = max(1, (package.expires_on - last_on).days // package.remaining)
        return last_on + timedelta(days=gap), PACKAGE
    return due, reason


def due_on(
    *,
    last_on: date,
    own_interval: int | None,
    typical_interval: int | None,
    package: PackageLeft | None = None,
    today: date | None = None,
) -> date | None:
    """The date a client who last had a service on `last_on` is expected back."""
    return due_of(
        last_on=last_on, own_interval=own_interval, typical_interval=typical_interval,
        package=package, today=today,
    )[0]  # fmt: skip


# --- Packages ------------------------------------------------------------------------


def packages_left(
    client_ids: list[int] | None, *, today: date | None = None, ended_since: date | None = None
) -> dict[tuple[int, int], PackageLeft]:
    """{(client id, service id): the live package, with sessions left, that expires
    first} for these clients (None: every client). With `ended_since`, packages that
    expired on or after that day are included too (for re-dating without them)."""
    from spa.treatments.models import PackageStatus, TreatmentPackage

    today = today or timezone.localdate()
    through = TreatmentPackage.services.through
    lines = through.objects.filter(
        treatmentpackage__status=PackageStatus.ACTIVE,
        treatmentpackage__used_sessions__lt=F("treatmentpackage__total_sessions"),
    ).filter(
        Q(treatmentpackage__expires_on__isnull=True)
        | Q(treatmentpackage__expires_on__gte=ended_since or today)
    )
    if client_ids is not None:
        lines = lines.filter(treatmentpackage__client_id__in=client_ids)
    found: dict[tuple[int, int], PackageLeft] = {}
    for client_id, service_id, total, used, expires_on, name in lines.values_list(
        "treatmentpackage__client_id", "service_id", "treatmentpackage__total_sessions",
        "treatmentpackage__used_sessions", "treatmentpackage__expires_on", "treatmentpackage__name",
    ).iterator(chunk_size=5_000):  # fmt: skip
        plan = PackageLeft(remaining=total - used, expires_on=expires_on, name=name)
        held = found.get((client_id, service_id))
        if held is None or _expires_first(plan, held):
            found[(client_id, service_id)] = plan
    return found


def _expires_first(a: PackageLeft, b: PackageLeft) -> bool:
    return (a.expires_on or date.max) < (b.expires_on or date.max)


_batch = threading.local()


def package_left_of(batch: list[int], client_id: int, service_id: int) -> PackageLeft | None:
    """The package of one (client, service) among the clients of `batch`.

    rollups._client_services asks for each of its rows with the same batch list: the
    packages of the whole batch are read on the first call (one query) and kept while
    the same list object is asked about."""
    if getattr(_batch, "of", None) is not batch:
        _batch.of, _batch.plans = batch, packages_left(batch)
    return _batch.plans.get((client_id, service_id))


# --- Nightly ---------------------------------------------------------------------------


def due_dates_recompute(*, today: date | None = None) -> int:
    """Re-date what moves without a write: the once-only histories after the typical
    intervals changed (one UPDATE per service, of the rows whose date changes), and the
    rows a package decides, whose date moves with the calendar. Returns the rows
    re-dated."""
    today = today or timezone.localdate()
    changed = 0
    typical = dict(ServiceStats.objects.values_list("service_id", "typical_interval_days"))
    once = ClientService.objects.filter(mean_interval_days=None)
    with transaction.atomic():
        for service_id in once.values_list("service_id", flat=True).distinct().order_by():
            rows = once.filter(service_id=service_id)
            interval = typical.get(service_id)
            if interval:
                new = F("last_on") + timedelta(days=interval)
                changed += rows.exclude(due_on=new).update(due_on=new)
            else:
                changed += rows.filter(due_on__isnull=False).update(due_on=None)
    plans = packages_left(None, today=today, ended_since=today - PACKAGE_ENDED_RECENTLY)
    by_client: dict[int, set[int]] = {}
    for client_id, service_id in plans:
        by_client.setdefault(client_id, set()).add(service_id)
    ids = sorted(by_client)
    for i in range(0, len(ids), 5_000):
        with transaction.atomic():
            rows = [
                row
                for row in ClientService.objects.filter(client_id__in=ids[i : i + 5_000]).only(
                    "client_id", "service_id", "last_on", "mean_interval_days", "due_on"
                )
                if row.service_id in by_client[row.client_id]
            ]
            for row in rows:
                plan = plans[(row.client_id, row.service_id)]
                live = plan.expires_on is None or plan.expires_on >= today
                row.due_on = due_on(
                    last_on=row.last_on, own_interval=row.mean_interval_days,
                    typical_interval=typical.get(row.service_id),
                    package=plan if live else None, today=today,
                )  # fmt: skip
            ClientService.objects.bulk_update(rows, ["due_on"], batch_size=1_000)
            changed += len(rows)
    return changed


# --- Reads: the desk's list and the profile -------------------------------------------


def day_month_format() -> str:
    """The date format of "due around 12/01": dd/mm in Vietnamese, 12月1日 in Chinese."""
    return pgettext("date format: day and month", "d/m")


@dataclass
class DueRow:
    """One client due for one service."""

    client: object  # spa.clients.models.Client
    service: object  # spa.catalog.models.Service
    due_on: date
    last_on: date
    sessions: int
    reason: str  # OWN, TYPICAL or PACKAGE
    package: PackageLeft | None = None

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, ""))

    @property
    def key(self) -> list:
        return [self.due_on, self.client.pk, self.service.pk]


def _not_booked():
    """Rows whose client has no appointment to come for that service (booked or checked
    in, from today on)."""
    from spa.booking.models import Appointment, Status

    since = timezone.make_aware(datetime.combine(timezone.localdate(), time(0, 0)))
    booked = Appointment.objects.filter(
        client_id=OuterRef("client_id"), services=OuterRef("service_id"),
        status__in=[Status.BOOKED, Status.CHECKED_IN], start__gte=since,
    )  # fmt: skip
    return ~Exists(booked)


def _due_rows(user, *, branch_id: int | None = None, category_id: int | None = None):
    """The ClientService rows of the clients `user` may see, for live services, not
    already booked; nothing for a user who may not see the list."""
    from spa.catalog.models import Service
    from spa.clients.selectors import clients_visible_to
    from spa.core import access

    if not access.can_see_due_list(user):
        return ClientService.objects.none()
    clients = clients_visible_to(user)
    rows = ClientService.objects.filter(due_on__isnull=False)
    if branch_id:
        clients = clients.filter(branch_id=branch_id)
        rows = rows.filter(branch_id=branch_id)
    services = Service.objects.filter(is_active=True)
    if category_id:
        services = services.filter(category_id=category_id)
    return rows.filter(
        client_id__in=clients.values("pk"), service_id__in=services.values("pk")
    ).filter(_not_booked())


def _rows_dressed(rows: list[ClientService], *, today: date, client=None) -> list[DueRow]:
    """ClientService rows with their clients, services and reasons: four queries (three
    for one known client)."""
    from spa.catalog.models import Service
    from spa.clients.models import Client

    if not rows:
        return []
    client_ids = {r.client_id for r in rows}
    service_ids = {r.service_id for r in rows}
    if client is not None:
        clients = {client.pk: client}
    else:
        clients = Client.objects.select_related("branch").in_bulk(client_ids)
    services = Service.objects.select_related("category").in_bulk(service_ids)
    typical = dict(
        ServiceStats.objects.filter(service_id__in=service_ids).values_list(
            "service_id", "typical_interval_days"
        )
    )
    plans = packages_left(sorted(client_ids), today=today)
    out = []
    for r in rows:
        if r.client_id not in clients or r.service_id not in services:
            continue  # erased or changed since the rows were read
        plan = plans.get((r.client_id, r.service_id))
        _date, reason = due_of(
            last_on=r.last_on, own_interval=r.mean_interval_days,
            typical_interval=typical.get(r.service_id), package=plan, today=today,
        )  # fmt: skip
        out.append(DueRow(
            client=clients[r.client_id], service=services[r.service_id], due_on=r.due_on,
            last_on=r.last_on, sessions=r.sessions, reason=reason,
            package=plan if reason == PACKAGE else None,
        ))  # fmt: skip
    return out


def clients_due(
    *, user, start: date, end: date, branch_id: int | None = None,
    category_id: int | None = None, after: list | None = None, limit: int | None = None,
) -> list[DueRow]:  # fmt: skip
    """The clients `user` may see who are due for a service between start and end
    (inclusive), soonest first; those already booked for it are left out. `after` (a
    row's key) and `limit` page through a long list."""
    rows = _due_rows(user, branch_id=branch_id, category_id=category_id).filter(
        due_on__gte=start, due_on__lte=end
    )
    if after:
        day, client_id, service_id = after
        rows = rows.filter(
            Q(due_on__gt=day)
            | Q(due_on=day, client_id__gt=client_id)
            | Q(due_on=day, client_id=client_id, service_id__gt=service_id)
        )
    rows = rows.order_by("due_on", "client_id", "service_id")
    if limit is not None:
        rows = rows[:limit]
    return _rows_dressed(list(rows), today=timezone.localdate())


def due_counts(
    *, user, start: date, end: date, branch_id: int | None = None, category_id: int | None = None
) -> dict[date, int]:
    """{day: clients-and-services due that day} between start and end."""
    from django.db.models import Count

    rows = _due_rows(user, branch_id=branch_id, category_id=category_id).filter(
        due_on__gte=start, due_on__lte=end
    )
    return dict(rows.values_list("due_on").annotate(n=Count("id")).order_by("due_on"))


def client_due(client, *, limit: int = 3) -> list[DueRow]:
    """The next services `client` is due for, with the dates (soonest first, overdue by
    up to OVERDUE_SHOWN included); services already booked or no longer offered are left
    out."""
    from spa.catalog.models import Service

    since = timezone.localdate() - OVERDUE_SHOWN
    rows = (
        ClientService.objects.filter(client_id=client.pk, due_on__gte=since)
        .filter(service_id__in=Service.objects.filter(is_active=True).values("pk"))
        .filter(_not_booked())
        .order_by("due_on", "service_id")[:limit]
    )
    return _rows_dressed(list(rows), today=timezone.localdate(), client=client)
