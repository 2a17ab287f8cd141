"""Synthetic spa workbooks with every mess the importer must meet, and the truth about
each row recorded as the row is written (the tests compare the importer against it)."""

import datetime
import io
from dataclasses import dataclass, field

from openpyxl import Workbook


@dataclass
class Truth:
    outcome: str  # the ImportRow outcome the dry run must give
    reason: str = ""  # the Problem code of a skipped / rejected row
    name: str = ""
    phones: list[str] = field(default_factory=list)  # E.164
    same_as_row: int | None = None  # the earlier row of the same person
    same_as_client: str = ""  # the stored client (by name) of the same person
    warnings: list[str] = field(default_factory=list)
    checks: dict = field(default_factory=dict)  # field -> value after commit


HEADER = [
    "STT", "Họ và tên", "SĐT", "Ngày sinh", "Giới tính", "Email", "Địa chỉ", "Công nợ",
    "Số dư", "Điểm tích lũy", "Hạng thẻ", "Liệu trình", "Số buổi", "Còn lại", "Dị ứng",
    "Đồng ý nhận SMS", "Ghi chú",
]  # fmt: skip


def _row(n=None, name=None, phone=None, birth=None, gender=None, email=None, address=None,
         debt=None, prepaid=None, points=None, tier=None, package=None, total=None,
         left=None, allergy=None, sms=None, note=None) -> list:  # fmt: skip
    return [n, name, phone, birth, gender, email, address, debt, prepaid, points, tier,
            package, total, left, allergy, sms, note]  # fmt: skip


def client_workbook(stored_phone: str = "+84903111222") -> tuple[bytes, dict[int, Truth]]:
    """A client sheet as spas keep it: title rows, a header on row 4, section labels,
    monthly subtotals, a footer, planted duplicates and must-not-merge pairs.

    `stored_phone` is held by a stored client "Trần Thu Hà" (born 12/05/1988), and a
    stored "Phạm Minh Thư" born 01/01/1991 has another phone (the tests create them)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Khách hàng"
    truth: dict[int, Truth] = {}
    rows: list[list] = []

    def add(values: list, t: Truth) -> None:
        rows.append(values)
        truth[len(rows)] = t

    add(["DANH SÁCH KHÁCH HÀNG - SPA HƯƠNG SEN"], Truth("skipped", "row_title"))
    add(["Cập nhật đến 30/11/2026"], Truth("skipped", "row_title"))
    add([], Truth("skipped", "row_blank"))
    add(HEADER, Truth("skipped", "row_header"))
    add(["Tháng 1"], Truth("skipped", "row_section"))
    add(_row(1, "NGUYỄN THỊ HOA", 912345678, datetime.datetime(1990, 3, 12), "Nữ",
             "hoa.nguyen@example.com", "12 Lê Lợi, Q.1", "1.500.000đ", None, 120, "Vàng",
             "Triệt lông nách", 10, 4, "hương liệu, phấn hoa", "có", "khách quen"),
        Truth("new", name="Nguyễn Thị Hoa", phones=["+84912345678"], checks={
            "debt": 1_500_000, "points": 120, "tier": "gold", "package": (10, 6),
            "allergen": "fragrance", "consent_sms": True, "birth_date": "1990-03-12"}))  # fmt: skip
    # The same woman again: NFD name, lower case, the number with +84 and dots.
    add(
        _row(2, "nguye\u0302\u0303n thi\u0323 hoa", "(+84) 912.345.678", "12/03/1990", "F"),
        Truth("same_row", name="Nguyễn Thị Hoa", same_as_row=6),
    )
    # Her daughter on the family phone: another name, another birth date.
    add(
        _row(3, "Lê Ngọc Hân", "0912-345-678", "05.09.2012", "nữ"),
        Truth("new", name="Lê Ngọc Hân", phones=["+84912345678"], warnings=["phone_shared"]),
    )
    # Must not merge: same phone, a name one letter off in a short word.
    add(
        _row(4, "Nguyễn Thị Hồng", "0912 345 678", None, "Nữ"),
        Truth("new", name="Nguyễn Thị Hồng", phones=["+84912345678"], warnings=["phone_shared"]),
    )
    # A stored client, written with a lost leading 0 and an old 11-digit habit elsewhere.
    add(_row(5, "tran thu ha", "84903111222", "12/5/88", "Nữ", None, None, "-", "3tr"),
        Truth("existing", name="Tran Thu Ha", same_as_client="Trần Thu Hà",
              checks={"prepaid": 3_000_000}))  # fmt: skip
    add(
        ["Tổng tháng 1", None, None, None, None, None, None, 1500000, 3000000],
        Truth("skipped", "row_total"),
    )
    add(["Tháng 2"], Truth("skipped", "row_section"))
    # A stored client found by name and birth date (she has a new phone now).
    add(
        _row(6, "Phạm Minh Thu", "0987.654.321", "01/01/1991"),
        Truth("existing", name="Phạm Minh Thu", same_as_client="Phạm Minh Thư"),
    )
    # A namesake of a stored client with another birth date and phone: someone else.
    add(
        _row(7, "Phạm Minh Thư", "0988 777 666", "02/02/1992"),
        Truth("new", name="Phạm Minh Thư", phones=["+84988777666"]),
    )
    # Missing middle name, same phone as row 6: the same Hoa.
    add(
        _row(8, "Nguyễn Hoa", "0912345678", None, None, None, None, "850k"),
        Truth("same_row", name="Nguyễn Hoa", same_as_row=6),
    )
    # Old 11-digit Viettel number (0168 → 038) and a zalo annotation.
    add(_row(9, "Đỗ Quang Minh", "0168 123 4567 (zalo)", "1985", "Nam", None, None,
             "2tr5", None, None, None, None, None, None, None, "không"),
        Truth("new", name="Đỗ Quang Minh", phones=["+84381234567"],
              checks={"debt": 2_500_000, "birth_year": 1985, "consent_sms": False}))  # fmt: skip
    # Two numbers in one cell, one a landline.
    add(_row(10, "Vương Tú Anh (王秀英)", "0977 111 333 / 028 3822 1234", "1992年7月8日", "女"),
        Truth("new", name="Vương Tú Anh", phones=["+84977111333", "+842838221234"],
              checks={"birth_date": "1992-07-08"}))  # fmt: skip
    # A Chinese mobile without its country code.
    add(
        _row(11, "李娜", "13812345678", None, "女"),
        Truth("new", name="李娜", phones=["+8613812345678"]),
    )
    # No number given, and an impossible date: kept, reported, not guessed.
    add(_row(12, "Hoàng Thị Mai", "chưa hỏi", "31/02/1990", "Nữ"),
        Truth("new", name="Hoàng Thị Mai", warnings=["phone_not_a_number", "date_impossible"],
              checks={"birth_date": None}))  # fmt: skip
    add(_row(13, None, "0911 222 333"), Truth("rejected", "name_missing"))
    add(_row(14, "<script>alert(1)</script>", "0911 222 444"), Truth("rejected", "name_invalid"))
    add([15], Truth("skipped", "row_number_only"))
    add(
        ["Tổng cộng", None, None, None, None, None, None, 5850000, 3000000],
        Truth("skipped", "row_total"),
    )
    add([], Truth("skipped", "row_blank"))
    add(["Người lập biểu: Lan"], Truth("skipped", "row_footer"))
    for values in rows:
        sheet.append(values)
    sheet.merge_cells("A1:H1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), truth


def big_workbook(rows: int, seed: int = 3) -> bytes:
    """Many plain rows (distinct people, every 40th a second row of an earlier one)."""
    import random

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("KH")
    sheet.append(HEADER)
    given = ["Hoa", "Lan", "Mai", "Hương", "Thảo", "Linh", "Trang", "Yến"]
    written: list[list] = []
    for n in range(1, rows + 1):
        if n % 40 == 0 and written:
            sheet.append(list(rng.choice(written)))
            continue
        tag = "".join("abcdefghij"[int(d)] for d in f"{n:05d}")
        row = _row(n, f"Nguyễn {tag.capitalize()} {rng.choice(given)}",
                   f"09{n:08d}", None, "Nữ", None, None, rng.choice([None, 500_000]))  # fmt: skip
        written.append(row)
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
