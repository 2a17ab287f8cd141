"""Backup and restore of the current benchmark database (issue 14): how long a backup
takes (database + private files, encrypted), its size, and how long the restore drill
takes (decrypt and unpack, load into a scratch database, check every table's rows and
checksum and decrypt the sampled health rows). The source database is only read (no
BackupRun row is written); the scratch database is dropped afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/backup.py
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/backup.py --photos 500

The private files are `--photos` generated JPEGs (640×480 noise, ~100 KB each) in a
temporary PRIVATE_MEDIA_ROOT; archives go to a temporary BACKUP_DIR under a fresh
BACKUP_KEY. Prints each phase's time for `--runs` runs (p50 / max), the sizes, and the
peak memory of the process (the archive is streamed: it stays far below the database).
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import check_bench_url, database_url, machine_note, setup_django  # noqa: E402


def _photos(root: Path, n: int) -> int:
    import random

    from PIL import Image

    rnd = random.Random(1)
    total = 0
    for i in range(n):
        path = root / "client-photos" / "2026" / "11" / f"bench-{i:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        img = Image.frombytes("RGB", (640, 480), rnd.randbytes(640 * 480 * 3))
        img.save(path, "JPEG", quality=40)
        total += path.stat().st_size
    return total


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    check_bench_url(database_url())
    work = Path(tempfile.mkdtemp(prefix="spa-bench-backup-"))
    os.environ["PRIVATE_MEDIA_ROOT"] = str(work / "private")
    os.environ["BACKUP_DIR"] = str(work / "backups")
    os.environ["ERASURE_JOURNAL"] = str(work / "erasures.jsonl")
    from spa.backups.stream import new_key

    os.environ["BACKUP_KEY"] = new_key()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from spa.backups import engine

    photo_bytes = _photos(Path(os.environ["PRIVATE_MEDIA_ROOT"]), args.photos)
    db = connection.settings_dict
    vendor = engine._vendor(db)
    from spa.clients.models import Client

    clients = Client.objects.count()
    if vendor == "sqlite":
        db_bytes = Path(db["NAME"]).stat().st_size
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            db_bytes = cur.fetchone()[0]
    connection.close()
    print(f"{vendor}: {clients:,} clients, database {_mb(db_bytes)}, "
          f"{args.photos} photos {_mb(photo_bytes)}")  # fmt: skip
    print(machine_note())
    Path(settings.BACKUP_DIR).mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = {"backup": [], "unpack": [], "load+check": [], "drill": []}
    size = 0
    for run in range(args.runs):
        target = Path(settings.BACKUP_DIR) / f"bench-{run}{engine.SUFFIX}"
        t0 = time.monotonic()
        manifest = engine.write_archive(target, key=settings.BACKUP_KEY)
        times["backup"].append(time.monotonic() - t0)
        size = target.stat().st_size
        rows = sum(r for r, _c in manifest.tables.values())
        with tempfile.TemporaryDirectory(dir=settings.BACKUP_DIR) as tmp:
            t1 = time.monotonic()
            manifest = engine.read_archive(target, key=settings.BACKUP_KEY, dest=Path(tmp),
                                           keep_files=False)  # fmt: skip
            t2 = time.monotonic()
            scratch = dict(db)
            if vendor == "sqlite":
                scratch["NAME"] = str(Path(tmp) / "scratch.sqlite3")
            else:
                scratch["NAME"] = f"{db['NAME']}_restore_{os.getpid()}"
            try:
                health = engine.restore_database(Path(tmp), manifest, scratch, create=True)
            finally:
                if vendor != "sqlite":
                    engine.pg_drop(db, scratch["NAME"])
            t3 = time.monotonic()
        times["unpack"].append(t2 - t1)
        times["load+check"].append(t3 - t2)
        times["drill"].append(t3 - t1)
        target.unlink()
        print(f"run {run + 1}: backup {times['backup'][-1]:.1f} s, archive {_mb(size)}; "
              f"drill {t3 - t1:.1f} s (unpack {t2 - t1:.1f} s, load and check {t3 - t2:.1f} s); "
              f"{len(manifest.tables)} tables, {rows:,} rows, {len(manifest.files)} files, "
              f"{health} health rows decrypted", flush=True)  # fmt: skip
    for phase, values in times.items():
        values = sorted(values)
        print(f"{phase:>11}: p50 {values[len(values) // 2]:.1f} s, max {values[-1]:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"archive {_mb(size)} ({size / (db_bytes + photo_bytes):.0%} of database + photos); "
          f"peak memory of this process {_mb(peak)}")  # fmt: skip
    import shutil

    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
