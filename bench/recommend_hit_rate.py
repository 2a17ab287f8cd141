"""How often the next-service suggestion names what the client really took next, beside
the most popular services, and how long learning the pairs takes.

Run from the project root, on a benchmark database with a history (e.g. made by
generate_clients.py then generate_history.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench \\
        .venv/bin/python bench/recommend_hit_rate.py [--cutoff-days 90] [--nightly]

Training: spa.reports.recommend.pairs_count(before=cut-off), the nightly learning, on
the sessions before a cut-off day (by default 90 days before the last session); its time
is printed. Nothing is written, unless --nightly, which also times the nightly job
itself (service_pairs_recompute over the whole history, writing ServicePair as the
night would; on a database without the reports tables, only its learning part).

Evaluation, for every client with a session before the cut-off and one on or after it,
"today" being the cut-off day: the top 3 of the same ranking as recommend_for
(spa.reports.recommend.rank_next from the client's last 3 services, services had in the
14 days before left out, filled up with the client's branch's most popular services of
the 90 days before), *without* the contraindication guard: the benchmark price list has
no safety rules, so the guard would remove nothing. Two targets:

- next visit: a hit if one of the 3 is a service of the client's first visit on or
  after the cut-off;
- next new service: for clients whose history after the cut-off has a service they
  never had before it, a hit if one of the 3 is the first such service; here both the
  model and the baselines leave out every service the client had before the cut-off.

Baselines: the 3 most popular services of the training period (sessions, the whole
chain), and the 3 most popular of the client's branch in the 90 days before the
cut-off; each leaves out exactly what the model leaves out for that client.
"""

import argparse
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cutoff-days", type=int, default=90,
                        help="days before the last session where training stops")  # fmt: skip
    parser.add_argument("--nightly", action="store_true",
                        help="also time service_pairs_recompute (writes ServicePair)")  # fmt: skip
    args = parser.parse_args()
    _common.setup_django()

    from django.db import connection
    from django.db.models import Count, Max
    from django.utils import timezone

    from spa.clients.models import Client
    from spa.reports import recommend
    from spa.treatments.models import SessionService, TreatmentSession

    last = TreatmentSession.objects.filter(status="done").aggregate(m=Max("performed_at"))["m"]
    if last is None:
        raise SystemExit("No session in this database: generate a history first.")
    cut = timezone.localdate(last) - timedelta(days=args.cutoff_days)
    cut_n = cut.toordinal()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"last session {timezone.localdate(last)}, cut-off {cut} ({args.cutoff_days} days before)"
    )

    if args.nightly:
        started = time.perf_counter()
        if "reports_servicepair" in connection.introspection.table_names():
            stored = recommend.service_pairs_recompute()
            what = "service_pairs_recompute"
        else:  # a database generated before the reports app: learn, write nothing
            stored = len(recommend.pairs_count().learnt())
            what = "pairs_count (no ServicePair table here: nothing written)"
        took = time.perf_counter() - started
        print(f"nightly {what}, whole history: {took:.1f} s, {stored} pairs")

    started = time.perf_counter()
    counts = recommend.pairs_count(before=cut)
    train = time.perf_counter() - started
    pairs = recommend.PairIndex(counts.learnt())
    print(f"train (pairs_count before the cut-off): {train:.1f} s, {counts.clients:,} clients, "
          f"{len(pairs)} pairs")  # fmt: skip

    started = time.perf_counter()
    lines = SessionService.objects.filter(session__status="done", session__performed_at__lt=(
        recommend_day_start(cut)))  # fmt: skip
    chain_popular = [s for s, _n in lines.values_list("service_id").annotate(n=Count("id"))
                     .order_by("-n", "service_id")]  # fmt: skip
    recent_lines = lines.filter(
        session__performed_at__gte=recommend_day_start(cut - recommend.POPULAR_SINCE)
    )
    per_branch: dict[int, Counter] = defaultdict(Counter)
    for branch_id, service_id, n in (
        recent_lines.values_list("session__branch_id", "service_id").annotate(n=Count("id"))
    ):  # fmt: skip
        per_branch[branch_id][service_id] += n
    branch_popular = {
        b: [s for s, _n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]
        for b, c in per_branch.items()
    }
    home = dict(Client.objects.values_list("pk", "branch_id").iterator(chunk_size=50_000))
    print(f"popular services and home branches: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    just_had = recommend.JUST_HAD.days
    score = Counter()

    def top3(ranked, exclude):
        out = []
        for s in ranked:
            if s not in exclude and s not in out:
                out.append(s)
                if len(out) == 3:
                    break
        return out

    def evaluate(client_id, visits):
        before = [(d, s) for d, s in visits if d < cut_n]
        after = [(d, s) for d, s in visits if d >= cut_n]
        if not before or not after:
            return
        last_on: dict[int, int] = {}
        for d, s in before:
            last_on[s] = d
        recent = sorted(last_on, key=lambda s: (-last_on[s], s))[: recommend.RECENT_SERVICES]
        local = branch_popular.get(home.get(client_id), [])
        first_day = after[0][0]
        next_visit = {s for d, s in after if d == first_day}
        new = next((s for _d, s in after if s not in last_on), None)
        for target, exclude in (
            ("next visit", {s for s, d in last_on.items() if d > cut_n - just_had}),
            ("next new service", set(last_on)),
        ):
            wanted = next_visit if target == "next visit" else ({new} if new else None)
            if not wanted:
                continue
            ranked = [s for s, _sc, _a in recommend.rank_next(recent=recent, pairs=pairs,
                                                              exclude=exclude)]  # fmt: skip
            guesses = {
                "model": top3(ranked + local, exclude),
                "most popular (chain, training period)": top3(chain_popular, exclude),
                "most popular (branch, 90 days)": top3(local, exclude),
            }
            score[(target, "clients")] += 1
            score[(target, "from pairs")] += bool(ranked)
            for name, guess in guesses.items():
                score[(target, name)] += bool(wanted & set(guess))

    current, visits = None, []
    for client_id, day, service_id in recommend._visit_rows():
        if client_id != current:
            if visits:
                evaluate(current, visits)
            current, visits = client_id, []
        visits.append((day, service_id))
    if visits:
        evaluate(current, visits)
    print(f"evaluation pass: {time.perf_counter() - started:.1f} s")
    print()
    for target in ("next visit", "next new service"):
        n = score[(target, "clients")]
        print(f"{target}: {n:,} clients evaluated "
              f"({score[(target, 'from pairs')] / max(n, 1):.0%} with a suggestion from pairs)")  # fmt: skip
        for name in ("model", "most popular (chain, training period)",
                     "most popular (branch, 90 days)"):  # fmt: skip
            print(f"  hit rate @3  {name:40} {score[(target, name)] / max(n, 1):6.1%}")


def recommend_day_start(day):
    from spa.reports.rollups import day_start

    return day_start(day)


if __name__ == "__main__":
    main()
