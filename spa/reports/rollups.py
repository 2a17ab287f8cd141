"""Recompute rollup buckets from the raw rows (delete, then insert the aggregation).

A bucket is a branch's day (sales, payments, services, staff, appointments), a
branch's month (heat map, age and gender) or a client (their stats, months, services,
and the cohort they belong to). `rollups_refresh` takes the marks, recomputes their
buckets and deletes exactly the marks it read, holding the RollupLock row so two
refreshes never interleave: a write that commits after the marks were read leaves a
mark of its own, which the next refresh takes. `rollups_rebuild` recomputes everything
in big set-based passes (a new installation, or the benchmark's generated history).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db import transaction
from django.db.models import Count, F, IntegerField, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractHour, ExtractWeekDay, TruncDate, TruncMonth
from django.utils import timezone

from spa.reports.models import (
    TWINS,
    AppointmentDay,
    ClientMark,
    ClientMonth,
    ClientService,
    ClientStats,
    CohortMonth,
    DayMark,
    DebtOpen,
    DemographicMonth,
    HourMonth,
    InvoiceDay,
    PaymentDay,
    RfmCutoffs,
    RollupLock,
    SalesDay,
    ServiceDay,
    ServiceStats,
    StaffDay,
)

BATCH = 5_000
CONSENT_CHANNELS = ("sms", "zalo", "email", "phone", "wechat")
PAIR_WINDOW_DAYS = 60
RFM_GROUPS = ("vip", "loyal", "potential", "new", "at_risk", "lapsed")
NEW_CLIENT_DAYS = 90


def _models():
    # Imported late: these apps sit below reports, and their services call our marks.
    from spa.booking.models import Appointment
    from spa.clients.models import Client, ConsentRecord
    from spa.sales.models import Balance, Invoice, InvoiceLine, LedgerEntry, Payment
    from spa.treatments.models import SessionProduct, SessionService, TreatmentSession

    return {
        "Appointment": Appointment, "Client": Client, "ConsentRecord": ConsentRecord,
        "Balance": Balance, "Invoice": Invoice, "InvoiceLine": InvoiceLine, "Payment": Payment,
        "LedgerEntry": LedgerEntry,
        "SessionProduct": SessionProduct, "SessionService": SessionService,
        "TreatmentSession": TreatmentSession,
    }  # fmt: skip


def day_start(day: date) -> datetime:
    """The first instant of `day` in the spa's time zone."""
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def age_band(age: int | None) -> str:
    """The age bands of the reports: "" unknown, u25, 25, 35, 45, 55 (and over)."""
    if age is None or age < 0 or age > 110:
        return ""
    if age < 25:
        return "u25"
    return str(min(55, 25 + (age - 25) // 10 * 10))


def _tz():
    return timezone.get_current_timezone()


# --- Day buckets --------------------------------------------------------------------


def _bulk(model, rows: list) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH)


def days_recompute(*, first: date, last: date, branch_id: int | None = None) -> None:
    """Recompute the day tables for [first, last] (every branch, or one)."""
    m = _models()
    lo, hi = day_start(first), day_start(last + timedelta(days=1))
    where_branch = {} if branch_id is None else {"branch_id": branch_id}
    for model in (SalesDay, InvoiceDay, PaymentDay, ServiceDay, StaffDay, AppointmentDay):
        model.objects.filter(day__gte=first, day__lte=last, **where_branch).delete()
    tz = _tz()

    lines = (
        m["InvoiceLine"].objects.filter(invoice__issued_at__gte=lo, invoice__issued_at__lt=hi)
        .filter(**{f"invoice__{k}": v for k, v in where_branch.items()})
        .values(d=TruncDate("invoice__issued_at", tzinfo=tz), b=F("invoice__branch_id"),
                k=F("invoice__kind"), lk=F("kind"), s=F("service_id"), p=F("product_id"),
                c=F("service__category_id"))
        .annotate(n=Count("id"), q=Sum("quantity"), g=Sum(F("quantity") * F("unit_price")),
                  dis=Sum("discount"), a=Sum("amount"))
    )  # fmt: skip
    _bulk(SalesDay, [
        SalesDay(day=r["d"], branch_id=r["b"], credit=r["k"] == "credit_note", kind=r["lk"],
                 service_id=r["s"] or 0, product_id=r["p"] or 0, category_id=r["c"] or 0,
                 lines=r["n"], quantity=r["q"], gross=r["g"], discount=r["dis"], amount=r["a"])
        for r in lines
    ])  # fmt: skip

    invoices = (
        m["Invoice"].objects.filter(issued_at__gte=lo, issued_at__lt=hi, **where_branch)
        .values(d=TruncDate("issued_at", tzinfo=tz), b=F("branch_id"), k=F("kind"))
        .annotate(n=Count("id"), sub=Sum("subtotal"), dis=Sum("discount_total"),
                  t=Sum("total"), debt=Sum("debt_created"))
    )  # fmt: skip
    _bulk(InvoiceDay, [
        InvoiceDay(day=r["d"], branch_id=r["b"], credit=r["k"] == "credit_note", invoices=r["n"],
                   subtotal=r["sub"], discount=r["dis"], total=r["t"], debt_created=r["debt"])
        for r in invoices
    ])  # fmt: skip

    payments = (
        m["Payment"].objects.filter(at__gte=lo, at__lt=hi, **where_branch)
        .values(d=TruncDate("at", tzinfo=tz), b=F("branch_id"), me=F("method"), pu=F("purpose"))
        .annotate(n=Count("id"), a=Sum("amount"))
    )  # fmt: skip
    _bulk(PaymentDay, [
        PaymentDay(day=r["d"], branch_id=r["b"], method=r["me"], purpose=r["pu"],
                   payments=r["n"], amount=r["a"])
        for r in payments
    ])  # fmt: skip

    done = m["TreatmentSession"].objects.filter(
        performed_at__gte=lo, performed_at__lt=hi, status="done", **where_branch
    )
    services = (
        m["SessionService"].objects.filter(session__in=done)
        .values(d=TruncDate("session__performed_at", tzinfo=tz), b=F("session__branch_id"),
                s=F("service_id"), c=F("service__category_id"))
        .annotate(n=Count("id"), rev=Sum("price"))
    )  # fmt: skip
    _bulk(ServiceDay, [
        ServiceDay(day=r["d"], branch_id=r["b"], service_id=r["s"], category_id=r["c"] or 0,
                   sessions=r["n"], revenue=r["rev"])
        for r in services
    ])  # fmt: skip

    _bulk(StaffDay, _staff_rows(m, done, lo, hi, where_branch))

    appointments = (
        m["Appointment"].objects.filter(start__gte=lo, start__lt=hi, **where_branch)
        .values(d=TruncDate("start", tzinfo=tz), b=F("branch_id"), st=F("status"))
        .annotate(n=Count("id"))
    )  # fmt: skip
    _bulk(AppointmentDay, [
        AppointmentDay(day=r["d"], branch_id=r["b"], status=r["st"], appointments=r["n"])
        for r in appointments
    ])  # fmt: skip
    month_twins_recompute(first=first, last=last, branch_id=branch_id)


NOT_SUMMED = {"id", "day", "month", "category_id"}


def summed_fields(model) -> list[str]:
    """The figures of a day or month table: every column but its keys and date."""
    return [f.attname for f in model._meta.concrete_fields
            if f.attname not in NOT_SUMMED and f.attname not in model.KEYS]  # fmt: skip


def month_twins_recompute(*, first: date, last: date, branch_id: int | None = None) -> None:
    """Recompute the month tables of the months first…last from their days."""
    first, last = month_of(first), month_of(last)
    where_branch = {} if branch_id is None else {"branch_id": branch_id}
    for day_model, month_model in TWINS.items():
        month_model.objects.filter(month__gte=first, month__lte=last, **where_branch).delete()
        sums = summed_fields(day_model)
        extra = {"cat": Max("category_id")} if hasattr(day_model, "category_id") else {}
        rows = (
            day_model.objects.filter(day__gte=first, day__lt=next_month(last), **where_branch)
            .annotate(m=TruncMonth("day")).values("m", *day_model.KEYS)
            .annotate(**{f"sum_{f}": Sum(f) for f in sums}, **extra).order_by()
        )  # fmt: skip
        _bulk(month_model, [
            month_model(month=r["m"], **{k: r[k] for k in day_model.KEYS},
                        **{f: r[f"sum_{f}"] for f in sums},
                        **({"category_id": r["cat"]} if extra else {}))
            for r in rows
        ])  # fmt: skip


def _staff_rows(m, done, lo, hi, where_branch) -> list[StaffDay]:
    """Per technician and day: sessions, revenue, ratings, products used, rebookings.

    A session is *rebooked* when, on the day of the session, its client booked another
    appointment that starts later: the technician kept the client coming."""
    tz = _tz()
    through = m["TreatmentSession"].technicians.through
    per_staff = (
        through.objects.filter(treatmentsession__in=done)
        .values(d=TruncDate("treatmentsession__performed_at", tzinfo=tz),
                b=F("treatmentsession__branch_id"), u=F("user_id"))
        .annotate(n=Count("id"), rev=Sum("treatmentsession__amount"),
                  rated=Count("treatmentsession__satisfaction"),
                  rsum=Coalesce(Sum("treatmentsession__satisfaction"), 0))
    )  # fmt: skip
    rows = {(r["d"], r["b"], r["u"]): r for r in per_staff}
    products = (
        m["SessionProduct"].objects.filter(session__in=done)
        .values(d=TruncDate("session__performed_at", tzinfo=tz), b=F("session__branch_id"),
                u=F("session__technicians__id"))
        .annotate(n=Count("id"))
    )  # fmt: skip
    product_uses = {(r["d"], r["b"], r["u"]): r["n"] for r in products if r["u"]}
    rebooked: dict = defaultdict(int)
    booked = (
        m["Appointment"]
        .objects.filter(created_at__gte=lo, created_at__lt=hi + timedelta(days=1), **where_branch)
        .exclude(status="cancelled")
    )
    # Sessions of clients who booked the same day, matched in Python: a day has few.
    bookings: dict = defaultdict(list)
    for client_id, created, start in booked.values_list("client_id", "created_at", "start"):
        bookings[(client_id, timezone.localdate(created, tz))].append(start)
    if bookings:
        sessions = done.filter(client_id__in={c for c, _ in bookings}).values_list(
            "pk", "client_id", "branch_id", "performed_at"
        )
        technicians = defaultdict(list)
        for session_id, user_id in through.objects.filter(
            treatmentsession__in=[s[0] for s in sessions]
        ).values_list("treatmentsession_id", "user_id"):
            technicians[session_id].append(user_id)
        for session_id, client_id, branch_id, performed in sessions:
            day = timezone.localdate(performed, tz)
            if any(start > performed for start in bookings.get((client_id, day), ())):
                for user_id in technicians[session_id]:
                    rebooked[(day, branch_id, user_id)] += 1
    commission = _commissions(m, done, through, tz)
    return [
        StaffDay(day=d, branch_id=b, staff_id=u, sessions=r["n"], revenue=r["rev"] or 0,
                 rated=r["rated"], rating_sum=r["rsum"],
                 product_uses=product_uses.get((d, b, u), 0), rebooked=rebooked[(d, b, u)],
                 commission=round(commission.get((d, b, u), 0)))
        for (d, b, u), r in rows.items()
    ]  # fmt: skip


def _commissions(m, done, through, tz) -> dict:
    """Commission per (day, branch, technician): each service's price × its category's
    rate, shared equally by the session's technicians."""
    rated = (
        m["SessionService"].objects.filter(session__in=done, service__category__commission_percent__gt=0)
        .values_list("session_id", "session__branch_id", "session__performed_at", "price",
                     "service__category__commission_percent")
    )  # fmt: skip
    lines = list(rated)
    if not lines:
        return {}
    crews = defaultdict(list)
    for session_id, user_id in through.objects.filter(
        treatmentsession_id__in={line[0] for line in lines}
    ).values_list("treatmentsession_id", "user_id"):
        crews[session_id].append(user_id)
    out: dict = defaultdict(float)
    for session_id, branch_id, performed, price, percent in lines:
        crew = crews.get(session_id) or []
        for user_id in crew:
            out[(timezone.localdate(performed, tz), branch_id, user_id)] += (
                price * float(percent) / 100 / len(crew)
            )
    return out


def months_recompute(*, first: date, last: date, branch_id: int | None = None) -> None:
    """Recompute the month tables (heat map, age and gender) for the months first…last."""
    m = _models()
    first, last = month_of(first), month_of(last)
    lo, hi = day_start(first), day_start(next_month(last))
    where_branch = {} if branch_id is None else {"branch_id": branch_id}
    for model in (HourMonth, DemographicMonth):
        model.objects.filter(month__gte=first, month__lte=last, **where_branch).delete()
    tz = _tz()
    lines = m["SessionService"].objects.filter(
        session__performed_at__gte=lo, session__performed_at__lt=hi, session__status="done",
        **{f"session__{k}": v for k, v in where_branch.items()},
    )  # fmt: skip
    hours = lines.values(
        d=TruncDate("session__performed_at", tzinfo=tz),
        b=F("session__branch_id"),
        c=Coalesce(F("service__category_id"), Value(0), output_field=IntegerField()),
        wd=ExtractWeekDay("session__performed_at", tzinfo=tz),
        h=ExtractHour("session__performed_at", tzinfo=tz),
    ).annotate(n=Count("id"))
    cells: dict = defaultdict(int)
    for r in hours:
        # ExtractWeekDay: 1 Sunday … 7 Saturday; ours: 0 Monday … 6 Sunday.
        cells[(month_of(r["d"]), r["b"], r["c"], (r["wd"] + 5) % 7, r["h"])] += r["n"]
    _bulk(HourMonth, [
        HourMonth(month=k[0], branch_id=k[1], category_id=k[2], weekday=k[3], hour=k[4], services=n)
        for k, n in cells.items()
    ])  # fmt: skip
    people = lines.values(
        d=TruncDate("session__performed_at", tzinfo=tz),
        b=F("session__branch_id"),
        s=F("service_id"),
        c=F("service__category_id"),
        g=F("session__client__gender"),
        y=F("session__client__birth_year"),
        bd=F("session__client__birth_date"),
    ).annotate(n=Count("id"))
    demo: dict = defaultdict(int)
    for r in people:
        year = r["y"] or (r["bd"].year if r["bd"] else None)
        band = age_band(r["d"].year - year if year else None)
        demo[(month_of(r["d"]), r["b"], r["s"], r["c"] or 0, band, r["g"] or "")] += r["n"]
    _bulk(DemographicMonth, [
        DemographicMonth(month=k[0], branch_id=k[1], service_id=k[2], category_id=k[3],
                         age_band=k[4], gender=k[5], services=n)
        for k, n in demo.items()
    ])  # fmt: skip
    _chain_months(first, last)


CHAIN = 0  # the branch id of the month rows summed over every branch


def _chain_months(first: date, last: date) -> None:
    """The whole chain's heat map and age/gender rows (branch 0), summed from the
    branches': an owner's year reads a few thousand rows, not one set per branch."""
    for model, keys in (
        (HourMonth, ("month", "category_id", "weekday", "hour")),
        (DemographicMonth, ("month", "service_id", "category_id", "age_band", "gender")),
    ):
        model.objects.filter(month__gte=first, month__lte=last, branch_id=CHAIN).delete()
        rows = (
            model.objects.filter(month__gte=first, month__lte=last).exclude(branch_id=CHAIN)
            .values(*keys).annotate(n=Sum("services")).order_by()
        )  # fmt: skip
        _bulk(model, [model(branch_id=CHAIN, services=r.pop("n"), **r) for r in rows])


# --- Client buckets -------------------------------------------------------------------


def _cutoffs() -> RfmCutoffs:
    return RfmCutoffs.objects.filter(pk=1).first() or RfmCutoffs(
        recency_days=[30, 90, 180, 365], visits=[1, 2, 4, 8], spend=[1, 3, 8, 20]
    )


def _score(value: float, limits: list, higher_is_better: bool = True) -> int:
    """1–5 from four ascending limits (quintiles)."""
    above = sum(1 for limit in limits if value > limit)
    return 1 + above if higher_is_better else 5 - above


def rfm_of(*, last_visit, first_visit, visits: int, spend: int, today: date, cutoffs) -> tuple:
    """(r, f, m, group) of a client; (0, 0, 0, "") for one who never came."""
    if last_visit is None:
        return 0, 0, 0, ""
    r = _score((today - last_visit).days, cutoffs.recency_days, higher_is_better=False)
    r = max(1, r)
    f = _score(visits, cutoffs.visits)
    m = _score(spend / 1_000_000, cutoffs.spend)
    if (today - first_visit).days <= NEW_CLIENT_DAYS and visits <= 2:
        group = "new"
    elif r >= 4 and f >= 4 and m >= 4:
        group = "vip"
    elif r >= 3 and f >= 3:
        group = "loyal"
    elif r <= 2 and (f >= 3 or m >= 3):
        group = "at_risk"
    elif r <= 2:
        group = "lapsed"
    else:
        group = "potential"
    return r, f, m, group


def clients_recompute(
    ids: list[int] | None = None, *, id_range: tuple[int, int] | None = None
) -> set:
    """Recompute ClientStats, ClientMonth and ClientService of the clients given (ids,
    or a range lo <= id < hi); returns the cohorts (month, branch, source) they were in
    before and are in now."""
    m = _models()
    if id_range is not None:
        by_id, pk_filter = (
            Q(client_id__gte=id_range[0], client_id__lt=id_range[1]),
            Q(pk__gte=id_range[0], pk__lt=id_range[1]),
        )
    else:
        by_id, pk_filter = Q(client_id__in=ids or []), Q(pk__in=ids or [])
    tz, today = _tz(), timezone.localdate()
    cohorts = {
        (month_of(first), branch, source or 0)
        for first, branch, source in ClientStats.objects.filter(
            by_id, first_visit__isnull=False
        ).values_list("first_visit", "branch_id", "source_id")
    }
    for model in (ClientStats, ClientMonth, ClientService, DebtOpen):
        model.objects.filter(by_id).delete()
    clients = list(
        m["Client"]
        .objects.filter(pk_filter, merged_into__isnull=True)
        .values("pk", "branch_id", "source_id", "tier", "gender", "birth_year", "birth_date")
    )
    if not clients:
        return cohorts
    live = [c["pk"] for c in clients]
    sessions = (
        m["TreatmentSession"].objects.filter(client_id__in=live, status="done")
        .values(c=F("client_id"), d=TruncDate("performed_at", tzinfo=tz), b=F("branch_id"))
        .order_by().distinct()
    )  # fmt: skip
    visit_days: dict = defaultdict(set)
    month_visits: dict = defaultdict(int)
    for r in sessions:
        if r["d"] not in visit_days[r["c"]]:
            visit_days[r["c"]].add(r["d"])
        month_visits[(r["c"], month_of(r["d"]), r["b"])] += 1
    month_spend: dict = defaultdict(int)
    spend: dict = defaultdict(int)
    for r in (
        m["Invoice"].objects.filter(client_id__in=live)
        .values(c=F("client_id"), d=TruncDate("issued_at", tzinfo=tz), b=F("branch_id"))
        .annotate(t=Sum("total"))
    ):  # fmt: skip
        month_spend[(r["c"], month_of(r["d"]), r["b"])] += r["t"]
        spend[r["c"]] += r["t"]
    debt = dict(
        m["Balance"]
        .objects.filter(client_id__in=live, account="debt")
        .values_list("client_id", "amount")
    )
    consents: dict = defaultdict(dict)
    for client_id, channel, granted in (
        m["ConsentRecord"].objects.filter(client_id__in=live)
        .order_by("recorded_at", "id").values_list("client_id", "channel", "granted")
    ):  # fmt: skip
        consents[client_id][channel] = granted  # latest wins
    cutoffs = _cutoffs()
    stats = []
    for c in clients:
        days = sorted(visit_days.get(c["pk"], ()))
        first = days[0] if days else None
        r, f, mo, group = rfm_of(
            last_visit=days[-1] if days else None, first_visit=first, visits=len(days),
            spend=spend.get(c["pk"], 0), today=today, cutoffs=cutoffs,
        )  # fmt: skip
        said = consents.get(c["pk"], {})
        stats.append(ClientStats(
            client_id=c["pk"], branch_id=c["branch_id"], source_id=c["source_id"], tier=c["tier"],
            gender=c["gender"], birth_year=c["birth_year"] or (c["birth_date"].year if c["birth_date"] else None),
            first_visit=first, second_visit=days[1] if len(days) > 1 else None,
            last_visit=days[-1] if days else None, visits=len(days), spend=spend.get(c["pk"], 0),
            debt=debt.get(c["pk"], 0), r_score=r, f_score=f, m_score=mo, rfm_group=group,
            **{f"consent_{ch}": bool(said.get(ch)) for ch in CONSENT_CHANNELS},
        ))  # fmt: skip
        if first:
            cohorts.add((month_of(first), c["branch_id"], c["source_id"] or 0))
    _bulk(ClientStats, stats)
    months = set(month_visits) | set(month_spend)
    _bulk(ClientMonth, [
        ClientMonth(client_id=k[0], month=k[1], branch_id=k[2], visits=month_visits.get(k, 0),
                    spend=month_spend.get(k, 0))
        for k in months
    ])  # fmt: skip
    home = {c["pk"]: c["branch_id"] for c in clients}
    _bulk(ClientService, _client_services(m, live, home, tz))
    _bulk(DebtOpen, _open_debts(m, {c: d for c, d in debt.items() if d > 0}, home, tz))
    return cohorts


def _open_debts(m, owed: dict, home: dict, tz) -> list[DebtOpen]:
    """Each debtor's debt, split over the entries that left it, newest first."""
    rows = []
    left = dict(owed)
    oldest: dict = {}
    for client_id, amount, at in (
        m["LedgerEntry"].objects.filter(client_id__in=list(owed), account="debt", amount__gt=0)
        .order_by("client_id", "-at", "-id").values_list("client_id", "amount", "at")
    ):  # fmt: skip
        day = timezone.localdate(at, tz)
        oldest[client_id] = day
        part = min(amount, left[client_id])
        if part > 0:
            left[client_id] -= part
            rows.append(
                DebtOpen(client_id=client_id, branch_id=home[client_id], left_on=day, amount=part)
            )
    for client_id, rest in left.items():
        if rest > 0:  # owed beyond what the ledger explains: counted as the oldest
            day = oldest.get(client_id, date(2000, 1, 1))
            rows.append(
                DebtOpen(client_id=client_id, branch_id=home[client_id], left_on=day, amount=rest)
            )
    return rows


def _client_services(m, live: list[int], home: dict, tz) -> list[ClientService]:
    from spa.reports.due import due_on, package_left_of

    days: dict = defaultdict(set)
    for client_id, service_id, day in (
        m["SessionService"].objects.filter(session__client_id__in=live, session__status="done")
        .values_list("session__client_id", "service_id",
                     TruncDate("session__performed_at", tzinfo=tz))
    ):  # fmt: skip
        days[(client_id, service_id)].add(day)
    typical = dict(ServiceStats.objects.values_list("service_id", "typical_interval_days"))
    rows = []
    for (client_id, service_id), seen in days.items():
        ordered = sorted(seen)
        interval = (
            round((ordered[-1] - ordered[0]).days / (len(ordered) - 1))
            if len(ordered) > 1
            else None
        )
        rows.append(ClientService(
            client_id=client_id, service_id=service_id, branch_id=home[client_id],
            sessions=len(ordered), first_on=ordered[0], last_on=ordered[-1],
            mean_interval_days=interval,
            due_on=due_on(last_on=ordered[-1], own_interval=interval,
                          typical_interval=typical.get(service_id),
                          package=package_left_of(live, client_id, service_id)),
        ))  # fmt: skip
    return rows


def cohorts_recompute(cohorts: set[tuple]) -> None:
    """Recompute the cohort rows (first-visit month, branch, source) given."""
    for cohort, branch_id, source_id in cohorts:
        members = ClientStats.objects.filter(
            first_visit__gte=cohort, first_visit__lt=next_month(cohort), branch_id=branch_id
        )
        members = (
            members.filter(source_id=source_id) if source_id else members.filter(source_id=None)
        )
        rows = list(
            members.values_list("client_id", "first_visit", "second_visit", "visits", "spend")
        )
        CohortMonth.objects.filter(cohort=cohort, branch_id=branch_id, source_id=source_id).delete()
        if not rows:
            continue
        gaps = [(s - f).days for _, f, s, _, _ in rows if s]
        active: dict = defaultdict(int)
        visits: dict = defaultdict(int)
        spent: dict = defaultdict(int)
        ids = [r[0] for r in rows]
        for i in range(0, len(ids), BATCH):
            for month, n, v, money in (
                ClientMonth.objects.filter(client_id__in=ids[i : i + BATCH], month__gte=cohort)
                .values_list("month")
                .annotate(n=Count("client_id", distinct=True, filter=Q(visits__gt=0)),
                          v=Sum("visits"), money=Sum("spend"))
                .order_by()
            ):  # fmt: skip
                offset = (month.year - cohort.year) * 12 + month.month - cohort.month
                active[offset] += n
                visits[offset] += v
                spent[offset] += money
        span = max(active) + 1 if active else 1
        CohortMonth.objects.create(
            cohort=cohort, branch_id=branch_id, source_id=source_id, clients=len(rows),
            returned_30=sum(1 for g in gaps if g <= 30), returned_60=sum(1 for g in gaps if g <= 60),
            returned_90=sum(1 for g in gaps if g <= 90), visits=sum(r[3] for r in rows),
            spend=sum(r[4] for r in rows), active=[active.get(i, 0) for i in range(span)],
            visits_by_month=[visits.get(i, 0) for i in range(span)],
            spend_by_month=[spent.get(i, 0) for i in range(span)],
        )  # fmt: skip


# --- Refresh and rebuild -------------------------------------------------------------


def _lock() -> RollupLock:
    RollupLock.objects.get_or_create(pk=1)
    return RollupLock.objects.select_for_update().get(pk=1)


def rollups_refresh(*, limit: int = 20_000) -> int:
    """Recompute the buckets of the marks left so far; returns how many marks it took."""
    if not (DayMark.objects.exists() or ClientMark.objects.exists()):
        return 0
    with transaction.atomic():
        lock = _lock()
        day_marks = list(DayMark.objects.values_list("id", "branch_id", "day", "sessions")[:limit])
        client_marks = list(ClientMark.objects.values_list("id", "client_id")[:limit])
        for branch_id, day in {(b, d) for _, b, d, _s in day_marks}:
            days_recompute(first=day, last=day, branch_id=branch_id)
        for branch_id, month in {(b, month_of(d)) for _, b, d, sessions in day_marks if sessions}:
            months_recompute(first=month, last=month, branch_id=branch_id)
        ids = sorted({c for _, c in client_marks})
        cohorts: set = set()
        for i in range(0, len(ids), BATCH):
            cohorts |= clients_recompute(ids[i : i + BATCH])
        cohorts_recompute(cohorts)
        DayMark.objects.filter(id__in=[mark[0] for mark in day_marks]).delete()
        ClientMark.objects.filter(id__in=[i for i, _ in client_marks]).delete()
        lock.refreshed_at = timezone.now()
        lock.save(update_fields=["refreshed_at"])
    return len(day_marks) + len(client_marks)


def _history_span() -> tuple[date, date] | None:
    m = _models()
    bounds = []
    for model, field in (
        (m["Invoice"], "issued_at"), (m["Payment"], "at"),
        (m["TreatmentSession"], "performed_at"), (m["Appointment"], "start"),
    ):  # fmt: skip
        span = model.objects.aggregate(lo=Min(field), hi=Max(field))
        if span["lo"]:
            bounds += [timezone.localdate(span["lo"]), timezone.localdate(span["hi"])]
    return (min(bounds), max(bounds)) if bounds else None


def rollups_rebuild(*, progress=None) -> None:
    """Recompute every rollup from the raw rows (month by month, clients in batches)."""
    say = progress or (lambda text: None)
    m = _models()
    with transaction.atomic():
        _lock()
        DayMark.objects.all().delete()
        ClientMark.objects.all().delete()
    span = _history_span()
    if span:
        month = month_of(span[0])
        while month <= span[1]:
            with transaction.atomic():
                days_recompute(first=month, last=next_month(month) - timedelta(days=1))
                months_recompute(first=month, last=month)
            say(f"days and months of {month:%Y-%m}")
            month = next_month(month)
    for model in (ClientStats, ClientMonth, ClientService, CohortMonth, DebtOpen):
        model.objects.all().delete()
    top = m["Client"].objects.aggregate(top=Max("pk"))["top"] or 0
    step = 20_000
    for lo in range(0, top + 1, step):
        with transaction.atomic():
            clients_recompute(id_range=(lo, lo + step))
        say(f"clients {lo}–{min(top, lo + step - 1)}")
    rollups_nightly(progress=say)
    keys = set(
        ClientStats.objects.filter(first_visit__isnull=False)
        .values_list("first_visit", "branch_id", "source_id")
    )  # fmt: skip
    cohorts_recompute({(month_of(f), b, s or 0) for f, b, s in keys})
    say("cohorts")


# --- Nightly ------------------------------------------------------------------------------


def _quartiles(values: list) -> list:
    """Four limits splitting `values` into five groups of about equal size."""
    if not values:
        return []
    values = sorted(values)
    return [values[min(len(values) - 1, len(values) * k // 5)] for k in range(1, 5)]


def rollups_nightly(*, progress=None, rescore: bool = True, intervals: bool = True) -> None:
    """The nightly pass: each service's typical interval and the service pairs (from the
    client histories), then new RFM limits and every client's score and group."""
    say = progress or (lambda text: None)
    if intervals:
        service_intervals_recompute()
        from spa.reports.due import due_dates_recompute

        due_dates_recompute()
        say("typical intervals and due dates")
        from spa.reports.recommend import service_pairs_recompute

        service_pairs_recompute()
        say("service pairs")
    if rescore:
        clients_rescore()
        say("RFM scores")
    with transaction.atomic():
        lock = _lock()
        lock.nightly_at = timezone.now()
        lock.save(update_fields=["nightly_at"])


def service_intervals_recompute() -> None:
    """A service's typical interval: the median of its repeat clients' own intervals."""
    per_service: dict = defaultdict(list)
    for service_id, interval in ClientService.objects.filter(
        mean_interval_days__isnull=False, mean_interval_days__gt=0
    ).values_list("service_id", "mean_interval_days"):
        per_service[service_id].append(interval)
    with transaction.atomic():
        ServiceStats.objects.all().delete()
        ServiceStats.objects.bulk_create(
            ServiceStats(
                service_id=s, typical_interval_days=round(median(v)), repeat_clients=len(v)
            )
            for s, v in per_service.items()
        )


def clients_rescore() -> None:
    """New quintile limits from every client who came, then every score and group."""
    today = timezone.localdate()
    came = ClientStats.objects.filter(last_visit__isnull=False)
    recency, visits, spend = [], [], []
    for last, n, money in came.values_list("last_visit", "visits", "spend").iterator(
        chunk_size=BATCH
    ):
        recency.append((today - last).days)
        visits.append(n)
        spend.append(money / 1_000_000)
    cutoffs, _created = RfmCutoffs.objects.update_or_create(pk=1, defaults={
        "recency_days": _quartiles(recency), "visits": _quartiles(visits),
        "spend": _quartiles(spend), "computed_at": timezone.now(),
    })  # fmt: skip
    top = ClientStats.objects.aggregate(top=Max("client_id"))["top"] or 0
    for lo in range(0, top + 1, 20_000):
        with transaction.atomic():
            batch = list(
                came.filter(client_id__gte=lo, client_id__lt=lo + 20_000).only(
                    "client_id", "first_visit", "last_visit", "visits", "spend"
                )
            )
            for s in batch:
                s.r_score, s.f_score, s.m_score, s.rfm_group = rfm_of(
                    last_visit=s.last_visit, first_visit=s.first_visit, visits=s.visits,
                    spend=s.spend, today=today, cutoffs=cutoffs,
                )  # fmt: skip
            ClientStats.objects.bulk_update(
                batch, ["r_score", "f_score", "m_score", "rfm_group"], batch_size=BATCH
            )
