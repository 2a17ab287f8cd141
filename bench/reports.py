"""Speed of the reports at a chain's size: every report page from the rollups, beside
the same figures computed naively from the raw rows, and again just after new
invoices arrive (the page folds in what they marked before it reads).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench .venv/bin/python bench/reports.py
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/reports.py

The database is one filled by bench/generate_clients.py then bench/generate_history.py
(1M clients, 10M sessions, 5M invoices over 3 years on PostgreSQL; a tenth on SQLite),
with `manage.py rollups_rebuild` run. Each page is the whole request (access, filters,
rollup queries, the template), by the Django test client, as the owner (the chain) and
as a branch manager. Prints p50 / p95 / max in ms. Invoices added here are real ones
(spa.sales.services.checkout_issue); rerunning the script adds more.
"""

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import (  # noqa: E402
    OWNER_USERNAME,
    machine_note,
    setup_django,
    staff_username,
    summary_ms,
    wait_for_idle,
)

PAGES = ["", "revenue", "money", "clients", "staff", "services"]
PERIODS = ["30d", "12m"]


def _http(username: str):
    from django.test import Client

    from spa.accounts.models import User

    http = Client()
    http.force_login(User.objects.get(username=username))
    return http


def _timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _line(label: str, seconds: list[float]) -> None:
    p50, p95, top = summary_ms(seconds)
    print(f"  {label:<44} p50 {p50:8.1f}  p95 {p95:8.1f}  max {top:8.1f} ms", flush=True)


def pages(runs: int, names: list[str]) -> None:
    for who, username in (
        ("owner, chain", OWNER_USERNAME),
        ("manager, branch", staff_username(1, "manager")),
    ):
        http = _http(username)
        print(f"\nReport pages ({who}), {runs} runs each:")
        for period in PERIODS:
            for name in names:
                url = f"/reports/{name + '/' if name else ''}?period={period}"

                def get(url=url, http=http):
                    response = http.get(url)
                    assert response.status_code == 200, (url, response.status_code)

                get()  # warm
                _line(f"{name or 'dashboard'} · {period}", _timed(get, runs))


def naive(runs: int) -> None:
    """The same figures by GROUP BY over the raw rows (what a report without rollups does)."""
    from datetime import timedelta

    from django.db.models import Count, F, Sum
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from spa.reports.models import InvoiceDay, SalesDay, ServiceDay
    from spa.reports.selectors import Period, Scope
    from spa.sales.models import Invoice, InvoiceLine
    from spa.treatments.models import SessionService

    today = timezone.localdate()
    start = today - timedelta(days=364)
    year, chain = Period(start, today), Scope()
    lo = timezone.make_aware(timezone.datetime.combine(start, timezone.datetime.min.time()))
    queries = {
        "revenue by month, 12 months": (
            lambda: list(Invoice.objects.filter(issued_at__gte=lo).annotate(m=TruncMonth("issued_at"))
                         .values("m").annotate(Sum("total")).order_by()),
            lambda: chain.figures(InvoiceDay, year, by=("date",)),
        ),
        "revenue by service, 12 months": (
            lambda: list(InvoiceLine.objects.filter(invoice__issued_at__gte=lo).values("service_id")
                         .annotate(Sum("amount")).order_by()),
            lambda: chain.figures(SalesDay, year, by=("service_id",)),
        ),
        "sessions by service, 12 months": (
            lambda: list(SessionService.objects.filter(session__performed_at__gte=lo, session__status="done")
                         .values("service_id").annotate(Count("id")).order_by()),
            lambda: chain.figures(ServiceDay, year, by=("service_id",)),
        ),
        "clients who came per month, 12 months": (
            lambda: list(SessionService.objects.filter(session__performed_at__gte=lo)
                         .annotate(m=TruncMonth("session__performed_at")).values("m")
                         .annotate(n=Count(F("session__client_id"), distinct=True)).order_by()),
            None,
        ),
    }  # fmt: skip
    print(f"\nNaive GROUP BY on the raw rows vs the rollup ({runs} runs each):")
    for label, (raw, rolled) in queries.items():
        _line(f"{label} · raw", _timed(raw, runs))
        if rolled:
            _line(f"{label} · rollup", _timed(rolled, max(runs, 5)))


def after_invoices(runs: int) -> None:
    """A new invoice, then the revenue page at once (its marks are folded in first)."""
    from spa.accounts.models import Branch, User
    from spa.catalog.models import Service
    from spa.clients.models import Client
    from spa.sales.models import LineKind
    from spa.sales.services import Checkout, Line, checkout_issue

    http = _http(OWNER_USERNAME)
    branch = Branch.objects.order_by("id").first()
    desk = User.objects.get(username=staff_username(1, "receptionist"))
    services = list(Service.objects.filter(is_active=True)[:10])
    top = Client.objects.filter(branch=branch).order_by("-id").values_list("id", flat=True).first()
    rng = random.Random(3)
    sale, page = [], []
    for _ in range(runs):
        client = (
            Client.objects.filter(branch=branch, pk__lte=rng.randint(1, top))
            .order_by("-pk")
            .first()
        )
        service = rng.choice(services)
        started = time.perf_counter()
        checkout_issue(actor=desk, data=Checkout(client=client, branch=branch, payments={"cash": 500_000},
                       lines=[Line(kind=LineKind.SERVICE, description=service.name, unit_price=500_000,
                                   service=service)]))  # fmt: skip
        sale.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert http.get("/reports/revenue/?period=30d").status_code == 200
        page.append(time.perf_counter() - started)
    print(f"\nJust after a new invoice ({runs} invoices, no worker running):")
    _line("checkout (writes its marks)", sale)
    _line("revenue page (refresh + read)", page)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--max-load", type=float, default=0)
    parser.add_argument(
        "--pages", default=",".join(PAGES), help="which report pages (dashboard: empty)"
    )
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    wait_for_idle(args.max_load)
    from django.db import connection

    from spa.clients.models import Client
    from spa.sales.models import Invoice
    from spa.treatments.models import TreatmentSession

    print(f"{connection.vendor}: {Client.objects.count():,} clients, "
          f"{TreatmentSession.objects.count():,} sessions, {Invoice.objects.count():,} invoices")  # fmt: skip
    print(machine_note())
    pages(args.runs, args.pages.split(","))
    naive(max(3, args.runs // 5))
    after_invoices(args.runs)


if __name__ == "__main__":
    main()
