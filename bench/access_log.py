"""What the "who looked at my record" log costs (issue 14, item 2).

    DATABASE_URL=sqlite:///var/bench_access.sqlite3 .venv/bin/python bench/access_log.py --rows 0
    BENCH_DATABASE_OK=h_acl DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_acl \
        .venv/bin/python bench/access_log.py --rows 10000000

(a) The profile page with and without its logging: a populated spa (--clients clients
through the real services, the profile of one with phones, health and allergies), the
page requested --requests times through Django's test client with logging on and off
alternately; p50 / p95 of each and their difference, and the INSERT alone.
(b) PostgreSQL only: --rows access entries added by one INSERT ... SELECT generate_series
(a busy client with 1 in 100 of them, spread through the table as real reads are; a quiet
one with 20; the rest over a million other ids), VACUUM ANALYZE, then p50 / p95 of the
client's log page query (selector access_log_for_client): first page, a deep page by
keyset, the quiet client; the INSERT again at that size. Then the bench rows are deleted
(the append-only trigger is switched off for that one statement's transaction).

Like every bench script it refuses a database without "bench" in its name, unless the
name is given in BENCH_DATABASE_OK (an engineer's own scratch database).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PRIVATE_MEDIA_ROOT", str(ROOT / "var" / "bench-media"))

from _common import machine_note, summary_ms  # noqa: E402

BUSY, QUIET = "Bench Khách Hay Đến", "Bench Khách Ít Đến"
OTHER_IDS_FROM = 10_000_000_000  # far above any real client id: the fill's other clients


def setup() -> None:
    import environ

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'bench_access.sqlite3'}"
    name = Path(str(environ.Env.db_url_config(url)["NAME"])).name
    if "bench" not in name and name != os.environ.get("BENCH_DATABASE_OK"):
        raise SystemExit(
            f"Refusing database {name!r}: no 'bench' in its name, not BENCH_DATABASE_OK"
        )
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(n_clients: int):
    """The spa, once: a branch, its manager and receptionist, n clients, two named ones."""
    from django.core.management import call_command

    from spa.accounts.models import Branch, User
    from spa.clients.models import Allergen, Client
    from spa.clients.services import PhoneInput, client_create, client_health_update
    from spa.core.phone import parse_phone

    call_command("migrate", verbosity=0)
    branch, _ = Branch.objects.get_or_create(code="acl", defaults={"name": "Bench Q1"})
    users = {}
    for role in ("manager", "receptionist"):
        users[role] = User.objects.filter(
            username=f"acl.{role}"
        ).first() or User.objects.create_user(
            f"acl.{role}", password="x", role=role, branch=branch, first_name=role.title()
        )
    have = Client.objects.filter(branch=branch).count()
    for n in range(have, n_clients):
        name = BUSY if n == 0 else QUIET if n == 1 else f"Bench Khách {n}"
        client = client_create(
            actor=users["receptionist"], fields={"full_name": name, "branch": branch, "email": f"k{n}@example.com"},
            phones=[PhoneInput(parse_phone(f"09{n:08d}"))], confirm_different=True,
        )  # fmt: skip
        if n < 2:
            allergen = Allergen.objects.order_by("pk").first()
            client_health_update(
                actor=users["manager"], client=client,
                values={"allergen_ids": [allergen.pk] if allergen else [], "conditions": "Huyết áp cao",
                        "medications": "Thuốc A"},
            )  # fmt: skip
    return Client.objects.get(full_name=BUSY), Client.objects.get(full_name=QUIET), users


def profile_cost(busy, users, requests: int) -> None:
    from django.test import Client as HttpClient

    import spa.clients.views as views
    from spa.audit.models import AccessKind
    from spa.audit.services import access_record

    http = HttpClient()
    http.force_login(users["manager"])
    url = f"/clients/{busy.pk}/"
    logging_on, noop = views.access_record, lambda **kwargs: None
    for _ in range(10):
        assert http.get(url).status_code == 200  # warm-up
    times = {"on": [], "off": []}
    for i in range(requests * 2):
        mode = "on" if i % 2 == 0 else "off"  # alternate: the machine's load hits both alike
        views.access_record = logging_on if mode == "on" else noop
        start = time.perf_counter()
        response = http.get(url)
        times[mode].append(time.perf_counter() - start)
        assert response.status_code == 200
    views.access_record = logging_on
    on, off = summary_ms(times["on"]), summary_ms(times["off"])
    print(f"\nprofile page, {requests} requests each (manager: profile + health logged)")
    print(f"{'':<28} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'with logging':<28} {on[0]:8.2f} {on[1]:8.2f}")
    print(f"{'without logging':<28} {off[0]:8.2f} {off[1]:8.2f}")
    print(f"{'difference':<28} {on[0] - off[0]:8.2f} {on[1] - off[1]:8.2f}")
    insert_cost(busy, users, "access_record alone (1 INSERT)", AccessKind, access_record)


def insert_cost(client, users, label, AccessKind, access_record, runs: int = 300) -> None:  # noqa: N803
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        access_record(
            viewer=users["manager"],
            client_id=client.pk,
            kinds=[AccessKind.PROFILE, AccessKind.HEALTH],
        )
        times.append(time.perf_counter() - start)
    p50, p95, _worst = summary_ms(times)
    print(f"{label:<28} {p50:8.2f} {p95:8.2f}")


def largest_id() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM audit_accessentry")
        return cursor.fetchone()[0]


def fill(rows: int, busy_id: int, quiet_id: int, actor_id: int, branch_id: int) -> None:
    """Add `rows` entries in one statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO audit_accessentry (at, client_id, actor_id, role, branch_id, kind)
            SELECT now() - make_interval(secs => %(rows)s - g),
                   CASE WHEN g %% 100 = 0 THEN %(busy)s
                        WHEN g %% (%(rows)s / 20) = 7 THEN %(quiet)s
                        ELSE %(others)s + (g * 7919) %% 1000000 END,
                   %(actor)s, 'manager', %(branch)s,
                   (ARRAY['profile','health','photo','course','export'])[1 + g %% 5]
            FROM generate_series(1::bigint, %(rows)s) AS g
            """,
            {"rows": rows, "busy": busy_id, "quiet": quiet_id, "others": OTHER_IDS_FROM,
             "actor": actor_id, "branch": branch_id},
        )  # fmt: skip
        print(f"\nfilled {rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE audit_accessentry")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('audit_accessentry'))")
        size = cursor.fetchone()[0]
        print(f"VACUUM ANALYZE {time.perf_counter() - started:.0f} s; table + indexes {size}")


def log_page_queries(busy, quiet, runs: int) -> None:
    from django.db import connection

    from spa.audit.models import AccessEntry
    from spa.audit.selectors import access_log_for_client

    busy_count = AccessEntry.objects.filter(client_id=busy.pk).count()
    quiet_count = AccessEntry.objects.filter(client_id=quiet.pk).count()
    # The keyset for page 1,000 (50,000 entries back) of the busy client.
    deep = min(50_000, busy_count - 1)
    deep_id = (
        AccessEntry.objects.filter(client_id=busy.pk)
        .order_by("-id")
        .values_list("id", flat=True)[deep]
    )
    cases = [
        (f"busy ({busy_count:,}): first page", busy.pk, None),
        (f"busy: page {deep // 50 + 1:,} by keyset", busy.pk, deep_id),
        (f"quiet ({quiet_count}): first page", quiet.pk, None),
    ]
    print(f"\nlog page query, {runs} runs each, 50 rows")
    print(f"{'':<34} {'p50 ms':>8} {'p95 ms':>8}")
    for label, client_id, before in cases:
        access_log_for_client(client_id, before_id=before)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            rows = access_log_for_client(client_id, before_id=before)
            times.append(time.perf_counter() - start)
        assert rows
        p50, p95, _ = summary_ms(times)
        print(f"{label:<34} {p50:8.2f} {p95:8.2f}")
    qs = AccessEntry.objects.filter(client_id=busy.pk, id__lt=deep_id).order_by("-id")[:51]
    with connection.cursor() as cursor:
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\n".join(row[0] for row in cursor.fetchall()))


def drop(start_id: int) -> None:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_accessentry DISABLE TRIGGER audit_accessentry_append_only"
        )
        cursor.execute("DELETE FROM audit_accessentry WHERE id > %s", [start_id])
        deleted = cursor.rowcount
        cursor.execute("ALTER TABLE audit_accessentry ENABLE TRIGGER audit_accessentry_append_only")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_accessentry")
    print(f"\ndropped the {deleted:,} bench rows in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="log rows to add (PostgreSQL)")
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from spa.audit.models import AccessKind
    from spa.audit.services import access_record

    setup_test_environment()  # lets the in-process client talk to the app
    print(f"database: {connection.vendor}; {machine_note()}", flush=True)
    busy, quiet, users = build(args.clients)
    start_id = largest_id()  # every entry after it is the bench's, dropped at the end
    profile_cost(busy, users, args.requests)
    if connection.vendor != "postgresql" or args.rows <= 0:
        return
    manager = users["manager"]
    try:
        fill(args.rows, busy.pk, quiet.pk, manager.pk, manager.branch_id)
        log_page_queries(busy, quiet, args.runs)
        print(f"\n{'':<28} {'p50 ms':>8} {'p95 ms':>8}")
        insert_cost(busy, users, f"INSERT at {args.rows:,} rows", AccessKind, access_record)
        print(machine_note())
    finally:
        drop(start_id)


if __name__ == "__main__":
    main()
