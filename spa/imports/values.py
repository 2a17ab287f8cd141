"""Reading one cell as it really appears in a spa's old records.

Cells come from python-calamine, openpyxl or csv, so a value may be None, str, int,
float (a phone stored as a number has lost its leading 0; money is 1500000.0), bool,
date, datetime, time or timedelta. Every function here is pure (no database, no
settings) and either returns the parsed value or a `Problem`: nothing is dropped
silently, and whatever could not be read is reported so the caller can keep the raw
text in the client's notes.

The importer validates at least 10,000 rows a second, so patterns are compiled once
here, the common shapes take a short path, and `phonenumbers` is only asked about
what the short path cannot vouch for.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from spa.core.phone import VN_OLD_MOBILE_PREFIXES, InvalidPhone, Phone, parse_phone
from spa.core.text import fold, is_han, name_problems, normalise_name, sorted_key, tokens
from spa.imports.problems import Problem, ProblemError

# The codes of spa.clients.models' choices (not imported: this module must stay
# usable without the app registry; the tests check they agree).
FEMALE, MALE, OTHER = "female", "male", "other"
TIERS = ("bronze", "silver", "gold", "diamond")
PREG_NO, PREGNANT, BREASTFEEDING, TRYING = "no", "pregnant", "breastfeeding", "trying"
SKIN_NORMAL, SKIN_DRY, SKIN_OILY = "normal", "dry", "oily"
SKIN_COMBINATION, SKIN_SENSITIVE = "combination", "sensitive"


# Text ---------------------------------------------------------------------------------


def text_of(value) -> str:
    """A cell as trimmed text, the way a person saw it in the spreadsheet.

    Whole floats lose their ".0" (912345678.0 is a phone, not a fraction), dates read
    dd/mm/yyyy as in Vietnam, None is "".
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.hour or value.minute or value.second:
            return value.strftime("%d/%m/%Y %H:%M")
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if seconds else f"{hours}:{minutes:02d}"
    return str(value).strip()


def _key(value: str) -> str:
    """Lower-case, NFC, single spaces: the cheap lookup key tried before `fold`."""
    return " ".join(unicodedata.normalize("NFC", value).lower().split())


# Phones -------------------------------------------------------------------------------


@dataclass
class PhoneCell:
    phones: list[Phone] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    note: str = ""  # annotations found beside the numbers: "zalo", "chồng", "nhà"


# A run of a phone number: optional "+" / "(", a digit, then digits and the characters
# people group them with, ending on a digit. Newlines, "/", ",", ";" end a run, so
# two numbers separated by them fall apart by themselves.
_PHONE_RUN = re.compile(r"[+(]*\s*\+?[0-9](?:[0-9 \t\u00a0.\-()]*[0-9])?")
_PLAIN_PHONE = re.compile(r"\+?[0-9 \u00a0.\-]+")
_HAS_DIGIT = re.compile(r"[0-9]")
_FLOAT_TEXT = re.compile(r"[0-9]+\.0|[0-9](?:\.[0-9]+)?[eE]\+?[0-9]{1,2}")
_LETTERS = re.compile(r"[^\W\d_][^\d()\[\]:;,/]*[^\W\d_]|[^\W\d_]")
_PHONE_SEPARATOR = re.compile(r"\n|/|;|,|\||\s-\s|\s+hoặc\s+|\s+or\s+|或|và")
_PHONE_SEPARATOR_WORDS = re.compile(
    r"^(?:hoặc|or|或|và)\s+|\s+(?:hoặc|or|或|và)$|^(?:hoặc|or|或|và)$"
)
_RUN_GROUPS = re.compile(r"\s+-\s+|[ \t\u00a0]+")
_NOT_DIGITS = str.maketrans("", "", " \u00a0\t.-()+")
_ANNOTATION_STRIP = " \t\n:;,.-–—()[]{}/|+*#=_"
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
# 9-digit Vietnamese mobile numbers whose validity `phonenumbers` decides from their
# first three digits (see its VN metadata); other shapes take the full parse.
_FAST_FIRST = frozenset("35789")
_fast_prefix_ok: dict[str, bool] = {}


def _vn_national(significant: str) -> str:
    return f"0{significant[:3]} {significant[3:6]} {significant[6:]}"


def _probe_prefix(prefix: str) -> bool:
    """Does `phonenumbers` accept every 9-digit number with this prefix, in 4-3-3 form?"""
    for suffix in ("000000", "123456", "999999"):
        significant = prefix + suffix
        try:
            phone = parse_phone("0" + significant, "VN")
        except InvalidPhone:
            return False
        if phone.e164 != "+84" + significant or phone.national != _vn_national(significant):
            return False
    return True


def _fast_vn(digits: str, plus: bool) -> Phone | None:
    """The common Vietnamese mobile shapes without calling `phonenumbers`."""
    n = len(digits)
    if plus:
        significant = digits[2:] if n == 11 and digits.startswith("84") else ""
    elif n == 10 and digits[0] == "0":
        significant = digits[1:]
    elif n == 9:
        significant = digits
    elif n == 11 and digits.startswith("84"):
        significant = digits[2:]
    elif n == 11 and digits[:4] in VN_OLD_MOBILE_PREFIXES:  # before the 2018 renumbering
        significant = VN_OLD_MOBILE_PREFIXES[digits[:4]][1:] + digits[4:]
    elif n == 10 and "0" + digits[:3] in VN_OLD_MOBILE_PREFIXES:  # and without its 0
        significant = VN_OLD_MOBILE_PREFIXES["0" + digits[:3]][1:] + digits[3:]
    else:
        return None
    if len(significant) != 9 or significant[0] not in _FAST_FIRST:
        return None
    prefix = significant[:3]
    ok = _fast_prefix_ok.get(prefix)
    if ok is None:
        ok = _fast_prefix_ok[prefix] = _probe_prefix(prefix)
    if not ok:
        return None
    return Phone(
        e164="+84" + significant, national=_vn_national(significant), significant=significant
    )


def _one_phone(run: str, region: str) -> Phone | None:
    """One number as typed (with its spaces and dots), or None if it is none."""
    run = run.strip()
    digits = run.translate(_NOT_DIGITS)
    if not digits.isdigit():
        return None
    plus = "+" in run
    if region == "VN":
        phone = _fast_vn(digits, plus)
        if phone is not None:
            return phone
        if not plus and _CN_MOBILE.fullmatch(digits):
            run = "+86" + digits  # a mainland Chinese mobile written without +86
    try:
        return parse_phone(run, region)
    except InvalidPhone:
        return None


def _split_run(run: str, region: str) -> list[Phone] | None:
    """Two or more numbers with only spaces or " - " between them, or None."""
    groups = [g for g in _RUN_GROUPS.split(run.strip()) if g]
    if len(groups) < 2 or len(groups) > 10:
        return None

    def partition(start: int) -> list[Phone] | None:
        if start == len(groups):
            return []
        for end in range(start + 1, len(groups) + 1):
            phone = _one_phone(" ".join(groups[start:end]), region)
            if phone is not None:
                rest = partition(end)
                if rest is not None:
                    return [phone, *rest]
        return None

    found = partition(0)
    return found if found and len(found) > 1 else None


def parse_phones(value, region: str = "VN") -> PhoneCell:
    """Every phone number in a cell, in order, with the words written beside them.

    An empty cell gives nothing and no problem (whether a phone is required is the
    caller's rule); a cell without a digit is `phone_not_a_number`; digits that make
    no valid number are `phone_invalid`. All numbers found are returned: the caller
    keeps the first two.
    """
    if value is None or isinstance(value, bool):
        return PhoneCell() if value is None else _not_a_phone(text_of(value))
    if isinstance(value, float):
        if not value.is_integer():
            return PhoneCell(problems=[Problem("phone_invalid", {"text": text_of(value)})])
        value = int(value)
    if isinstance(value, int):
        phone = _one_phone(str(value), region)
        if phone is None:
            return PhoneCell(problems=[Problem("phone_invalid", {"text": str(value)})])
        return PhoneCell(phones=[phone])
    text = text_of(value)
    if not text:
        return PhoneCell()
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return PhoneCell(problems=[Problem("phone_invalid", {"text": text})])
    if _FLOAT_TEXT.fullmatch(text):  # a number's float written out by a CSV export
        number = float(text)
        if number.is_integer():
            return parse_phones(int(number), region)
    if _PLAIN_PHONE.fullmatch(text):  # the common case: one number, nothing else
        phone = _one_phone(text, region)
        if phone is not None:
            return PhoneCell(phones=[phone])
    return _parse_phone_text(unicodedata.normalize("NFC", text), region)


def _not_a_phone(text: str) -> PhoneCell:
    return PhoneCell(problems=[Problem("phone_not_a_number", {"text": text})])


def _parse_phone_text(text: str, region: str) -> PhoneCell:
    text = unicodedata.normalize("NFKC", text)  # full-width digits from Chinese input
    if not _HAS_DIGIT.search(text):
        return _not_a_phone(text)
    runs = [m for m in _PHONE_RUN.finditer(text) if _digit_count(m.group()) >= 6]
    cell = PhoneCell()
    notes: list[tuple[str, int]] = []  # (annotation, index of the phone it belongs to)
    position = 0
    for number, match in enumerate(runs):
        gap = text[position : match.start()]
        position = match.end()
        found = _run_phones(match.group(), region)
        if found is None:
            cell.problems.append(Problem("phone_invalid", {"text": match.group().strip(" ()")}))
        if number == 0:
            _add_note(notes, gap, len(cell.phones))
        else:
            # Between two numbers: words before a separator describe the number
            # before ("0912… (zalo) / 0987…"), words after it the number after.
            parts = _PHONE_SEPARATOR.split(gap, maxsplit=1)
            if len(parts) == 2:
                _add_note(notes, parts[0], len(cell.phones) - 1)
                _add_note(notes, parts[1], len(cell.phones))
            else:
                _add_note(notes, gap, len(cell.phones))
        cell.phones.extend(found or [])
    _add_note(notes, text[position:], len(cell.phones) - 1)
    if not runs:
        # Only fragments ("0912/345/678"): perhaps one number cut by separators.
        phone = _one_phone("".join(ch for ch in text if ch.isdigit()), region)
        if phone is None:
            return PhoneCell(problems=[Problem("phone_invalid", {"text": text})])
        cell.phones.append(phone)
        notes = [(n, 0) for n in _LETTERS.findall(text)]
    cell.note = _phone_note(cell.phones, notes)
    return cell


def _digit_count(run: str) -> int:
    return sum(ch.isdigit() for ch in run)


def _run_phones(run: str, region: str) -> list[Phone] | None:
    phone = _one_phone(run, region) if _digit_count(run) <= 15 else None
    if phone is not None:
        return [phone]
    return _split_run(run, region)


def _add_note(notes: list[tuple[str, int]], text: str, index: int) -> None:
    text = " ".join(text.split()).strip(_ANNOTATION_STRIP)
    text = _PHONE_SEPARATOR_WORDS.sub("", text).strip(_ANNOTATION_STRIP)
    if text:
        notes.append((text, max(index, 0)))


def _phone_note(phones: list[Phone], notes: list[tuple[str, int]]) -> str:
    """Annotations as "zalo" for one number, "chồng: 0987 654 321" for several."""
    if not notes:
        return ""
    if len(phones) <= 1:
        return "; ".join(text for text, _ in notes)
    parts = []
    for text, index in notes:
        index = min(index, len(phones) - 1)
        parts.append(f"{text}: {phones[index].national}")
    return "; ".join(parts)


# Dates --------------------------------------------------------------------------------


@dataclass
class DateValue:
    date: dt.date | None = None
    year: int | None = None  # set alone when only the year is known
    problem: Problem | None = None


_EXCEL_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system, past its 1900 leap-year slip
_SERIAL_MIN, _SERIAL_MAX = 20000, 60000  # 1954-10-03 … 2064-04-08
_YEAR_MIN, _YEAR_MAX = 1900, 2100
_TIME = r"(?:[ t]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[ap]\.?m\.?)?)?"
_DATE_ISO = re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})" + _TIME)
_DATE_NUMERIC = re.compile(r"(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})" + _TIME)
_DATE_CJK = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]?)?)?")
_DATE_VI_WORDS = re.compile(r"(\d{1,2})\s+(?:tháng|thg)\s+(\d{1,2})\s*,?\s*(?:năm\s+)?(\d{4})")
_DATE_VI_MONTH_YEAR = re.compile(r"(?:tháng|thg)\s*(\d{1,2})\s*(?:năm|/|,)?\s*(\d{4})")
_DATE_YEAR = re.compile(r"(?:năm\s*)?(\d{4})")
_DATE_DAY_MONTH_NAME = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})" + _TIME
)
_DATE_MONTH_NAME_DAY = re.compile(
    r"([a-z]{3,9})\.?[\s\-/.]*(\d{1,2})(?:st|nd|rd|th)?[\s,\-/.]+(\d{4})" + _TIME
)
_DATE_COMPACT = re.compile(r"\d{8}")
_DATE_PREFIX = re.compile(
    r"^(?:(?:sinh\s+)?ngày|ns|dob|born|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?|"
    r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy)\s*,?|chủ\s+nhật\s*,?)\s*:?\s*"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def _full_year(two_digits: int, today: dt.date | None) -> int:
    """90 -> 1990, 05 -> 2005: a two-digit year past this year's is last century's."""
    this_year = (today or dt.date.today()).year % 100
    return 1900 + two_digits if two_digits > this_year else 2000 + two_digits


def _ymd(year: int, month: int, day: int, text: str) -> DateValue:
    try:
        return DateValue(date=dt.date(year, month, day), year=year)
    except ValueError:
        return DateValue(problem=Problem("date_impossible", {"text": text}))


def _year_only(year: int, text: str) -> DateValue:
    if _YEAR_MIN <= year <= _YEAR_MAX:
        return DateValue(year=year)
    return DateValue(problem=Problem("date_impossible", {"text": text}))


def parse_date(value, *, day_first: bool = True, today: dt.date | None = None) -> DateValue:
    """A date written in any of the shapes spa records use; impossible dates are never
    swapped or guessed into possible ones.

    `today` only decides the century of two-digit years (birth dates: "90" is 1990);
    whether a date is in the future or too old is the caller's rule.
    """
    if value is None:
        return DateValue()
    if isinstance(value, dt.datetime):
        return DateValue(date=value.date(), year=value.year)
    if isinstance(value, dt.date):
        return DateValue(date=value, year=value.year)
    text = text_of(value)
    if not text:
        return DateValue()
    if isinstance(value, bool | dt.time | dt.timedelta):
        return DateValue(problem=Problem("date_invalid", {"text": text}))
    if isinstance(value, int | float):
        return _date_of_number(value, text, day_first)
    return _date_of_text(text, day_first, today)


def _date_of_number(value: float, text: str, day_first: bool) -> DateValue:
    if isinstance(value, int) or value.is_integer():
        number = int(value)
        if _YEAR_MIN <= number <= _YEAR_MAX:
            return DateValue(year=number)
        if _SERIAL_MIN <= number <= _SERIAL_MAX:
            day = _EXCEL_EPOCH + dt.timedelta(days=number)
            return DateValue(date=day, year=day.year)
        if 1010000 <= number <= 99999999:  # 12031990 typed without separators
            return _compact_date(f"{number:08d}", text, day_first)
    elif _SERIAL_MIN <= value <= _SERIAL_MAX:  # a serial with a time of day
        day = _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return DateValue(date=day, year=day.year)
    return DateValue(problem=Problem("date_invalid", {"text": text}))


def _compact_date(digits: str, text: str, day_first: bool) -> DateValue:
    """yyyymmdd when it can be one, else ddmmyyyy (mmddyyyy when not day first)."""
    year = int(digits[:4])
    if _YEAR_MIN <= year <= _YEAR_MAX:
        month, day = int(digits[4:6]), int(digits[6:])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return _ymd(year, month, day, text)
    first, second, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if not _YEAR_MIN <= year <= _YEAR_MAX:
        return DateValue(problem=Problem("date_invalid", {"text": text}))
    day, month = (first, second) if day_first else (second, first)
    return _ymd(year, month, day, text)


def _date_of_text(text: str, day_first: bool, today: dt.date | None) -> DateValue:
    low = text.lower()
    if not low.isascii():
        low = unicodedata.normalize("NFC", low)
    low = _DATE_PREFIX.sub("", low).strip(" .,")
    if match := _DATE_NUMERIC.fullmatch(low):
        first, second, year_text = match.group(1, 3, 4)
        year = int(year_text)
        if len(year_text) == 2:
            year = _full_year(year, today)
        elif year < 1:
            return DateValue(problem=Problem("date_impossible", {"text": text}))
        day, month = (first, second) if day_first else (second, first)
        return _ymd(year, int(month), int(day), text)
    if match := _DATE_ISO.fullmatch(low):
        year, month, day = (int(g) for g in match.groups())
        return _ymd(year, month, day, text) if year else _impossible(text)
    if match := _DATE_YEAR.fullmatch(low):
        return _year_only(int(match.group(1)), text)
    if match := _DATE_CJK.fullmatch(low):
        year, month, day = match.groups()
        if month is None:
            return _year_only(int(year), text)
        if day is None:
            return _month_year(int(year), int(month), text)
        return _ymd(int(year), int(month), int(day), text)
    if match := _DATE_VI_WORDS.fullmatch(low):
        day, month, year = (int(g) for g in match.groups())
        return _ymd(year, month, day, text)
    if match := _DATE_VI_MONTH_YEAR.fullmatch(low):
        return _month_year(int(match.group(2)), int(match.group(1)), text)
    if match := _DATE_DAY_MONTH_NAME.fullmatch(low):
        month = _MONTHS.get(match.group(2))
        if month is not None:
            year = int(match.group(3))
            if len(match.group(3)) == 2:
                year = _full_year(year, today)
            return _ymd(year, month, int(match.group(1)), text)
    if match := _DATE_MONTH_NAME_DAY.fullmatch(low):
        month = _MONTHS.get(match.group(1))
        if month is not None:
            return _ymd(int(match.group(3)), month, int(match.group(2)), text)
    if _DATE_COMPACT.fullmatch(low):
        return _compact_date(low, text, day_first)
    if low.isdigit() and _SERIAL_MIN <= int(low) <= _SERIAL_MAX and len(low) == 5:
        return _date_of_number(int(low), text, day_first)  # a serial pasted as text
    return DateValue(problem=Problem("date_invalid", {"text": text}))


def _impossible(text: str) -> DateValue:
    return DateValue(problem=Problem("date_impossible", {"text": text}))


def _month_year(year: int, month: int, text: str) -> DateValue:
    """ "tháng 7 năm 1992": the year is kept, the month cannot be stored alone."""
    if not 1 <= month <= 12:
        return _impossible(text)
    return _year_only(year, text)


# Money and counts ---------------------------------------------------------------------

_MONEY_CURRENCY = re.compile(r"vnđ|vnd|đồng|₫|đ|(?<=[\d\s])dong$|(?<=[\d\s])d$")
_MONEY_ZERO = frozenset({"", "0", "-", "–", "—", "không", "khong", "ko", "0đ", "free", "miễn phí"})
_MONEY_UNITS = {
    "tỷ": 1_000_000_000, "tỉ": 1_000_000_000, "ty": 1_000_000_000, "ti": 1_000_000_000,
    "triệu": 1_000_000, "trieu": 1_000_000, "tr": 1_000_000, "m": 1_000_000,
    "nghìn": 1000, "nghin": 1000, "ngàn": 1000, "ngan": 1000, "ng": 1000, "k": 1000,
}  # fmt: skip
_MONEY_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(tỷ|tỉ|ty|ti|triệu|trieu|tr|m|nghìn|nghin|ngàn|ngan|ng|k)"
)
_MONEY_WITH_UNITS = re.compile(
    r"(?:\d+(?:[.,]\d+)?\s*(?:tỷ|tỉ|ty|ti|triệu|trieu|tr|m|nghìn|nghin|ngàn|ngan|ng|k)\s*)+"
    r"(\d{1,3}|rưỡi|ruoi)?"
)
_MONEY_GROUPED = re.compile(r"\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*(?:([.,])(\d{1,2}))?")
_MONEY_PLAIN = re.compile(r"\d+(?:([.,])(\d{1,2}))?")
_MONEY_SPACES = str.maketrans("", "", " \u00a0\t")


def parse_money(value) -> int:
    """An amount in đồng, from the many ways it is typed: 1.500.000đ, 850k, 2tr5.

    "." and "," group thousands (1.500 is 1500); a decimal needs a unit (1.5tr,
    2,5 triệu); digits after a unit fill the next lower one, as spoken (2tr5 is
    2,500,000, "1 triệu 2" is 1,200,000). Raises ProblemError money_invalid or
    money_negative.
    """
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ProblemError("money_invalid", text=text_of(value))
    if isinstance(value, int):
        if value < 0:
            raise ProblemError("money_negative", text=str(value))
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ProblemError("money_invalid", text=text_of(value))
        if value < 0:
            raise ProblemError("money_negative", text=text_of(value))
        return round(value)
    text = text_of(value)
    low = _key(text)
    if low in _MONEY_ZERO:
        return 0
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise ProblemError("money_invalid", text=text)
    negative = low[0] in "-−–" or (low[0] == "(" and low[-1] == ")")
    body = low.strip("-−–() ")
    body = _MONEY_CURRENCY.sub("", body).strip(" .,:=")
    if not body:
        raise ProblemError("money_invalid", text=text)
    amount = _money_amount(body)
    if amount is None:
        raise ProblemError("money_invalid", text=text)
    if negative and amount:
        raise ProblemError("money_negative", text=text)
    return amount


def _money_amount(body: str) -> int | None:
    if body.isdigit():
        return int(body)
    if match := _MONEY_GROUPED.fullmatch(body):
        return _grouped(body, match)
    compact = body.translate(_MONEY_SPACES)
    if match := _MONEY_GROUPED.fullmatch(compact):
        return _grouped(compact, match)
    if match := _MONEY_PLAIN.fullmatch(compact):
        if match.group(2) and int(match.group(2)):
            return None  # "1.5" alone: a decimal of đồng is nobody's price
        return int(compact.split(match.group(1))[0] if match.group(1) else compact)
    if match := _MONEY_WITH_UNITS.fullmatch(body):
        return _money_with_units(body, match.group(1))
    return None


def _grouped(body: str, match: re.Match) -> int | None:
    group_sep, decimal_sep, decimals = match.groups()
    if decimal_sep is not None:
        if decimal_sep == group_sep or int(decimals):
            return None
        body = body[: -len(decimals) - 1]
    return int(body.replace(group_sep, ""))


def _money_with_units(body: str, rest: str | None) -> int | None:
    total = 0
    smallest = 0
    for number, unit in _MONEY_PART.findall(body):
        factor = _MONEY_UNITS[unit]
        if smallest and factor >= smallest:
            return None  # "2tr5tr": units must come largest first, once each
        whole, _, fraction = number.replace(",", ".").partition(".")
        if factor == 1000 and len(fraction) == 3:  # "1.500k": grouped thousands
            whole, fraction = whole + fraction, ""
        total += int(whole) * factor
        if fraction:
            total += int(fraction) * factor // 10 ** len(fraction)
        smallest = factor
    if rest:
        lower = smallest // 1000 if smallest >= 1_000_000 else 1
        digits = "5" if rest in ("rưỡi", "ruoi") else rest
        # "2tr5" -> 500 nghìn; "1tr25" -> 250 nghìn; "1k5" -> 500 đồng
        total += int(digits.ljust(3, "0")) * lower if smallest > 1 else int(digits)
    return total


_INT_TEXT = re.compile(
    r"([+-]?)(\d{1,3}(?:([.,\s])\d{3})(?:\3\d{3})*|\d+)(?:[.,]0+)?\s*([^\W\d_][^\d]{0,19})?"
)


def parse_int(value) -> int | None:
    """A whole count (points, sessions): 10, 10.0, "10 buổi", "1.200 điểm".

    Empty and a dash are None; "không" is 0. Raises ProblemError number_invalid.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ProblemError("number_invalid", text=text_of(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ProblemError("number_invalid", text=text_of(value))
    text = text_of(value)
    if not text or text in ("-", "–", "—"):
        return None
    if text.isdigit():
        return int(text)
    low = _key(text)
    if low in ("không", "khong", "ko", "无", "none"):
        return 0
    match = _INT_TEXT.fullmatch(low)
    if match is None or isinstance(value, dt.date | dt.time | dt.timedelta):
        raise ProblemError("number_invalid", text=text)
    sign, digits, sep = match.group(1, 2, 3)
    number = int(digits.replace(sep, "") if sep else digits)
    return -number if sign == "-" else number


# Choices ------------------------------------------------------------------------------


def _lookup(value, table: dict[str, str], code: str) -> str:
    """Map a cell to a choice code through its lower-cased, then folded, text."""
    text = text_of(value)
    if not text:
        return ""
    low = _key(text).strip(" .:")
    found = table.get(low)
    if found is None:
        found = table.get(fold(low))
    if found is None:
        raise ProblemError(code, text=text)
    return found


_GENDERS: dict[str, str] = {
    **dict.fromkeys(
        [
            "nữ",
            "nữ giới",
            "f",
            "female",
            "woman",
            "w",
            "girl",
            "phụ nữ",
            "gái",
            "女",
            "女性",
            "女士",
        ],
        FEMALE,
    ),
    **dict.fromkeys(
        ["nam", "nam giới", "m", "male", "man", "boy", "trai", "đàn ông", "男", "男性"], MALE
    ),
    **dict.fromkeys(
        ["khác", "other", "non-binary", "nonbinary", "non binary", "nb", "其他", "其它"],
        OTHER,
    ),
}
_GENDERS.update({fold(k): v for k, v in list(_GENDERS.items())})


def parse_gender(value) -> str:
    """female / male / other, or "" for an empty cell; only explicit words count
    (a salutation such as "chị" is not taken as a gender). Raises gender_unknown."""
    return _lookup(value, _GENDERS, "gender_unknown")


_YES = [
    "có",
    "x",
    "✓",
    "✔",
    "✅",
    "yes",
    "y",
    "true",
    "1",
    "đồng ý",
    "ok",
    "是",
    "有",
    "同意",
    "对",
]
_NO = ["không", "ko", "k", "no", "n", "false", "0", "từ chối", "✗", "✘", "❌", "否", "不", "不同意", "无", "没有"]  # fmt: skip
_YES_NO = {**dict.fromkeys(_YES, "1"), **dict.fromkeys(_NO, "0")}
_YES_NO.update({fold(k): v for k, v in list(_YES_NO.items())})


def parse_yes_no(value) -> bool | None:
    """True, False, or None for an empty cell. Raises ProblemError yes_no_unknown."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    answer = _lookup(value, _YES_NO, "yes_no_unknown")
    return None if answer == "" else answer == "1"


_TIER_WORDS: dict[str, str] = {
    **dict.fromkeys(["đồng", "bronze", "铜", "铜牌", "铜卡"], "bronze"),
    **dict.fromkeys(["bạc", "silver", "银", "银牌", "银卡"], "silver"),
    **dict.fromkeys(["vàng", "gold", "金", "金牌", "金卡"], "gold"),
    **dict.fromkeys(["kim cương", "diamond", "钻石", "钻石卡", "钻卡"], "diamond"),
}
_TIER_WORDS.update({fold(k): v for k, v in list(_TIER_WORDS.items())})
_TIER_PREFIX = re.compile(
    r"^(?:thẻ|the|hạng|hang|khách|khach|thành viên|thanh vien|member|tier|level|"
    r"membership|会员)\s*(?:hàng|hang)?\s*"
)
_TIER_SUFFIX = re.compile(r"\s*(?:member|tier|card|会员|卡)$")


def parse_tier(value) -> str:
    """bronze / silver / gold / diamond ("" for empty). "VIP" and tiers we do not have
    (Bạch kim, Platinum) are tier_unknown: guessing a tier would give discounts."""
    text = text_of(value)
    if not text:
        return ""
    low = _key(text)
    for candidate in (low, fold(low)):
        bare = _TIER_SUFFIX.sub("", _TIER_PREFIX.sub("", candidate))
        found = _TIER_WORDS.get(candidate) or _TIER_WORDS.get(bare)
        if found:
            return found
    raise ProblemError("tier_unknown", text=text)


# Pregnancy and skin are read clause by clause from free text ("không, đang cho con bú"):
# a named status wins over a plain no.
_CLAUSES = re.compile(r"[,;.\n/()]+")
_PREG_TERMS = [  # folded; earlier terms win (trying before pregnant: "chuẩn bị mang thai")
    (
        TRYING,
        (
            "chuan bi mang thai", "chuan bi co thai", "chuan bi co em be", "muon co con",
            "dang muon co", "du dinh co", "ke hoach co", "trying", "ttc",
            "planning pregnancy", "备孕", "准备怀孕", "计划怀孕",
        ),
    ),
    (
        BREASTFEEDING,
        ("cho con bu", "cho bu", "nuoi con bu", "dang cho con", "breastfeed", "nursing", "哺乳", "喂奶", "母乳"),
    ),
    (
        PREGNANT,
        (
            "co thai", "mang thai", "mang bau", "bau", "co bau", "thai ", "pregnan",
            "怀孕", "有孕", "孕",
        ),
    ),
]  # fmt: skip
_PREG_NEGATION_WORDS = frozenset(["khong", "ko", "k", "no", "not", "none", "chua", "never"])
_PREG_NEGATION_HAN = ("没有", "无", "否", "未", "不")
_PREG_NO_WORDS = frozenset(["khong", "ko", "k", "no", "n", "none", "chua", "không có", "没有", "无", "否", "未", "不", "0", "false"])  # fmt: skip
_PREG_YES_WORDS = frozenset(["co", "x", "yes", "y", "1", "true", "是", "有"])
# "Chưa hỏi", "không rõ": the status was never asked, which is the blank choice.
_PREG_NOT_ASKED = frozenset(["chua hoi", "khong ro", "khong biet", "?", "unknown", "n/a", "na", "不详", "未知", "不知道", "未问"])  # fmt: skip


def parse_pregnancy(value) -> str:
    """no / pregnant / breastfeeding / trying, or "" for empty. A yes in this column
    means pregnant. Raises ProblemError pregnancy_unknown."""
    text = text_of(value)
    if not text:
        return ""
    folded = fold(text)
    if folded in _PREG_NOT_ASKED:
        return ""
    if folded in _PREG_NO_WORDS:
        return PREG_NO
    if folded in _PREG_YES_WORDS:
        return PREGNANT
    found = ""
    for clause in _CLAUSES.split(folded):
        clause = clause.strip()
        if not clause:
            continue
        status = ""
        for code, terms in _PREG_TERMS:
            if any(term in clause + " " for term in terms):
                status = code
                break
        first_word = clause.split(" ", 1)[0]
        negated = first_word in _PREG_NEGATION_WORDS or clause.startswith(_PREG_NEGATION_HAN)
        if status and not negated:
            return status
        if negated:
            found = PREG_NO
    if found:
        return found
    raise ProblemError("pregnancy_unknown", text=text)


_SKIN_TERMS = [  # folded words and Chinese characters, tried in this order
    (SKIN_COMBINATION, ("hon hop", "combination", "combo", "mixed", "混")),
    (SKIN_SENSITIVE, ("nhay cam", "sensitive", "kich ung", "敏")),
    (SKIN_OILY, ("dau", "nhon", "oily", "oil", "油")),
    (SKIN_DRY, ("kho", "dry", "干", "乾")),
    (SKIN_NORMAL, ("binh thuong", "thuong", "normal", "中性", "正常", "普通")),
]
_SKIN_WORD = re.compile(r"[a-z]+")


def parse_skin_type(value) -> str:
    """normal / dry / oily / combination / sensitive, or "" for empty.

    "Hỗn hợp thiên dầu" / "混油" is combination. Two types at once ("da dầu, nhạy
    cảm") raise skin_type_several, anything else skin_type_unknown, so the text goes
    to the notes rather than one half being chosen.
    """
    text = text_of(value)
    if not text:
        return ""
    folded = fold(text)
    words = f" {' '.join(_SKIN_WORD.findall(folded))} "
    found: list[str] = []
    for code, terms in _SKIN_TERMS:
        for term in terms:
            hit = term in folded if is_han(term[0]) else f" {term} " in words
            if hit:
                found.append(code)
                break
    if SKIN_COMBINATION in found:  # "hỗn hợp thiên dầu": combination leaning oily
        found = [c for c in found if c not in (SKIN_OILY, SKIN_DRY, SKIN_NORMAL)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ProblemError("skin_type_several", text=text)
    raise ProblemError("skin_type_unknown", text=text)


# Names --------------------------------------------------------------------------------


@dataclass
class NameValue:
    full_name: str = ""
    alias: str = ""  # a second spelling given in brackets
    problem: Problem | None = None


_NAME_BRACKETS = re.compile(r"^(.*?)\s*[(\[（【]\s*([^()\[\]（）【】]*?)\s*[)\]）】]\s*(.*)$")
_NAME_QUOTES = "\"'“”‘’«»「」 "


def _title_word(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def _fix_case(name: str) -> str:
    """ALL CAPS or all lower-case becomes Title Case; mixed case is kept as typed."""
    upper, lower = name.upper(), name.lower()
    if upper == lower or (name != upper and name != lower):
        return name  # no cased letters (Chinese), or mixed case
    return " ".join(_title_word(word) for word in name.split(" "))


def clean_name(value) -> NameValue:
    """A client's name as stored: NFC, single spaces, Title Case when typed all caps,
    a bracketed second spelling moved to `alias`."""
    text = normalise_name(text_of(value)).strip(_NAME_QUOTES)
    if not text:
        return NameValue(problem=Problem("name_missing"))
    alias = ""
    if match := _NAME_BRACKETS.match(text):
        before, alias, after = match.groups()
        text = " ".join(part for part in (before, after) if part)
        if not text:
            text, alias = alias, ""
    full_name = _fix_case(text)
    if not full_name:
        return NameValue(problem=Problem("name_missing"))
    if name_problems(full_name) is not None:
        return NameValue(full_name=full_name, problem=Problem("name_invalid", {"text": full_name}))
    alias = _fix_case(alias)
    if alias and name_problems(alias) is not None:
        return NameValue(full_name=full_name, problem=Problem("name_invalid", {"text": alias}))
    return NameValue(full_name=full_name, alias=alias)


def name_match_key(full_name: str) -> str:
    """Key for duplicate checks: case, diacritics, NFD, word order and the old / new
    tone-mark placement (Hoà ~ Hòa, Thuý ~ Thúy) make no difference; folding removes
    the marks wherever they sit."""
    return sorted_key(tokens(fold(full_name)))


def join_name(family, middle, given) -> str:
    """One full name from split columns, family name first.

    Vietnamese (and Chinese) names are written family - middle - given, and the spa's
    clients are mostly Vietnamese, so Google Contacts' First/Middle/Last and Fresha's
    First/Last are joined as Last Middle First ("Nguyễn" + "Thị" + "Hoa" →
    "Nguyễn Thị Hoa") even for a Western client ("Smith John"): the stored order must
    be one convention, and search and duplicates ignore word order anyway. A family
    name already contained in the given column (a whole name typed in First name) is
    not repeated; Han parts are joined without a space ("王" + "秀英" → "王秀英").
    """
    parts = [normalise_name(text_of(part)) for part in (family, middle, given)]
    family_text, middle_text, given_text = parts
    given_words = given_text.split()
    if family_text and family_text.split()[0] in given_words[:1] + given_words[-1:]:
        family_text = ""
    out = ""
    for part in (family_text, middle_text, given_text):
        if not part:
            continue
        if out and is_han(out[-1]) and is_han(part[0]):
            out += part
        else:
            out = f"{out} {part}" if out else part
    return out


# Lists --------------------------------------------------------------------------------

_LIST_SEPARATORS = re.compile(r"[,;/+\n\r、，；|•·]+|\s+(?:và|va|and|&|với)\s+")
_LIST_STRIP = " \t-–—*.:"


def split_list(value) -> list[str]:
    """Tags, allergies, conditions typed in one cell: "hải sản, phấn hoa và tôm"."""
    text = text_of(value)
    if not text:
        return []
    text = unicodedata.normalize("NFC", text)
    out = []
    for part in _LIST_SEPARATORS.split(text):
        part = " ".join(part.split()).strip(_LIST_STRIP)
        if part:
            out.append(part)
    return out


_MANAGED_PREFIX = re.compile(
    r"^(?:bi\s+|co\s+)?(?:di ung|benh|allergic to|allergy to|allergy|allergies|"
    r"dang dung|taking|thuoc)\s*(?:voi\s+)?:?\s*"
)
_MANAGED_SUFFIX = re.compile(r"\s*(?:过敏|allergy|allergies)$")
_MANAGED_PUNCT = re.compile(r"[^\w\s]+")
_BRACKETED = re.compile(r"[(（][^)）]*[)）]")
_BRACKETED_INNER = re.compile(r"[(（]([^)）]*)[)）]")


def _managed_key(text: str) -> str:
    return " ".join(_MANAGED_PUNCT.sub(" ", fold(text)).split())


def _managed_keys(name: str) -> set[str]:
    """A managed name and its pieces: "Retinol / retinoid", "Cao su (latex)" → each
    alternative and the bracketed word stand for the item too."""
    keys = {_managed_key(name)}
    plain = _BRACKETED.sub(" ", name)
    keys.add(_managed_key(plain))
    keys.update(_managed_key(inner) for inner in _BRACKETED_INNER.findall(name))
    for piece in split_list(plain):
        keys.add(_managed_key(piece))
    return {k for k in keys if len(k) >= 2 or (k and is_han(k[0]))}


def match_managed(
    texts: list[str], items: list[tuple[int, list[str]]]
) -> tuple[list[int], list[str]]:
    """Link free-text allergies or conditions to the spa's managed list.

    `items` are (id, [name_vi, name_en, name_zh, code]). A text equal to an item's
    name in any language, ignoring case and diacritics ("hai san", "Seafood", "海鲜"),
    links it. A text that names an item among other words ("dị ứng hải sản nặng",
    "tiểu đường type 2") links it too — service rules must see it — and is also
    returned as a leftover so the detail reaches the notes. Texts matching nothing are
    leftovers. Ids are unique, in the order first matched.
    """
    exact: dict[str, int] = {}
    for item_id, names in items:
        for name in names:
            for key in _managed_keys(name):
                exact.setdefault(key, item_id)
    by_length = sorted(exact.items(), key=lambda kv: -len(kv[0]))
    ids: list[int] = []
    leftovers: list[str] = []
    for text in texts:
        key = _managed_key(text)
        if not key:
            continue
        bare = _MANAGED_SUFFIX.sub("", _MANAGED_PREFIX.sub("", key))
        found = exact.get(key)
        if found is None:
            found = exact.get(bare)
        if found is not None:
            if found not in ids:
                ids.append(found)
            continue
        padded = f" {bare} "
        inside = [
            item_id
            for name_key, item_id in by_length
            if (name_key in bare if is_han(name_key[0]) else f" {name_key} " in padded)
        ]
        for item_id in inside:
            if item_id not in ids:
                ids.append(item_id)
        leftovers.append(text)
    return ids, leftovers
