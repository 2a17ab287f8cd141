"""Fill a benchmark database with a realistic spa chain, fast.

Run from the project root:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench \\
        .venv/bin/python bench/generate_clients.py --n 1000000 --branches 20 --seed 1
    DATABASE_URL=sqlite:///var/bench.sqlite3 \\
        .venv/bin/python bench/generate_clients.py --n 100000 --branches 20 --seed 1

The benchmark database (its name must contain "bench") is rebuilt from scratch: on
PostgreSQL it is dropped if present and created (autocommit on the "postgres"
database), on SQLite the file is deleted; then Django's migrate creates the schema.

It then holds: `--branches` branches; one owner (bench.owner); per branch a manager,
two receptionists and four technicians (bench.b01.receptionist1, ... all with the
password in bench/_common.py); and `--n` clients spread unevenly over the branches.
Names and phones come from spa.clients.demo_data.PersonGenerator; every derived value
is computed by the app's own code: services._apply_name (given_name, name_search,
name_folded_key, name_exact_key, email_normalised) on an unsaved Client, search_keys
for ClientNameKey rows (as services._write_name_keys does) and parse_phone for
ClientPhone (digits_reversed as services._sync_phones computes it). About 85% of
clients have a last visit within two years, 8% a second phone, 1% of numbers are typed
in the pre-2018 11-digit form (stored as parse_phone renumbers them), a quarter have a
technician in charge, and CareLinks, health sections (encrypted by the app's field)
and consent records are added like the app would.

Rows are generated in worker processes, seeded per chunk of 10,000 clients, so the
same --seed, --n and --branches always give the same data. PostgreSQL is loaded with
COPY, SQLite with executemany in large transactions; ids are assigned here and the
sequences reset afterwards. The secondary indexes and foreign keys of the loaded
tables are dropped for the load and recreated from their saved definitions; the
script checks that the schema is then identical to the migrated one. It ends with
VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite).

bench/generate_history.py then adds three years of sessions, invoices and appointments.
"""

import argparse
import os
import random
import sys
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bulk  # noqa: E402
import _common  # noqa: E402
from _bulk import encode_rows  # noqa: E402

CHUNK = 10_000  # clients per work unit (part of what the seed determines)
KEY_ID_STRIDE = 64  # search_keys keeps 8 tokens: at most 8 + 8 * 7 keys per client
TWO_YEARS = 2 * 365 * 24 * 3600
LOADED_TABLES = [
    "clients_client",
    "clients_clientphone",
    "clients_clientnamekey",
    "clients_carelink",
    "clients_clienthealth",
    "clients_consentrecord",
]
# Columns this script fills for the tables other than clients_client (checked against
# the models at start, so a model change fails loudly instead of loading wrong data).
PHONE_COLUMNS = [
    "id", "client_id", "e164", "national", "digits_reversed", "label", "is_primary",
    "shared_confirmed",
]  # fmt: skip
KEY_COLUMNS = ["id", "client_id", "branch_id", "key"]
LINK_COLUMNS = ["id", "client_id", "staff_id", "reason", "created_at"]
HEALTH_COLUMNS = ["id", "client_id", "data", "confirmed_at", "updated_at"]
CONSENT_COLUMNS = [
    "id", "client_id", "channel", "granted", "method", "note", "recorded_at", "recorded_by_id",
]  # fmt: skip


# --- The chain's fixed part (ORM) --------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs; picklable."""

    n: int
    seed: int
    vendor: str
    now: datetime
    branch_ids: tuple[int, ...]
    branch_cum: tuple[float, ...]
    technicians: dict[int, tuple[int, ...]]
    receptionists: dict[int, tuple[int, ...]]
    source_ids: tuple[int, ...]
    allergen_ids: tuple[int, ...]
    client_columns: tuple[str, ...]
    client_defaults: dict[str, object]


def create_chain(args) -> Plan:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from spa.accounts.models import Branch, Role, SpaSettings, User
    from spa.clients.demo_data import PersonGenerator
    from spa.clients.models import (
        Allergen,
        CareLink,
        Client,
        ClientHealth,
        ClientNameKey,
        ClientPhone,
        ClientSource,
        ConsentRecord,
    )

    for model, columns in [
        (ClientPhone, PHONE_COLUMNS),
        (ClientNameKey, KEY_COLUMNS),
        (CareLink, LINK_COLUMNS),
        (ClientHealth, HEALTH_COLUMNS),
        (ConsentRecord, CONSENT_COLUMNS),
    ]:
        actual = sorted(f.column for f in model._meta.concrete_fields)
        if actual != sorted(columns):
            raise SystemExit(f"{model.__name__} columns changed: {actual}; update this script")

    rng = random.Random(args.seed)
    names = PersonGenerator(seed=args.seed)
    password = make_password(_common.PASSWORD)  # hashed once: hashing is slow on purpose

    def user(username: str, role: str, branch) -> User:
        last, *first = names.person()["full_name"].split(" ")
        return User(
            username=username, first_name=" ".join(first)[:150], last_name=last, role=role,
            branch=branch, password=password, is_staff=role == Role.OWNER,
            is_superuser=role == Role.OWNER,
        )  # fmt: skip

    with transaction.atomic():
        settings_row = SpaSettings.current()
        settings_row.name = "Spa Hoa Sen (benchmark)"
        settings_row.save()
        branches = Branch.objects.bulk_create(
            Branch(
                code=_common.branch_code(i),
                name=f"Hoa Sen {i:02d}",
                address=f"{rng.randint(1, 300)} Lê Lợi",
                phone=f"028 38{rng.randrange(100000, 999999)}",
            )
            for i in range(1, args.branches + 1)
        )
        branches = list(Branch.objects.order_by("code"))
        staff = [user(_common.OWNER_USERNAME, Role.OWNER, None)]
        for i, branch in enumerate(branches, start=1):
            staff.append(user(_common.staff_username(i, "manager"), Role.MANAGER, branch))
            for number in (1, 2):
                staff.append(
                    user(
                        _common.staff_username(i, "receptionist", number), Role.RECEPTIONIST, branch
                    )
                )
            for number in (1, 2, 3, 4):
                staff.append(
                    user(_common.staff_username(i, "technician", number), Role.TECHNICIAN, branch)
                )
        User.objects.bulk_create(staff)

    by_branch: dict[int, dict[str, list[int]]] = {}
    for pk, role, branch_id in User.objects.exclude(branch=None).values_list(
        "pk", "role", "branch_id"
    ):
        by_branch.setdefault(branch_id, {}).setdefault(role, []).append(pk)

    # Branches differ in size (0.5x to 1.5x the average).
    weights, total = [], 0.0
    for _branch in branches:
        total += rng.uniform(0.5, 1.5)
        weights.append(total)

    set_here = {
        "id", "full_name", "given_name", "name_search", "name_folded_key", "name_exact_key",
        "gender", "birth_date", "email", "email_normalised", "address", "occupation",
        "preferred_channel", "branch_id", "staff_in_charge_id", "source_id", "tier",
        "last_visit_at", "primary_phone", "created_at", "updated_at", "created_by_id",
    }  # fmt: skip
    columns = tuple(f.column for f in Client._meta.concrete_fields)
    defaults = {}
    for field in Client._meta.concrete_fields:
        if field.column not in set_here:
            defaults[field.column] = field.get_default()
    return Plan(
        n=args.n,
        seed=args.seed,
        vendor=connection.vendor,
        now=datetime.now(UTC).replace(microsecond=0),
        branch_ids=tuple(b.pk for b in branches),
        branch_cum=tuple(weights),
        technicians={b: tuple(r[Role.TECHNICIAN]) for b, r in by_branch.items()},
        receptionists={b: tuple(r[Role.RECEPTIONIST]) for b, r in by_branch.items()},
        source_ids=tuple(ClientSource.objects.values_list("pk", flat=True)),
        allergen_ids=tuple(Allergen.objects.values_list("pk", flat=True)),
        client_columns=columns,
        client_defaults=defaults,
    )


# --- Workers: one chunk of clients at a time ---------------------------------------

_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _PLAN
    _PLAN = plan


def _old_style_number(rng: random.Random) -> str:
    """A pre-2018 11-digit mobile number, as old paper cards carry it."""
    from spa.core.phone import VN_OLD_MOBILE_PREFIXES

    prefix = rng.choice(sorted(VN_OLD_MOBILE_PREFIXES))
    return prefix + f"{rng.randrange(0, 10_000_000):07d}"


def _raw_number(rng: random.Random, people) -> str:
    return _old_style_number(rng) if rng.random() < 0.01 else people.phone()


def make_chunk(index: int) -> dict:
    """Rows of the clients index*CHUNK+1 .. (index+1)*CHUNK, encoded for the database
    (phones raw: the parent makes numbers unique across chunks)."""
    from spa.clients.demo_data import OCCUPATIONS, STREETS, PersonGenerator
    from spa.clients.models import Client, ClientHealth
    from spa.clients.services import _apply_name
    from spa.core.phone import parse_phone
    from spa.core.text import search_keys

    plan = _PLAN
    rng = random.Random(plan.seed * 1_000_003 + index)
    people = PersonGenerator(seed=rng.randrange(2**62))
    encrypt = ClientHealth._meta.get_field("data").get_prep_value  # the app's encryption
    proto = Client()  # one unsaved instance: _apply_name only sets its attributes
    pg = plan.vendor == "postgresql"
    columns, defaults = plan.client_columns, plan.client_defaults
    tiers, tier_weights = ["bronze", "silver", "gold", "diamond"], [60, 25, 12, 3]
    channels = ["zalo", "zalo", "zalo", "sms", "email", "phone", "wechat", ""]

    clients, phones, keys, links, health, consents = [], [], [], [], [], []
    first = index * CHUNK + 1
    for cid in range(first, min(plan.n, first + CHUNK - 1) + 1):
        person = people.person()
        phone = parse_phone(_old_style_number(rng) if rng.random() < 0.01 else person["phone"])
        branch = rng.choices(plan.branch_ids, cum_weights=plan.branch_cum)[0]
        techs = plan.technicians[branch]
        proto.full_name = person["full_name"]
        proto.email = f"khach{cid}@example.com" if rng.random() < 0.35 else ""
        _apply_name(proto)
        last_visit = (
            plan.now - timedelta(seconds=rng.randrange(TWO_YEARS)) if rng.random() < 0.85 else None
        )
        created = (last_visit or plan.now) - timedelta(seconds=rng.randrange(3 * TWO_YEARS // 2))
        in_charge = rng.choice(techs) if rng.random() < 0.25 else None
        values = {
            "id": cid,
            "full_name": proto.full_name,
            "given_name": proto.given_name,
            "name_search": proto.name_search,
            "name_folded_key": proto.name_folded_key,
            "name_exact_key": proto.name_exact_key,
            "gender": person["gender"],
            "birth_date": person["birth_date"],
            "email": proto.email,
            "email_normalised": proto.email_normalised,
            "address": f"{rng.randint(1, 300)} {rng.choice(STREETS)}" if rng.random() < 0.4 else "",
            "occupation": rng.choice(OCCUPATIONS) if rng.random() < 0.5 else "",
            "preferred_channel": rng.choice(channels),
            "branch_id": branch,
            "staff_in_charge_id": in_charge,
            "source_id": rng.choice(plan.source_ids) if rng.random() < 0.7 else None,
            "tier": rng.choices(tiers, weights=tier_weights)[0],
            "last_visit_at": last_visit,
            "primary_phone": phone.national,
            "created_at": created,
            "updated_at": last_visit or created,
            "created_by_id": rng.choice(plan.receptionists[branch]),
        }
        clients.append(tuple(values[c] if c in values else defaults[c] for c in columns))

        phones.append(
            (2 * cid - 1, cid, phone.e164, phone.national, phone.significant[::-1], "mobile",
             True, False)
        )  # fmt: skip
        if rng.random() < 0.08:
            for _attempt in range(5):
                second = parse_phone(_raw_number(rng, people))
                if second.e164 != phone.e164:
                    label = rng.choice(["mobile", "home", "work", "other"])
                    phones.append(
                        (2 * cid, cid, second.e164, second.national, second.significant[::-1],
                         label, False, False)
                    )  # fmt: skip
                    break

        base = (cid - 1) * KEY_ID_STRIDE + 1
        name_keys = search_keys(proto.name_search.split())  # as services._write_name_keys
        if pg:
            # Keys are folded name tokens (letters and digits, "+", space): nothing to escape.
            keys.extend(f"{base + k}\t{cid}\t{branch}\t{key}\n" for k, key in enumerate(name_keys))
        else:
            keys.extend((base + k, cid, branch, key) for k, key in enumerate(name_keys))

        if in_charge:
            links.append((2 * cid - 1, cid, in_charge, "in_charge", created))
        if last_visit and rng.random() < 0.6:
            links.append((2 * cid, cid, rng.choice(techs), "served", last_visit))
        if rng.random() < 0.6:
            female = person["gender"] == "female"
            data = {
                **ClientHealth.EMPTY,  # every key the app expects, in case it adds some
                "allergen_ids": sorted(
                    rng.sample(plan.allergen_ids, k=rng.choice([0, 0, 0, 0, 1, 2]))
                ),
                "allergy_notes": rng.choice(["", "", "", "", "Dị ứng nhẹ với hải sản"]),
                "conditions": rng.choice(["", "", "", "Huyết áp cao", "Viêm da cơ địa"]),
                "medications": rng.choice(["", "", "", "Thuốc tránh thai"]),
                "pregnancy": rng.choice(["", "no", "no", "pregnant"]) if female else "",
                "skin_type": rng.choice(["", "normal", "dry", "oily", "combination"]),
            }
            confirmed = (
                (plan.now - timedelta(days=rng.randrange(700))).date()
                if rng.random() < 0.7
                else None
            )
            health.append((cid, cid, encrypt(data), confirmed, last_visit or created))
        if rng.random() < 0.5:
            consents.append(
                (cid, cid, values["preferred_channel"] or "zalo", rng.random() < 0.85,
                 rng.choice(["paper", "in_person", "online", "phone"]), "", created,
                 values["created_by_id"])
            )  # fmt: skip

    vendor = plan.vendor
    return {
        "clients_client": encode_rows(clients, vendor),
        "clients_clientnamekey": "".join(keys) if pg else keys,
        "clients_carelink": encode_rows(links, vendor),
        "clients_clienthealth": encode_rows(health, vendor),
        "clients_consentrecord": encode_rows(consents, vendor),
        "phones": phones,
        "counts": {
            "clients_client": len(clients),
            "clients_clientnamekey": len(keys),
            "clients_carelink": len(links),
            "clients_clienthealth": len(health),
            "clients_consentrecord": len(consents),
        },
    }


# --- Loading ------------------------------------------------------------------------


def load(plan: Plan, workers: int) -> dict[str, int]:
    from django.db import connection, connections, transaction

    counts = dict.fromkeys([*LOADED_TABLES], 0)
    loader = _bulk.Loader(
        {
            "clients_client": list(plan.client_columns),
            "clients_clientphone": PHONE_COLUMNS,
            "clients_clientnamekey": KEY_COLUMNS,
            "clients_carelink": LINK_COLUMNS,
            "clients_clienthealth": HEALTH_COLUMNS,
            "clients_consentrecord": CONSENT_COLUMNS,
        }
    )
    seen_numbers: set[str] = set()
    shared = 0
    n_chunks = (plan.n + CHUNK - 1) // CHUNK
    connections.close_all()  # the workers are forked: they must not share a connection
    started = time.perf_counter()
    with get_context("fork").Pool(workers, _init_worker, (plan,)) as pool:
        _bulk.prepare_session()
        pending: deque = deque()
        submitted = 0
        done_clients = 0
        wait_seconds = 0.0
        while pending or submitted < n_chunks:
            while submitted < n_chunks and len(pending) < 2 * workers:
                pending.append(pool.apply_async(make_chunk, (submitted,)))
                submitted += 1
            waited = time.perf_counter()
            chunk = pending.popleft().get()
            wait_seconds += time.perf_counter() - waited
            # A number may belong to several clients once confirmed (mother and daughter):
            # the rare random repeat becomes such a confirmed shared number.
            phones = []
            for row in chunk["phones"]:
                if row[2] in seen_numbers:
                    row = (*row[:7], True)
                    shared += 1
                seen_numbers.add(row[2])
                phones.append(row)
            with transaction.atomic():
                for table in LOADED_TABLES:
                    if table == "clients_clientphone":
                        loader.write(table, encode_rows(phones, plan.vendor))
                    else:
                        loader.write(table, chunk[table])
            for table, count in chunk["counts"].items():
                counts[table] += count
            counts["clients_clientphone"] += len(phones)
            done_clients += chunk["counts"]["clients_client"]
            if done_clients % 100_000 == 0 or done_clients == plan.n:
                elapsed = time.perf_counter() - started
                rows = sum(counts.values())
                print(
                    f"  {done_clients:>9,} clients  {rows:>11,} rows  "
                    f"{elapsed:6.1f} s  {rows / elapsed:>9,.0f} rows/s",
                    flush=True,
                )
    print(f"  (waited {wait_seconds:.1f} s for the generator processes)")
    counts["_shared_numbers"] = shared
    counts["_seconds"] = time.perf_counter() - started
    connection.close()
    return counts


# --- Database (re)creation and finishing --------------------------------------------


def recreate_database(config: dict) -> None:
    name = str(config["NAME"])
    if "sqlite" in config["ENGINE"]:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def finish(recreate: list[str]) -> None:
    from spa.clients.models import (
        CareLink,
        Client,
        ClientHealth,
        ClientNameKey,
        ClientPhone,
        ConsentRecord,
    )

    _bulk.recreate(recreate)
    _bulk.reset_sequences(
        [Client, ClientPhone, ClientNameKey, CareLink, ClientHealth, ConsentRecord]
    )
    started = time.perf_counter()
    _bulk.analyze(LOADED_TABLES)
    print(f"  {time.perf_counter() - started:6.1f} s  ANALYZE", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of clients")
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=0, help="generator processes (0: cores)")
    args = parser.parse_args()

    config = _common.check_bench_url(_common.database_url())
    started = time.perf_counter()
    recreate_database(config)
    _common.setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"{connection.vendor} {connection.settings_dict['NAME']}: migrated", flush=True)
    plan = create_chain(args)
    migrated = _bulk.schema_snapshot(LOADED_TABLES)
    recreate = _bulk.drop_secondary(LOADED_TABLES)
    workers = args.workers or os.cpu_count() or 1
    print(f"loading {args.n:,} clients in {len(plan.branch_ids)} branches ({workers} workers)")
    counts = load(plan, workers)
    load_seconds = counts.pop("_seconds")
    shared = counts.pop("_shared_numbers")
    print("recreating indexes and constraints:", flush=True)
    index_started = time.perf_counter()
    finish(recreate)
    index_seconds = time.perf_counter() - index_started
    if _bulk.schema_snapshot(LOADED_TABLES) != migrated:
        raise SystemExit("schema after the load differs from the migrated one")

    total = time.perf_counter() - started
    rows = sum(counts.values())
    print("\nrows:")
    for table, count in counts.items():
        print(f"  {table:<24} {count:>11,}")
    print(f"  {'total':<24} {rows:>11,}  ({shared:,} numbers shared by two clients)")
    print(
        f"load {load_seconds:.1f} s ({rows / load_seconds:,.0f} rows/s, "
        f"{args.n / load_seconds:,.0f} clients/s); indexes + analyze {index_seconds:.1f} s; "
        f"total {total:.1f} s ({rows / total:,.0f} rows/s overall)"
    )
    print("schema identical to the migrated one: yes")
    print(f"logins: {_common.OWNER_USERNAME}, {_common.staff_username(1, 'receptionist')}, ... "
          f"password {_common.PASSWORD}")  # fmt: skip


if __name__ == "__main__":
    main()
