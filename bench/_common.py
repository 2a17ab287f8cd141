"""Set-up shared by the benchmark scripts in bench/ (not a benchmark itself).

Every script works on a separate benchmark database, never the development one:
DATABASE_URL must name a database whose name contains "bench"; without DATABASE_URL
the SQLite file var/bench.sqlite3 is used.
"""

import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/spa_bench"
SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"

# Every generated member of staff has this password (benchmark data only).
PASSWORD = "bench-password-2026"
OWNER_USERNAME = "bench.owner"


def branch_code(index: int) -> str:
    return f"b{index:02d}"


def staff_username(index: int, role: str, number: int = 1) -> str:
    """bench.b01.manager1, bench.b01.receptionist2, bench.b01.technician3, ..."""
    return f"bench.{branch_code(index)}.{role}{number}"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or SQLITE_URL


def check_bench_url(url: str) -> dict:
    """Parse DATABASE_URL; refuse anything that is not a benchmark database."""
    sys.path.insert(0, str(ROOT))
    import environ

    config = environ.Env.db_url_config(url)
    name = Path(str(config["NAME"])).name
    if "bench" not in name:
        raise SystemExit(
            f"Refusing to run against database {name!r}: benchmark databases must have "
            "'bench' in their name (e.g. spa_bench or var/bench.sqlite3)."
        )
    return config


def setup_django() -> None:
    """Configure the environment for a benchmark run and start Django."""
    url = database_url()
    check_bench_url(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"  # DEBUG records every query: not what production does
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    # WhiteNoise warns that STATIC_ROOT does not exist: no static file is served here.
    warnings.filterwarnings("ignore", message="No directory at", module="django")
    django.setup()


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank on the sorted values)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> tuple[float, float, float]:
    """(p50, p95, max) in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return statistics.median(ms), percentile(ms, 95), max(ms)


def machine_note() -> str:
    """Load average and the app's git version, printed with every benchmark run: the
    machine may be shared, and the app changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        head = "unknown"
    one, five, fifteen = os.getloadavg()
    return f"app {head}; load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def wait_for_idle(max_load: float, timeout: float = 900) -> None:
    """On a shared machine, wait until the 1-minute load average is at most max_load
    (0 disables); after `timeout` seconds carry on, saying so."""
    if max_load <= 0:
        return
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] > max_load:
        if time.monotonic() > deadline:
            print(f"machine still busy after {timeout:.0f} s: running anyway", flush=True)
            return
        time.sleep(5)
