"""How fast a segment is counted: the live count of the builder, as the owner (every
branch) and a branch manager, for realistic definitions; and the list page's counts of
every built-in group (one query).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench .venv/bin/python bench/segments.py

It needs the rollups (ClientStats, ClientService). On a chain generated with its
history, they are rebuilt here (spa.reports.rollups.rollups_rebuild) unless they
already cover 99% of the live clients. A chain of clients only
(bench/generate_clients.py without history) has nothing to roll up:
`--synthetic` then writes made-up rollups for it (seeded: visits, spend, services had,
from each client's last visit; consents and debts from the real rows; scores and groups
by the app's own rfm_of on the quintiles of that data), so the query can be timed at
the chain's size. It also adds, once, the tags, groups, debts and packages of
bench/client_list.py. Each case is timed through segment_count (which first refreshes
whatever the rollups have marked, as the page does); it prints p50 / p95 / max in
milliseconds, and the plan of the slowest case with --explain.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    OWNER_USERNAME,
    machine_note,
    setup_django,
    staff_username,
    summary_ms,
    wait_for_idle,
)

SERVICES = [
    ("Chăm sóc da mặt", ["Peel da AHA", "Chăm sóc da cơ bản", "Điện di vitamin C", "Nặn mụn"]),
    ("Triệt lông", ["Triệt lông laser nách", "Triệt lông laser chân"]),
    ("Cơ thể", ["Massage body đá nóng", "Tắm trắng"]),
]  # fmt: skip
BATCH = 5_000


def catalogue() -> list[int]:
    """The services the synthetic history uses (made once, by name)."""
    from spa.catalog.models import Service, ServiceCategory

    ids = []
    for category_name, names in SERVICES:
        category, _created = ServiceCategory.objects.get_or_create(name=category_name)
        for name in names:
            service = Service.objects.filter(name=name).first() or Service.objects.create(
                name=name, category=category
            )
            ids.append(service.pk)
    return ids


def synthetic_rollups(seed: int) -> None:
    """Made-up ClientStats and ClientService for a chain without history (see above)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from spa.clients.models import Client, ConsentRecord
    from spa.reports.models import ClientService, ClientStats, RfmCutoffs
    from spa.reports.rollups import CONSENT_CHANNELS, _quartiles, rfm_of
    from spa.sales.models import Balance

    started = time.perf_counter()
    rng = random.Random(seed)
    services = catalogue()
    today = timezone.localdate()
    ClientStats.objects.all().delete()
    ClientService.objects.all().delete()
    debt = dict(Balance.objects.filter(account="debt").values_list("client_id", "amount"))
    consents: dict = {}
    for client_id, channel, granted in (
        ConsentRecord.objects.order_by("recorded_at", "id")
        .values_list("client_id", "channel", "granted").iterator(chunk_size=BATCH)
    ):  # fmt: skip
        consents.setdefault(client_id, {})[channel] = granted
    rows = []
    for pk, branch_id, source_id, tier, gender, year, born, last in (
        Client.objects.filter(merged_into__isnull=True).order_by("pk")
        .values_list("pk", "branch_id", "source_id", "tier", "gender", "birth_year",
                     "birth_date", "last_visit_at").iterator(chunk_size=BATCH)
    ):  # fmt: skip
        visits = min(40, int(rng.expovariate(1 / 4)) + 1) if last else 0
        last_day = timezone.localdate(last) if last else None
        span = rng.randrange(0, 1000) if visits > 1 else 0
        first = last_day - timedelta(days=span) if last_day else None
        second = first + timedelta(days=max(1, span // visits)) if visits > 1 else None
        spend = visits * rng.randrange(30, 150) * 10_000
        rows.append([pk, branch_id, source_id, tier, gender,
                     year or (born.year if born else None), first, second, last_day, visits,
                     spend, debt.get(pk, 0), consents.get(pk, {})])  # fmt: skip
    came = [r for r in rows if r[8]]
    cutoffs = RfmCutoffs(
        pk=1, recency_days=_quartiles([(today - r[8]).days for r in came]),
        visits=_quartiles([r[9] for r in came]), spend=_quartiles([r[10] / 1e6 for r in came]),
        computed_at=timezone.now(),
    )  # fmt: skip
    cutoffs.save()
    stats, history = [], []
    for pk, branch_id, source_id, tier, gender, year, first, second, last, visits, spend, owed, said in rows:  # fmt: skip
        r, f, m, group = rfm_of(last_visit=last, first_visit=first, visits=visits, spend=spend,
                                today=today, cutoffs=cutoffs)  # fmt: skip
        stats.append(ClientStats(
            client_id=pk, branch_id=branch_id, source_id=source_id, tier=tier, gender=gender,
            birth_year=year, first_visit=first, second_visit=second, last_visit=last,
            visits=visits, spend=spend, debt=owed, r_score=r, f_score=f, m_score=m,
            rfm_group=group, **{f"consent_{ch}": bool(said.get(ch)) for ch in CONSENT_CHANNELS},
        ))  # fmt: skip
        if visits:
            kinds = rng.sample(services, k=min(len(services), 1 + int(rng.expovariate(1.2))))
            for i, service_id in enumerate(kinds):
                on_last = last if i == 0 else last - timedelta(days=rng.randrange(0, 400))
                on_last = max(on_last, first)
                history.append(ClientService(
                    client_id=pk, service_id=service_id, branch_id=branch_id,
                    sessions=max(1, visits // len(kinds)), first_on=first, last_on=on_last,
                ))  # fmt: skip
        if len(stats) >= BATCH:
            with transaction.atomic():
                ClientStats.objects.bulk_create(stats, batch_size=BATCH)
                ClientService.objects.bulk_create(history, batch_size=BATCH)
            stats, history = [], []
    with transaction.atomic():
        ClientStats.objects.bulk_create(stats, batch_size=BATCH)
        ClientService.objects.bulk_create(history, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"synthetic rollups: {ClientStats.objects.count():,} clients, "
          f"{ClientService.objects.count():,} client-service rows "
          f"({time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip


def ensure_rollups(synthetic: bool, seed: int) -> None:
    """Rollups for (nearly) every live client: rebuilt from the history if it exists,
    else made up with --synthetic; a count over half-built rollups would mean nothing."""
    from spa.clients.models import Client
    from spa.reports.models import ClientStats
    from spa.reports.rollups import rollups_rebuild
    from spa.treatments.models import TreatmentSession

    live = Client.objects.filter(merged_into__isnull=True).count()
    rolled = ClientStats.objects.count()
    if rolled >= live * 0.99:
        return
    print(f"rollups cover {rolled:,} of {live:,} clients", flush=True)
    if TreatmentSession.objects.exists():
        started = time.perf_counter()
        print("rebuilding the rollups from the history…", flush=True)
        rollups_rebuild(progress=lambda text: print(f"  {text}", flush=True))
        print(f"rebuilt in {time.perf_counter() - started:.0f} s", flush=True)
        return
    if not synthetic:
        raise SystemExit("No history to roll up: generate it, or pass --synthetic (docstring).")
    synthetic_rollups(seed)


def timed(fn, runs: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def cases(owner, manager) -> list:
    from django.utils import timezone

    from spa.catalog.models import Service
    from spa.clients.models import Tag
    from spa.reports.segments import SegmentDefinition as D
    from spa.reports.segments import builtin_counts

    services = list(Service.objects.order_by("pk").values_list("pk", flat=True))
    peel = Service.objects.filter(name__icontains="peel").values_list("pk", flat=True).first()
    peel = peel or services[0]
    other = next((s for s in services if s != peel), peel)
    vip = Tag.objects.filter(name="VIP").values_list("pk", flat=True).first()
    year_ago = timezone.localdate() - timedelta(days=365)
    definitions = [
        ("VIP group", D(rfm_groups=("vip",))),
        ("win back: at risk or lapsed, Zalo", D(rfm_groups=("at_risk", "lapsed"),
                                                consent_channel="zalo")),
        ("had a peel in 6 months", D(had_service_id=peel, had_within_days=183)),
        ("5-20 M, never had a second service", D(spend_band="5m", never_service_id=other)),
        ("women 25-34, Zalo", D(gender="female", age_bands=("25",), consent_channel="zalo")),
        ("VIP tag, gold or diamond", D(tag_ids=(vip,) if vip else (), tiers=("gold", "diamond"))),
        ("birthday in March, SMS", D(birth_month=3, consent_channel="sms")),
        ("not seen for a year, spent 5 M+", D(visit_before=year_ago, spend_min=5_000_000)),
        ("owes money, 3 visits or more", D(has_debt=True, visits_min=3)),
        ("everyone", D()),
    ]  # fmt: skip
    out = []
    for who, user in (("owner", owner), ("manager", manager)):
        for label, definition in definitions:
            out.append((f"{who}: {label}", user, definition))
        out.append((f"{who}: the list's built-in counts", user, builtin_counts))
        out.append((f"{who}: first 50 members, win back", user, members(definitions[1][1])))
    return out


def members(definition):
    """The segment page's rows (a callable case: timed as it is, no count)."""
    from spa.reports.segments import segment_members

    def run(*, user):
        return segment_members(user=user, definition=definition, limit=50)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synthetic", action="store_true", help="made-up rollups (docstring)")
    parser.add_argument("--explain", action="store_true", help="print the slowest case's plan")
    parser.add_argument("--max-load", type=float, default=0, help="wait for a quieter machine")
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.utils import translation

    from spa.accounts.models import User
    from spa.clients.models import Client
    from spa.reports.segments import segment_count, segment_stats

    total = Client.objects.count()
    if total < 1000:
        raise SystemExit("Generate the chain first: bench/generate_clients.py (see the docstring).")
    print(f"{connection.vendor}: {total:,} clients; {machine_note()}", flush=True)
    from client_list import enrich

    enrich(args.seed)
    ensure_rollups(args.synthetic, args.seed)
    translation.activate("vi")
    owner = User.objects.get(username=OWNER_USERNAME)
    manager = User.objects.get(username=staff_username(1, "manager"))
    print(f"manager's branch: {Client.objects.filter(branch_id=manager.branch_id).count():,} "
          "clients", flush=True)  # fmt: skip
    wait_for_idle(args.max_load)
    print(f"\n{'case':<52} {'count':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    slowest = (0.0, None)
    p95s = []
    for label, user, definition in cases(owner, manager):
        if callable(definition):
            run = lambda user=user, fn=definition: fn(user=user)  # noqa: E731
            shown = "—"
        else:
            run = lambda user=user, d=definition: segment_count(user=user, definition=d)  # noqa: E731
            shown = f"{run():,}"
        p50, p95, worst = summary_ms(timed(run, args.runs))
        p95s.append(p95)
        print(f"{label:<52} {shown:>9} {p50:8.1f} {p95:8.1f} {worst:8.1f}", flush=True)
        if p95 > slowest[0] and not callable(definition):
            slowest = (p95, (label, user, definition))
    print(f"\nworst p95 {max(p95s):.1f} ms (target: 300 ms at a million clients)")
    if args.explain and slowest[1] and connection.vendor == "postgresql":
        label, user, definition = slowest[1]
        qs = segment_stats(user=user, definition=definition).order_by()
        sql, params = qs.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FROM ({sql}) s", params)
            print(f"\nplan of the slowest, {label}:")
            print("\n".join(row[0] for row in cursor.fetchall()))
    print(machine_note())


if __name__ == "__main__":
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    main()
