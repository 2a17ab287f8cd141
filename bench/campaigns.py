"""A campaign to 100,000 clients, end to end (issue 13): how long the recipient list
takes to build and to screen (consent, frequency cap, quiet hours), how fast the real
worker sends it to a local SMTP server and SMS/Zalo gateway, how much memory the worker
takes, and, after a `kill -9` of the worker mid-way and a restart, whether every
recipient got the message exactly once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/campaigns.py
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/campaigns.py
    ... bench/campaigns.py --clients 5000          # a quick check

The data: bench/generate_clients.py makes the chain (run here when the database does
not hold --clients clients; its consents: half the clients agreed to, or refused, their
preferred channel, which is sometimes a channel campaigns do not use). This script then
adds, once: withdrawals (a later refusal) for 4 % of the consents given, e-mail consent
for a fifth of the clients with an address, and two earlier campaigns whose messages
went out in the last days, so that 6 % of the clients are at the cap (2 in 7 days) and
12 % one message short of it; the rollups the segments read (rollups_rebuild).

The run: a new campaign to every client (texts for e-mail, SMS and Zalo in the three
languages, a voucher each, a 10 % control group) is started by
services.campaign_start (the list is written in it, timed), and screened by
rules.screen (the rules over the whole list, timed, once outside the quiet hours and
once inside). A few clients are then erased (services.client_delete) and merged
(merged_into set) while the campaign is queued. Two sink processes are started
(bench/_sinks.py: aiosmtpd and an HTTP gateway), then the worker as start.sh runs it
(`manage.py run_huey --workers 2 --worker-type thread`, its own SQLite queue file).
When --kill-at of the expected messages are sent, the worker gets SIGKILL; after its
lease (--lease seconds, the worker's CAMPAIGN_LEASE_SECONDS) a new worker is started,
and the campaign's sweep (every minute) takes the rest back. The script prints the
sustained rate of each worker (between 10 % and 90 % of its part), the worker's peak
RSS (VmHWM), and from the sinks' logs: deliveries per recipient token (duplicates),
recipients marked sent that no sink received (missing), and the reverse.

The quiet hours of the rules are moved for the send to a window three hours from now
(the spa's local time), so that the benchmark sends whenever it is run; the screen
inside the quiet hours uses a `now` within that window.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
from _common import ROOT, machine_note, percentile, wait_for_idle  # noqa: E402

MARK = "bench-campaigns"  # the note on the consent records this script adds
BATCH = 5_000


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_chain(args) -> None:
    """Generate the chain unless the database already holds about --clients clients."""
    from spa.clients.models import Client

    have = Client.objects.count() if _table_exists() else 0
    # Earlier runs erased a few: within 1 % is the same chain.
    if abs(have - args.clients) <= args.clients // 100 and not args.regenerate:
        print(f"chain: {have:,} clients already there")
        return
    print(f"chain: {have:,} clients, generating {args.clients:,} (bench/generate_clients.py)")
    from django.db import connections

    connections.close_all()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_clients.py"), "--n", str(args.clients),
         "--branches", "20", "--seed", str(args.seed)],
        check=True, cwd=ROOT,
    )  # fmt: skip


def _table_exists() -> bool:
    from django.db import connection

    return "clients_client" in connection.introspection.table_names()


def marketing_history(args) -> dict:
    """Withdrawals, e-mail consents, earlier campaigns' messages (once), and rollups."""
    from django.db import transaction
    from django.utils import timezone

    from spa.accounts.models import User
    from spa.campaigns.models import Campaign, Kind, Recipient, RecipientStatus, Status, new_token
    from spa.clients.models import Client, ConsentRecord
    from spa.reports.models import ClientStats
    from spa.reports.rollups import rollups_rebuild

    started = time.perf_counter()
    rng = random.Random(args.seed)
    now = timezone.now()
    owner = User.objects.get(username=_common.OWNER_USERNAME)
    added = Counter()
    if not ConsentRecord.objects.filter(note=MARK).exists():
        rows = []
        given = ConsentRecord.objects.filter(granted=True).values_list("client_id", "channel")
        for client_id, channel in given.iterator(chunk_size=BATCH):
            if rng.random() < 0.04:
                rows.append(ConsentRecord(client_id=client_id, channel=channel, granted=False,
                                          method="phone", note=MARK, recorded_by=owner))  # fmt: skip
        added["withdrawn"] = len(rows)
        with_email = Client.objects.exclude(email="").values_list("pk", flat=True)
        for client_id in with_email.iterator(chunk_size=BATCH):
            if rng.random() < 0.2:
                rows.append(ConsentRecord(client_id=client_id, channel="email", granted=True,
                                          method="online", note=MARK, recorded_by=owner))  # fmt: skip
                added["email"] += 1
        with transaction.atomic():
            ConsentRecord.objects.bulk_create(rows, batch_size=BATCH)
    # The campaigns of earlier runs of this script go: their messages would count
    # towards the cap, and one left sending would be sent beside this run's.
    old = Campaign.objects.filter(name__startswith="Bench:")
    if old.exists():
        from spa.campaigns.models import Attempt

        _analyze()  # the last run's rows have no statistics yet: a bad plan takes minutes
        Attempt.objects.filter(recipient__campaign__in=old).delete()
        Recipient.objects.filter(campaign__in=old).delete()
        added["earlier runs deleted"] = old.delete()[0]
    # Earlier campaigns (sent within the cap's 7 days): kept, and their sent_at moved to
    # now - 1..3 days on every run, so the cap holds whenever the benchmark runs.
    earlier = list(Campaign.objects.filter(name__startswith="Earlier:").order_by("pk"))
    if not earlier:
        earlier = [
            Campaign.objects.create(
                name=f"Earlier: {n}",
                kind=Kind.ONCE,
                status=Status.DONE,
                created_by=owner,
                control_percent=0,
            )  # fmt: skip
            for n in ("November offer", "Black Friday")
        ]
        ids = list(Client.objects.order_by("pk").values_list("pk", flat=True))
        first, second = [], []
        for cid in ids:
            roll = rng.random()
            if roll < 0.06:
                first.append(cid)
                second.append(cid)
            elif roll < 0.18:
                (first if roll < 0.12 else second).append(cid)
        with transaction.atomic():
            for campaign, members in zip(earlier, (first, second), strict=True):
                Recipient.objects.bulk_create(
                    [Recipient(campaign=campaign, client_id=cid, token=new_token(),
                               status=RecipientStatus.SENT, channel="zalo", language="vi",
                               sent_at=now) for cid in members],
                    batch_size=BATCH,
                )  # fmt: skip
        added["earlier"] = len(first) + len(second)
    for days, campaign in enumerate(earlier, start=1):
        Recipient.objects.filter(campaign=campaign).update(sent_at=now - timedelta(days=days))
    if ClientStats.objects.count() < 0.99 * Client.objects.filter(merged_into=None).count():
        rollup_started = time.perf_counter()
        rollups_rebuild()
        added["rollups_s"] = round(time.perf_counter() - rollup_started, 1)
    _analyze()
    print(f"marketing history: {dict(added) or 'already there'} in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return added


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in ("clients_consentrecord", "campaigns_recipient", "campaigns_attempt",
                          "clients_client", "sales_voucher"):  # fmt: skip
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


def set_up_send(gateway_port: int):
    """The spa's gateways point to the stub; quiet hours moved to 3 hours from now."""
    from datetime import datetime

    from django.utils import timezone

    from spa.accounts.models import SpaSettings
    from spa.campaigns.models import CampaignRules

    spa = SpaSettings.current()
    spa.sms_gateway_url = f"http://127.0.0.1:{gateway_port}/sms"
    spa.zalo_gateway_url = f"http://127.0.0.1:{gateway_port}/zalo"
    spa.smtp_host = ""  # Django's mail backend: EMAIL_HOST / EMAIL_PORT of the worker
    spa.save()
    rules = CampaignRules.current()
    local = timezone.localtime()
    start = datetime.combine(local.date(), local.time()) + timedelta(hours=3)
    rules.quiet_from = start.time().replace(second=0, microsecond=0)
    rules.quiet_until = (start + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    rules.save()
    inside = timezone.now() + timedelta(hours=3, minutes=30)
    return rules, inside


def make_campaign(owner):
    from spa.campaigns.models import Campaign, Message

    campaign = Campaign.objects.create(
        name=f"Bench: year-end offer {time.strftime('%H:%M:%S')}", created_by=owner,
        control_percent=10, offer_percent=15, offer_valid_days=30,
    )  # fmt: skip
    bodies = {
        "vi": ("Quà cuối năm cho {name}", "Chào {name}, tặng bạn mã {voucher} giảm 15% tại {branch} đến {expiry}. Đặt lịch: {link}"),  # noqa: E501
        "en": ("A year-end gift for {name}", "Hello {name}, code {voucher} gives you 15% off at {branch} until {expiry}. Book: {link}"),  # noqa: E501
        "zh-hans": ("{name}的年终礼物", "{name}您好，优惠码 {voucher} 在 {branch} 享85折，有效期至 {expiry}。预约：{link}"),  # noqa: E501
    }  # fmt: skip
    for channel in ("email", "sms", "zalo"):
        for language, (subject, body) in bodies.items():
            Message.objects.create(campaign=campaign, channel=channel, language=language,
                                   subject=subject, body=body)  # fmt: skip
    return campaign


def erase_and_merge(campaign, rng: random.Random, n: int) -> tuple[int, int]:
    """While the campaign is queued: n clients erased, n merged into another client."""
    from spa.accounts.models import User
    from spa.campaigns.models import Recipient, RecipientStatus
    from spa.clients.models import Client
    from spa.clients.services import client_delete

    owner = User.objects.get(username=_common.OWNER_USERNAME)
    queued = list(
        Recipient.objects.filter(campaign=campaign, status=RecipientStatus.QUEUED)
        .values_list("client_id", flat=True)
    )  # fmt: skip
    picked = rng.sample(queued, 2 * n)
    for client in Client.objects.filter(pk__in=picked[:n]):
        client_delete(actor=owner, client=client, reason="bench: the client asked")
    live = [cid for cid in queued if cid not in set(picked)]
    for absorbed in picked[n:]:
        Client.objects.filter(pk=absorbed).update(merged_into_id=rng.choice(live))
    return n, n


def rss_of(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc (psutil is not installed)."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, kb = line.split()[:2]
                    values[key] = int(kb) / 1024
    except OSError:
        return 0.0, 0.0
    return values.get("VmRSS:", 0.0), values.get("VmHWM:", 0.0)


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"],
        cwd=ROOT, env=env, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def sustained(timeline: list[tuple[float, int]], low: int, high: int) -> float:
    """Messages per second between the samples where `sent` first reaches low and high."""
    a = next(((t, s) for t, s in timeline if s >= low), None)
    b = next(((t, s) for t, s in timeline if s >= high), None)
    if a is None or b is None or b[0] <= a[0]:
        return float("nan")
    return (b[1] - a[1]) / (b[0] - a[0])


def per_second(timeline: list[tuple[float, int]]) -> list[float]:
    rates = []
    for (t0, s0), (t1, s1) in zip(timeline, timeline[1:], strict=False):
        if t1 > t0 and s1 > s0:
            rates.append((s1 - s0) / (t1 - t0))
    return rates


def read_sinks(paths: list[Path]) -> tuple[Counter, Counter, Counter]:
    """(deliveries per token, deliveries per address, messages per channel)."""
    tokens, addresses, channels = Counter(), Counter(), Counter()
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            channel, token, to = line.split("\t")[:3]
            tokens[token] += 1
            addresses[(channel, to)] += 1
            channels[channel] += 1
    return tokens, addresses, channels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="regenerate the chain")
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="SIGKILL the worker when this share is sent (0: never)")  # fmt: skip
    parser.add_argument("--lease", type=int, default=10, help="the worker's CAMPAIGN_LEASE_SECONDS")
    parser.add_argument("--erase", type=int, default=20, help="clients erased (and merged) mid-way")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    parser.add_argument("--wait-idle", type=float, default=0.0)
    args = parser.parse_args()

    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    tag = "pg" if (os.environ.get("DATABASE_URL") or "").startswith("postgres") else "sqlite"
    queue = var / f"bench-campaigns-queue-{tag}.sqlite3"
    smtp_port, gateway_port = free_port(), free_port()
    os.environ.update({
        "HUEY_SQLITE_PATH": str(queue), "HUEY_IMMEDIATE": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port),
    })  # fmt: skip
    for leftover in var.glob(f"bench-campaigns-queue-{tag}.sqlite3*"):
        leftover.unlink()
    _common.setup_django()
    from django.db import connection, connections
    from django.db.models import Count

    from spa.accounts.models import User
    from spa.campaigns import rules as send_rules
    from spa.campaigns.models import Attempt, Recipient, RecipientStatus
    from spa.campaigns.services import campaign_start

    print(f"campaigns benchmark on {connection.vendor}, {args.clients:,} clients; {machine_note()}")
    ensure_chain(args)
    connections.close_all()
    marketing_history(args)
    rules, inside_quiet = set_up_send(gateway_port)
    owner = User.objects.get(username=_common.OWNER_USERNAME)
    wait_for_idle(args.wait_idle)

    # --- Building the list ----------------------------------------------------------
    campaign = make_campaign(owner)
    started = time.perf_counter()
    added = campaign_start(actor=owner, campaign=campaign)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    outcome = send_rules.screen(campaign)
    screen_s = time.perf_counter() - started
    started = time.perf_counter()
    quiet = send_rules.screen(campaign, now=inside_quiet)
    screen_quiet_s = time.perf_counter() - started
    control = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.CONTROL).count()
    print(f"\nlist: {added:,} recipients ({control:,} control) written by campaign_start "
          f"in {build_s:.1f} s")  # fmt: skip
    print(f"screen (consent, cap, quiet hours) of the queued: {screen_s:.1f} s "
          f"({(added - control) / screen_s:,.0f}/s): {dict(outcome.most_common())}")  # fmt: skip
    print(f"screen inside the quiet hours: {screen_quiet_s:.1f} s: "
          f"{dict(quiet.most_common(3))} ...")  # fmt: skip
    erased, merged = erase_and_merge(campaign, random.Random(args.seed), args.erase)
    expected = sum(outcome[c] for c in ("email", "sms", "zalo"))
    print(f"erased {erased}, merged {merged} of the queued clients; about {expected:,} to send")
    connections.close_all()

    # --- Sending ---------------------------------------------------------------------
    logs = {kind: var / f"bench-campaigns-{tag}-{kind}.log" for kind in ("smtp", "gateway")}
    for path in logs.values():
        path.unlink(missing_ok=True)
    sinks = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "_sinks.py"), kind, str(port), str(logs[kind])]
        )  # fmt: skip
        for kind, port in (("smtp", smtp_port), ("gateway", gateway_port))
    ]
    time.sleep(1.0)
    env = {**os.environ, "CAMPAIGN_LEASE_SECONDS": str(args.lease)}
    worker_log = var / f"bench-campaigns-{tag}-worker.log"
    worker_log.unlink(missing_ok=True)
    sent_q = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.SENT)
    open_q = Recipient.objects.filter(
        campaign=campaign, status__in=[RecipientStatus.QUEUED, RecipientStatus.SENDING]
    )
    phases = []  # (name, timeline, peak RSS MB)
    kill_at = int(expected * args.kill_at) if args.kill_at > 0 else None
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    load_before = os.getloadavg()
    stuck = None
    try:
        worker = start_worker(env, worker_log)
        timeline, peak, rss = [], 0.0, []
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now_sent = sent_q.count()
            timeline.append((time.monotonic() - t0, now_sent))
            current, hwm = rss_of(worker.pid)
            peak, _ = max(peak, hwm), rss.append(current)
            if kill_at is not None and now_sent >= kill_at:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                phases.append(("before kill -9", timeline, peak, rss))
                stuck = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.SENDING).count()  # fmt: skip
                print(f"kill -9 of the worker at {now_sent:,} sent "
                      f"({timeline[-1][0]:.0f} s); {stuck} recipients left 'sending'")  # fmt: skip
                kill_at = None
                time.sleep(args.lease + 0.5)
                worker = start_worker(env, worker_log)
                restarted = time.monotonic() - t0
                timeline, peak, rss = [(restarted, sent_q.count())], 0.0, []
                continue
            if not open_q.exists():
                break
        phases.append(("after restart" if phases else "whole run", timeline, peak, rss))
        time.sleep(2)  # room for a repeat to reach a sink, if there were one
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        for sink in sinks:
            sink.terminate()
            sink.wait(timeout=10)
    load_after = os.getloadavg()

    # --- Figures --------------------------------------------------------------------
    print(f"\nsending ({connection.vendor}; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after, on {os.cpu_count()} cores shared with others):")  # fmt: skip
    total_sent = sent_q.count()
    for name, timeline, peak, rss in phases:
        if len(timeline) < 2:
            continue
        first, last = timeline[0][1], timeline[-1][1]
        span = last - first
        rate = sustained(timeline, first + int(span * 0.1), first + int(span * 0.9))
        rates = per_second(timeline)
        busy = [t for t, s in timeline if s > first]
        wall = (busy[-1] - timeline[0][0]) if busy else float("nan")
        print(f"  {name:15} {span:7,} sent in {wall:6.1f} s; sustained (10-90 %) "
              f"{rate:6.0f} msg/s; per 0.5 s sample p50 {percentile(rates, 50):5.0f}, "
              f"p5 {percentile(rates, 5):5.0f} msg/s; worker RSS peak {peak:.0f} MB, "
              f"median {percentile(rss, 50):.0f} MB")  # fmt: skip
    statuses = Counter(Recipient.objects.filter(campaign=campaign).values_list("status", flat=True))
    reasons = Counter(
        Recipient.objects.filter(campaign=campaign, status=RecipientStatus.SKIPPED)
        .values_list("reason", flat=True)
    )  # fmt: skip
    campaign.refresh_from_db()
    print(f"  recipients: {dict(statuses.most_common())}; not sent because: "
          f"{dict(reasons.most_common())}; campaign {campaign.status}")  # fmt: skip
    tokens, addresses, channels = read_sinks(list(logs.values()))
    sent = dict(sent_q.values_list("token", "client_id"))
    client_of = dict(
        Recipient.objects.filter(campaign=campaign, token__in=list(tokens))
        .values_list("token", "client_id")
    )  # fmt: skip
    # A true duplicate: one client reached under two keys (two rows, or a new key on a
    # retry). A repeat of the same key (same Idempotency-Key / Message-ID) is the send
    # again after the kill, which the provider drops; counted apart.
    keys_per_client = Counter(client_of.get(token) for token in tokens)
    duplicates = sum(n - 1 for n in keys_per_client.values() if n > 1)
    repeats = sum(n - 1 for n in tokens.values() if n > 1)
    missing = len(set(sent) - set(tokens))
    unexpected = len(set(tokens) - set(sent))
    shared = sum(1 for n in addresses.values() if n > 1)
    open_attempts = Attempt.objects.filter(recipient__campaign=campaign, ok__isnull=True).count()
    ok_twice = (
        Attempt.objects.filter(recipient__campaign=campaign, ok=True)
        .values("recipient_id").order_by().annotate(n=Count("id"))
        .filter(n__gt=1).count()
    )  # fmt: skip
    interrupted = Attempt.objects.filter(recipient__campaign=campaign, detail="interrupted").count()
    received = sum(channels.values())
    print(f"  sinks received {received:,} ({dict(channels)}); DB says {total_sent:,} sent")
    print(f"  exactly once per recipient: duplicates {duplicates} (clients reached under two "
          f"keys), missing {missing} (marked sent, never received), {unexpected} received "
          f"but not marked sent")  # fmt: skip
    print(f"  repeats of one key on the wire: {repeats} (sent again after the kill with the "
          f"same Idempotency-Key / Message-ID, which the provider drops)")  # fmt: skip
    print(f"  attempts: {interrupted} marked interrupted after the kill, {open_attempts} "
          f"left open, {ok_twice} recipients with two successful attempts; "
          f"addresses that got 2+ messages: {shared} (shared numbers, repeats)")  # fmt: skip
    if stuck is not None:
        print(f"  kill -9 left {stuck} 'sending'; after the restart: "
              f"{statuses.get(RecipientStatus.SENDING, 0)} sending, "
              f"{statuses.get(RecipientStatus.QUEUED, 0)} queued")  # fmt: skip


if __name__ == "__main__":
    main()
