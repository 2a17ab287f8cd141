"""Where the table starts in a sheet, and which of its rows are not data.

Spa workbooks are made to be printed and read, not parsed: a title and the spa's name
above the header, blank rows, section labels between groups of clients ("Tháng 1",
"KHÁCH VIP"), monthly subtotals, the header repeated at each printed page, a signature
block at the bottom. These functions recognise them so the importer skips them and says
why (a `Problem` per skipped row).
"""

import functools
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal

from spa.core.text import fold
from spa.imports.mapping import (
    NAME_TARGETS,
    PHONEISH_TARGETS,
    has_key_column,
    header_score,
    is_exact_synonym,
)
from spa.imports.problems import Problem
from spa.imports.targets import TARGETS_OF_KIND, SheetKind

# Columns whose numbers are money or counts: a row with only numbers there is a total.
MONEY_TARGETS = {
    "total_spent", "debt", "prepaid", "points", "package_total", "package_used",
    "package_remaining", "package_price", "session_amount", "service_price",
}  # fmt: skip

_TITLE_WORDS = (
    "danh sach", "bao cao", "thong ke", "so theo doi", "spa", "tham my", "tham my vien",
    "beauty", "salon", "clinic", "cong ty", "logo", "list", "report", "customer list",
    "client list", "名单", "列表", "报表", "统计", "美容院", "美容", "会所", "公司",
)  # fmt: skip
# Section words. "Tháng" and "quý" are not among them: "Thắng" and "Quý" are given
# names, so those count only with a number after them (_NUMBERED_PERIOD).
_SECTION_WORDS = (
    "chi nhanh", "khach vip", "vip", "nhom", "khach cu", "khach moi",
    "co so", "branch", "group", "month", "quarter", "月", "分店", "门店", "组", "季度",
)  # fmt: skip
_NUMBERED_PERIOD = re.compile(r"\b(thang|quy|month|quarter) (\d+|[ivx]+)\b")
_SECTION_PATTERNS = (
    re.compile(r"\bnam (19|20)\d\d\b"),
    re.compile(r"^\s*[-=*_~#>»•.]{2,}"),
    re.compile(r"[-=*_~#<«•.]{2,}\s*$"),
)
_FOOTER = re.compile(
    r"^(nguoi lap( bieu)?|nguoi ky|ky ten|ky,? (va )?ghi ro|thu truong|ke toan|giam doc"
    r"|quan ly|xac nhan|ghi chu\s*:|luu y\s*:|nguon\s*:|printed|print date|exported"
    r"|generated|page \d+|trang \d+|ngay in|in ngay|xuat ngay|ngay xuat|"
    r"制表|制表人|打印|导出|审核|负责人|备注\s*[:：])"
)
_SIGNATURE_DATE = re.compile(r"ngay\s*\S*\s*thang\s*\S*\s*nam")
# A total's label. One-word labels are compared with their diacritics ("Cộng", not the
# given name "Công"); longer ones folded.
_TOTAL_EXACT = {"tổng", "cộng", "tổng cộng", "total", "sum", "合计", "小计", "总计", "共计", "总额"}
_TOTAL_FOLDED = re.compile(
    r"^(tong cong|tong so|tong tien|tong thang|tong quy|tong nam|tong chi nhanh"
    r"|cong thang|cong quy|cong don|total|grand total|subtotal|sub total|sum)\b"
)
_TOTAL_HAN = ("合计", "小计", "总计", "共计", "总额")
_PHONE_CHARS = re.compile(r"[\s.\-()+/]")


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return unicodedata.normalize("NFC", cell).strip()
    return str(cell)


def _is_blank(cell) -> bool:
    return _text(cell) == ""


def _is_number(cell) -> bool:
    """A number as calamine gives it, or a number written as text ("1.500.000")."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float | Decimal):
        return True
    if isinstance(cell, str):
        stripped = re.sub(r"[\s.,₫đ$¥元]|vnd|vnđ", "", cell.strip().lower())
        return stripped.lstrip("-").isdigit()
    return False


def _is_date(cell) -> bool:
    return isinstance(cell, date | datetime | time)


def _looks_like_phone(cell) -> bool:
    """Nine or more digits and nothing but phone punctuation (0901 234 567, +84...)."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        digits = str(int(cell)) if float(cell).is_integer() else ""
    elif isinstance(cell, str):
        digits = _PHONE_CHARS.sub("", cell)
    else:
        return False
    return digits.isdigit() and 9 <= len(digits) <= 13


def _target(mapping: list[str], i: int) -> str:
    return mapping[i] if i < len(mapping) else ""


def _is_all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha() and ch.lower() != ch.upper()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _has_any(folded: str, words: tuple[str, ...]) -> bool:
    padded = f" {' '.join(re.sub(r'[^0-9a-z一-鿿]+', ' ', folded).split())} "
    return any((f" {w} " in padded) if w.isascii() else (w in folded) for w in words)


def _is_total_label(text: str) -> bool:
    lowered = " ".join(text.lower().split()).rstrip(":：").strip()
    if lowered in _TOTAL_EXACT:
        return True
    return lowered.startswith(_TOTAL_HAN) or bool(_TOTAL_FOLDED.match(fold(text)))


@functools.lru_cache(maxsize=64)
def _header_keys(header: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(h.strip().casefold() for h in header)


def _is_repeated_header(filled: list[tuple[int, object]], header: list | None, kind: str) -> bool:
    """The header again (printed sheets repeat it at each page).

    With the header known: most filled cells equal the header's cell in that column.
    Without it: at least two filled cells, every one an exact synonym of a target.
    """
    if sum(1 for _i, c in filled if isinstance(c, str)) < max(2, len(filled)):
        return False
    if header is not None:
        # A repeated header is a copy of the header: compared as typed (case aside), so
        # the data rows of a 100,000-row sheet cost no header normalising.
        head = _header_keys(tuple(str(h) if h is not None else "" for h in header))
        texts = [(i, c.strip().casefold()) for i, c in filled]
        same = sum(1 for i, key in texts if i < len(head) and head[i] == key)
        return same >= 2 and same >= 0.8 * len(texts)
    return all(is_exact_synonym(c, kind) for _i, c in filled)


def _kind_of(mapping: list[str]) -> str:
    for kind, targets in TARGETS_OF_KIND.items():
        if any(t in targets for t in mapping if t):
            return kind
    return SheetKind.CLIENTS


def classify_row(row: list, mapping: list[str], *, header: list | None = None) -> Problem | None:
    """None for a data row; else the Problem saying what the row is.

    Heuristics, in order:

    - ``row_blank``: every cell None, empty or whitespace.
    - ``row_repeated_header``: the header again (see ``_is_repeated_header``).
    - ``row_footer``: the first filled cell opens a signature block or a note below the
      table ("Người lập biểu", "Ký tên", "Ghi chú: …", "Nguồn: …", "Printed on …",
      "…, ngày … tháng … năm …"), and no cell looks like a phone.
    - ``row_total``: a cell is a total's label ("Tổng cộng", "Tổng tháng 1", "Cộng",
      "Total", "合计", "小计", "总计") and no cell looks like a phone; or the row has
      only numbers, at least one in a money/count column and none in a name or phone
      column (calamine gives a formula's result, so a SUM row is just numbers).
    - ``row_number_only``: only numbers, none in a money, name or phone column (an
      "STT" counter with nothing else, a stray number).
    - one text cell (plus, at most, row counters) and no phone:
      ``row_title`` when it has title words ("Danh sách", "Báo cáo", "Spa", "Thẩm mỹ
      viện", "Logo", "名单", …), else ``row_section`` when the cell is not in the
      name column, or has section words (tháng, chi nhánh, khách VIP, nhóm, quý,
      năm 20xx, 月, 分店, 组, "---"), or is ALL CAPS. A lone name in the name column
      is a client with nothing else filled in: data.
    - two text cells, no phone, no name column filled, the first with title words:
      ``row_title`` ("DANH SÁCH KHÁCH HÀNG" | "Tháng 3/2024").

    Everything else is data: a name and a phone, a phone alone (the importer reports
    the missing name), a name alone.
    """
    filled = [(i, c) for i, c in enumerate(row) if not _is_blank(c)]
    if not filled:
        return Problem("row_blank")
    if _is_repeated_header(filled, header, _kind_of(mapping)):
        return Problem("row_repeated_header")

    def in_key_column(i: int) -> bool:
        t = _target(mapping, i)
        return t in NAME_TARGETS or t in PHONEISH_TARGETS

    has_phone = any(
        _looks_like_phone(c) or _target(mapping, i) in PHONEISH_TARGETS for i, c in filled
    )
    first_text = next((_text(c) for _i, c in filled if isinstance(c, str)), "")

    if first_text and not has_phone:
        folded = fold(first_text)
        if _FOOTER.match(folded) or _SIGNATURE_DATE.search(folded):
            return Problem("row_footer", {"text": first_text})
    if not has_phone:
        for _i, c in filled:
            if isinstance(c, str) and _is_total_label(c):
                return Problem("row_total", {"text": _text(c)})

    if all(_is_number(c) for _i, c in filled):
        if has_phone or any(in_key_column(i) for i, _c in filled):
            return None
        if any(_target(mapping, i) in MONEY_TARGETS for i, _c in filled):
            return Problem("row_total", {"text": ""})
        return Problem("row_number_only", {"text": _text(filled[0][1])})

    # Row counters ("STT") beside a label do not make it data.
    texts = [(i, c) for i, c in filled if not (_is_number(c) and not _target(mapping, i))]
    if has_phone or any(_is_date(c) for _i, c in texts):
        return None
    if len(texts) == 1 and isinstance(texts[0][1], str):
        i, cell = texts[0]
        text = _text(cell)
        folded = fold(text)
        if _has_any(folded, _TITLE_WORDS):
            return Problem("row_title", {"text": text})
        in_name_column = _target(mapping, i) in NAME_TARGETS
        if (
            not in_name_column
            or _has_any(folded, _SECTION_WORDS)
            or _NUMBERED_PERIOD.search(folded)
            or any(p.search(folded) for p in _SECTION_PATTERNS)
            or _is_all_caps(text)
        ):
            return Problem("row_section", {"text": text})
        return None
    if (
        len(texts) == 2
        and all(isinstance(c, str) for _i, c in texts)
        and not any(_target(mapping, i) in NAME_TARGETS for i, _c in texts)
        and _has_any(fold(_text(texts[0][1])), _TITLE_WORDS)
    ):
        return Problem("row_title", {"text": " ".join(_text(c) for _i, c in texts)})
    return None


def find_header(rows: list[list], kind_hint: str | None = None, scan: int = 30) -> int | None:
    """Index (0-based) of the header row among the first `scan` rows, or None.

    The header is the row with the best `header_score` (for `kind_hint`, or the best
    over every kind) among those that name a name-ish or a phone-ish column; on a tie
    the upper row wins. Titles, blank rows and a logo cell above it score nothing.
    """
    kinds = [kind_hint] if kind_hint else list(TARGETS_OF_KIND)
    best: tuple[float, int] | None = None
    for index, row in enumerate(rows[:scan]):
        cells = list(row or [])
        if not any(isinstance(c, str) and c.strip() for c in cells):
            continue
        score = 0.0
        for kind in kinds:
            if has_key_column(cells, kind):
                score = max(score, header_score(cells, kind))
        if score > 0 and (best is None or score > best[0]):
            best = (score, index)
    return best[1] if best else None
