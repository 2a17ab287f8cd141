"""What to suggest next: services that clients with the same history took next.

Item-to-item co-occurrence: for every pair of services (a, b), the clients who had a
and then b within 60 days; lift = P(b after a) / P(b). Relearnt nightly from the
clients' histories."""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models.functions import TruncDate
from django.utils import timezone

from spa.reports.models import ServicePair

WINDOW = timedelta(days=60)


def _histories(before=None):
    """{client id: [(day, service id), …] in order} of sessions done (before a date)."""
    from spa.treatments.models import SessionService

    lines = SessionService.objects.filter(session__status="done")
    if before is not None:
        lines = lines.filter(session__performed_at__lt=before)
    tz = timezone.get_current_timezone()
    histories: dict = defaultdict(list)
    for client_id, day, service_id in (
        lines.order_by("session__client_id", "session__performed_at")
        .values_list("session__client_id", TruncDate("session__performed_at", tzinfo=tz),
                     "service_id")
        .iterator(chunk_size=20_000)
    ):  # fmt: skip
        histories[client_id].append((day, service_id))
    return histories


def pairs_learn(histories) -> dict:
    """{(a, b): (clients, lift)} from the histories."""
    had: dict = defaultdict(int)
    pairs: dict = defaultdict(int)
    for visits in histories.values():
        seen = {s for _, s in visits}
        for s in seen:
            had[s] += 1
        followed = set()
        for i, (day, a) in enumerate(visits):
            for later, b in visits[i + 1 :]:
                if later - day > WINDOW:
                    break
                if b != a and later > day:
                    followed.add((a, b))
        for pair in followed:
            pairs[pair] += 1
    total = len(histories) or 1
    return {
        (a, b): (n, (n / had[a]) / (had[b] / total))
        for (a, b), n in pairs.items()
        if had[a] and had[b]
    }


def service_pairs_recompute() -> int:
    """Relearn the pairs from every client's history."""
    learnt = pairs_learn(_histories())
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
