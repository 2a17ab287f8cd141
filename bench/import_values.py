"""Speed of the importer's cell readers (spa.imports.values) on messy synthetic rows.

Run from the project root (no database needed):

    .venv/bin/python bench/import_values.py --rows 100000 --seed 1

Each row has a phone, a date of birth, an amount, a name and a gender, written in the
shapes real spa workbooks use (spaces and dots in phones, "(zalo)", two numbers in one
cell, numbers that lost their 0, pre-2018 11-digit numbers; dd/mm/yyyy, Excel serials,
"8 tháng 7 năm 1992"; "1.500.000đ", "850k", "2tr5"; ALL CAPS and NFD names; "Nữ",
"F", "女"). It prints rows per second for the whole row and value-parses per second
for each function. The importer needs at least 10,000 rows/s; nothing is asserted.
"""

import argparse
import datetime as dt
import random
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spa.imports.values import (  # noqa: E402
    clean_name,
    parse_date,
    parse_gender,
    parse_money,
    parse_phones,
)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Thị", "Văn", "Ngọc", "Thu", "Minh", "Thanh", "Hoài", ""]
GIVEN = ["Hoa", "Hoà", "Thuý", "Lan", "Mai", "Hương", "Trang", "Linh", "An", "Hà"]
HAN = ["王秀英", "李娜", "张伟", "刘洋", "陈静"]
PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "32", "35", "38", "70", "77", "86", "88"]
GENDERS = ["Nữ", "nữ", "NU", "Nam", "F", "M", "Female", "male", "女", "男", "Khác", ""]


def messy_phone(rng: random.Random):
    sig = rng.choice(PREFIXES) + "".join(rng.choice("0123456789") for _ in range(7))
    national = "0" + sig
    grouped = f"{national[:4]} {national[4:7]} {national[7:]}"
    other = "09" + "".join(rng.choice("0123456789") for _ in range(8))
    return rng.choice(
        [
            national,
            national,
            grouped,
            grouped.replace(" ", "."),
            "+84" + sig,
            f"+84 {grouped}",
            "84" + sig,
            float(sig),
            int(sig),
            f"{national} (zalo)",
            f"{national} / {other}",
            "0166" + "".join(rng.choice("0123456789") for _ in range(7)),
            "028 3822 " + "".join(rng.choice("0123456789") for _ in range(4)),
            "chưa hỏi",
            "",
        ]
    )


def messy_date(rng: random.Random):
    d = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
    serial = (d - dt.date(1899, 12, 30)).days
    return rng.choice(
        [
            d,
            dt.datetime(d.year, d.month, d.day),
            serial,
            f"{d.day:02d}/{d.month:02d}/{d.year}",
            f"{d.day}/{d.month}/{d.year % 100:02d}",
            f"{d.day:02d}-{d.month:02d}-{d.year}",
            d.isoformat(),
            f"{d.day} tháng {d.month} năm {d.year}",
            f"{d.year}年{d.month}月{d.day}日",
            str(d.year),
            "31/02/1990",
            "",
        ]
    )


def messy_money(rng: random.Random):
    amount = rng.randrange(1, 20000) * 1000
    grouped = f"{amount:,}".replace(",", ".")
    return rng.choice(
        [
            amount,
            float(amount),
            grouped,
            grouped + "đ",
            grouped + " VNĐ",
            f"{amount:,}",
            f"{amount // 1000}k",
            f"{rng.randrange(1, 10)}tr{rng.randrange(0, 10)}",
            f"{rng.randrange(1, 10)},5 triệu",
            "không",
            "",
        ]
    )


def messy_name(rng: random.Random):
    if rng.random() < 0.1:
        return rng.choice(HAN)
    name = " ".join(w for w in (rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)) if w)
    return rng.choice(
        [
            name,
            name.upper(),
            name.lower(),
            unicodedata.normalize("NFD", name),
            f"  {name}  ",
            f"{name} ({rng.choice(GIVEN)})",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = [
        (messy_phone(rng), messy_date(rng), messy_money(rng), messy_name(rng), rng.choice(GENDERS))
        for _ in range(args.rows)
    ]
    today = dt.date(2026, 12, 2)

    def money(value):
        try:
            return parse_money(value)
        except ValueError:
            return None

    def gender(value):
        try:
            return parse_gender(value)
        except ValueError:
            return None

    readers = [
        ("parse_phones", parse_phones),
        ("parse_date", lambda v: parse_date(v, today=today)),
        ("parse_money", money),
        ("clean_name", clean_name),
        ("parse_gender", gender),
    ]
    # Warm up (the phone reader learns which prefixes its short path may take).
    for row in rows[:2000]:
        for (_, read), value in zip(readers, row, strict=True):
            read(value)

    started = time.perf_counter()
    for row in rows:
        for (_, read), value in zip(readers, row, strict=True):
            read(value)
    elapsed = time.perf_counter() - started
    print(f"{args.rows} rows of 5 values: {elapsed:.2f} s, {args.rows / elapsed:,.0f} rows/s")

    for column, (label, read) in enumerate(readers):
        cells = [row[column] for row in rows]
        started = time.perf_counter()
        for value in cells:
            read(value)
        elapsed = time.perf_counter() - started
        print(f"  {label:<13} {len(cells) / elapsed:>10,.0f} values/s")


if __name__ == "__main__":
    main()
