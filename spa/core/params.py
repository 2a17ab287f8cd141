"""Reading ids, numbers and dates that come from a URL or a form field typed by
anyone: a value that is not what it should be is treated as absent, never as an error
(no page answers a 500 to `?date=0001-01-01` or `?service=abc`)."""

import re
from datetime import date

MAX_ID = 2**63 - 1  # the largest value a BigAutoField holds
# Days a spa's pages deal in; outside them a date is a typing error, not a request.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)
_DIGITS = re.compile(r"[0-9]{1,19}")


def param_id(raw) -> int | None:
    """A positive database id, or None."""
    raw = str(raw if raw is not None else "").strip()
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def param_int(raw, *, default: int, low: int, high: int) -> int:
    """A whole number within low..high, or the default."""
    value = param_id(raw) if low >= 1 else _signed(raw)
    return value if value is not None and low <= value <= high else default


def _signed(raw) -> int | None:
    raw = str(raw if raw is not None else "").strip()
    if not re.fullmatch(r"-?[0-9]{1,19}", raw):
        return None
    return int(raw)


def param_date(raw, *, default: date) -> date:
    """An ISO date (yyyy-mm-dd) within the days a spa deals in, or the default."""
    try:
        day = date.fromisoformat(str(raw or ""))
    except ValueError:
        return default
    return day if FIRST_DAY <= day <= LAST_DAY else default
