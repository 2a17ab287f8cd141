"""How fast a long course of treatment opens: a client with 500 sessions and 2,000 photos.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench_course .venv/bin/python bench/treatment_course.py
    DATABASE_URL=sqlite:///var/bench_course.sqlite3 .venv/bin/python bench/treatment_course.py

Migrates the ('bench'-named) database and builds the heavy client once through the real services (session_log: guard, stock,
photos, audit), then prints p50 / p95 server time of the profile page, the course page
(first and last page), the PDF, and of logging one more session.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PRIVATE_MEDIA_ROOT", str(ROOT / "var" / "bench-media"))

from _common import OWNER_USERNAME, setup_django, summary_ms  # noqa: E402

NAME = "Bench Liệu Trình Dài"


def photo_bytes(seed: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (640, 480), (200 + seed % 50, 150, 140))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def build(sessions: int, photos_per_session: int):
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    from spa.accounts.models import Branch, User
    from spa.catalog.models import Product, ProductKind, Service, ServiceCategory, ServicePrice
    from spa.catalog.services import stock_receive
    from spa.clients.models import Client
    from spa.clients.services import PhoneInput, client_create
    from spa.core.phone import parse_phone
    from spa.treatments.services import ProductUse, SessionInput, session_log

    call_command("migrate", verbosity=0)
    branch, _ = Branch.objects.get_or_create(code="course", defaults={"name": "Bench course"})
    technician = User.objects.filter(username="course.tech").first() or User.objects.create_user(
        "course.tech", password="x", role="technician", branch=branch
    )
    if not User.objects.filter(username=OWNER_USERNAME).exists():
        User.objects.create_user(OWNER_USERNAME, password="x", role="owner", is_staff=True)
    client = Client.objects.filter(full_name=NAME).first()
    if client and client.sessions.count() >= sessions:
        return client, technician
    category, _ = ServiceCategory.objects.get_or_create(name="Bench facial")
    service, _ = Service.objects.get_or_create(name="Bench facial", category=category)
    ServicePrice.objects.get_or_create(service=service, branch=branch, defaults={"price": 500_000})
    product, created = Product.objects.get_or_create(
        sku="BENCH-CLEAN", defaults={"name": "Bench cleanser", "kind": ProductKind.BACKBAR}
    )
    if created:
        stock_receive(actor=None, product=product, branch=branch, quantity=Decimal("1000000"))
    if client is None:
        client = client_create(
            actor=technician, fields={"full_name": NAME, "branch": branch},
            phones=[PhoneInput(parse_phone("0399999001"))], confirm_different=True,
        )  # fmt: skip
    done = client.sessions.count()
    images = [photo_bytes(i) for i in range(photos_per_session)]
    started = time.perf_counter()
    for n in range(done, sessions):
        kinds = ["before", "after"] * (photos_per_session // 2)
        session_log(
            actor=technician,
            data=SessionInput(
                client=client, branch=branch,
                performed_at=timezone.now() - timezone.timedelta(days=sessions - n),
                services=[service], technicians=[technician],
                products=[ProductUse(product, Decimal("3"))],
                photos=list(zip(kinds, images, strict=True)), result="ok",
            ),
        )  # fmt: skip
        if (n + 1) % 100 == 0:
            print(f"  {n + 1} sessions ({time.perf_counter() - started:.0f} s)", flush=True)
    return client, technician


def timed(client, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--photos-per-session", type=int, default=4)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    setup_django()
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import setup_test_environment

    from spa.accounts.models import User
    from spa.treatments.models import SessionPhoto

    setup_test_environment()  # lets the in-process client talk to the app
    print(f"database: {connection.vendor}; building the client (once) ...", flush=True)
    client, technician = build(args.sessions, args.photos_per_session)
    photos = SessionPhoto.objects.filter(client=client).count()
    print(f"client #{client.pk}: {client.sessions.count()} sessions, {photos} photos")

    http = HttpClient()
    http.force_login(User.objects.get(username=OWNER_USERNAME))
    last_page = (client.sessions.count() + 19) // 20
    rows = [
        ("profile page", f"/clients/{client.pk}/"),
        ("course page 1 (20 sessions, compare)", f"/treatments/clients/{client.pk}/"),
        (f"course page {last_page} (last)", f"/treatments/clients/{client.pk}/?page={last_page}"),
    ]
    for _label, url in rows:
        timed(http, url, 3)  # warm-up
    print(f"\n{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, url in rows:
        p50, p95, worst = summary_ms(timed(http, url, args.runs))
        print(f"{label:<40} {p50:8.1f} {p95:8.1f} {worst:8.1f}")
    pdf = timed(http, f"/treatments/clients/{client.pk}/report.pdf", 3)
    print(f"{'course PDF (500 sessions, 2 photos)':<40} {summary_ms(pdf)[0]:8.1f}")

    # Logging a session is one request: time the service that request runs.
    from decimal import Decimal

    from django.utils import timezone

    from spa.catalog.models import Product, Service
    from spa.treatments.services import ProductUse, SessionInput, session_log

    service, product = (
        Service.objects.get(name="Bench facial"),
        Product.objects.get(sku="BENCH-CLEAN"),
    )
    images = [("before", photo_bytes(1)), ("after", photo_bytes(2))]
    for label, with_photos in (
        ("log a session (no photo)", False),
        ("log a session (2 photos)", True),
    ):
        times = []
        for _ in range(20):
            start = time.perf_counter()
            session_log(
                actor=technician,
                data=SessionInput(
                    client=client, branch=technician.branch, performed_at=timezone.now(),
                    services=[service], technicians=[technician],
                    products=[ProductUse(product, Decimal("1"))],
                    photos=images if with_photos else [],
                ),
            )  # fmt: skip
            times.append(time.perf_counter() - start)
        p50, p95, worst = summary_ms(times)
        print(f"{label:<40} {p50:8.1f} {p95:8.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
