"""Table cells of the reports, formatted by kind (money, shares, changes, heat)."""

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from spa.core.money import format_money

register = template.Library()
EMPTY = "–"


def percent(value: float, signed: bool = False) -> str:
    text = number_format(round(100 * value, 1), decimal_pos=1)
    if signed and value > 0:
        text = "+" + text
    return _("%(value)s%%") % {"value": text}


def cell_text(kind: str, value) -> str:
    """The words and figures of one cell, as shown on the page."""
    if value is None or value == "":
        return "" if kind == "text" else EMPTY
    if kind == "money":
        return format_money(round(value))
    if kind in ("percent", "heat"):
        return percent(value)
    if kind == "change":
        return percent(value, signed=True)
    if kind == "number":
        return number_format(value, force_grouping=True)
    if kind == "signed":
        return ("+" if value > 0 else "") + number_format(value, force_grouping=True)
    if kind in ("decimal", "rating"):
        return number_format(round(value, 1), decimal_pos=1)
    if kind == "count_heat":
        return number_format(value[0], force_grouping=True)
    return str(value)


@register.simple_tag
def cell(kind: str, value, header: str = ""):
    """A <td> (text left, figures right; heat cells shaded by their share)."""
    text = cell_text(kind, value)
    if kind == "text":
        return format_html('<td data-label="{}">{}</td>', header, text)
    classes = "num"
    if kind == "change" and value:
        classes += " up" if value > 0 else " down"
    share = value if kind == "heat" else value[1] if kind == "count_heat" and value else None
    if share:
        alpha = round(0.08 + 0.8 * min(1, share), 2)
        ink = "#fff" if alpha > 0.5 else "#222"
        return format_html(
            '<td class="{} heat" data-label="{}" style="background:rgba(122,62,93,{});color:{}">{}</td>',
            classes, header, alpha, ink, text,
        )  # fmt: skip
    return format_html('<td class="{}" data-label="{}">{}</td>', classes, header, text)


@register.simple_tag
def kpi_value(kind: str, value):
    return cell_text(kind, value)


@register.filter
def change_text(value):
    return cell_text("change", value) if value is not None else ""
