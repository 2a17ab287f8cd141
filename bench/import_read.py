"""How fast the import readers stream a large client list, and how much Python memory
they hold while doing it.

Run from the project root (no database is used):

    .venv/bin/python bench/import_read.py --rows 100000

For an .xlsx and a UTF-8 CSV of --rows clients (4 columns, Vietnamese text, a date), it
prints the file size, the time to open it (type detection, zip-bomb check, sheet list),
rows per second while iterating every row, and the tracemalloc peak of Python memory
during the iteration, beside what holding all the rows as lists would take. calamine
keeps a sheet's cells in Rust memory, which tracemalloc does not see; the process's peak
resident size (ru_maxrss) is printed for that.
"""

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spa.imports.readers import open_source  # noqa: E402
from spa.imports.tests import files  # noqa: E402


def build_files(rows: int) -> dict[str, bytes]:
    xlsx = files.big_xlsx_bytes(rows)
    table = [["Họ tên", "Điện thoại", "Ngày sinh", "Ghi chú"]] + [
        [f"Nguyễn Thị Khách {number}", f"09{number:08d}", "01/01/1990", "VIP"]
        for number in range(rows)
    ]
    return {"khach.xlsx": xlsx, "khach.csv": files.csv_text(table).encode("utf-8")}


def measure(name: str, data: bytes) -> None:
    started = time.perf_counter()
    source = open_source(data, name)
    opened = time.perf_counter() - started

    tracemalloc.start()
    started = time.perf_counter()
    count = sum(1 for _ in source.rows(0))
    elapsed = time.perf_counter() - started
    _, streaming_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    held = list(source.rows(0))
    _, list_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del held
    source.close()

    print(
        f"{source.kind:5} {len(data) / 2**20:6.1f} MB  open {opened * 1000:6.0f} ms  "
        f"{count:>8,} rows  {count / elapsed:>9,.0f} rows/s  "
        f"python peak streaming {streaming_peak / 2**20:6.1f} MB "
        f"(all rows held: {list_peak / 2**20:6.1f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    built = build_files(args.rows)
    print(f"built {args.rows:,}-row files in {time.perf_counter() - started:.1f} s")
    for name, data in built.items():
        measure(name, data)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident size {peak_rss:.0f} MB")


if __name__ == "__main__":
    main()
