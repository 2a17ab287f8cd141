"""Latency of client search through the real selector, per kind of query.

Run from the project root, on a database filled by bench/generate_clients.py:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench \\
        .venv/bin/python bench/search_latency.py --per-kind 200 --seed 1
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/search_latency.py

For each kind of query (full phone in several formats, last 4 / 6 digits, full name
with and without diacritics, in another word order, a fragment whose last word is
still being typed, a single common token, the given name only, Chinese names of two
and three characters) it draws --per-kind different queries from the generated
clients (seeded), warms up with a separate draw, then times
spa.clients.selectors.client_search(user=..., q=...) as the owner (all branches) and
as a receptionist of the largest branch, and prints p50 / p95 / max in ms, the mean
number of results and how often the client the query was drawn from is among them.

On PostgreSQL it then times the naive design over the same name queries: a pg_trgm
GIN index on clients_client.name_search (bench_trgm, created if missing, dropped at
the end unless --keep-trgm) and `name_search LIKE '%...%' ORDER BY last_visit_at DESC
NULLS LAST LIMIT 20`. If our slowest kind has p95 above 10 ms, the slowest SQL
statement of its slowest query is shown with EXPLAIN (ANALYZE, BUFFERS) (EXPLAIN QUERY
PLAN on SQLite). Last, it times the client profile page (GET /clients/<id>/ through
django.test.Client, logged in as the owner) for --profiles random clients.
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

TARGET_MS = 10.0
PROFILE_TARGET_MS = 50.0


@dataclass
class Sample:
    """A generated client a query is drawn from."""

    pk: int
    full_name: str
    branch_id: int
    numbers: list[str]  # significant digits of each phone ("912345678")


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    results: list[int] = field(default_factory=list)
    found: list[bool] = field(default_factory=list)

    def add(self, seconds: float, q: str, n_results: int, found: bool) -> None:
        self.seconds.append(seconds)
        self.queries.append(q)
        self.results.append(n_results)
        self.found.append(found)


# --- Query kinds --------------------------------------------------------------------


def _is_chinese(name: str) -> bool:
    from spa.core.text import is_han

    return all(is_han(ch) for ch in name)


def _vietnamese_tokens(sample: Sample) -> list[str] | None:
    from spa.core.text import fold, tokens

    if _is_chinese(sample.full_name):
        return None
    return tokens(fold(sample.full_name))


def _full_phone(sample: Sample, rng: random.Random) -> str:
    from spa.core.phone import VN_OLD_MOBILE_PREFIXES

    s = rng.choice(sample.numbers)
    old = {new: old for old, new in VN_OLD_MOBILE_PREFIXES.items()}
    formats = [
        f"0{s}",  # 0912345678
        s,  # 912345678
        f"+84{s}",  # +84912345678
        f"+84 {s[:3]} {s[3:6]} {s[6:]}",  # +84 912 345 678
        f"0{s[:3]} {s[3:6]} {s[6:]}",  # 0912 345 678
        f"0{s[:3]}.{s[3:6]}.{s[6:]}",  # 0912.345.678
    ]
    if f"0{s[:2]}" in old:  # a renumbered mobile: typed as the old 11-digit number
        formats.append(f"{old['0' + s[:2]]} {s[2:5]} {s[5:]}")  # 0168 123 4567
    return rng.choice(formats)


def _other_order(sample: Sample, rng: random.Random) -> str | None:
    words = _vietnamese_tokens(sample)
    if not words or len(words) < 2:
        return None
    return " ".join([words[-1], *words[:-1]])  # "hoa nguyen thi"


def _fragment(sample: Sample, rng: random.Random) -> str | None:
    words = _vietnamese_tokens(sample)
    if not words or len(words) < 2:
        return None
    last = words[-1][: rng.choice([1, 1, 2])]
    return " ".join([*words[:-1], last])  # "nguyen thi h"


def _chinese(length: int) -> Callable[[Sample, random.Random], str | None]:
    def build(sample: Sample, rng: random.Random) -> str | None:
        name = sample.full_name
        return name if len(name) == length and _is_chinese(name) else None

    return build


def _folded(sample: Sample, rng: random.Random) -> str | None:
    words = _vietnamese_tokens(sample)
    return " ".join(words) if words else None


KINDS: list[tuple[str, Callable[[Sample, random.Random], str | None], bool]] = [
    # (label, query builder, is it a name query the naive design can be compared on)
    ("phone, full (mixed formats)", _full_phone, False),
    ("phone, last 4 digits", lambda s, r: r.choice(s.numbers)[-4:], False),
    ("phone, last 6 digits", lambda s, r: r.choice(s.numbers)[-6:], False),
    ("name, no diacritics", _folded, True),
    (
        "name, with diacritics",
        lambda s, r: None if _is_chinese(s.full_name) else s.full_name,
        True,
    ),
    ("name, other word order", _other_order, True),
    ("fragment, last word partial", _fragment, True),
    ("single common token (surname)", lambda s, r: (_vietnamese_tokens(s) or [None])[0], True),
    ("given name only", lambda s, r: (_vietnamese_tokens(s) or [None])[-1], True),
    ("Chinese, 2 characters", _chinese(2), True),
    ("Chinese, 3 characters", _chinese(3), True),
]


# --- Drawing queries from the data ----------------------------------------------------


def load_samples(ids: list[int]) -> list[Sample]:
    from spa.clients.models import Client, ClientPhone

    rows = {
        pk: Sample(pk, name, branch, [])
        for pk, name, branch in Client.objects.filter(pk__in=ids).values_list(
            "pk", "full_name", "branch_id"
        )
    }
    for client_id, e164 in ClientPhone.objects.filter(client_id__in=ids).values_list(
        "client_id", "e164"
    ):
        rows[client_id].numbers.append(e164.removeprefix("+84"))
    return [rows[pk] for pk in ids if pk in rows and rows[pk].numbers]


def draw_queries(
    rng: random.Random, ids: list[int], chinese_ids: list[int], per_kind: int
) -> dict[str, list[tuple[str, int]]]:
    """per_kind (query, source client id) pairs for every kind."""
    out: dict[str, list[tuple[str, int]]] = {}
    for label, build, _name in KINDS:
        pool = chinese_ids if label.startswith("Chinese") else ids
        queries: list[tuple[str, int]] = []
        for _round in range(20):
            if len(queries) >= per_kind:
                break
            picked = rng.sample(pool, min(len(pool), per_kind * 3))
            for sample in load_samples(picked):
                q = build(sample, rng)
                if q:
                    queries.append((q, sample.pk))
                if len(queries) >= per_kind:
                    break
        out[label] = queries
    return out


# --- Timing ---------------------------------------------------------------------------


def time_ours(user, queries: dict[str, list[tuple[str, int]]]) -> dict[str, Timing]:
    from spa.clients.selectors import client_search

    timings: dict[str, Timing] = {}
    for label, pairs in queries.items():
        timing = timings.setdefault(label, Timing())
        for q, source in pairs:
            started = time.perf_counter()
            result = client_search(user=user, q=q)
            elapsed = time.perf_counter() - started
            timing.add(elapsed, q, len(result.clients), any(c.pk == source for c in result.clients))
    return timings


NAIVE_SQL = (
    "SELECT id FROM clients_client WHERE name_search LIKE %s{scope} "
    "ORDER BY last_visit_at DESC NULLS LAST LIMIT 20"
)


def naive_pattern(q: str) -> str:
    """The query in name_search's own form (folded tokens, single spaces), as a naive
    implementation would search it: "王丽" -> "%王 丽%"."""
    from spa.core.text import fold, tokens

    return f"%{' '.join(tokens(fold(q)))}%"


def time_naive(user, queries: dict[str, list[tuple[str, int]]]) -> dict[str, Timing]:
    from django.db import connection

    scope, params = (
        ("", []) if user.branch_id is None else (" AND branch_id = %s", [user.branch_id])
    )
    sql = NAIVE_SQL.format(scope=scope)
    timings: dict[str, Timing] = {}
    with connection.cursor() as cursor:
        for label, build_is_name in ((k[0], k[2]) for k in KINDS):
            if not build_is_name:
                continue
            timing = timings.setdefault(label, Timing())
            for q, source in queries[label]:
                started = time.perf_counter()
                cursor.execute(sql, [naive_pattern(q), *params])
                ids = [row[0] for row in cursor.fetchall()]
                timing.add(time.perf_counter() - started, q, len(ids), source in ids)
    return timings


def ensure_trigram_index() -> tuple[float, bool]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'bench_trgm'")
        existed = cursor.fetchone() is not None
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute("SET maintenance_work_mem TO '512MB'")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS bench_trgm ON clients_client "
            "USING gin (name_search gin_trgm_ops)"
        )
    return time.perf_counter() - started, existed


def drop_trigram_index() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS bench_trgm")


def explain(user, timing: Timing) -> None:
    """Re-run the slowest queries of a kind with their SQL captured, and EXPLAIN
    (ANALYZE) the statement that took longest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from spa.clients.selectors import client_search

    ranked = sorted(zip(timing.seconds, timing.queries, strict=True), reverse=True)
    worst: tuple[float, str, str, int] = (0.0, "", "", 0)
    for first_run, q in ranked[:5]:
        with CaptureQueriesContext(connection) as captured:
            client_search(user=user, q=q)
        statements = captured.captured_queries
        slowest = max(statements, key=lambda s: float(s["time"]))
        print(
            f"    {q!r}: {first_run * 1000:.1f} ms when timed; re-run: {len(statements)} SQL "
            f"statements, slowest {float(slowest['time']) * 1000:.0f} ms"
        )
        if float(slowest["time"]) >= worst[0]:
            worst = (float(slowest["time"]), q, slowest["sql"], len(statements))
    _seconds, q, sql, _count = worst
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = [row[-1] for row in cursor.fetchall()]
    print(f"\n  slowest statement (query {q!r}):\n    {sql}\n  plan:")
    for line in plan:
        print(f"    {line}")


def profile_pages(owner, count: int, rng: random.Random, max_id: int) -> None:
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    browser = HttpClient(HTTP_HOST="127.0.0.1")
    browser.force_login(owner)
    warm = [rng.randint(1, max_id) for _ in range(30)]
    ids = [rng.randint(1, max_id) for _ in range(count)]
    for pk in warm:
        browser.get(f"/clients/{pk}/")
    seconds = []
    cpu_started = time.process_time()
    for pk in ids:
        started = time.perf_counter()
        response = browser.get(f"/clients/{pk}/")
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"/clients/{pk}/ answered {response.status_code}")
    cpu_ms = 1000 * (time.process_time() - cpu_started) / count
    with CaptureQueriesContext(connection) as captured:
        browser.get(f"/clients/{ids[0]}/")
    p50, p95, worst = _common.summary_ms(seconds)
    verdict = "OK" if p95 < PROFILE_TARGET_MS else "MISSED"
    print(
        f"\nprofile page GET /clients/<id>/ as owner, {count} random clients "
        f"(in-process server time): p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms; "
        f"Django process CPU {cpu_ms:.1f} ms per page; "
        f"{len(captured.captured_queries)} SQL statements per page; "
        f"target < {PROFILE_TARGET_MS:.0f} ms: {verdict}"
    )


# --- Output ---------------------------------------------------------------------------


def print_table(who: str, user, ours: dict[str, Timing], naive: dict[str, Timing]) -> None:
    scope = "all branches" if user.branch_id is None else f"branch {user.branch_id} only"
    print(f"\n{who} ({user.username}, {scope}): client_search latency in ms\n")
    head = "| query kind | p50 | p95 | max | results (mean) | drawn-from client found |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if naive:
        head += " naive LIKE p50 | naive LIKE p95 |"
        rule += "---:|---:|"
    print(head)
    print(rule)
    for label, _build, _name in KINDS:
        t = ours[label]
        p50, p95, worst = _common.summary_ms(t.seconds)
        found = 100 * sum(t.found) / len(t.found)
        mean = sum(t.results) / len(t.results)
        flag = " ⚠" if p95 > TARGET_MS else ""
        line = (
            f"| {label} | {p50:.1f} | {p95:.1f}{flag} | {worst:.1f} | {mean:.1f} | {found:.0f}% |"
        )
        if naive:
            n = naive.get(label)
            if n is None:
                line += " – | – |"
            else:
                np50, np95, _worst = _common.summary_ms(n.seconds)
                line += f" {np50:.1f} | {np95:.1f} |"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=200, help="queries per kind")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up queries per kind")
    parser.add_argument("--profiles", type=int, default=200, help="profile pages to time")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--wait-idle", type=float, default=0, metavar="LOAD",
        help="first wait until the 1-minute load average is at most LOAD (shared machines)",
    )  # fmt: skip
    parser.add_argument(
        "--only-profiles", action="store_true", help="time the profile page only, no search"
    )
    parser.add_argument("--keep-trgm", action="store_true", help="keep the bench_trgm index")
    args = parser.parse_args()
    _common.wait_for_idle(args.wait_idle)

    _common.setup_django()
    from django.db import connection
    from django.db.models import Count, Max

    from spa.accounts.models import Role, User
    from spa.clients.models import Client

    rng = random.Random(args.seed)
    owner = User.objects.get(username=_common.OWNER_USERNAME)
    if args.only_profiles:
        print(_common.machine_note())
        profile_pages(owner, args.profiles, rng, Client.objects.aggregate(m=Max("id"))["m"])
        return
    largest = (
        Client.objects.values("branch_id")
        .annotate(n=Count("id"))
        .order_by("-n", "branch_id")
        .first()
    )
    receptionist = (
        User.objects.filter(role=Role.RECEPTIONIST, branch_id=largest["branch_id"])
        .order_by("username")
        .first()
    )
    max_id = Client.objects.aggregate(m=Max("id"))["m"]
    total = Client.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()"
        )
        version = cursor.fetchone()[0]
    print(f"{connection.vendor}: {version}")
    print(_common.machine_note())
    print(
        f"{total:,} clients; owner {owner.username} sees all; receptionist "
        f"{receptionist.username} sees branch {largest['branch_id']} ({largest['n']:,} clients)"
    )

    all_ids = list(range(1, max_id + 1))
    branch_ids = list(
        Client.objects.filter(branch_id=largest["branch_id"]).values_list("pk", flat=True)
    )
    chinese = list(
        Client.objects.filter(full_name__gte="\u4e00")
        .order_by("pk")
        .values_list("pk", "full_name", "branch_id")
    )
    chinese_all = [pk for pk, name, _b in chinese if _is_chinese(name)]
    chinese_branch = [
        pk for pk, name, b in chinese if _is_chinese(name) and b == largest["branch_id"]
    ]

    users = {
        "owner": (owner, all_ids, chinese_all),
        "receptionist": (receptionist, branch_ids, chinese_branch),
    }
    queries: dict[str, dict[str, list[tuple[str, int]]]] = {}
    warmups: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for who, (_user, ids, zh) in users.items():
        warmups[who] = draw_queries(rng, ids, zh, args.warmup)
        queries[who] = draw_queries(rng, ids, zh, args.per_kind)

    print("warming up ...", flush=True)
    for who, (user, _ids, _zh) in users.items():
        time_ours(user, warmups[who])
    ours = {who: time_ours(user, queries[who]) for who, (user, _i, _z) in users.items()}

    naive: dict[str, dict[str, Timing]] = {}
    if connection.vendor == "postgresql":
        seconds, existed = ensure_trigram_index()
        print(
            "trigram index bench_trgm: "
            + ("already present" if existed else f"created in {seconds:.1f} s")
        )
        try:
            for who, (user, _ids, _zh) in users.items():
                time_naive(user, warmups[who])
            naive = {who: time_naive(user, queries[who]) for who, (user, _i, _z) in users.items()}
        finally:
            if not args.keep_trgm:
                drop_trigram_index()  # later runs must measure ours without it

    print(
        f"\n{args.per_kind} queries per kind, after {args.warmup} warm-up queries per kind; "
        f"target p95 <= {TARGET_MS:.0f} ms (⚠ = missed)"
    )
    for who, (user, _ids, _zh) in users.items():
        print_table(who, user, ours[who], naive.get(who, {}))

    for who, by_kind in ours.items():
        p95s = {label: _common.summary_ms(t.seconds)[1] for label, t in by_kind.items()}
        worst = max(p95s, key=p95s.get)
        if p95s[worst] > TARGET_MS:
            print(
                f"\n{who}: slowest kind {worst!r} (p95 {p95s[worst]:.1f} ms); "
                "its five slowest queries re-run:"
            )
            explain(users[who][0], by_kind[worst])
        else:
            print(f"\n{who}: every kind has p95 <= {TARGET_MS:.0f} ms, nothing to explain")

    profile_pages(owner, args.profiles, rng, max_id)
    print(_common.machine_note())


if __name__ == "__main__":
    main()
