"""Cells of a treatment log read the way a spa writes them: the time of a visit, "Buổi
3/10", "đã TT" / "nợ", "Tặng". Pure functions of a cell, so they are tested without a
database; the rest of the log (dates, money, phones, names) is read by `values`.
"""

import datetime as dt
import re
import unicodedata

from spa.core.text import fold
from spa.imports import values
from spa.imports.problems import ProblemError

# Time of the visit -------------------------------------------------------------------
_TIME = re.compile(
    r"^(\d{1,2})\s*(?:[:hg.]|giờ|gio|点|時)\s*(\d{2})?\s*(?:phút|phut|分|p|')?\s*"
    r"(sáng|sang|chiều|chieu|tối|toi|trưa|trua|am|pm|a\.m\.|p\.m\.|上午|下午|晚上)?$"
)
_HOUR_ONLY = re.compile(r"^(\d{1,2})\s*(am|pm|sáng|sang|chiều|chieu|tối|toi)$")
_AFTERNOON = {"chiều", "chieu", "tối", "toi", "pm", "p.m.", "下午", "晚上"}


def parse_time(value) -> dt.time | None:
    """ "14:30", "14h30", "2h chiều", "9 giờ", "下午3点", an Excel time or fraction of a
    day, a datetime. None for an empty cell; raises ProblemError time_invalid."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, dt.timedelta):
        minutes = int(value.total_seconds() // 60) % (24 * 60)
        return dt.time(minutes // 60, minutes % 60)
    if isinstance(value, float | int) and not isinstance(value, bool) and 0 <= value < 1:
        minutes = round(value * 24 * 60) % (24 * 60)
        return dt.time(minutes // 60, minutes % 60)
    text = values.text_of(value)
    if not text:
        return None
    low = " ".join(unicodedata.normalize("NFC", text).lower().split())
    # Chinese puts the part of the day first: "下午3点".
    for prefix in ("上午", "下午", "晚上"):
        if low.startswith(prefix):
            low = low[len(prefix) :].strip() + prefix
    match = _TIME.match(low) or _HOUR_ONLY.match(low)
    if not match:
        raise ProblemError("time_invalid", text=text)
    hour = int(match.group(1))
    minute = int(match.group(2) or 0) if match.re is _TIME else 0
    part = match.group(3) if match.re is _TIME else match.group(2)
    if part in _AFTERNOON and hour < 12:
        hour += 12
    if part in ("am", "a.m.") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise ProblemError("time_invalid", text=text)
    return dt.time(hour, minute)


# Package progress ---------------------------------------------------------------------
_PROGRESS = [
    # "Buổi 3/10", "lần 3/10", "b3/10", "3/10", "3 / 10", "(3/10)", "3 of 10", "3 trên 10"
    re.compile(
        r"(?:buoi|lan|b|session|次|第)?\s*(\d{1,3})\s*(?:/|of|tren|trong|次/)\s*(\d{1,3})\s*(?:buoi|lan|次)?"
    ),
    # "lần 3", "buổi thứ 3", "session 3", "第3次"
    re.compile(r"(?:buoi|lan|session|lieu trinh)\s*(?:thu|so|#)?\s*(\d{1,3})\b"),
    re.compile(r"第\s*(\d{1,3})\s*次"),
]
# The same written after a service's name: "Peel AHA (buổi 3/10)", "Triệt lông - lần 2/6".
_PROGRESS_IN_NAME = re.compile(
    r"\s*[-–(\[,]?\s*(?:buổi|buoi|lần|lan|b)\s*(?:thứ\s*)?\d{1,3}\s*/\s*\d{1,3}\s*[)\]]?\s*$"
    r"|\s*[(\[]\s*\d{1,3}\s*/\s*\d{1,3}\s*[)\]]\s*$",
    re.IGNORECASE,
)


def parse_progress(value) -> tuple[int, int | None] | None:
    """The session's number in its package and the package's size: (3, 10) for
    "Buổi 3/10", (3, None) for "lần 3". None for an empty cell; raises
    ProblemError progress_invalid (and for 0, or a number above the total)."""
    text = values.text_of(value)
    if not text:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return _checked(value, None, text)
    if isinstance(value, dt.date):  # Excel made "3/10" a date: 3 October (or 10 March)
        raise ProblemError("progress_invalid", text=text)
    low = fold(text)
    for pattern in _PROGRESS:
        match = pattern.search(low)
        if match:
            groups = match.groups()
            total = int(groups[1]) if len(groups) > 1 and groups[1] else None
            return _checked(int(groups[0]), total, text)
    if low.isdigit():
        return _checked(int(low), None, text)
    raise ProblemError("progress_invalid", text=text)


def _checked(number: int, total: int | None, text: str) -> tuple[int, int | None]:
    if number < 1 or (total is not None and (total < 1 or number > total)):
        raise ProblemError("progress_invalid", text=text)
    return number, total


def split_progress(service: str) -> tuple[str, tuple[int, int | None] | None]:
    """A service cell that carries its session number: "Peel AHA (buổi 3/10)" →
    ("Peel AHA", (3, 10)); any other text is returned as it is."""
    match = _PROGRESS_IN_NAME.search(service)
    if not match or match.start() == 0:
        return service, None
    try:
        return service[: match.start()].strip(" -–,"), parse_progress(match.group(0))
    except ProblemError:
        return service, None


# Paid / unpaid, complimentary --------------------------------------------------------
_UNPAID = (
    "chưa tt", "chưa thanh toán", "chưa trả", "chưa trả tiền", "chưa", "nợ", "ghi nợ",
    "còn nợ", "thiếu", "unpaid", "not paid", "owes", "owing", "debt", "欠", "欠款", "未付",
    "未付款", "赊账", "chua tt", "chua thanh toan", "chua tra", "no", "ghi no", "con no",
)  # fmt: skip
_PAID = (
    "đã tt", "đã thanh toán", "đã trả", "rồi", "xong", "ck", "chuyển khoản", "tm",
    "tiền mặt", "thẻ", "quẹt thẻ", "paid", "cash", "card", "transfer", "x", "✓", "✔",
    "ok", "已付", "已付款", "付清", "现金", "转账", "da tt", "da thanh toan", "da tra",
    "roi", "chuyen khoan", "tien mat", "the", "quet the",
)  # fmt: skip
_PAID_WORDS = {" ".join(w.split()): True for w in _PAID} | {w: False for w in _UNPAID}
_PAID_HEAD = re.compile(r"^([^\d]+?)[\s:.,\-]*[\d]")


def parse_paid(value) -> bool | None:
    """True (paid: "đã TT", "rồi", "CK", "TM", "x"), False (unpaid: "chưa TT", "nợ",
    "欠"), None for an empty cell. Words before an amount count ("nợ 200k"); a plain
    yes / no is read as paid / unpaid. Raises ProblemError paid_unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = values.text_of(value)
    if not text:
        return None
    low = " ".join(unicodedata.normalize("NFC", text).lower().strip(" .!").split())
    for key in (low, fold(low)):
        if key in _PAID_WORDS:
            return _PAID_WORDS[key]
    head = _PAID_HEAD.match(low)
    if head:
        word = head.group(1).strip(" :.,-")
        for key in (word, fold(word)):
            if key in _PAID_WORDS:
                return _PAID_WORDS[key]
    for word in ("欠", "未付"):
        if word in low:
            return False
    try:
        answer = values.parse_yes_no(value)
    except ProblemError:
        raise ProblemError("paid_unknown", text=text) from None
    return answer


_FREE_EXACT = re.compile(
    r"(?<!\w)(tặng|được tặng|quà tặng|free|miễn phí|km|khuyến mãi|khuyến mại|foc|"
    r"complimentary|gift|mien phi|khuyen mai|khuyen mai)(?!\w)"
)
_FREE_HAN = ("免费", "赠送", "赠", "送的")


def is_complimentary(text: str) -> bool:
    """A visit given free: "Tặng", "Free", "miễn phí", "KM", "免费", "赠送". Matched as
    whole words with their tone marks, so "tăng" (increase) is not "tặng" (given)."""
    if not text:
        return False
    low = unicodedata.normalize("NFC", text).lower()
    if any(word in low for word in _FREE_HAN):
        return True
    return bool(_FREE_EXACT.search(low))
