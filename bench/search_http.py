"""Throughput of the search results over HTTP: gunicorn serving the app, wrk as the load.

Run from the project root, on a database filled by bench/generate_clients.py:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench .venv/bin/python bench/search_http.py
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/search_http.py

It starts `.venv/bin/gunicorn config.wsgi -w 2 -b 127.0.0.1:8765` against the benchmark
database (DEBUG=false, ALLOWED_HOSTS=127.0.0.1, plain static files storage so no
collectstatic is needed), logs in a receptionist of the largest branch by POSTing the
login form (CSRF cookie and token first), then runs `wrk -t2 -c16 -d15s` with the
session cookie and "HX-Request: true" (so the results partial is returned) against
/clients/?q=<full name>, /clients/?q=<phone number>, and a mixed run rotating through
queries of every kind drawn like bench/search_latency.py does. It prints wrk's req/s
and latency lines and stops gunicorn. Only 127.0.0.1 is contacted; every run has a
fixed duration.
"""

import argparse
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

HOST, PORT = "127.0.0.1", 8765
BASE = f"http://{HOST}:{PORT}"
TARGET_RPS = 300
WRK = "/usr/bin/wrk"


def pick_queries(seed: int, mixed: int):
    """The receptionist, a name and a phone query of one of their clients, and a mix."""
    import search_latency
    from django.db.models import Count

    from spa.accounts.models import Role, User
    from spa.clients.models import Client

    largest = (
        Client.objects.values("branch_id").annotate(n=Count("id")).order_by("-n", "branch_id")
    ).first()
    user = (
        User.objects.filter(role=Role.RECEPTIONIST, branch_id=largest["branch_id"])
        .order_by("username")
        .first()
    )
    ids = list(Client.objects.filter(branch_id=largest["branch_id"]).values_list("pk", flat=True))
    rng = random.Random(seed)
    sample = search_latency.load_samples(rng.sample(ids, 50))[0]
    name_q = sample.full_name
    phone_q = f"0{sample.numbers[0]}"
    chinese = [
        pk
        for pk, name in Client.objects.filter(
            branch_id=largest["branch_id"], full_name__gte="\u4e00"
        ).values_list("pk", "full_name")
        if search_latency._is_chinese(name)
    ]
    per_kind = max(1, mixed // len(search_latency.KINDS))
    drawn = search_latency.draw_queries(rng, ids, chinese, per_kind)
    mix = [q for pairs in drawn.values() for q, _source in pairs]
    rng.shuffle(mix)
    return user, name_q, phone_q, mix


def wait_for_port(proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {proc.returncode}")
        try:
            with socket.create_connection((HOST, PORT), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start listening in time")


def log_in(username: str) -> dict[str, str]:
    import requests

    session = requests.Session()
    page = session.get(f"{BASE}/accounts/login/", timeout=10)
    page.raise_for_status()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{BASE}/accounts/login/",
        data={"username": username, "password": _common.PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{BASE}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"login of {username} failed (HTTP {answer.status_code})")
    return {"sessionid": session.cookies["sessionid"], "csrftoken": session.cookies["csrftoken"]}


def check_results(cookies: dict[str, str], path: str) -> int:
    import requests

    answer = requests.get(BASE + path, cookies=cookies, headers={"HX-Request": "true"}, timeout=10)
    if answer.status_code != 200:
        raise SystemExit(f"GET {path} answered {answer.status_code}")
    return answer.text.count('data-testid="result"')


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_snapshot(gunicorn_pid: int) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by each gunicorn worker and each PostgreSQL process."""
    children = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children").read_text().split()
    postgres = [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _read(p / "comm") == "postgres"
    ]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "app": {int(c): _cpu_seconds(int(c)) for c in children},
        "db": {pid: _cpu_seconds(pid) for pid in postgres},
        "wrk": {0: usage.ru_utime + usage.ru_stime},
    }


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes present in both)."""
    return {
        group: sum(max(0.0, after[group][pid] - before[group][pid])
                   for pid in after[group] if pid in before[group])
        for group in before
    }  # fmt: skip


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def run_wrk(label: str, cookies: dict[str, str], path: str, args, script: str | None = None):
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    command = [
        WRK, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
        "-H", f"Cookie: {cookie}", "-H", "HX-Request: true",
    ]  # fmt: skip
    if script:
        command += ["-s", script]
    command.append(BASE + path)
    before = cpu_snapshot(args.gunicorn_pid)
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=args.duration + 60
    ).stdout
    after = cpu_snapshot(args.gunicorn_pid)
    used = cpu_used(before, after)
    requests_done = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output).groups()
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    verdict = "OK" if rps >= TARGET_RPS else "MISSED"
    print(f"\n{label}: {path[:80]}")
    for line in output.splitlines():
        if (
            line.strip().startswith(("Latency", "Req/Sec", "50%", "90%", "99%"))
            or "requests in" in line
        ):
            print(f"    {line.strip()}")
    print(
        f"  => {rps:,.0f} req/s (target >= {TARGET_RPS}: {verdict}); latency avg {latency[0]}, "
        f"p50 {percentiles.get('50')}, p99 {percentiles.get('99')}, max {latency[2]}; "
        f"non-2xx: {errors.group(1) if errors else 0}"
    )
    per_request = {k: 1000 * v / max(requests_done, 1) for k, v in used.items()}
    print(
        "  => CPU per request: gunicorn workers {app:.1f} ms, PostgreSQL {db:.1f} ms, "
        "wrk {wrk:.1f} ms (of {cores} cores x {seconds} s = {budget:.1f} ms available per "
        "request)".format(
            **per_request,
            cores=os.cpu_count(),
            seconds=args.duration,
            budget=1000 * (os.cpu_count() or 1) * args.duration / max(requests_done, 1),
        )
    )
    return rps


def lua_rotation(paths: list[str], directory: str) -> str:
    """A wrk script sending the paths in turn (each thread starts at its own offset)."""
    quoted = ",\n".join(f'  "{p}"' for p in paths)
    script = (
        f"local paths = {{\n{quoted}\n}}\n"
        "local i = 0\n"
        "setup = function(thread) thread:set('offset', math.random(#paths)) end\n"
        "init = function(args) i = tonumber(offset) or 0 end\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\n"
        "end\n"
    )
    path = Path(directory) / "rotate.lua"
    path.write_text(script)
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--mixed", type=int, default=220, help="queries in the mixed run")
    parser.add_argument(
        "--wait-idle", type=float, default=0, metavar="LOAD",
        help="first wait until the 1-minute load average is at most LOAD (shared machines)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    _common.wait_for_idle(args.wait_idle)

    _common.setup_django()
    from django.db import connection

    user, name_q, phone_q, mix = pick_queries(args.seed, args.mixed)
    connection.close()
    print(f"{connection.vendor} {connection.settings_dict['NAME']}; logged in as {user.username}")
    print(_common.machine_note())

    env = {
        **os.environ,
        "DATABASE_URL": _common.database_url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "PYTHONWARNINGS": "ignore",
        # One logged-in load generator, not a person: the per-user search limit is lifted
        # (its cache check still runs on every request).
        "SEARCH_RATE": "100000000/m",
    }
    with tempfile.TemporaryDirectory(prefix="spa-bench-") as directory:
        log = open(Path(directory) / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
        gunicorn = subprocess.Popen(
            [
                str(_common.ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi",
                "-w", str(args.workers), "-b", f"{HOST}:{PORT}",
            ],
            cwd=_common.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(gunicorn)
            args.gunicorn_pid = gunicorn.pid
            cookies = log_in(user.username)
            name_path = f"/clients/?q={quote(name_q)}"
            phone_path = f"/clients/?q={quote(phone_q)}"
            mix_paths = [f"/clients/?q={quote(q)}" for q in mix]
            print(
                f"gunicorn pid {gunicorn.pid}, {args.workers} workers; wrk -t{args.threads} "
                f"-c{args.connections} -d{args.duration}s"
            )
            print(f"  name query {name_q!r}: {check_results(cookies, name_path)} results")
            print(f"  phone query {phone_q!r}: {check_results(cookies, phone_path)} results")
            for path in mix_paths[:5]:
                check_results(cookies, path)
            results = {
                "name": run_wrk("name query", cookies, name_path, args),
                "phone": run_wrk("phone query", cookies, phone_path, args),
                "mixed": run_wrk(
                    f"mixed run ({len(mix_paths)} queries of every kind, rotating)",
                    cookies,
                    "/clients/",
                    args,
                    script=lua_rotation(mix_paths, directory),
                ),
            }
        finally:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
                gunicorn.wait()
            log.close()
            errors = [
                line
                for line in (Path(directory) / "gunicorn.log").read_text().splitlines()
                if "Error" in line or "Traceback" in line
            ]
            if errors:
                print("gunicorn log errors:\n  " + "\n  ".join(errors[:20]))
    print("\nsummary: " + ", ".join(f"{k} {v:,.0f} req/s" for k, v in results.items()))
    print(_common.machine_note())


if __name__ == "__main__":
    main()
