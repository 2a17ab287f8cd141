"""The rollups equal the raw aggregation: recomputed here, independently, from the raw
rows with plain Python, after sales, sessions, bookings, a credit note and a merge."""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from conftest import tomorrow_at
from spa.booking.models import Appointment
from spa.booking.services import Booking, appointment_book, appointment_cancel, appointment_no_show
from spa.clients.models import Client
from spa.clients.services import client_consent_record, client_merge
from spa.reports import rollups
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
    SalesDay,
    ServiceDay,
    StaffDay,
)
from spa.sales.models import Invoice, InvoiceLine, LineKind, Method, Payment
from spa.sales.services import Checkout, Line, checkout_issue, credit_note_issue, debt_pay
from spa.treatments.models import SessionProduct, SessionService, TreatmentSession
from spa.treatments.services import ProductUse, SessionInput, session_log

ROLLUPS = (
    *TWINS, *TWINS.values(), HourMonth, DemographicMonth, ClientStats, ClientMonth,
    ClientService, CohortMonth, DebtOpen,
)  # fmt: skip


def local(at):
    return timezone.localdate(at)


def ago(days: int, hour: int = 10):
    now = timezone.localtime()
    return now.replace(hour=hour, minute=15, second=0, microsecond=0) - timedelta(days=days)


@pytest.fixture
def history(
    make_client, receptionist_a, manager_a, technician_a, catalogue, branch_a, working_week
):
    """Three clients with sessions over months, sales (one with debt, one reversed),
    a debt payment, bookings kept, cancelled and missed, consent, and a merge."""
    from decimal import Decimal

    hoa = make_client("Nguyễn Thị Hoa", gender="female", birth_year=1990)
    lan = make_client("Trần Thị Lan", gender="female", birth_year=1975)
    dup = make_client("Tran Thi Lan", gender="female")
    facial, laser = catalogue["facial"], catalogue["laser"]
    facial.category.commission_percent = 10  # the spa pays 10% on facials
    facial.category.save()

    def visit(client, days, services, rating=None, products=()):
        return session_log(actor=technician_a, data=SessionInput(
            client=client, branch=branch_a, performed_at=ago(days), services=services,
            technicians=[technician_a], satisfaction=rating,
            products=[ProductUse(product=p, quantity=Decimal("1.5")) for p in products]))  # fmt: skip

    for days in (120, 92, 63, 35, 6):
        visit(hoa, days, [facial], rating=5, products=[catalogue["peel"]])
    visit(hoa, 35, [laser], rating=4)
    visit(lan, 200, [laser])
    visit(lan, 20, [facial, laser], rating=3)
    visit(dup, 50, [facial])

    def sell(client, lines, **payments):
        return checkout_issue(actor=receptionist_a, data=Checkout(
            client=client, branch=branch_a, lines=lines, payments=payments))  # fmt: skip

    sell(hoa, [Line(kind=LineKind.SERVICE, description="Peel", unit_price=450_000, service=facial)],
         cash=450_000)  # fmt: skip
    owed = sell(lan, [
        Line(kind=LineKind.SERVICE, description="Laser", unit_price=800_000, service=laser, discount=80_000),
        Line(kind=LineKind.PRODUCT, description="Kem", unit_price=390_000, quantity=2,
             product=catalogue["sunscreen"]),
    ], card=1_000_000)  # fmt: skip
    wrong = sell(dup, [Line(kind=LineKind.SERVICE, description="Peel", unit_price=450_000,
                            service=facial)], transfer=450_000)  # fmt: skip
    debt_pay(actor=receptionist_a, client=lan, branch=branch_a, amount=200_000, method=Method.CASH)
    credit_note_issue(actor=manager_a, invoice=wrong, reason="Nhập nhầm")
    kept = appointment_book(actor=receptionist_a, data=Booking(
        client=hoa, branch=branch_a, services=[facial], start=tomorrow_at(9)))  # fmt: skip
    cancelled = appointment_book(actor=receptionist_a, data=Booking(
        client=lan, branch=branch_a, services=[facial], start=tomorrow_at(14)))  # fmt: skip
    appointment_cancel(actor=receptionist_a, appointment=cancelled, reason="Bận việc")
    missed = appointment_book(actor=receptionist_a, data=Booking(
        client=dup, branch=branch_a, services=[laser], start=tomorrow_at(16)))  # fmt: skip
    Appointment.objects.filter(pk=missed.pk).update(start=ago(0, hour=8), end=ago(0, hour=9))
    missed.refresh_from_db()
    appointment_no_show(actor=receptionist_a, appointment=missed)
    client_consent_record(actor=manager_a, client=hoa, channel="zalo", granted=True, method="paper")
    client_merge(actor=manager_a, survivor=lan, absorbed=dup)
    return {"hoa": hoa, "lan": lan, "dup": dup, "kept": kept, "owed": owed}


def test_writes_leave_marks_and_a_refresh_takes_them_all(history):
    assert DayMark.objects.exists() and ClientMark.objects.exists()
    rollups.rollups_refresh()
    assert not DayMark.objects.exists() and not ClientMark.objects.exists()


def _raw_sales():
    sums = defaultdict(lambda: [0, 0, 0, 0])
    for line in InvoiceLine.objects.select_related("invoice"):
        key = (local(line.invoice.issued_at), line.invoice.branch_id,
               line.invoice.kind == "credit_note", line.kind, line.service_id or 0,
               line.product_id or 0)  # fmt: skip
        s = sums[key]
        s[0] += line.quantity
        s[1] += line.quantity * line.unit_price
        s[2] += line.discount
        s[3] += line.amount
    return {k: tuple(v) for k, v in sums.items()}


def _rolled_sales():
    return {
        (r.day, r.branch_id, r.credit, r.kind, r.service_id, r.product_id): (
            r.quantity, r.gross, r.discount, r.amount,
        )
        for r in SalesDay.objects.all()
    }  # fmt: skip


def test_day_rollups_equal_the_raw_rows_after_a_credit_note_and_a_merge(history):
    rollups.rollups_refresh()

    assert _rolled_sales() == _raw_sales()
    # The credit note is a refund: its lines are negative and on their own rows.
    assert sum(r.amount for r in SalesDay.objects.filter(credit=True)) == -450_000

    raw_invoices = defaultdict(lambda: [0, 0, 0, 0, 0])
    for inv in Invoice.objects.all():
        s = raw_invoices[(local(inv.issued_at), inv.branch_id, inv.kind == "credit_note")]
        for i, value in enumerate(
            (1, inv.subtotal, inv.discount_total, inv.total, inv.debt_created)
        ):
            s[i] += value
    assert {
        (r.day, r.branch_id, r.credit): [
            r.invoices,
            r.subtotal,
            r.discount,
            r.total,
            r.debt_created,
        ]
        for r in InvoiceDay.objects.all()
    } == dict(raw_invoices)

    raw_payments = defaultdict(lambda: [0, 0])
    for p in Payment.objects.all():
        s = raw_payments[(local(p.at), p.branch_id, p.method, p.purpose)]
        s[0] += 1
        s[1] += p.amount
    assert {
        (r.day, r.branch_id, r.method, r.purpose): [r.payments, r.amount]
        for r in PaymentDay.objects.all()
    } == dict(raw_payments)

    raw_services = defaultdict(lambda: [0, 0])
    for line in SessionService.objects.filter(session__status="done").select_related("session"):
        s = raw_services[
            (local(line.session.performed_at), line.session.branch_id, line.service_id)
        ]
        s[0] += 1
        s[1] += line.price
    assert {
        (r.day, r.branch_id, r.service_id): [r.sessions, r.revenue]
        for r in ServiceDay.objects.all()
    } == dict(raw_services)

    raw_staff = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for session in TreatmentSession.objects.filter(status="done").prefetch_related("technicians"):
        crew = list(session.technicians.all())
        commission = sum(
            line.price * line.service.category.commission_percent / 100
            for line in session.service_lines.select_related("service__category")
        )
        for person in crew:
            s = raw_staff[(local(session.performed_at), session.branch_id, person.pk)]
            s[0] += 1
            s[1] += session.amount
            s[2] += session.satisfaction is not None
            s[3] += session.satisfaction or 0
            s[4] += SessionProduct.objects.filter(session=session).count()
            s[5] += commission / len(crew)
    rolled = {
        (r.day, r.branch_id, r.staff_id): [r.sessions, r.revenue, r.rated, r.rating_sum,
                                            r.product_uses, r.commission]
        for r in StaffDay.objects.all()
    }  # fmt: skip
    assert rolled == {k: [*v[:5], round(v[5])] for k, v in raw_staff.items()}
    # Ten per cent of every facial-category service: 7 peels at 450 000, 3 lasers at 800 000.
    assert StaffDay.objects.aggregate(c=Sum("commission"))["c"] == 7 * 45_000 + 3 * 80_000

    raw_appointments = defaultdict(int)
    for a in Appointment.objects.all():
        raw_appointments[(local(a.start), a.branch_id, a.status)] += 1
    assert {
        (r.day, r.branch_id, r.status): r.appointments for r in AppointmentDay.objects.all()
    } == dict(raw_appointments)
    assert AppointmentDay.objects.filter(status="no_show").get().appointments == 1


def test_month_rollups_equal_the_raw_rows(history):
    rollups.rollups_refresh()
    heat = defaultdict(int)
    people = defaultdict(int)
    for line in SessionService.objects.filter(session__status="done").select_related(
        "session__client", "service"
    ):
        at = timezone.localtime(line.session.performed_at)
        month = at.date().replace(day=1)
        heat[(month, line.session.branch_id, line.service.category_id, at.weekday(), at.hour)] += 1
        client = line.session.client
        year = client.birth_year or (client.birth_date.year if client.birth_date else None)
        band = rollups.age_band(at.year - year if year else None)
        people[(month, line.session.branch_id, line.service_id, band, client.gender)] += 1
    assert {
        (r.month, r.branch_id, r.category_id, r.weekday, r.hour): r.services
        for r in HourMonth.objects.exclude(branch_id=0)
    } == dict(heat)
    assert {
        (r.month, r.branch_id, r.service_id, r.age_band, r.gender): r.services
        for r in DemographicMonth.objects.exclude(branch_id=0)
    } == dict(people)
    # The chain's rows (branch 0) are the branches' summed.
    chain = defaultdict(int)
    for (month, _branch, category, weekday, hour), n in heat.items():
        chain[(month, 0, category, weekday, hour)] += n
    assert {
        (r.month, r.branch_id, r.category_id, r.weekday, r.hour): r.services
        for r in HourMonth.objects.filter(branch_id=0)
    } == dict(chain)


def test_client_rollups_equal_the_raw_rows_and_the_merged_profile_has_none(history):
    rollups.rollups_refresh()
    lan, hoa, dup = history["lan"], history["hoa"], history["dup"]

    assert not ClientStats.objects.filter(client_id=dup.pk).exists()
    assert not ClientService.objects.filter(client_id=dup.pk).exists()
    for client in Client.objects.filter(merged_into__isnull=True):
        days = sorted({local(s.performed_at) for s in client.sessions.filter(status="done")})
        spend = sum(i.total for i in Invoice.objects.filter(client=client))
        stats = ClientStats.objects.get(client_id=client.pk)
        assert (stats.visits, stats.spend) == (len(days), spend)
        assert (stats.first_visit, stats.last_visit) == (
            (days[0], days[-1]) if days else (None, None)
        )
        assert stats.second_visit == (days[1] if len(days) > 1 else None)
        months = defaultdict(lambda: [0, 0])
        for day, branch_id in {(local(s.performed_at), s.branch_id)
                               for s in client.sessions.filter(status="done")}:  # fmt: skip
            months[(day.replace(day=1), branch_id)][0] += 1
        for inv in Invoice.objects.filter(client=client):
            months[(local(inv.issued_at).replace(day=1), inv.branch_id)][1] += inv.total
        assert {
            (r.month, r.branch_id): [r.visits, r.spend]
            for r in ClientMonth.objects.filter(client_id=client.pk)
        } == dict(months)
    # Lan took over the merged profile's visit and invoice (and its credit note): 0 net.
    assert ClientStats.objects.get(client_id=lan.pk).visits == 3
    assert ClientStats.objects.get(client_id=lan.pk).spend == history["owed"].total
    assert ClientStats.objects.get(client_id=lan.pk).debt == history["owed"].debt_created - 200_000
    assert ClientStats.objects.get(client_id=hoa.pk).consent_zalo is True
    peel = ClientService.objects.get(client_id=hoa.pk, service_id=history["kept"].services.get().pk)
    assert (peel.sessions, peel.mean_interval_days) == (5, 28)  # 120 → 6 days ago: 114 / 4
    assert peel.due_on == peel.last_on + timedelta(days=28)


def test_cohorts_count_each_first_visit_once_and_who_came_back(history):
    rollups.rollups_refresh()
    firsts = defaultdict(list)
    for stats in ClientStats.objects.exclude(first_visit=None):
        firsts[(stats.first_visit.replace(day=1), stats.branch_id, stats.source_id or 0)].append(
            stats
        )
    rows = {(c.cohort, c.branch_id, c.source_id): c for c in CohortMonth.objects.all()}
    assert set(rows) == set(firsts)
    for key, members in firsts.items():
        row = rows[key]
        assert row.clients == len(members)
        gaps = [(m.second_visit - m.first_visit).days for m in members if m.second_visit]
        assert row.returned_30 == sum(g <= 30 for g in gaps)
        assert row.returned_90 == sum(g <= 90 for g in gaps)
        assert row.active[0] == len(members)


def _snapshot():
    def plain(row):
        return tuple(
            getattr(row, f.attname) for f in row._meta.concrete_fields if f.attname != "id"
        )

    return {model.__name__: sorted(map(plain, model.objects.all())) for model in ROLLUPS}


def test_a_full_rebuild_gives_the_same_rollups_as_the_marks(history):
    rollups.rollups_refresh()
    rollups.rollups_nightly()  # the rebuild ends with the nightly pass: so do we
    incremental = _snapshot()
    for model in ROLLUPS:
        model.objects.all().delete()
    rollups.rollups_rebuild()
    assert _snapshot() == incremental


def test_months_hold_the_sums_of_their_days_and_a_long_period_reads_the_same_either_way(history):
    from spa.reports.rollups import summed_fields
    from spa.reports.selectors import Period, Scope, split_period

    rollups.rollups_refresh()
    for day_model, month_model in TWINS.items():
        from_days = defaultdict(lambda: defaultdict(int))
        for row in day_model.objects.all():
            key = (row.day.replace(day=1), *(getattr(row, k) for k in day_model.KEYS))
            for f in summed_fields(day_model):
                from_days[key][f] += getattr(row, f)
        months = {
            (row.month, *(getattr(row, k) for k in day_model.KEYS)):
                {f: getattr(row, f) for f in summed_fields(day_model)}
            for row in month_model.objects.all()
        }  # fmt: skip
        assert months == {k: dict(v) for k, v in from_days.items()}, day_model.__name__
    today = timezone.localdate()
    year = Period(today - timedelta(days=400), today)
    assert [m for m, _lo, _hi in split_period(year)] == [False, True, False]
    for day_model in TWINS:
        assert dict(Scope().figures(day_model, year, by=("branch_id",))) == dict(
            Scope().figures(day_model, year, by=("branch_id",), monthly=False)
        )
