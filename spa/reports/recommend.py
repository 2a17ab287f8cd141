"""What to suggest next: services that clients with the same history took next.

Item-to-item co-occurrence: for every pair of services (a, b), the clients who had a
and then b within 60 days (a later day, b another service); lift = P(b after a) / P(b),
with P(b) the share of all clients with a history who ever had b. Relearnt nightly by
`service_pairs_recompute`, which streams the sessions once, ordered by client and day
(one client's history in memory at a time).

`recommend_for` ranks the services that followed the client's last services by
lift × clients, then drops any the contraindication guard would block or warn about for
this client today, and fills up with the branch's most popular services.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.reports.models import ClientService, ServiceDay, ServicePair

WINDOW = timedelta(days=60)
WINDOW_DAYS = WINDOW.days
RECENT_SERVICES = 3  # the client's last services a suggestion starts from
JUST_HAD = timedelta(days=14)  # a service had this recently is not suggested
POPULAR_SINCE = timedelta(days=90)  # "popular at the branch": sessions of the last 90 days
MIN_LIFT = 1.0  # a pair that follows no more often than chance suggests nothing


# --- Learning --------------------------------------------------------------------------


def client_pairs(visits: list[tuple[int, int]]) -> tuple[set[int], set[tuple[int, int]]]:
    """(services had, pairs (a, b) with b on a later day within the window) of one
    client's visits [(day number, service id), …] sorted by day."""
    seen = {s for _, s in visits}
    followed: set[tuple[int, int]] = set()
    n = len(visits)
    for i, (day, a) in enumerate(visits):
        for j in range(i + 1, n):
            later, b = visits[j]
            if later - day > WINDOW_DAYS:
                break
            if later > day and b != a:
                followed.add((a, b))
    return seen, followed


@dataclass
class PairCounts:
    """What the learning counts: clients per service, per pair, and in all."""

    had: dict
    pairs: dict
    clients: int = 0

    def add(self, visits: list[tuple[int, int]]) -> None:
        seen, followed = client_pairs(visits)
        self.clients += 1
        for s in seen:
            self.had[s] += 1
        for pair in followed:
            self.pairs[pair] += 1

    def learnt(self) -> dict[tuple[int, int], tuple[int, float]]:
        """{(a, b): (clients, lift)}."""
        total = self.clients or 1
        return {
            (a, b): (n, (n / self.had[a]) / (self.had[b] / total))
            for (a, b), n in self.pairs.items()
            if self.had[a] and self.had[b]
        }


def _visit_rows(before: date | None = None):
    """(client id, day number, service id) of every session done (before a day), ordered
    by client and day, distinct, streamed from a server-side cursor."""
    from spa.reports.rollups import day_start

    if connection.vendor == "postgresql":
        return _visit_rows_pg(None if before is None else day_start(before))
    return _visit_rows_orm(None if before is None else day_start(before))


def _visit_rows_orm(before):
    from spa.treatments.models import SessionService

    lines = SessionService.objects.filter(session__status="done")
    if before is not None:
        lines = lines.filter(session__performed_at__lt=before)
    tz = timezone.get_current_timezone()
    rows = (
        lines.values_list("session__client_id", TruncDate("session__performed_at", tzinfo=tz),
                          "service_id")
        .distinct()
        .order_by("session__client_id", TruncDate("session__performed_at", tzinfo=tz))
    )  # fmt: skip
    for client_id, day, service_id in rows.iterator(chunk_size=20_000):
        yield client_id, day.toordinal(), service_id


def _visit_rows_pg(before):
    """As _visit_rows, in SQL: the day number comes out of PostgreSQL as an integer (the
    ORM's row of a date costs a quarter more over 10M sessions)."""
    from spa.treatments.models import SessionService, TreatmentSession

    sql = f"""
        SELECT DISTINCT s.client_id,
               (s.performed_at AT TIME ZONE %s)::date - DATE '0001-01-01' + 1 AS day,
               l.service_id
        FROM {SessionService._meta.db_table} l
        JOIN {TreatmentSession._meta.db_table} s ON s.id = l.session_id
        WHERE s.status = 'done' {"AND s.performed_at < %s" if before is not None else ""}
        ORDER BY 1, 2"""  # table names from the models; values go as parameters
    params = [timezone.get_current_timezone_name()] + ([before] if before is not None else [])
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20_000):
            yield from rows


def pairs_count(*, before: date | None = None, rows=None) -> PairCounts:
    """Count services and pairs over every client's history (sessions before `before`),
    holding one client's visits at a time."""
    counts = PairCounts(had=defaultdict(int), pairs=defaultdict(int))
    current, visits = None, []
    for client_id, day, service_id in rows if rows is not None else _visit_rows(before):
        if client_id != current:
            if visits:
                counts.add(visits)
            current, visits = client_id, []
        visits.append((day, service_id))
    if visits:
        counts.add(visits)
    return counts


def pairs_learn(histories: dict) -> dict:
    """{(a, b): (clients, lift)} from histories {client id: [(day, service id), …]}."""
    counts = PairCounts(had=defaultdict(int), pairs=defaultdict(int))
    for visits in histories.values():
        ordered = sorted((d.toordinal() if isinstance(d, date) else d, s) for d, s in visits)
        counts.add(ordered)
    return counts.learnt()


def service_pairs_recompute(*, before: date | None = None) -> int:
    """Relearn the pairs from every client's history (the nightly job).

    Measured by bench/recommend_hit_rate.py --nightly on PostgreSQL, 2 cores, 10M
    sessions (11.7M service lines) of 850k clients: 33 s with the machine otherwise
    quiet, 65 s beside a rollups rebuild; under 200 MB of memory (the former version,
    every history held at once: 42 s and 1.4 GB)."""
    learnt = pairs_count(before=before).learnt()
    with transaction.atomic():
        ServicePair.objects.all().delete()
        ServicePair.objects.bulk_create(
            (
                ServicePair(first_id=a, then_id=b, clients=n, lift=lift)
                for (a, b), (n, lift) in learnt.items()
            ),
            batch_size=5_000,
        )
    return len(learnt)


# --- Ranking ---------------------------------------------------------------------------


def rank_next(
    *, recent: list[int], pairs: dict[tuple[int, int], tuple[int, float]], exclude: set[int]
) -> list[tuple[int, float, int]]:
    """[(service id, score, the recent service that led to it)] best first: the services
    that followed the client's recent ones, scored by lift × clients summed over them."""
    score: dict[int, float] = defaultdict(float)
    best: dict[int, tuple[float, int]] = {}
    for a in recent:
        for then, (n, lift) in _followers(pairs, a):
            if then in exclude or lift <= MIN_LIFT:
                continue
            weight = lift * n
            score[then] += weight
            if then not in best or weight > best[then][0]:
                best[then] = (weight, a)
    ranked = sorted(score, key=lambda s: (-score[s], s))
    return [(s, score[s], best[s][1]) for s in ranked]


def _followers(pairs, a):
    index = getattr(pairs, "by_first", None)
    if index is not None:
        return index.get(a, ())
    return [(b, v) for (first, b), v in pairs.items() if first == a]


class PairIndex(dict):
    """The pairs {(a, b): (clients, lift)} with an index by `a`, for ranking many clients."""

    def __init__(self, learnt: dict):
        super().__init__(learnt)
        self.by_first: dict[int, list] = defaultdict(list)
        for (a, b), v in learnt.items():
            self.by_first[a].append((b, v))


# --- Suggestions for one client --------------------------------------------------------


@dataclass
class Suggestion:
    service: object  # spa.catalog.models.Service
    reason: str  # one line, shown to staff: never health data nor the guard's findings
    score: float = 0.0


def popular_services(*, branch_id: int | None, today: date) -> list[int]:
    """Service ids by sessions done at the branch (every branch: None) in the last 90 days."""
    days = ServiceDay.objects.filter(day__gt=today - POPULAR_SINCE, day__lte=today)
    if branch_id:
        days = days.filter(branch_id=branch_id)
    return [
        s
        for s, _n in days.values_list("service_id")
        .annotate(n=Sum("sessions"))
        .order_by("-n", "service_id")
    ]


def recommend_for(*, client, limit: int = 3, today: date | None = None) -> list[Suggestion]:
    """Up to `limit` services to suggest to `client` next, each with a one-line reason:
    from what followed their recent services, else the branch's most popular. Never a
    service the guard would block or warn about for them today, an inactive one, one
    they had in the last 14 days or one they are already booked for."""
    from spa.catalog.models import Service, ServiceRule
    from spa.treatments.guard import guard_check

    today = today or timezone.localdate()
    history = list(
        ClientService.objects.filter(client_id=client.pk)
        .order_by("-last_on", "service_id")
        .values_list("service_id", "last_on")
    )
    recent = [s for s, _last in history[:RECENT_SERVICES]]
    exclude = {s for s, last in history if last > today - JUST_HAD} | _booked(client, today)
    ranked: list[tuple[int, int | None, float]] = []  # (service, the one it followed, score)
    if recent:
        pairs = {
            (a, b): (n, lift)
            for a, b, n, lift in ServicePair.objects.filter(first_id__in=recent).values_list(
                "first_id", "then_id", "clients", "lift"
            )
        }
        ranked = [(s, a, sc) for s, sc, a in rank_next(recent=recent, pairs=pairs, exclude=exclude)]
    popular = popular_services(branch_id=client.branch_id, today=today)
    taken = {s for s, _a, _sc in ranked}
    ranked += [(s, None, 0.0) for s in popular if s not in exclude and s not in taken]
    services = Service.objects.in_bulk({s for s, _a, _sc in ranked} | set(recent))
    names = {pk: s.name for pk, s in services.items()}  # an inactive one may still be a reason
    # guard_check with no product finds only what a service's safety rules say: a
    # service without rules is never stopped, and needs no check (three queries each).
    ruled = set(
        ServiceRule.objects.filter(service_id__in=list(services)).values_list(
            "service_id", flat=True
        )
    )
    out: list[Suggestion] = []
    for service_id, first_id, score in ranked:
        service = services.get(service_id)
        if service is None or not service.is_active:
            continue
        # The guard decides, as it would at the session; its findings are not shown.
        if service_id in ruled and guard_check(
            client=client, services=[service], products=[], on=today
        ):
            continue
        if first_id is not None and first_id in names:
            reason = _("Clients who had %(first)s often take %(then)s next.") % {
                "first": names[first_id], "then": service.name,
            }  # fmt: skip
        else:
            reason = _("Popular at %(branch)s.") % {"branch": client.branch.name}
        out.append(Suggestion(service=service, reason=reason, score=score))
        if len(out) >= limit:
            break
    return out


def _booked(client, today: date) -> set[int]:
    """Services the client has an appointment to come for (booked or checked in)."""
    from spa.booking.models import Appointment, Status
    from spa.reports.rollups import day_start

    return set(
        Appointment.services.through.objects.filter(
            appointment__client_id=client.pk,
            appointment__status__in=[Status.BOOKED, Status.CHECKED_IN],
            appointment__start__gte=day_start(today),
        ).values_list("service_id", flat=True)
    )
