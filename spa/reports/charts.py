"""Charts drawn on the server as SVG: no script, no download, they print and work with
no internet. This module only computes geometry; the templates in
reports/partials/ draw it (so every label is escaped like any other text)."""

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 10, 28


def short_amount(value: float) -> str:
    """An axis label: 1 250 000 → "1,3 M" (in the user's language)."""
    if abs(value) >= 1_000_000_000:
        return _("%(value)s B") % {"value": number_format(round(value / 1e9, 1))}
    if abs(value) >= 1_000_000:
        return _("%(value)s M") % {"value": number_format(round(value / 1e6, 1))}
    if abs(value) >= 10_000:
        return _("%(value)s K") % {"value": number_format(round(value / 1e3))}
    return number_format(round(value))


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


@dataclass
class Bars:
    """A vertical bar chart of one series, with an optional comparison drawn as marks."""

    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)  # (x, y, w, h, label, value text)
    marks: list = field(default_factory=list)  # (x1, x2, y) of the comparison
    grid: list = field(default_factory=list)  # (y, label)
    ticks: list = field(default_factory=list)  # (x, label)
    legend_now: str = ""
    legend_before: str = ""
    empty: bool = False


def bar_chart(title: str, labels: list[str], values: list[float], compare: list[float] | None = None,
              fmt=short_amount, legend_now: str = "", legend_before: str = "") -> Bars:  # fmt: skip
    """Bars for `values` (one per label), the previous period as a mark on each bar."""
    chart = Bars(title=title, legend_now=legend_now, legend_before=legend_before)
    top = _nice_top(max([*values, *(compare or []), 0]))
    chart.empty = not any(values) and not any(compare or [])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(1, len(values))
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.7)
    for i in range(5):
        v = top * i / 4
        chart.grid.append((round(TOP + plot_h - plot_h * i / 4, 1), fmt(v)))
    every = max(1, round(n / 8))
    for i, value in enumerate(values):
        x = LEFT + i * slot + (slot - bar_w) / 2
        h = plot_h * max(0, value) / top
        chart.bars.append((round(x, 1), round(TOP + plot_h - h, 1), round(bar_w, 1), round(h, 1),
                           labels[i], fmt(value)))  # fmt: skip
        if compare is not None and i < len(compare):
            y = TOP + plot_h - plot_h * max(0, compare[i]) / top
            chart.marks.append((round(x, 1), round(x + bar_w, 1), round(y, 1)))
        if i % every == 0:
            chart.ticks.append((round(x + bar_w / 2, 1), labels[i]))
    return chart


@dataclass
class Ranking:
    """Horizontal bars: one row per item, longest first (fits a phone)."""

    title: str
    rows: list = field(default_factory=list)  # (label, width %, value text)


def ranking(
    title: str, items: list[tuple[str, float]], fmt=short_amount, limit: int = 10
) -> Ranking:
    """The top `limit` items as bars proportional to the largest."""
    items = sorted(items, key=lambda it: -it[1])[:limit]
    top = max((v for _, v in items), default=0) or 1
    return Ranking(
        title=title,
        rows=[(label, round(100 * max(0, v) / top, 1), fmt(v)) for label, v in items],
    )
