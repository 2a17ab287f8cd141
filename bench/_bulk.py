"""Bulk loading shared by the data generators in bench/ (not a benchmark itself).

Values are encoded for PostgreSQL's COPY or for SQLite's executemany, the loaded
tables' secondary indexes and constraints are dropped for the load and recreated from
their saved definitions, and the schema can be compared with the migrated one.
"""

import json
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

# --- Value encoding ---------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if kind is int:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    raise TypeError(f"cannot COPY {value!r}")


def sqlite_value(value):
    """A value as Django stores it in SQLite (datetimes naive UTC, JSON as text)."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot store {value!r}")


def encode_rows(rows: list[tuple], vendor: str):
    if vendor == "postgresql":
        return "".join("\t".join(map(copy_value, row)) + "\n" for row in rows)
    return [tuple(map(sqlite_value, row)) for row in rows]


# --- Loading ------------------------------------------------------------------------


class Loader:
    """Writes encoded rows (COPY text on PostgreSQL, tuples on SQLite) into the given
    tables, keeping the time spent and the rows written per table."""

    def __init__(self, columns: dict[str, list[str]]):
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.columns = columns
        self.seconds: dict[str, float] = defaultdict(float)
        self.rows: dict[str, int] = defaultdict(int)

    def write(self, table: str, payload, rows: int | None = None) -> None:
        if not payload:
            return
        started = time.perf_counter()
        # Quoted: some columns are SQL keywords (booking_appointment."end").
        columns = ", ".join(f'"{column}"' for column in self.columns[table])
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(payload)
            else:
                marks = ", ".join(["%s"] * len(self.columns[table]))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", payload)
        self.seconds[table] += time.perf_counter() - started
        if rows is None:
            rows = payload.count("\n") if isinstance(payload, str) else len(payload)
        self.rows[table] += rows


# --- Schema: drop and recreate what slows a load down ---------------------------------


def schema_snapshot(tables: list[str]) -> list[tuple]:
    """Indexes and constraints of the tables, as the database describes them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "UNION ALL "
                "SELECT 'constraint', conrelid::regclass::text, conname, "
                "pg_get_constraintdef(oid) || ' valid=' || convalidated::text "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
                [tables, tables],
            )
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                f"SELECT type, tbl_name, name, sql FROM sqlite_master WHERE tbl_name IN ({marks})",
                tables,
            )
        return sorted(cursor.fetchall())


def drop_secondary(tables: list[str]) -> list[str]:
    """Drop the tables' secondary indexes and foreign keys / unique constraints
    (primary keys, CHECK and exclusion constraints stay); return the statements that
    recreate them, in order: indexes, unique constraints, foreign keys."""
    from django.db import connection

    recreate: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
                "AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
                [tables],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
                "  AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) "
                "ORDER BY 1",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _definition, _kind in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            recreate += [definition for _name, definition in indexes]
            # Unique constraints ('u') before foreign keys ('f').
            for table, name, definition, _kind in sorted(constraints, key=lambda c: c[3] != "u"):
                recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        else:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks}) ORDER BY name",
                tables,
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                recreate.append(definition)
    return recreate


def prepare_session() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
            cursor.execute("SET maintenance_work_mem TO '1GB'")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")  # checked once after the load
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -1000000")


def _table_of(statement: str) -> str:
    """The table a CREATE INDEX / ALTER TABLE statement works on."""
    words = statement.split()
    if words[0] == "ALTER":
        return words[2]
    return words[words.index("ON") + 1].removeprefix("public.").strip('"')


def _run(statement: str) -> tuple[str, float]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement)
    return statement, time.perf_counter() - started


def recreate(statements: list[str], parallel: int = 1) -> dict[str, float]:
    """Run drop_secondary's statements again; return the seconds spent per table.

    With parallel > 1 (PostgreSQL), indexes and unique constraints are built on that
    many connections at once; foreign keys are then added NOT VALID one after the
    other (no table scan, so no lock is held for long) and validated in parallel:
    VALIDATE only takes a lock that lets other validations and reads through."""
    from django.db import connection

    per_table: dict[str, float] = defaultdict(float)

    def report(statement: str, seconds: float) -> None:
        per_table[_table_of(statement)] += seconds
        print(f"  {seconds:6.1f} s  {statement[:110]}", flush=True)

    prepare_session()
    if parallel <= 1 or connection.vendor != "postgresql":
        for statement in statements:
            report(*_run(statement))
        return per_table

    def worker(statement: str) -> tuple[str, float]:
        prepare_session()  # each thread has its own connection
        try:
            return _run(statement)
        finally:
            connection.close()

    builds = [s for s in statements if "FOREIGN KEY" not in s]
    foreign = [s for s in statements if "FOREIGN KEY" in s]
    # Biggest tables first, so that the last build does not run alone.
    sizes = table_sizes({_table_of(s) for s in statements})
    builds.sort(key=lambda s: -sizes.get(_table_of(s), 0))
    with ThreadPoolExecutor(parallel) as pool:
        for statement, seconds in pool.map(worker, builds):
            report(statement, seconds)
    validations = []
    with connection.cursor() as cursor:
        for statement in foreign:
            cursor.execute(statement + " NOT VALID")
            table, name = statement.split()[2], statement.split('"')[1]
            validations.append(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
    validations.sort(key=lambda s: -sizes.get(_table_of(s), 0))
    with ThreadPoolExecutor(parallel) as pool:
        for statement, seconds in pool.map(worker, validations):
            report(statement, seconds)
    return per_table


def table_sizes(tables) -> dict[str, int]:
    """Bytes on disk per table (PostgreSQL; empty on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_table_size(oid) FROM pg_class WHERE relname = ANY(%s)",
            [sorted(tables)],
        )
        return dict(cursor.fetchall())


def reset_sequences(models) -> None:
    """Set the id sequences past the ids the load assigned (PostgreSQL; SQLite needs
    nothing: a new row takes the largest rowid plus one)."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def analyze(tables: list[str], parallel: int = 1) -> None:
    """VACUUM ANALYZE the loaded tables and ANALYZE the rest (PostgreSQL), or check the
    foreign keys the load did not and ANALYZE (SQLite)."""
    from django.db import connection

    prepare_session()
    if connection.vendor == "postgresql":
        statements = [f"VACUUM (ANALYZE) {table}" for table in tables]
        if parallel > 1:
            sizes = table_sizes(tables)
            statements.sort(key=lambda s: -sizes.get(s.split()[-1], 0))

            def worker(statement: str) -> None:
                prepare_session()
                try:
                    _run(statement)
                finally:
                    connection.close()

            with ThreadPoolExecutor(parallel) as pool:
                list(pool.map(worker, statements))
        else:
            for statement in statements:
                _run(statement)
        _run("ANALYZE")
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"PRAGMA foreign_key_check({table})")
            problems = cursor.fetchall()
            if problems:
                raise SystemExit(f"foreign key problems in {table}: {problems[:5]}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
