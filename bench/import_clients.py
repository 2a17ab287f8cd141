"""How fast a spa's client workbook goes through the importer: upload (sheets, header,
mapping), dry run (every row parsed, validated and checked for duplicates against the
stored clients) and commit (clients, phones, search keys, audit, health, consent and
opening balances), then undo. Prints rows/s, clients/s and the peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench \\
        .venv/bin/python bench/generate_clients.py --n 1000000 --branches 20 --seed 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench \\
        .venv/bin/python bench/import_clients.py --rows 100000

The workbook is messy on purpose: a title and a blank row above the header, phones in
eight spellings (numbers with the 0 lost, +84, dots, "(zalo)", old 11-digit numbers),
dates as Excel dates and as text, money as "1.500.000đ" / "2tr5" / "850k", every 50th
row a section label or a subtotal, 3% of rows a second row of a person already in the
file and 3% a stored client (by phone). The dry run and the commit run in this process
as the worker would run them; the undo afterwards leaves the database as it was.
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

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Thị", "Văn", "Ngọc", "Minh", "Thu", "Hồng", "Thanh", "Kim", "Bảo", ""]
GIVEN = ["Hoa", "Lan", "Mai", "Hương", "Thảo", "Linh", "Trang", "Nhung", "Yến", "Vy", "Hân"]


def phone_spellings(national9: str, rng: random.Random):
    """One Vietnamese mobile (9 significant digits) as spas write it."""
    d = national9
    return rng.choice([
        int(d), f"0{d}", f"+84{d}", f"0{d[:3]} {d[3:6]} {d[6:]}", f"0{d[:3]}.{d[3:6]}.{d[6:]}",
        f"(+84) {d}", f"0{d} (zalo)", f"84{d}",
    ])  # fmt: skip


def workbook(rows: int, stored_phones: list[str], seed: int) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Khách hàng")
    sheet.append(["DANH SÁCH KHÁCH HÀNG"])
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "SĐT", "Ngày sinh", "Giới tính", "Email", "Công nợ",
                  "Điểm", "Hạng thẻ", "Ghi chú"])  # fmt: skip
    written: list[list] = []
    for n in range(1, rows + 1):
        if n % 50 == 0:
            sheet.append([f"Tháng {n // 50 % 12 + 1}"] if n % 100 else
                         [None, "Tổng cộng", None, None, None, None, 12_500_000])  # fmt: skip
            continue
        roll = rng.random()
        if roll < 0.03 and written:
            again = list(rng.choice(written))
            again[0] = n
            again[1] = again[1].upper()
            sheet.append(again)
            continue
        if roll < 0.06 and stored_phones:
            phone = stored_phones[rng.randrange(len(stored_phones))]
        else:
            phone = f"9{rng.randrange(10**8):08d}"
        name = " ".join(x for x in (rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)) if x)
        birth = datetime.date(
            1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28)
        )
        birth_cell = (
            birth
            if rng.random() < 0.6
            else birth.strftime(rng.choice(["%d/%m/%Y", "%d.%m.%Y", "%d/%m/%y"]))
        )
        debt = rng.choice([None, None, None, "-", "1.500.000đ", "2tr5", "850k", 300000])
        row = [n, name, phone_spellings(phone, rng), birth_cell, rng.choice(["Nữ", "nữ", "F", "Nam"]),
               None, debt, rng.choice([None, 0, 120, "1.200"]), rng.choice([None, "Vàng", "Bạc"]),
               rng.choice([None, "khách quen", "da nhạy cảm"])]  # fmt: skip
        written.append(row)
        sheet.append(row)
    sheet.append(["Người lập biểu"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="do not undo the import at the end")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from spa.accounts.models import Branch
    from spa.clients.models import Client, ClientPhone
    from spa.imports import services
    from spa.imports.models import ImportJob, JobState

    owner = get_user_model().objects.get(username=OWNER_USERNAME)
    branch = Branch.objects.order_by("pk").first()
    existing = Client.objects.count()
    stored = [
        e[3:]
        for e in ClientPhone.objects.filter(e164__startswith="+849").values_list("e164", flat=True)[
            :20000
        ]
    ]
    print(machine_note())
    print(f"database: {connection.vendor}, {existing:,} stored clients")
    started = time.perf_counter()
    data = workbook(args.rows, stored, args.seed)
    print(
        f"workbook: {args.rows:,} rows, {len(data) / 1048576:.1f} MB, built in {time.perf_counter() - started:.1f} s"
    )
    base = peak_mb()

    started = time.perf_counter()
    job = services.job_create(actor=owner, branch=branch, data=data, filename="bench.xlsx")
    upload = time.perf_counter() - started
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    started = time.perf_counter()
    services.analyse(job.pk)
    dry = time.perf_counter() - started
    job.refresh_from_db()
    counts = job.counts
    total = counts["total"]
    print(f"upload (sheets, header, mapping): {upload:.2f} s")
    print(f"dry run: {total:,} rows in {dry:.1f} s = {total / dry:,.0f} rows/s; "
          f"peak RSS {peak_mb():.0f} MB (before: {base:.0f} MB)")  # fmt: skip
    print("outcomes:", {k: v for k, v in sorted(counts.items())})

    ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING, committed_by=owner)
    started = time.perf_counter()
    services.commit(job.pk)
    took = time.perf_counter() - started
    made = Client.objects.count() - existing
    written = counts.get("new", 0) + counts.get("existing", 0) + counts.get("same_row", 0)
    print(f"commit: {written:,} rows written ({made:,} new clients) in {took:.1f} s = "
          f"{written / took:,.0f} rows/s, {made / took:,.0f} new clients/s; peak RSS {peak_mb():.0f} MB")  # fmt: skip
    if not args.keep:
        job.refresh_from_db()
        started = time.perf_counter()
        services.undo(actor=owner, job=job)
        print(
            f"undo: {time.perf_counter() - started:.1f} s; clients now {Client.objects.count():,}"
        )


if __name__ == "__main__":
    main()
