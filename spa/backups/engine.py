"""Backup, restore and the restore drill.

A backup is one tar stream, encrypted as it is written (spa.backups.stream):
  db.sqlite3.gz (SQLite's online backup API: the product keeps running) or db.pgdump
  (pg_dump, custom format, taken in an exported snapshot);
  files/<name> for every private file (photos; the filesystem or the S3 store);
  manifest.json last: when, the row count and a checksum of every table (read in the
  same snapshot as the dump), the SHA-256 of every file, and the digests of a sample of
  decrypted health rows.
Nothing is ever held whole in memory: the dump goes to a temporary file, the archive is
written and read in chunks.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import environ
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections
from django.utils import timezone

from spa.backups.stream import DamagedArchive, DecryptingReader, EncryptingWriter

PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"
PG_RESTORE = shutil.which("pg_restore") or "/usr/bin/pg_restore"
SUFFIX = ".spabak"
FORMAT = 1


class BackupError(Exception):
    """A backup, restore or drill that could not be done (the message says why; `code`
    is a spa.backups.models.Problem value)."""

    def __init__(self, message: str, code: str = "other"):
        super().__init__(message)
        self.code = code


@dataclass
class Manifest:
    created_at: datetime
    vendor: str
    tables: dict[str, list]  # name -> [rows, checksum]
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    health_sample: dict[str, str] = field(default_factory=dict)  # client id -> sha256

    def to_json(self) -> bytes:
        return json.dumps({
            "format": FORMAT, "created_at": self.created_at.isoformat(), "vendor": self.vendor,
            "tables": self.tables, "files": self.files, "health_sample": self.health_sample,
        }, sort_keys=True).encode()  # fmt: skip

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        d = json.loads(raw)
        return cls(created_at=datetime.fromisoformat(d["created_at"]), vendor=d["vendor"],
                   tables=d["tables"], files=d["files"], health_sample=d["health_sample"])  # fmt: skip


def backup_name(at: datetime) -> str:
    return f"spa-{at.astimezone(UTC):%Y%m%d-%H%M%S}{SUFFIX}"


def backup_time(name: str) -> datetime | None:
    stem = Path(name).name.removesuffix(SUFFIX)
    try:
        return datetime.strptime(stem, "spa-%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


# --- Databases --------------------------------------------------------------------------
def _vendor(db: dict) -> str:
    return "sqlite" if db["ENGINE"].endswith("sqlite3") else "postgresql"


def _conninfo(db: dict, dbname: str | None = None) -> str:
    from psycopg.conninfo import make_conninfo

    parts = {"dbname": dbname or db["NAME"], "host": db.get("HOST") or None,
             "port": str(db["PORT"]) if db.get("PORT") else None,
             "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}  # fmt: skip
    return make_conninfo(**{k: v for k, v in parts.items() if v})


def _pg_connect(db: dict, dbname: str | None = None, **kwargs):
    import psycopg

    conn = psycopg.connect(_conninfo(db, dbname), **kwargs)
    conn.execute("SET TIME ZONE 'UTC'")
    if not kwargs.get("autocommit"):
        conn.commit()
    return conn


def database_config(url: str | None) -> dict:
    """The configured database, or the one at `url` (sqlite:///path, postgres://…)."""
    if url:
        return environ.Env.db_url_config(url)
    return connections["default"].settings_dict


def _health_table() -> str:
    from spa.clients.models import ClientHealth

    return ClientHealth._meta.db_table


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _sqlite_stats(con: sqlite3.Connection) -> dict[str, list]:
    """Rows and an order-free checksum (sum of row digests) of every table."""
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]  # fmt: skip
    out = {}
    for name in names:
        rows, total = 0, 0
        for row in con.execute(f'SELECT * FROM "{name}"'):
            rows += 1
            total += int.from_bytes(hashlib.sha256(repr(row).encode()).digest()[:8], "big")
        out[name] = [rows, str(total)]
    return out


def _pg_stats(conn) -> dict[str, list]:
    """The same in PostgreSQL itself: count and sum of (60 bits of) each row's md5."""
    names = conn.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    ).fetchall()
    out = {}
    for (name,) in names:
        rows, total = conn.execute(
            f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)"
            f"::bigint), 0)::text FROM {name} t"
        ).fetchone()
        out[name.removeprefix("public.")] = [rows, total]
    return out


def _sample_sql(n: int) -> str:
    return f'SELECT client_id, data FROM "{_health_table()}" ORDER BY random() LIMIT {int(n)}'


def _health_digests(rows) -> dict[str, str]:
    from spa.core.crypto import decrypt_text

    return {str(client_id): _digest(decrypt_text(data)) for client_id, data in rows}


def _check_health(fetch, sample: dict[str, str]) -> int:
    """Decrypt the sampled health rows of the restored database; compare their digests."""
    from django.core.exceptions import ImproperlyConfigured

    if not sample:
        return 0
    ids = ",".join(str(int(i)) for i in sample)
    rows = fetch(f'SELECT client_id, data FROM "{_health_table()}" WHERE client_id IN ({ids})')
    try:
        got = _health_digests(rows)
    except ImproperlyConfigured as exc:
        raise BackupError(f"health rows cannot be decrypted: {exc}", "health") from exc
    if got != sample:
        raise BackupError(f"{len(set(sample.items()) - set(got.items()))} sampled health rows "
                          "differ from the backup's", "mismatch")  # fmt: skip
    return len(got)


def _compare(expected: dict, got: dict) -> None:
    bad = [n for n in sorted(set(expected) | set(got)) if expected.get(n) != got.get(n)]
    if bad:
        shown = ", ".join(f"{n} ({expected.get(n)} → {got.get(n)})" for n in bad[:5])
        raise BackupError(f"{len(bad)} tables differ from the backup: {shown}", "mismatch")


# --- Backup -------------------------------------------------------------------------------
def _walk(storage, path: str = ""):
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for f in sorted(files):
        yield f"{path}/{f}" if path else f
    for d in sorted(dirs):
        yield from _walk(storage, f"{path}/{d}" if path else d)


def _add(tar: tarfile.TarFile, name: str, size: int, fileobj) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o600
    tar.addfile(info, fileobj)


class _Hashing:
    def __init__(self, f):
        self.f, self.h = f, hashlib.sha256()

    def read(self, n=-1):
        data = self.f.read(n)
        self.h.update(data)
        return data


def _dump_database(db: dict, tmp: Path, sample: int) -> tuple[Path, Manifest]:
    created_at = timezone.now()  # before the snapshot: erasures after it are replayed
    vendor = _vendor(db)
    if vendor == "sqlite":
        out = tmp / "db.sqlite3"
        src = sqlite3.connect(db["NAME"], timeout=30)
        dst = sqlite3.connect(out)
        try:
            src.backup(dst, pages=4096)
        finally:
            src.close()
        try:
            tables = _sqlite_stats(dst)
            health = _health_digests(dst.execute(_sample_sql(sample)).fetchall())
        finally:
            dst.close()
        packed = tmp / "db.sqlite3.gz"  # pg_dump's custom format is compressed already
        with open(out, "rb") as src_f, gzip.open(packed, "wb", compresslevel=1) as gz:
            shutil.copyfileobj(src_f, gz, 1024 * 1024)
        out.unlink()
        return packed, Manifest(created_at, vendor, tables, health_sample=health)
    import psycopg

    out = tmp / "db.pgdump"
    conn = _pg_connect(db)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone()
        dump = subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
            [PG_DUMP, "--format=custom", "--compress=6", f"--snapshot={snapshot}",
             "--file", str(out), "--dbname", _conninfo(db)],
            stderr=subprocess.PIPE,
        )  # fmt: skip
        tables = _pg_stats(conn)
        health = _health_digests(conn.execute(_sample_sql(sample)).fetchall())
        _out, err = dump.communicate()
        conn.rollback()
    finally:
        conn.close()
    if dump.returncode:
        raise BackupError(
            f"pg_dump failed: {err.decode(errors='replace').strip()[:500]}", "database"
        )
    return out, Manifest(created_at, vendor, tables, health_sample=health)


def write_archive(target: Path, *, key: str, db: dict | None = None) -> Manifest:
    """Write the encrypted archive of the database and the private files to `target`."""
    db = db or connections["default"].settings_dict
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="spa-backup-", dir=target.parent) as tmp:
        dump, manifest = _dump_database(db, Path(tmp), settings.BACKUP_DRILL_SAMPLE)
        with open(partial, "wb") as raw:
            writer = EncryptingWriter(raw, key)
            with tarfile.open(fileobj=writer, mode="w|") as tar:
                with open(dump, "rb") as f:
                    _add(tar, dump.name, dump.stat().st_size, f)
                os.unlink(dump)
                storage = default_storage
                for name in _walk(storage):
                    with storage.open(name, "rb") as f:
                        hashing = _Hashing(f)
                        _add(tar, f"files/{name}", storage.size(name), hashing)
                    manifest.files[name] = hashing.h.hexdigest()
                body = manifest.to_json()
                _add(tar, "manifest.json", len(body), io.BytesIO(body))
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
    os.replace(partial, target)
    return manifest


# --- Reading an archive -------------------------------------------------------------------
def read_archive(path: Path, *, key: str, dest: Path, keep_files: bool) -> Manifest:
    """Decrypt and unpack `path` into `dest` (db.* and, with keep_files, files/…); every
    chunk is authenticated and every file checked against the manifest."""
    digests, manifest = {}, None
    try:
        with open(path, "rb") as raw:
            reader = DecryptingReader(raw, key)
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    if not member.isfile():
                        continue
                    f = tar.extractfile(member)
                    if member.name == "manifest.json":
                        manifest = Manifest.from_json(f.read())
                    elif member.name.startswith("files/"):
                        name = member.name.removeprefix("files/")
                        h = hashlib.sha256()
                        out = None
                        if keep_files:
                            target = dest / "files" / name
                            if Path(name).is_absolute() or ".." in Path(name).parts:
                                raise DamagedArchive(f"bad file name {name!r}")
                            target.parent.mkdir(parents=True, exist_ok=True)
                            out = open(target, "wb")  # noqa: SIM115 - closed below
                        try:
                            while chunk := f.read(1024 * 1024):
                                h.update(chunk)
                                if out:
                                    out.write(chunk)
                        finally:
                            if out:
                                out.close()
                        digests[name] = h.hexdigest()
                    elif member.name == "db.sqlite3.gz":
                        with gzip.open(f) as gz, open(dest / "db.sqlite3", "wb") as out:
                            shutil.copyfileobj(gz, out, 1024 * 1024)
                    elif member.name == "db.pgdump":
                        with open(dest / member.name, "wb") as out:
                            shutil.copyfileobj(f, out, 1024 * 1024)
            # Read to the sealed last chunk: an archive cut off after the tar's end fails too.
            while reader.readinto(bytearray(65536)):
                pass
    except (tarfile.TarError, gzip.BadGzipFile, EOFError) as exc:
        raise DamagedArchive(f"the archive's contents are damaged ({exc})") from exc
    if manifest is None:
        raise DamagedArchive("the archive has no manifest")
    if digests != manifest.files:
        bad = sorted(set(digests.items()) ^ set(manifest.files.items()))
        raise DamagedArchive(f"{len(bad)} files differ from the manifest")
    return manifest


# --- Restoring a database -----------------------------------------------------------------
def _pg_create(db: dict, name: str) -> None:
    from psycopg import sql

    admin = _pg_connect(db, "postgres", autocommit=True)
    try:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()


def pg_drop(db: dict, name: str) -> None:
    from psycopg import sql

    admin = _pg_connect(db, "postgres", autocommit=True)
    try:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    finally:
        admin.close()


def restore_database(dump_dir: Path, manifest: Manifest, target: dict, *, create: bool) -> int:
    """Load the dump into `target` (replacing what is there), then check every table
    against the manifest and decrypt the sampled health rows. Returns health rows checked."""
    vendor = _vendor(target)
    if vendor != manifest.vendor:
        raise BackupError(
            f"this backup is of a {manifest.vendor} database, not {vendor}", "database"
        )
    if vendor == "sqlite":
        src = sqlite3.connect(dump_dir / "db.sqlite3")
        dst = sqlite3.connect(target["NAME"], timeout=30)
        try:
            src.backup(dst)
            _compare(manifest.tables, _sqlite_stats(dst))
            return _check_health(lambda q: dst.execute(q).fetchall(), manifest.health_sample)
        finally:
            src.close()
            dst.close()
    if create:
        _pg_create(target, target["NAME"])
    run = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
        [PG_RESTORE, "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", "--dbname", _conninfo(target),
         str(dump_dir / "db.pgdump")],
        capture_output=True,
    )  # fmt: skip
    if run.returncode:
        raise BackupError(
            f"pg_restore failed: {run.stderr.decode(errors='replace').strip()[:500]}",
            "database",
        )
    conn = _pg_connect(target, autocommit=True)
    try:
        conn.execute("ANALYZE")
        _compare(manifest.tables, _pg_stats(conn))
        return _check_health(lambda q: conn.execute(q).fetchall(), manifest.health_sample)
    finally:
        conn.close()


def restore_files(files_dir: Path, manifest: Manifest) -> int:
    storage = default_storage
    for name in manifest.files:
        if storage.exists(name):
            storage.delete(name)
        with open(files_dir / name, "rb") as f:
            saved = storage.save(name, f)
        if saved != name:
            raise BackupError(f"the file {name} was saved as {saved}")
    return len(manifest.files)
