"""Money is an integer amount in the currency's minor unit (VND has none) — never float."""

from decimal import Decimal

from django.conf import settings
from django.utils.formats import number_format

NBSP = "\u00a0"
# currency -> (minor units per major unit, symbol, symbol after the number?)
CURRENCIES = {"VND": (1, "₫", True), "CNY": (100, "¥", False), "USD": (100, "$", False)}


def format_money(amount: int | None, currency: str | None = None) -> str:
    """``1500000`` -> ``1.500.000\u00a0₫`` in Vietnamese (grouping follows the active language).

    The symbol is joined with a NO-BREAK SPACE so that no line (a receipt, a phone-width
    table) ever puts "₫" on its own line."""
    if amount is None:
        return ""
    currency = currency or settings.CURRENCY
    minor, symbol, after = CURRENCIES[currency]
    if minor == 1:
        text = number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)
    else:
        text = number_format(
            Decimal(amount) / minor, decimal_pos=2, use_l10n=True, force_grouping=True
        )
    return f"{text}{NBSP}{symbol}" if after else f"{symbol}{text}"
