"""How fast the client list answers with common filters, and the debt and expiring lists.

    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/generate_clients.py --n 100000
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/client_list.py

On the generated chain (bench/generate_clients.py) it first adds, once, what the list
filters on and the generator does not make: tags (VIP on 5%, "Da nhạy cảm" on 10%),
groups (20%), open debts (3%, with their ledger entries) and packages (6%, expiring
from 90 days ago to 90 days ahead, some used up). Then it times the list's selector
(the page query or queries, the capped count, spend, debt and tags of the rows shown)
as a branch manager and as the owner, a few whole pages through the test client, and
the debt and expiring lists; it prints p50 / p95 / max in milliseconds.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    OWNER_USERNAME,
    machine_note,
    setup_django,
    staff_username,
    summary_ms,
)

MARK = "bench-list-data"


def enrich(seed: int) -> None:
    """Tags, groups, debts and packages for the list to filter on (once)."""
    from django.db import transaction
    from django.utils import timezone

    from spa.accounts.models import Branch
    from spa.clients.models import Client, ClientGroup, Tag
    from spa.sales.models import Balance, LedgerEntry
    from spa.treatments.models import TreatmentPackage

    if Tag.objects.filter(name=MARK).exists():
        return
    started = time.perf_counter()
    rng = random.Random(seed)
    ids = list(Client.objects.values_list("id", "branch_id"))
    vip, sensitive = Tag.objects.create(name="VIP"), Tag.objects.create(name="Da nhạy cảm")
    groups = [
        ClientGroup.objects.get_or_create(name=n)[0] for n in ("Văn phòng", "Sinh viên", "Nội trợ")
    ]
    through = Client.tags.through
    now = timezone.now()
    today = timezone.localdate()
    branch_ids = set(Branch.objects.values_list("pk", flat=True))
    with transaction.atomic():
        tags, balances, entries, packages = [], [], [], []
        group_of: dict[int, list[int]] = {g.pk: [] for g in groups}
        for cid, branch_id in ids:
            r = rng.random()
            if r < 0.05:
                tags.append(through(client_id=cid, tag_id=vip.pk))
            if 0.05 <= r < 0.15:
                tags.append(through(client_id=cid, tag_id=sensitive.pk))
            if rng.random() < 0.2:
                group_of[rng.choice(groups).pk].append(cid)
            if rng.random() < 0.03:
                amount = rng.randrange(1, 40) * 50_000
                balances.append(Balance(client_id=cid, account="debt", amount=amount))
                entries.append(LedgerEntry(client_id=cid, account="debt", amount=amount,
                                           reason="invoice"))  # fmt: skip
            if rng.random() < 0.06 and branch_id in branch_ids:
                total = rng.choice([5, 10, 10, 20])
                packages.append(TreatmentPackage(
                    client_id=cid, branch_id=branch_id, name="Thẻ liệu trình", total_sessions=total,
                    used_sessions=total if rng.random() < 0.3 else rng.randrange(0, total),
                    price=total * 300_000, expires_on=today + timedelta(days=rng.randrange(-90, 90)),
                ))  # fmt: skip
        through.objects.bulk_create(tags, batch_size=5000)
        for group_id, members in group_of.items():
            for start in range(0, len(members), 5000):
                Client.objects.filter(pk__in=members[start : start + 5000]).update(
                    group_id=group_id
                )
        Balance.objects.bulk_create(balances, batch_size=5000)
        created = LedgerEntry.objects.bulk_create(entries, batch_size=5000)
        for entry in created:  # debts from the last two years
            entry.at = now - timedelta(days=rng.randrange(1, 700))
        LedgerEntry.objects.bulk_update(created, ["at"], batch_size=5000)
        TreatmentPackage.objects.bulk_create(packages, batch_size=5000)
        Tag.objects.create(name=MARK)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"added {len(tags):,} tags, {len(balances):,} debts, {len(packages):,} packages "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip


def timed(fn, runs: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import setup_test_environment
    from django.utils import translation

    from spa.accounts.models import User
    from spa.clients.models import Client, ClientSource, Tag
    from spa.clients.selectors_lists import SORTS, ClientFilters, client_list_page
    from spa.sales.selectors_lists import debt_page, expiring_page

    total = Client.objects.count()
    if total < 1000:
        raise SystemExit("Generate the chain first: bench/generate_clients.py (see the docstring).")
    print(f"{connection.vendor}: {total:,} clients; {machine_note()}", flush=True)
    enrich(args.seed)
    translation.activate("vi")
    owner = User.objects.get(username=OWNER_USERNAME)
    manager = User.objects.get(username=staff_username(1, "manager"))
    in_branch = Client.objects.filter(branch_id=manager.branch_id).count()
    print(f"manager's branch: {in_branch:,} clients")
    vip = Tag.objects.get(name="VIP")
    source = ClientSource.objects.order_by("id").first()
    year_ago = date.today() - timedelta(days=365)

    def page(user, sort="-last_visit", pages=1, **filters):
        def run():
            cursor = ""
            for _ in range(pages):
                result = client_list_page(user=user, filters=ClientFilters(**filters),
                                          sort=SORTS[sort], cursor=cursor, size=50)  # fmt: skip
                cursor = result.next_cursor

        return run

    cases = [
        ("manager: default (last visit)", page(manager)),
        ("manager: 5 pages, following links", page(manager, pages=5)),
        ("manager: by name", page(manager, "name")),
        ("manager: by tier", page(manager, "tier")),
        ("manager: gold, birthday in March", page(manager, tier="gold", birth_month=3)),
        ("manager: consents to Zalo", page(manager, consent_channel="zalo")),
        ("manager: owes money", page(manager, has_debt=True)),
        ("manager: unused package", page(manager, has_package=True)),
        ("manager: VIP tag, by name", page(manager, "name", tag_id=vip.pk)),
        ("manager: not seen for a year", page(manager, "last_visit", visit_before=year_ago)),
        ("owner: default (last visit)", page(owner)),
        ("owner: by name", page(owner, "name")),
        ("owner: owes money", page(owner, has_debt=True)),
        (
            "owner: source + visit range",
            page(owner, source_id=source.pk if source else None, visit_after=year_ago),
        ),  # fmt: skip
        ("owner: debt list", lambda: debt_page(user=owner)),
        ("manager: debt list", lambda: debt_page(user=manager)),
        ("owner: expiring in 30 days", lambda: expiring_page(user=owner, days=30, expired=False)),
        (
            "manager: expiring in 30 days",
            lambda: expiring_page(user=manager, days=30, expired=False),
        ),
    ]
    setup_test_environment()
    http = HttpClient()
    http.force_login(manager)
    for label, url in [
        ("manager: whole page (HTTP)", "/clients/list/"),
        ("manager: whole page, 3 filters", f"/clients/list/?tier=gold&consent=zalo&tag={vip.pk}"),
    ]:
        cases.append((label, lambda url=url: http.get(url)))
    print(f"\n{'case':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, fn in cases:
        p50, p95, worst = summary_ms(timed(fn, args.runs))
        print(f"{label:<44} {p50:8.1f} {p95:8.1f} {worst:8.1f}", flush=True)
    print(machine_note())


if __name__ == "__main__":
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    main()
