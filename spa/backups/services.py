"""Running backups and drills, the places they are kept, and pruning.

Destinations are Django storages: the folder BACKUP_DIR (FileSystemStorage) and, when
BACKUP_S3["bucket_name"] is set, an S3-compatible bucket (django-storages). The archive
is written into the folder first, then copied to the bucket."""

import tempfile
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.db import connections
from django.utils import timezone

from spa.backups import engine, journal
from spa.backups.models import BackupRun, BackupSettings, DrillRun, Problem
from spa.backups.stream import BackupKeyError, DamagedArchive

FOLDER, S3 = "folder", "s3"
JOURNAL_NAME = "erasures.jsonl"
ALERT_HOURS = 26


def _problem(exc: Exception) -> str:
    if isinstance(exc, BackupKeyError):
        return Problem.KEY
    if isinstance(exc, DamagedArchive):
        return Problem.DAMAGED
    if isinstance(exc, engine.BackupError):
        return exc.code
    if isinstance(exc, OSError):
        return Problem.DISK
    return Problem.OTHER


def destinations() -> dict[str, Storage]:
    out: dict[str, Storage] = {FOLDER: FileSystemStorage(location=str(settings.BACKUP_DIR))}
    if settings.BACKUP_S3.get("bucket_name"):
        from storages.backends.s3 import S3Storage

        out[S3] = S3Storage(**settings.BACKUP_S3)
    return out


def archives(storage: Storage) -> list[str]:
    """The backups kept in one destination, newest first."""
    try:
        _dirs, files = storage.listdir("")
    except FileNotFoundError:
        return []
    return sorted((f for f in files if engine.backup_time(f)), reverse=True)


def to_keep(names: list[str], *, daily: int, weekly: int) -> set[str]:
    """As restic's --keep-daily / --keep-weekly: the newest backup of each of the last
    `daily` days that have one, and of each of the last `weekly` weeks that have one (a
    backup may count for both); the newest backup is always kept."""
    by_time = sorted(names, key=engine.backup_time, reverse=True)
    keep = set(by_time[:1])
    for limit, bucket in ((daily, lambda d: d.date()), (weekly, lambda d: d.isocalendar()[:2])):
        seen = set()
        for name in by_time:
            b = bucket(timezone.localtime(engine.backup_time(name)))
            if b not in seen and len(seen) < limit:
                seen.add(b)
                keep.add(name)
            elif b not in seen:
                break
    return keep


def prune(storage: Storage, *, daily: int, weekly: int) -> list[str]:
    names = archives(storage)
    keep = to_keep(names, daily=daily, weekly=weekly)
    gone = [n for n in names if n not in keep]
    for name in gone:
        storage.delete(name)
    return gone


def run_backup(*, nightly: bool = False) -> BackupRun:
    """Back up now into every destination, then prune each; the run is recorded."""
    conf = BackupSettings.current()
    started = timezone.now()
    run = BackupRun.objects.create(started_at=started, nightly=nightly)
    t0 = time.monotonic()
    try:
        folder = Path(settings.BACKUP_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        name = engine.backup_name(started)
        path = folder / name
        engine.write_archive(path, key=settings.BACKUP_KEY)
        run.name, run.size, run.destinations = name, path.stat().st_size, [FOLDER]
        notes, run.ok = [], True
        journal_file = Path(settings.ERASURE_JOURNAL)
        for label, storage in destinations().items():
            if label != FOLDER:
                try:
                    with open(path, "rb") as f:
                        storage.save(name, File(f))
                    if journal_file.exists():  # the journal goes with the backups
                        with open(journal_file, "rb") as f:
                            storage.save(JOURNAL_NAME, File(f))
                    run.destinations.append(label)
                except Exception as exc:  # noqa: BLE001 — recorded, the folder copy stands
                    run.ok, run.problem = False, Problem.UPLOAD
                    notes.append(f"{label}: {exc}")
                    continue
            gone = prune(storage, daily=conf.keep_daily, weekly=conf.keep_weekly)
            if gone:
                notes.append(f"{label}: {len(gone)} old backups removed")
        run.detail = "\n".join(notes)
    except Exception as exc:  # noqa: BLE001 — a nightly job records its failure for the owner
        run.ok, run.problem = False, _problem(exc)
        run.detail = str(exc) if run.problem != Problem.OTHER else traceback.format_exc(limit=3)
    run.finished_at = timezone.now()
    run.duration = time.monotonic() - t0
    run.save()
    return run


def latest_archive() -> tuple[Storage, str] | None:
    for storage in destinations().values():
        names = archives(storage)
        if names:
            return storage, names[0]
    return None


def fetch(name_or_path: str, tmp: Path) -> Path:
    """A local path to the backup: a file, or a name found in a destination."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for storage in destinations().values():
        if storage.exists(path.name):
            if isinstance(storage, FileSystemStorage):
                return Path(storage.path(path.name))
            local = tmp / path.name
            with storage.open(path.name, "rb") as src, open(local, "wb") as out:
                while chunk := src.read(1024 * 1024):
                    out.write(chunk)
            return local
    raise engine.BackupError(f"no backup named {name_or_path}", Problem.NO_BACKUP)


def scratch_config(name: str | None = None) -> tuple[dict, str | None]:
    """A scratch database like the configured one: (settings, PG name to drop or None)."""
    db = dict(connections["default"].settings_dict)
    if engine._vendor(db) == "sqlite":
        fd, path = tempfile.mkstemp(prefix="spa-drill-", suffix=".sqlite3")
        Path(path).unlink()
        db["NAME"] = path
        return db, None
    db["NAME"] = name or f"{db['NAME']}_drill"
    return db, db["NAME"]


def run_drill(name: str | None = None, *, scratch: str | None = None) -> DrillRun:
    """Restore a backup (the latest by default) into a scratch database and check it."""
    run = DrillRun.objects.create(started_at=timezone.now())
    t0 = time.monotonic()
    db, pg_name = None, None
    try:
        Path(settings.BACKUP_DIR).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="spa-drill-", dir=settings.BACKUP_DIR) as tmp:
            if name is None:
                found = latest_archive()
                if found is None:
                    raise engine.BackupError("there is no backup to check", Problem.NO_BACKUP)
                name = found[1]
            run.backup_name = Path(name).name
            path = fetch(name, Path(tmp))
            manifest = engine.read_archive(path, key=settings.BACKUP_KEY, dest=Path(tmp),
                                           keep_files=False)  # fmt: skip
            db, pg_name = scratch_config(scratch)
            run.health_rows_checked = engine.restore_database(Path(tmp), manifest, db,
                                                              create=True)  # fmt: skip
            run.tables = len(manifest.tables)
            run.rows = sum(rows for rows, _sum in manifest.tables.values())
            run.files_checked = len(manifest.files)
            run.ok = True
            run.detail = f"{run.tables} tables, {run.rows} rows, {run.files_checked} files"
    except Exception as exc:  # noqa: BLE001 — recorded for the owner
        run.ok, run.problem = False, _problem(exc)
        run.detail = str(exc) if run.problem != Problem.OTHER else traceback.format_exc(limit=3)
    finally:
        if pg_name:
            engine.pg_drop(db, pg_name)
        elif db and Path(db["NAME"]).exists():
            Path(db["NAME"]).unlink()
    run.finished_at = timezone.now()
    run.duration = time.monotonic() - t0
    run.save()
    return run


def restore(name: str, *, into: str | None = None) -> str:
    """Restore a backup into the configured database (and the files), or into the
    database at `into`; every table is checked. Returns what was done."""
    Path(settings.BACKUP_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="spa-restore-", dir=settings.BACKUP_DIR) as tmp:
        path = fetch(name, Path(tmp))
        manifest = engine.read_archive(path, key=settings.BACKUP_KEY, dest=Path(tmp),
                                       keep_files=into is None)  # fmt: skip
        target = engine.database_config(into)
        if into is None:
            connections.close_all()
        checked = engine.restore_database(Path(tmp), manifest, target, create=False)
        done = [f"{len(manifest.tables)} tables restored and checked, "
                f"{checked} health rows decrypted"]  # fmt: skip
        if into is None:
            connections.close_all()
            _journal_from_elsewhere()
            done.append(f"{engine.restore_files(Path(tmp) / 'files', manifest)} files restored")
            again = journal.replay(manifest.created_at)
            done.append(f"{len(again)} clients erased since the backup erased again")
        return "; ".join(done)


def same_disk_only() -> bool:
    """Whether every backup stays on the disk of the database and files (no S3 store, and
    BACKUP_DIR on the same device as the private files' folder)."""
    if settings.BACKUP_S3.get("bucket_name"):
        return False
    try:
        folder = Path(settings.BACKUP_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        return folder.stat().st_dev == Path(settings.PRIVATE_MEDIA_ROOT).stat().st_dev
    except OSError:
        return False


def _journal_from_elsewhere() -> None:
    """A restore on a new computer: the journal from the S3 store when there is none here."""
    local = Path(settings.ERASURE_JOURNAL)
    if local.exists():
        return
    for label, storage in destinations().items():
        if label != FOLDER and storage.exists(JOURNAL_NAME):
            local.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(JOURNAL_NAME, "rb") as src, open(local, "wb") as out:
                out.write(src.read())
            return


def status() -> dict:
    """What the owner's page and alert show."""
    now = timezone.now()
    last_ok = BackupRun.objects.filter(ok=True).first()
    last_drill = DrillRun.objects.exclude(ok=None).first()
    verified = DrillRun.objects.filter(ok=True).first()
    alerts = []
    if last_ok is None or last_ok.started_at < now - timedelta(hours=ALERT_HOURS):
        alerts.append("no_backup")
    if last_drill is not None and not last_drill.ok:
        alerts.append("drill_failed")
    return {"last_backup": last_ok, "last_drill": last_drill, "verified": verified,
            "alerts": alerts}  # fmt: skip


def nightly_due(now: datetime | None = None) -> bool:
    """Whether the nightly backup should start now: enabled, past today's set time, and
    none started since then."""
    conf = BackupSettings.current()
    if not conf.enabled:
        return False
    local = timezone.localtime(now or timezone.now())
    due = local.replace(hour=conf.backup_time.hour, minute=conf.backup_time.minute,
                        second=0, microsecond=0)  # fmt: skip
    if local < due:
        return False
    return not BackupRun.objects.filter(nightly=True, started_at__gte=due).exists()
