"""Speed of the till: a 10-line checkout, and a branch's daily cash report over 500 invoices.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench_sales .venv/bin/python bench/sales_checkout.py
    DATABASE_URL=sqlite:///var/bench_sales.sqlite3 .venv/bin/python bench/sales_checkout.py

Migrates the ('bench'-named) database, issues 500 invoices for one day through the real
service (ledgers, points, tiers, stock), then prints p50 / p95 of one 10-line checkout
(service call and the whole POST) and of the cash report page.
"""

import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import setup_django, summary_ms  # noqa: E402


def build():
    from django.core.management import call_command

    from spa.accounts.models import Branch, User
    from spa.catalog.models import Product, ProductKind
    from spa.catalog.services import stock_receive
    from spa.clients.models import Client
    from spa.clients.services import PhoneInput, client_create
    from spa.core.phone import parse_phone

    call_command("migrate", verbosity=0)
    branch, _ = Branch.objects.get_or_create(code="till", defaults={"name": "Bench till"})
    desk = User.objects.filter(username="till.desk").first() or User.objects.create_user(
        "till.desk", password="x", role="receptionist", branch=branch
    )
    products = []
    for n in range(10):
        product, created = Product.objects.get_or_create(
            sku=f"TILL-{n}",
            defaults={
                "name": f"Sản phẩm {n}",
                "kind": ProductKind.RETAIL,
                "retail_price": 150_000 + n * 10_000,
            },
        )
        if created:
            stock_receive(actor=None, product=product, branch=branch, quantity=Decimal(1_000_000))
        products.append(product)
    clients = list(Client.objects.filter(branch=branch)[:100])
    for n in range(len(clients), 100):
        clients.append(client_create(actor=desk, fields={"full_name": f"Khách Quầy {n}", "branch": branch},
                                     phones=[PhoneInput(parse_phone(f"0366{n:06d}"))], confirm_different=True))  # fmt: skip
    return branch, desk, products, clients


def main() -> None:
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    setup_django()
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import setup_test_environment

    from spa.sales.models import Invoice, LineKind, Method
    from spa.sales.services import Checkout, Line, checkout_issue, prepaid_top_up

    setup_test_environment()
    branch, desk, products, clients = build()

    def lines():
        return [Line(kind=LineKind.PRODUCT, description=p.name, unit_price=p.retail_price, quantity=1 + i % 3,
                     discount=5_000 * (i % 2), product=p) for i, p in enumerate(products)]  # fmt: skip

    existing = Invoice.objects.filter(branch=branch).count()
    started = time.perf_counter()
    for n in range(existing, 500):
        client = clients[n % len(clients)]
        if n % 10 == 0:
            prepaid_top_up(
                actor=desk, client=client, branch=branch, paid=3_000_000, method=Method.TRANSFER
            )
        checkout_issue(actor=desk, data=Checkout(client=client, branch=branch, lines=lines(),
                                                 payments={Method.CASH: 1_000_000}, discount_percent=5))  # fmt: skip
    if existing < 500:
        print(f"issued {500 - existing} invoices in {time.perf_counter() - started:.1f} s")
    print(
        f"database: {connection.vendor}; {Invoice.objects.filter(branch=branch).count()} invoices in the branch"
    )

    times = []
    for n in range(30):
        start = time.perf_counter()
        checkout_issue(actor=desk, data=Checkout(client=clients[n], branch=branch, lines=lines(),
                                                 payments={Method.CARD: 500_000}))  # fmt: skip
        times.append(time.perf_counter() - start)
    p50, p95, _ = summary_ms(times)
    print(f"{'checkout service, 10 lines':<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")

    http = HttpClient()
    http.force_login(desk)
    times = []
    for n in range(20):
        client = clients[30 + n]
        data = {"products-TOTAL_FORMS": "10", "products-INITIAL_FORMS": "0", "cash": "300000"}
        for i, product in enumerate(products):
            data[f"products-{i}-product"] = str(product.pk)
            data[f"products-{i}-quantity"] = "1"
        start = time.perf_counter()
        response = http.post(f"/sales/clients/{client.pk}/checkout/", data)
        times.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
    p50, p95, _ = summary_ms(times)
    print(f"{'checkout page POST, 10 lines':<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")

    times = []
    for _ in range(30):
        start = time.perf_counter()
        assert http.get("/sales/report/").status_code == 200
        times.append(time.perf_counter() - start)
    p50, p95, _ = summary_ms(times)
    print(f"{'daily cash report (550 invoices)':<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
