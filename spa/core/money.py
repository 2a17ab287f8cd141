"""Money is an integer amount in the currency's minor unit (VND has none) — never float.

The spa's currency is a setting in the database (SpaSettings.currency). A page shows
many amounts, so it is read once per request: the first amount formatted during a
request reads it, the rest of that request reuses it. Outside a request (the worker,
a shell) it is read each time, so a change is never missed there."""

from contextvars import ContextVar
from decimal import Decimal

from django.core.signals import request_finished, request_started
from django.utils.formats import number_format

NBSP = "\u00a0"
# currency -> (minor units per major unit, symbol, symbol after the number?)
CURRENCIES = {"VND": (1, "₫", True), "CNY": (100, "¥", False), "USD": (100, "$", False)}
DEFAULT_CURRENCY = "VND"

_NOT_IN_REQUEST = object()
_NOT_READ = object()
_request_currency: ContextVar = ContextVar("request_currency", default=_NOT_IN_REQUEST)


def _request_begins(**kwargs) -> None:
    _request_currency.set(_NOT_READ)


def _request_ends(**kwargs) -> None:
    _request_currency.set(_NOT_IN_REQUEST)


request_started.connect(_request_begins, dispatch_uid="spa.core.money.request_begins")
request_finished.connect(_request_ends, dispatch_uid="spa.core.money.request_ends")


def _stored_currency() -> str:
    from spa.accounts.models import SpaSettings  # accounts' models import this module

    code = SpaSettings.objects.filter(pk=1).values_list("currency", flat=True).first()
    return code if code in CURRENCIES else DEFAULT_CURRENCY


def current_currency() -> str:
    """The spa's currency code (one query per request at most)."""
    memo = _request_currency.get()
    if memo is _NOT_IN_REQUEST:
        return _stored_currency()
    if memo is _NOT_READ:
        memo = _stored_currency()
        _request_currency.set(memo)
    return memo


def forget_current_currency() -> None:
    """After a change of currency: the rest of this request reads the new one."""
    if _request_currency.get() is not _NOT_IN_REQUEST:
        _request_currency.set(_NOT_READ)


def format_money(amount: int | None, currency: str | None = None) -> str:
    """``1500000`` -> ``1.500.000\u00a0₫`` in Vietnamese (grouping follows the active language).

    The symbol is joined with a NO-BREAK SPACE so that no line (a receipt, a phone-width
    table) ever puts "₫" on its own line."""
    if amount is None:
        return ""
    currency = currency or current_currency()
    minor, symbol, after = CURRENCIES[currency]
    if minor == 1:
        text = number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)
    else:
        text = number_format(
            Decimal(amount) / minor, decimal_pos=2, use_l10n=True, force_grouping=True
        )
    return f"{text}{NBSP}{symbol}" if after else f"{symbol}{text}"
