"""Reads for the reports: every figure comes from the rollups (spa.reports.models), in
a few small queries, so a report answers in milliseconds at a chain's size. Money owed
is read live from balances and packages (few rows: only the open ones).

A `Scope` says what the reader may see and chose: branches (None: the whole chain), a
service category, and for a technician only their own figures. Views build it from
spa.core.access; no selector decides access on its own.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from spa.reports.models import (
    TWINS,
    AppointmentDay,
    CohortMonth,
    DemographicMonth,
    HourMonth,
    InvoiceDay,
    PaymentDay,
    SalesDay,
    ServiceDay,
    ServiceStats,
    StaffDay,
)
from spa.reports.rollups import month_of, next_month, rollups_refresh, summed_fields

AGE_BANDS = ["u25", "25", "35", "45", "55", ""]
GENDERS = ["female", "male", "other", ""]


def _months_back(day: date, k: int) -> date:
    """The same day k months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - k
    year, month = divmod(index, 12)
    first = date(year, month + 1, 1)
    last = next_month(first) - timedelta(days=1)
    return first.replace(day=min(day.day, last.day))


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period just before: from the 1st of a month, the same days as many months
        earlier (this month → the same days last month, this year → last year's);
        otherwise the same number of days just before."""
        if self.start.day == 1:
            k = len(self.months())
            return Period(_months_back(self.start, k), _months_back(self.end, k))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def months(self) -> list[date]:
        out, month = [], month_of(self.start)
        while month <= self.end:
            out.append(month)
            month = next_month(month)
        return out

    def grain(self) -> str:
        """How a chart of the period groups: by day, week or month."""
        return "day" if self.days <= 31 else "week" if self.days <= 126 else "month"


@dataclass(frozen=True)
class Scope:
    branch_ids: tuple[int, ...] | None = None  # None: every branch
    category_id: int | None = None
    staff_id: int | None = None  # a technician's own figures

    def figures(self, day_model, period: Period, by: tuple[str, ...] = (), where: Q | None = None,
                monthly: bool = True) -> dict:  # fmt: skip
        """{(values of `by`…): {figure: sum}} over the period, in the scope.

        Whole months are read from the month table, the days around them from the day
        table, and summed: a year of a chain is twelve rows per key, not 365. "date" in
        `by` is the row's day or month (`monthly=False` keeps to days)."""
        sums = summed_fields(day_model)
        out: dict = defaultdict(lambda: dict.fromkeys(sums, 0))
        for in_months, lo, hi in (
            split_period(period) if monthly else [(False, period.start, period.end)]
        ):
            model, field = (TWINS[day_model], "month") if in_months else (day_model, "day")
            rows = model.objects.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})
            if self.branch_ids is not None:
                rows = rows.filter(branch_id__in=self.branch_ids)
            if where is not None:
                rows = rows.filter(where)
            columns = [field if b == "date" else b for b in by]
            totals = {f"s_{f}": Sum(f) for f in sums}
            found = (
                rows.values(*columns).annotate(**totals).order_by()
                if columns
                else [rows.aggregate(**totals)]
            )
            for r in found:
                acc = out[tuple(r[c] for c in columns)]
                for f in sums:
                    acc[f] += r[f"s_{f}"] or 0
        return out

    def months(self, model, period: Period, **extra):
        rows = model.objects.filter(
            month__gte=month_of(period.start), month__lte=period.end, **extra
        )
        # The chain's rows are kept summed under branch 0 (see rollups._chain_months).
        rows = (
            rows.filter(branch_id__in=self.branch_ids)
            if self.branch_ids is not None
            else rows.filter(branch_id=0)
        )
        if self.category_id:
            rows = rows.filter(category_id=self.category_id)
        return rows


def split_period(period: Period) -> list[tuple[bool, date, date]]:
    """The period as (in months?, first, last): the days before its first whole month,
    its whole months (first and last as 1st of the month), the days after."""
    first_full = period.start if period.start.day == 1 else next_month(period.start)
    after = period.end + timedelta(days=1)
    last_full_next = (
        after if after.day == 1 else month_of(period.end)
    )  # first day not in a whole month
    if first_full >= last_full_next:
        return [(False, period.start, period.end)]
    parts = []
    if period.start < first_full:
        parts.append((False, period.start, first_full - timedelta(days=1)))
    parts.append((True, first_full, month_of(last_full_next - timedelta(days=1))))
    if last_full_next <= period.end:
        parts.append((False, last_full_next, period.end))
    return parts


def fresh() -> None:
    """Fold in what the last writes marked, so no report is older than them."""
    rollups_refresh()


def bucket_of(day: date, grain: str) -> date:
    if grain == "month":
        return day.replace(day=1)
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day


def buckets(period: Period, grain: str) -> list[date]:
    out, day = [], period.start
    while day <= period.end:
        b = bucket_of(day, grain)
        if not out or out[-1] != b:
            out.append(b)
        day += timedelta(days=1)
    return out


def change(now: int | float, before: int | float) -> float | None:
    """Period-over-period change, as a fraction (None when there was nothing before)."""
    return (now - before) / abs(before) if before else None


def ratio(part, whole) -> float | None:
    return part / whole if whole else None


# --- Revenue -------------------------------------------------------------------------


def _category(scope: Scope) -> Q | None:
    return Q(category_id=scope.category_id) if scope.category_id else None


def revenue_totals(scope: Scope, period: Period) -> dict:
    """Sales, refunds, discounts, invoices, average ticket and debt created."""
    if scope.category_id:  # an invoice spans categories: only its lines can be split
        f = scope.figures(SalesDay, period, by=("credit",), where=_category(scope))
        sold, back = f.get((False,), {}), f.get((True,), {})
        sales, refunds, n = sold.get("amount", 0), back.get("amount", 0), sold.get("lines", 0)
        return {"sales": sales, "refunds": refunds, "net": sales + refunds,
                "discount": sold.get("discount", 0), "invoices": n, "ticket": ratio(sales, n),
                "debt": None}  # fmt: skip
    f = scope.figures(InvoiceDay, period, by=("credit",))
    sold, back = f.get((False,), {}), f.get((True,), {})
    sales, refunds, n = sold.get("total", 0), back.get("total", 0), sold.get("invoices", 0)
    return {"sales": sales, "refunds": refunds, "net": sales + refunds,
            "discount": sold.get("discount", 0), "invoices": n, "ticket": ratio(sales, n),
            "debt": sold.get("debt_created", 0) + back.get("debt_created", 0)}  # fmt: skip


def revenue_series(scope: Scope, period: Period) -> dict:
    """Net revenue per day / week / month, beside the previous period's."""
    grain = period.grain()
    model, figure = (SalesDay, "amount") if scope.category_id else (InvoiceDay, "total")

    def per_bucket(p: Period) -> list[int]:
        sums: dict = defaultdict(int)
        for (day,), f in scope.figures(model, p, by=("date",), where=_category(scope),
                                       monthly=grain == "month").items():  # fmt: skip
            sums[bucket_of(day, grain)] += f[figure]
        return [sums[b] for b in buckets(p, grain)]

    return {"grain": grain, "labels": buckets(period, grain), "now": per_bucket(period),
            "before": per_bucket(period.previous())}  # fmt: skip


SALES_DIMENSIONS = {
    "branch": "branch_id", "category": "category_id", "service": "service_id",
    "product": "product_id", "kind": "kind",
}  # fmt: skip


def revenue_by(scope: Scope, period: Period, dimension: str) -> list[dict]:
    """Net line amounts (refunds deducted) split by branch, category, service, product or
    kind (services, retail, packages, package sessions), beside the previous period.
    Line amounts are before invoice-wide discounts, which belong to no single line."""
    column = SALES_DIMENSIONS[dimension]

    def sums(p: Period) -> dict:
        where = _category(scope) or Q()
        if dimension in ("service", "product"):
            where &= ~Q(**{column: 0})
        return {
            key: (f["amount"], f["quantity"], f["discount"])
            for (key,), f in scope.figures(SalesDay, p, by=(column,), where=where).items()
        }

    now, before = sums(period), sums(period.previous())
    out = [
        {"key": key, "amount": a, "quantity": q, "discount": d,
         "before": before.get(key, (0, 0, 0))[0], "change": change(a, before.get(key, (0, 0, 0))[0])}
        for key, (a, q, d) in now.items()
    ]  # fmt: skip
    return sorted(out, key=lambda r: -r["amount"])


def takings_by_method(scope: Scope, period: Period) -> list[dict]:
    """Money received and paid back, by method, with what it was for."""
    per: dict = defaultdict(lambda: {"amount": 0, "payments": 0, "purposes": defaultdict(int)})
    for (method, purpose), f in scope.figures(PaymentDay, period, by=("method", "purpose")).items():
        per[method]["amount"] += f["amount"]
        per[method]["payments"] += f["payments"]
        per[method]["purposes"][purpose] += f["amount"]
    return sorted(
        ({"method": m, **v, "purposes": dict(v["purposes"])} for m, v in per.items()),
        key=lambda r: -r["amount"],
    )


# --- Money owed, and owed to clients --------------------------------------------------


def _client_scope(scope: Scope) -> Q:
    return Q() if scope.branch_ids is None else Q(client__branch_id__in=scope.branch_ids)


def debts_ageing(scope: Scope, today: date | None = None) -> dict:
    """Open debts by age: each client's debt is the newest of what they left unpaid
    (payments clear the oldest first), aged from the day it was left (DebtOpen rows,
    recomputed with the client)."""
    from spa.reports.models import DebtOpen

    today = today or timezone.localdate()
    rows = DebtOpen.objects.all()
    if scope.branch_ids is not None:
        rows = rows.filter(branch_id__in=scope.branch_ids)
    t = rows.aggregate(
        recent=Sum("amount", filter=Q(left_on__gte=today - timedelta(days=30))),
        middle=Sum("amount", filter=Q(left_on__lt=today - timedelta(days=30),
                                      left_on__gte=today - timedelta(days=90))),
        old=Sum("amount", filter=Q(left_on__lt=today - timedelta(days=90))),
        clients=Count("client_id", distinct=True),
    )  # fmt: skip
    bands = {"0_30": t["recent"] or 0, "31_90": t["middle"] or 0, "90_plus": t["old"] or 0}
    return {"bands": bands, "total": sum(bands.values()), "clients": t["clients"]}


def liabilities(scope: Scope, today: date | None = None) -> dict:
    """What the spa still owes in service: prepaid balances, deposits held, and the
    unused sessions of packages valued at the package's price per session — with what
    expires soon, and the breakage (sessions that expired unused)."""
    from spa.sales.models import Balance
    from spa.treatments.models import TreatmentPackage

    today = today or timezone.localdate()
    money = {
        account: (amount or 0, n)
        for account, amount, n in Balance.objects.filter(
            _client_scope(scope), account__in=["prepaid", "deposit"], amount__gt=0
        )
        .values_list("account")
        .annotate(a=Sum("amount"), n=Count("id"))
        .order_by()
    }
    packages = TreatmentPackage.objects.filter(
        status="active", used_sessions__lt=F("total_sessions")
    )
    if scope.branch_ids is not None:
        packages = packages.filter(branch_id__in=scope.branch_ids)
    value = (F("total_sessions") - F("used_sessions")) * F("price") / F("total_sessions")
    sessions = F("total_sessions") - F("used_sessions")
    live = Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    soon = {
        d: Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=d)) for d in (30, 90)
    }
    p = packages.aggregate(
        n=Count("id", filter=live), sessions=Sum(sessions, filter=live), value=Sum(value, filter=live),
        soon30=Sum(value, filter=soon[30]), soon90=Sum(value, filter=soon[90]),
        sessions30=Sum(sessions, filter=soon[30]),
        lost_n=Count("id", filter=Q(expires_on__lt=today)),
        lost_sessions=Sum(sessions, filter=Q(expires_on__lt=today)),
        lost=Sum(value, filter=Q(expires_on__lt=today)),
    )  # fmt: skip
    p = {k: v or 0 for k, v in p.items()}
    prepaid, deposits = money.get("prepaid", (0, 0)), money.get("deposit", (0, 0))
    return {
        "prepaid": prepaid[0], "prepaid_clients": prepaid[1], "deposits": deposits[0],
        "deposit_clients": deposits[1], "packages": p,
        "total": prepaid[0] + deposits[0] + p["value"],
    }  # fmt: skip


# --- Clients ------------------------------------------------------------------------------


COHORT_FIELDS = ("cohort", "source_id", "clients", "returned_30", "returned_60", "returned_90",
                 "spend", "active", "visits_by_month", "spend_by_month")  # fmt: skip


def cohort_rows(scope: Scope) -> list[dict]:
    """Every cohort row of the scope, read once for a whole report (a few thousand rows
    for a chain: months × branches × sources)."""
    rows = CohortMonth.objects.all()
    if scope.branch_ids is not None:
        rows = rows.filter(branch_id__in=scope.branch_ids)
    return [dict(zip(COHORT_FIELDS, r, strict=True)) for r in rows.values_list(*COHORT_FIELDS)]


def _within(rows: list[dict], period: Period) -> list[dict]:
    first = month_of(period.start)
    return [r for r in rows if first <= r["cohort"] <= period.end]


def _offset(cohort: date, month: date) -> int:
    return (month.year - cohort.year) * 12 + month.month - cohort.month


def clients_by_month(scope: Scope, period: Period, rows: list[dict] | None = None) -> list[dict]:
    """Per month of the period: new clients (first visit), returning ones, visits, spend."""
    rows = cohort_rows(scope) if rows is None else rows
    months = period.months()
    per = {m: {"month": m, "new": 0, "active": 0, "visits": 0, "spend": 0} for m in months}
    for c in rows:
        for m in months:
            k = _offset(c["cohort"], m)
            if k < 0:
                continue
            if k == 0:
                per[m]["new"] += c["clients"]
            if k < len(c["active"]):
                per[m]["active"] += c["active"][k]
                per[m]["visits"] += c["visits_by_month"][k]
                per[m]["spend"] += c["spend_by_month"][k]
    for row in per.values():
        row["returning"] = max(0, row["active"] - row["new"])
    return list(per.values())


def client_totals(scope: Scope, period: Period, rows: list[dict] | None = None) -> dict:
    """New and returning clients, average spend and visits per client, return rates."""
    rows = cohort_rows(scope) if rows is None else rows
    months = clients_by_month(scope, period, rows)
    active = sum(r["active"] for r in months)
    today = timezone.localdate()
    cohorts = _within(rows, period)
    rates = {}
    for days in (30, 60, 90):
        # Only cohorts whose window is over: a client first seen last week cannot have
        # come back "within 90 days" yet.
        done = [c for c in cohorts if next_month(c["cohort"]) + timedelta(days=days) <= today]
        rates[days] = ratio(
            sum(c[f"returned_{days}"] for c in done), sum(c["clients"] for c in done)
        )
    return {
        "new": sum(r["new"] for r in months), "returning": sum(r["returning"] for r in months),
        "active": active, "spend_per_client": ratio(sum(r["spend"] for r in months), active),
        "visits_per_client": ratio(sum(r["visits"] for r in months), active), "return_rates": rates,
    }  # fmt: skip


def retention(
    scope: Scope, period: Period, span: int = 12, rows: list[dict] | None = None
) -> list[dict]:
    """Cohorts by month of first visit: the share still coming 1, 2, … months later."""
    rows = cohort_rows(scope) if rows is None else rows
    per: dict = {}
    for c in _within(rows, period):
        row = per.setdefault(
            c["cohort"], {"cohort": c["cohort"], "clients": 0, "active": [0] * span}
        )
        row["clients"] += c["clients"]
        for k, n in enumerate(c["active"][:span]):
            row["active"][k] += n
    today = timezone.localdate()
    out = []
    for cohort in sorted(per):
        row = per[cohort]
        reached = min(span, _offset(cohort, month_of(today)) + 1)
        row["shares"] = [ratio(n, row["clients"]) if k < reached else None
                         for k, n in enumerate(row["active"])]  # fmt: skip
        out.append(row)
    return out


def sources_that_stay(scope: Scope, period: Period, rows: list[dict] | None = None) -> list[dict]:
    """Where new clients came from, and how many of them came back within 90 days."""
    rows = cohort_rows(scope) if rows is None else rows
    per: dict = defaultdict(lambda: [0, 0, 0])
    for c in _within(rows, period):
        acc = per[c["source_id"] or None]
        acc[0] += c["clients"]
        acc[1] += c["returned_90"]
        acc[2] += c["spend"]
    out = [{"source_id": s, "clients": n, "returned": back, "rate": ratio(back, n),
            "spend_per_client": ratio(spend, n)} for s, (n, back, spend) in per.items()]  # fmt: skip
    return sorted(out, key=lambda r: (-(r["rate"] or 0), -r["clients"]))


def attendance(scope: Scope, period: Period) -> dict:
    """Appointments of the period by status: no-show and cancellation rates."""
    counts = {
        status: f["appointments"]
        for (status,), f in scope.figures(AppointmentDay, period, by=("status",)).items()
    }
    total = sum(counts.values())
    return {"total": total, "counts": counts,
            "no_show_rate": ratio(counts.get("no_show", 0), total),
            "cancel_rate": ratio(counts.get("cancelled", 0), total)}  # fmt: skip


# --- Staff -------------------------------------------------------------------------------


def staff_figures(scope: Scope, period: Period) -> list[dict]:
    """Per technician: sessions, revenue, average ticket, rebooking, satisfaction and
    products per session (a technician sees only their own row)."""
    where = Q(staff_id=scope.staff_id) if scope.staff_id is not None else None
    out = []
    for (staff_id,), f in scope.figures(StaffDay, period, by=("staff_id",), where=where).items():
        n, revenue = f["sessions"], f["revenue"]
        out.append({"staff_id": staff_id, "sessions": n, "revenue": revenue,
                    "commission": f["commission"], "ticket": ratio(revenue, n),
                    "rebooking": ratio(f["rebooked"], n),
                    "satisfaction": ratio(f["rating_sum"], f["rated"]), "rated": f["rated"],
                    "products_per_session": ratio(f["product_uses"], n)})  # fmt: skip
    return sorted(out, key=lambda r: -r["revenue"])


# --- Services ----------------------------------------------------------------------------


def service_popularity(scope: Scope, period: Period) -> list[dict]:
    """Services by sessions in the period, with the previous period's and the change."""

    def per(p: Period) -> dict:
        return {
            service_id: (f["sessions"], f["revenue"])
            for (service_id,), f in scope.figures(
                ServiceDay, p, by=("service_id",), where=_category(scope)
            ).items()  # fmt: skip
        }

    now, before = per(period), per(period.previous())
    intervals = dict(ServiceStats.objects.values_list("service_id", "typical_interval_days"))
    out = []
    for service_id in set(now) | set(before):
        n, revenue = now.get(service_id, (0, 0))
        b = before.get(service_id, (0, 0))[0]
        out.append({"service_id": service_id, "sessions": n, "revenue": revenue, "before": b,
                    "change": change(n, b), "delta": n - b,
                    "interval": intervals.get(service_id)})  # fmt: skip
    return sorted(out, key=lambda r: (-r["sessions"], -r["before"]))


def heat_map(scope: Scope, period: Period) -> dict:
    """Services performed by weekday × hour over the months of the period."""
    cells = defaultdict(int)
    for weekday, hour, n in (
        scope.months(HourMonth, period)
        .values_list("weekday", "hour")
        .annotate(Sum("services"))
        .order_by()
    ):
        cells[(weekday, hour)] = n
    hours = sorted({h for _, h in cells}) or list(range(8, 21))
    top = max(cells.values(), default=0)
    return {"hours": hours, "top": top,
            "rows": [[(wd, h, cells.get((wd, h), 0)) for h in hours] for wd in range(7)]}  # fmt: skip


def demographics(scope: Scope, period: Period, limit: int = 15) -> dict:
    """Services by the clients' age band and gender, over the months of the period."""
    by_age, by_gender, totals = defaultdict(dict), defaultdict(dict), defaultdict(int)
    for service_id, band, gender, n in (
        scope.months(DemographicMonth, period)
        .values_list("service_id", "age_band", "gender")
        .annotate(Sum("services"))
        .order_by()
    ):
        by_age[service_id][band] = by_age[service_id].get(band, 0) + n
        by_gender[service_id][gender] = by_gender[service_id].get(gender, 0) + n
        totals[service_id] += n
    top = sorted(totals, key=lambda s: -totals[s])[:limit]
    return {"services": [{"service_id": s, "total": totals[s],
                          "ages": [by_age[s].get(b, 0) for b in AGE_BANDS],
                          "genders": [by_gender[s].get(g, 0) for g in GENDERS]} for s in top]}  # fmt: skip
