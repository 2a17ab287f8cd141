"""Each report as sections of a chart beside its table, in the user's words.

A section's table is what the page shows, what prints and what the Excel export
writes: one description, three outputs. Cells are typed (text, money, number,
percent, change, date) so each output formats them its own way. Nothing here reads
health data: the rollups hold none.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from spa.core.money import format_money
from spa.reports import charts, selectors
from spa.reports.selectors import AGE_BANDS, GENDERS, Period, Scope

Cell = tuple[str, Any]  # (kind, value): kind in text, money, number, percent, change, date

AGE_LABELS = {
    "u25": gettext_lazy("Under 25"), "25": gettext_lazy("25–34"), "35": gettext_lazy("35–44"), "45": gettext_lazy("45–54"),
    "55": gettext_lazy("55 and over"), "": gettext_lazy("Age not known"),
}  # fmt: skip
WEEKDAYS = [gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"), gettext_lazy("Thu"), gettext_lazy("Fri"), gettext_lazy("Sat"),
            gettext_lazy("Sun")]  # fmt: skip


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: list[Cell] | None = None


@dataclass
class Section:
    key: str
    title: str
    table: Table
    chart: Any = None  # charts.Bars | charts.Ranking | a heat map dict
    note: str = ""


@dataclass
class Kpi:
    label: str
    kind: str
    value: Any
    change: float | None = None


@dataclass
class Report:
    name: str
    title: str
    kpis: list[Kpi] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


# --- Names --------------------------------------------------------------------------------


class Names:
    """Display names of the ids the rollups hold, read once per report."""

    def __init__(self):
        self._cache: dict = {}

    def _load(self, kind: str) -> dict:
        if kind not in self._cache:
            from spa.accounts.models import Branch, User
            from spa.catalog.models import Product, Service, ServiceCategory
            from spa.clients.models import ClientSource

            model = {"branch": Branch, "service": Service, "category": ServiceCategory,
                     "product": Product, "source": ClientSource}.get(kind)  # fmt: skip
            if kind == "staff":
                self._cache[kind] = {u.pk: u.display_name for u in User.objects.all()}
            else:
                self._cache[kind] = dict(model.objects.values_list("pk", "name"))
        return self._cache[kind]

    def of(self, kind: str, key) -> str:
        if kind == "kind":
            from spa.sales.models import LineKind

            return str(dict(LineKind.choices).get(key, key))
        if kind == "category" and not key:
            return _("Products and packages")
        if not key:
            return _("None")
        return self._load(kind).get(key) or _("(removed)")


def bucket_label(day: date, grain: str) -> str:
    if grain == "month":
        return date_format(day, _("m/Y"))
    if grain == "week":
        return _("week of %(day)s") % {"day": date_format(day, _("d/m"))}
    return date_format(day, _("d/m"))


def _money_fmt(value: float) -> str:
    return charts.short_amount(value)


def _count_fmt(value: float) -> str:
    return charts.short_amount(value) if value >= 10_000 else str(round(value))


def period_label(period: Period) -> str:
    return _("%(start)s – %(end)s") % {
        "start": date_format(period.start, "SHORT_DATE_FORMAT"),
        "end": date_format(period.end, "SHORT_DATE_FORMAT"),
    }


# --- Revenue -------------------------------------------------------------------------------


def _trend(scope: Scope, period: Period) -> Section:
    series = selectors.revenue_series(scope, period)
    labels = [bucket_label(d, series["grain"]) for d in series["labels"]]
    chart = charts.bar_chart(
        _("Net revenue"), labels, series["now"], series["before"],
        legend_now=period_label(period), legend_before=period_label(period.previous()),
    )  # fmt: skip
    table = Table(
        [
            _("Period"),
            _("Net revenue"),
            _("Previous period"),
            pgettext("period over period", "Change"),
        ]
    )
    for label, a, b in zip(labels, series["now"], series["before"], strict=False):
        table.rows.append(
            [("text", label), ("money", a), ("money", b), ("change", selectors.change(a, b))]
        )
    table.total = [("text", _("Total")), ("money", sum(series["now"])), ("money", sum(series["before"])),
                   ("change", selectors.change(sum(series["now"]), sum(series["before"])))]  # fmt: skip
    return Section("trend", _("Revenue over time"), table, chart)


def revenue(scope: Scope, period: Period) -> Report:
    report = Report("revenue", _("Revenue"))
    now, before = (
        selectors.revenue_totals(scope, period),
        selectors.revenue_totals(scope, period.previous()),
    )
    report.kpis = [
        Kpi(_("Net revenue"), "money", now["net"], selectors.change(now["net"], before["net"])),
        Kpi(_("Invoices"), "number", now["invoices"], selectors.change(now["invoices"], before["invoices"])),
        Kpi(_("Average ticket"), "money", now["ticket"],
            selectors.change(now["ticket"] or 0, before["ticket"] or 0)),
        Kpi(_("Discounts given"), "money", now["discount"]),
        Kpi(_("Refunds (credit notes)"), "money", -now["refunds"]),
    ]  # fmt: skip
    if now["debt"] is not None:
        report.kpis.append(Kpi(_("Left as debt"), "money", now["debt"]))

    report.sections.append(_trend(scope, period))

    names = Names()
    dims = [("kind", _("Services, retail and packages")), ("category", _("By service category")),
            ("service", _("By service")), ("product", _("By product"))]  # fmt: skip
    if scope.branch_ids is None or len(scope.branch_ids) > 1:
        dims.insert(0, ("branch", _("By branch")))
    for dim, title in dims:
        rows = selectors.revenue_by(scope, period, dim)
        if dim == "kind":
            rows = [r for r in rows if r["key"] != "redemption" or r["amount"]]
        table = Table([_("Name"), _("Quantity"), _("Discounts"), _("Net amount"), _("Previous period"),
                       pgettext("period over period", "Change")])  # fmt: skip
        for r in rows[:30]:
            table.rows.append([("text", names.of(dim, r["key"])), ("number", r["quantity"]),
                               ("money", r["discount"]), ("money", r["amount"]),
                               ("money", r["before"]), ("change", r["change"])])  # fmt: skip
        chart = charts.ranking(title, [(names.of(dim, r["key"]), r["amount"]) for r in rows])
        note = _("Line amounts, before discounts on the whole invoice.") if dim != "branch" else ""
        report.sections.append(Section(dim, title, table, chart, note))

    from spa.sales.models import Method, PaymentPurpose

    methods, purposes = dict(Method.choices), dict(PaymentPurpose.choices)
    table = Table([_("Method"), _("Payments"), _("Amount"), _("Of which")])
    rows = selectors.takings_by_method(scope, period)
    for r in rows:
        detail = ", ".join(
            f"{purposes.get(p, p)}: {format_money(a)}" for p, a in r["purposes"].items()
        )
        table.rows.append([("text", methods.get(r["method"], r["method"])), ("number", r["payments"]),
                           ("money", r["amount"]), ("text", detail)])  # fmt: skip
    chart = charts.ranking(_("By payment method"),
                           [(methods.get(r["method"], r["method"]), r["amount"]) for r in rows])  # fmt: skip
    report.sections.append(Section("methods", _("By payment method"), table, chart))
    return report


# --- Money owed ----------------------------------------------------------------------------


def money(scope: Scope, period: Period) -> Report:
    report = Report("money", _("Money owed"))
    ageing = selectors.debts_ageing(scope)
    owed = selectors.liabilities(scope)
    pk = owed["packages"]
    report.kpis = [
        Kpi(_("Clients owe"), "money", ageing["total"]),
        Kpi(_("Clients in debt"), "number", ageing["clients"]),
        Kpi(_("Owed to clients in service"), "money", owed["total"]),
        Kpi(_("Expiring within 30 days"), "money", pk["soon30"]),
    ]
    bands = [("0_30", _("0–30 days")), ("31_90", _("31–90 days")), ("90_plus", _("Over 90 days"))]
    table = Table([_("Age of the debt"), _("Amount"), _("Share")])
    for key, label in bands:
        table.rows.append([("text", label), ("money", ageing["bands"][key]),
                           ("percent", selectors.ratio(ageing["bands"][key], ageing["total"]))])  # fmt: skip
    table.total = [
        ("text", _("Total")),
        ("money", ageing["total"]),
        ("percent", 1 if ageing["total"] else None),
    ]
    chart = charts.bar_chart(_("Debts by age"), [label for _k, label in bands],
                             [ageing["bands"][k] for k, _label in bands])  # fmt: skip
    report.sections.append(Section("ageing", _("Debts by age"), table, chart,
                                   _("Payments clear the oldest debt first.")))  # fmt: skip

    table = Table([_("What the spa still owes"), _("Clients or cards"), _("Sessions"), _("Value")])
    table.rows = [
        [("text", _("Prepaid balances")), ("number", owed["prepaid_clients"]), ("text", ""),
         ("money", owed["prepaid"])],
        [("text", _("Deposits held")), ("number", owed["deposit_clients"]), ("text", ""),
         ("money", owed["deposits"])],
        [("text", _("Unused package sessions")), ("number", pk["n"]), ("number", pk["sessions"]),
         ("money", pk["value"])],
        [("text", _("… of which expire within 30 days")), ("text", ""), ("number", pk["sessions30"]),
         ("money", pk["soon30"])],
        [("text", _("… of which expire within 90 days")), ("text", ""), ("text", ""),
         ("money", pk["soon90"])],
    ]  # fmt: skip
    table.total = [
        ("text", _("Total owed in service")),
        ("text", ""),
        ("text", ""),
        ("money", owed["total"]),
    ]
    chart = charts.ranking(_("Owed to clients"), [
        (_("Prepaid balances"), owed["prepaid"]), (_("Deposits held"), owed["deposits"]),
        (_("Unused package sessions"), pk["value"])])  # fmt: skip
    report.sections.append(Section("liabilities", _("Owed to clients (deferred revenue)"), table, chart,
                                   _("A package session is valued at the package's price divided by its sessions.")))  # fmt: skip
    table = Table([_("Expired packages with sessions left"), _("Sessions"), _("Value")])
    table.rows = [
        [("number", pk["lost_n"]), ("number", pk["lost_sessions"]), ("money", pk["lost"])]
    ]
    report.sections.append(Section("breakage", _("Breakage: sessions that expired unused"), table))
    return report


# --- Clients -------------------------------------------------------------------------------


def clients(scope: Scope, period: Period) -> Report:
    report = Report("clients", _("Clients"))
    cohorts = selectors.cohort_rows(scope)  # read once, for every section
    totals = selectors.client_totals(scope, period, cohorts)
    before = selectors.client_totals(scope, period.previous(), cohorts)
    show = selectors.attendance(scope, period)
    rates = totals["return_rates"]
    report.kpis = [
        Kpi(_("New clients"), "number", totals["new"], selectors.change(totals["new"], before["new"])),
        Kpi(_("Returning clients"), "number", totals["returning"],
            selectors.change(totals["returning"], before["returning"])),
        Kpi(_("Came back within 30 days"), "percent", rates[30]),
        Kpi(_("Came back within 90 days"), "percent", rates[90]),
        Kpi(_("Spend per client"), "money", totals["spend_per_client"]),
        Kpi(_("Visits per client"), "decimal", totals["visits_per_client"]),
        Kpi(_("No-shows"), "percent", show["no_show_rate"]),
        Kpi(_("Cancellations"), "percent", show["cancel_rate"]),
    ]  # fmt: skip
    months = selectors.clients_by_month(scope, period, cohorts)
    labels = [bucket_label(r["month"], "month") for r in months]
    table = Table([_("Month"), _("New clients"), _("Returning clients"), _("Visits"), _("Spend"),
                   _("Spend per client")])  # fmt: skip
    for label, r in zip(labels, months, strict=True):
        table.rows.append([("text", label), ("number", r["new"]), ("number", r["returning"]),
                           ("number", r["visits"]), ("money", r["spend"]),
                           ("money", selectors.ratio(r["spend"], r["active"]))])  # fmt: skip
    chart = charts.bar_chart(_("Clients who came"), labels, [r["active"] for r in months],
                             [r["new"] for r in months], fmt=_count_fmt,
                             legend_now=_("All clients who came"), legend_before=_("of whom new"))  # fmt: skip
    report.sections.append(Section("new", _("New and returning clients"), table, chart,
                                   _("Months of the period, whole.")))  # fmt: skip

    table = Table([_("Return rate"), _("Share of new clients")])
    for days in (30, 60, 90):
        table.rows.append([("text", _("Came back within %(days)s days") % {"days": days}),
                           ("percent", rates[days])])  # fmt: skip
    report.sections.append(Section("return", _("Return rate after a first visit"), table, None,
                                   _("Counted over the clients whose window is over.")))  # fmt: skip

    retained = selectors.retention(scope, period, rows=cohorts)
    span = max((len(c["shares"]) for c in retained), default=0)
    table = Table(
        [_("First visit"), _("Clients")] + [_("Month %(n)s") % {"n": k} for k in range(span)]
    )
    for c in retained:
        table.rows.append([("text", bucket_label(c["cohort"], "month")), ("number", c["clients"])]
                          + [("heat", s) for s in c["shares"]])  # fmt: skip
    report.sections.append(Section("cohorts", _("Retention by month of first visit"), table, None,
                                   _("Share of each month's new clients who came again that many months later.")))  # fmt: skip

    names = Names()
    stay = selectors.sources_that_stay(scope, period, cohorts)
    table = Table([_("Source"), _("New clients"), _("Came back within 90 days"), _("Return rate"),
                   _("Spend per client")])  # fmt: skip
    for r in stay:
        table.rows.append([("text", names.of("source", r["source_id"]) if r["source_id"] else _("Not recorded")),
                           ("number", r["clients"]), ("number", r["returned"]), ("percent", r["rate"]),
                           ("money", r["spend_per_client"])])  # fmt: skip
    chart = charts.ranking(_("Return rate by source"), [
        (names.of("source", r["source_id"]) if r["source_id"] else _("Not recorded"), 100 * (r["rate"] or 0))
        for r in stay], fmt=lambda v: f"{round(v)}%")  # fmt: skip
    report.sections.append(
        Section("sources", _("Sources that bring clients who stay"), table, chart)
    )

    from spa.booking.models import Status

    statuses = dict(Status.choices)
    table = Table([_("Appointments"), _("Number"), _("Share")])
    for status, n in sorted(show["counts"].items(), key=lambda kv: -kv[1]):
        table.rows.append([("text", statuses.get(status, status)), ("number", n),
                           ("percent", selectors.ratio(n, show["total"]))])  # fmt: skip
    table.total = [("text", _("Total")), ("number", show["total"]), ("text", "")]
    report.sections.append(Section("attendance", _("No-shows and cancellations"), table))
    return report


# --- Staff ---------------------------------------------------------------------------------


def staff(scope: Scope, period: Period) -> Report:
    report = Report("staff", _("Staff") if scope.staff_id is None else _("My figures"))
    rows = selectors.staff_figures(scope, period)
    names = Names()
    if scope.staff_id is not None:
        mine = rows[0] if rows else None
        before = selectors.staff_figures(scope, period.previous())
        old = before[0] if before else {"sessions": 0, "revenue": 0}
        report.kpis = [
            Kpi(_("Sessions"), "number", mine["sessions"] if mine else 0,
                selectors.change(mine["sessions"] if mine else 0, old["sessions"])),
            Kpi(_("Revenue"), "money", mine["revenue"] if mine else 0,
                selectors.change(mine["revenue"] if mine else 0, old["revenue"])),
            Kpi(_("Satisfaction"), "rating", mine["satisfaction"] if mine else None),
            Kpi(_("Rebooked"), "percent", mine["rebooking"] if mine else None),
        ]  # fmt: skip
    from spa.catalog.models import ServiceCategory

    paid = ServiceCategory.objects.filter(commission_percent__gt=0).exists()
    table = Table([_("Technician"), _("Sessions"), _("Revenue"), _("Average ticket"), _("Rebooked"),
                   _("Satisfaction (1–5)"), _("Products per session")] + ([_("Commission")] if paid else []))  # fmt: skip
    for r in rows:
        table.rows.append([("text", names.of("staff", r["staff_id"])), ("number", r["sessions"]),
                           ("money", r["revenue"]), ("money", r["ticket"]), ("percent", r["rebooking"]),
                           ("rating", r["satisfaction"]), ("decimal", r["products_per_session"])]
                          + ([("money", r["commission"])] if paid else []))  # fmt: skip
    if paid and scope.staff_id is not None:
        report.kpis.append(Kpi(_("Commission"), "money", rows[0]["commission"] if rows else 0))
    chart = charts.ranking(_("Revenue by technician"),
                           [(names.of("staff", r["staff_id"]), r["revenue"]) for r in rows])  # fmt: skip
    report.sections.append(Section("staff", _("Sessions and revenue by technician"), table, chart,
                                   _("A session done by two technicians counts for each. Rebooked: the client booked their next visit the same day.")))  # fmt: skip
    return report


# --- Services ------------------------------------------------------------------------------


def services(scope: Scope, period: Period) -> Report:
    report = Report("services", _("Services"))
    names = Names()
    rows = selectors.service_popularity(scope, period)
    table = Table([_("Service"), _("Sessions"), _("Revenue"), _("Previous period"), pgettext("period over period", "Change"),
                   _("Usual interval (days)")])  # fmt: skip
    for r in rows[:40]:
        table.rows.append([("text", names.of("service", r["service_id"])), ("number", r["sessions"]),
                           ("money", r["revenue"]), ("number", r["before"]), ("change", r["change"]),
                           ("number", r["interval"])])  # fmt: skip
    chart = charts.ranking(_("Most popular"), [(names.of("service", r["service_id"]), r["sessions"])
                                              for r in rows], fmt=_count_fmt)  # fmt: skip
    report.sections.append(Section("popular", _("Most popular services"), table, chart))

    moving = [r for r in rows if r["delta"]]
    growing = sorted((r for r in moving if r["delta"] > 0), key=lambda r: -r["delta"])[:8]
    falling = sorted((r for r in moving if r["delta"] < 0), key=lambda r: r["delta"])[:8]
    table = Table(
        [
            _("Service"),
            _("Sessions"),
            _("Previous period"),
            _("Difference"),
            pgettext("period over period", "Change"),
        ]
    )
    for r in [*growing, *falling]:
        table.rows.append([("text", names.of("service", r["service_id"])), ("number", r["sessions"]),
                           ("number", r["before"]), ("signed", r["delta"]), ("change", r["change"])])  # fmt: skip
    report.sections.append(Section("trend", _("Growing and falling"), table))

    heat = selectors.heat_map(scope, period)
    table = Table([_("Day")] + [f"{h}h" for h in heat["hours"]])
    for weekday, cells in enumerate(heat["rows"]):
        table.rows.append([("text", str(WEEKDAYS[weekday]))]
                          + [("count_heat", (n, selectors.ratio(n, heat["top"]))) for _w, _h, n in cells])  # fmt: skip
    report.sections.append(Section("heat", _("When: services by weekday and hour"), table, None,
                                   _("Months of the period, whole. Darker: busier.")))  # fmt: skip

    demo = selectors.demographics(scope, period)
    from spa.clients.models import Gender

    genders = {**dict(Gender.choices), "": _("Not given")}
    table = Table([_("Service"), _("Total")] + [str(AGE_LABELS[b]) for b in AGE_BANDS]
                  + [str(genders[g]) for g in GENDERS])  # fmt: skip
    for r in demo["services"]:
        table.rows.append([("text", names.of("service", r["service_id"])), ("number", r["total"])]
                          + [("number", n) for n in r["ages"]] + [("number", n) for n in r["genders"]])  # fmt: skip
    report.sections.append(Section("people", _("Who: services by age and gender"), table, None,
                                   _("Age at the time of the session.")))  # fmt: skip
    return report


def overview(scope: Scope, period: Period) -> tuple[list[Kpi], Section]:
    """The dashboard: the few figures an owner looks at first, and the revenue trend."""
    now, before = (
        selectors.revenue_totals(scope, period),
        selectors.revenue_totals(scope, period.previous()),
    )
    cohorts = selectors.cohort_rows(scope)
    people = selectors.client_totals(scope, period, cohorts)
    people_before = selectors.client_totals(scope, period.previous(), cohorts)
    show = selectors.attendance(scope, period)
    kpis = [
        Kpi(_("Net revenue"), "money", now["net"], selectors.change(now["net"], before["net"])),
        Kpi(_("Invoices"), "number", now["invoices"], selectors.change(now["invoices"], before["invoices"])),
        Kpi(_("Average ticket"), "money", now["ticket"],
            selectors.change(now["ticket"] or 0, before["ticket"] or 0)),
        Kpi(_("New clients"), "number", people["new"], selectors.change(people["new"], people_before["new"])),
        Kpi(_("Returning clients"), "number", people["returning"],
            selectors.change(people["returning"], people_before["returning"])),
        Kpi(_("Came back within 30 days"), "percent", people["return_rates"][30]),
        Kpi(_("No-shows"), "percent", show["no_show_rate"]),
        Kpi(_("Clients owe"), "money", selectors.debts_ageing(scope)["total"]),
    ]  # fmt: skip
    return kpis, _trend(scope, period)


REPORTS = {
    "revenue": (revenue, gettext_lazy("Revenue")),
    "money": (money, gettext_lazy("Money owed")),
    "clients": (clients, gettext_lazy("Clients")),
    "staff": (staff, gettext_lazy("Staff")),
    "services": (services, gettext_lazy("Services")),
}
