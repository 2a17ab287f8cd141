"""A treatment log (sổ liệu trình) through the importer: a workbook with a client sheet, a
price list and a log of visits linked to the clients by phone (most rows), by name only
(some) or to nobody (walk-ins); dry run and commit timed, then undone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench \\
        .venv/bin/python bench/import_sessions.py --clients 10000 --visits 100000
"""

import argparse
import datetime
import io
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OWNER_USERNAME, machine_note, setup_django  # noqa: E402

SERVICES = [("Chăm sóc da cơ bản", 350_000), ("Peel da", 900_000), ("Triệt lông nách", 500_000),
            ("Gội đầu dưỡng sinh", 150_000), ("Massage body", 450_000)]  # fmt: skip


def workbook(clients: int, visits: int, seed: int) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    people = []
    sheet = book.create_sheet("Khách hàng")
    sheet.append(["Họ và tên", "SĐT", "Ngày sinh"])
    for n in range(clients):
        tag = "".join("abcdefghij"[int(d)] for d in f"{n:06d}")
        name = f"Nguyễn {tag.capitalize()} Hoa"
        phone = f"097{n:07d}"
        people.append((name, phone))
        sheet.append([name, phone, datetime.date(1970 + n % 35, 1 + n % 12, 1 + n % 28)])
    prices = book.create_sheet("Bảng giá")
    prices.append(["Dịch vụ", "Giá"])
    for name, price in SERVICES:
        prices.append([name, price])
    log = book.create_sheet("Liệu trình")
    log.append(["Ngày", "Khách hàng", "SĐT", "Dịch vụ", "Thành tiền", "Thanh toán", "Buổi"])
    start = datetime.date(2024, 1, 1)
    for n in range(visits):
        day = start + datetime.timedelta(days=n * 700 // visits)
        service, price = rng.choice(SERVICES)
        roll = rng.random()
        if roll < 0.85:
            name, phone = rng.choice(people)
        elif roll < 0.95:
            name, phone = rng.choice(people)[0], None  # linked by name only
        else:
            tag = "".join("abcdefghij"[int(d)] for d in f"{n % 500:03d}")
            name, phone = f"Khách Lẻ {tag.capitalize()}", f"098{n % 500:07d}"
        amount = rng.choice([price, price, None, "Tặng"])
        paid = rng.choice(["đã TT", "đã TT", "chưa TT"])
        log.append([day, name, phone, service, amount, paid, None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from spa.accounts.models import Branch
    from spa.imports import services
    from spa.imports.models import ImportJob, JobState
    from spa.treatments.models import TreatmentSession

    owner = get_user_model().objects.get(username=OWNER_USERNAME)
    branch = Branch.objects.order_by("pk").first()
    print(machine_note())
    print(f"database: {connection.vendor}")
    data = workbook(args.clients, args.visits, args.seed)
    job = services.job_create(actor=owner, branch=branch, data=data, filename="lieu-trinh.xlsx")
    print("sheets:", [(p["name"], p["kind"]) for p in job.sheets])
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    started = time.perf_counter()
    services.analyse(job.pk)
    dry = time.perf_counter() - started
    job.refresh_from_db()
    total = job.counts["total"]
    print(f"dry run: {total:,} rows in {dry:.1f} s = {total / dry:,.0f} rows/s")
    print("outcomes:", dict(sorted(job.counts.items())))
    sessions_before = TreatmentSession.objects.count()
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING, committed_by=owner)
    started = time.perf_counter()
    services.commit(job.pk)
    took = time.perf_counter() - started
    made = TreatmentSession.objects.count() - sessions_before
    print(f"commit: {total:,} rows in {took:.1f} s = {total / took:,.0f} rows/s; "
          f"{made:,} visits = {made / took:,.0f} visits/s; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")  # fmt: skip
    job.refresh_from_db()
    started = time.perf_counter()
    services.undo(actor=owner, job=job)
    print(f"undo: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
