"""The front desk's today page: arrivals of the user's branch in time order, states as
people read them, who is late, money/package/allergy alerts and birthdays."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from conftest import ROLES, statuses
from spa.audit.models import AuditEntry
from spa.booking.models import Appointment, Source, Status
from spa.clients.services import client_health_update
from spa.desk.selectors import (
    DeskState,
    _birth_dates,
    birthdays_query,
    branch_birthdays,
    today_arrivals,
)
from spa.sales.ledger import ledger_post
from spa.sales.models import Account
from spa.sales.services import Checkout, Line, checkout_issue
from spa.treatments.services import SessionInput, package_sell, session_log


def at(hour, minute=0, day=None):
    return timezone.make_aware(datetime.combine(day or timezone.localdate(), time(hour, minute)))


def book(client, technician, start, *, services=(), status=Status.BOOKED, source=Source.DESK, confirmed=True,
         branch=None, minutes=60):  # fmt: skip
    appointment = Appointment.objects.create(
        client=client, branch=branch or technician.branch, technician=technician, start=start,
        end=start + timedelta(minutes=minutes), status=status, source=source,
        confirmed_at=timezone.now() if confirmed else None, online_name="Lan online" if not confirmed else "",
    )  # fmt: skip
    appointment.services.set(services)
    return appointment


@pytest.fixture
def day_of_a(make_client, technician_a, technician_b, receptionist_b, catalogue, aha, branch_b):
    """Branch A's day: five arrivals in every state; branch B has one of its own."""
    hoa = make_client("Nguyễn Thị Hoa", birth_date=date(1990, 3, 1))
    lan = make_client("Trần Thị Lan")
    mai = make_client("Lê Thị Mai")
    cuc = make_client("Phạm Thị Cúc")
    dao = make_client("Võ Thị Đào")
    other = make_client("Đỗ Thị Xuân", actor=receptionist_b)
    facial = catalogue["facial"]
    rows = {
        "late": book(hoa, technician_a, at(9), services=[facial]),
        "online": book(
            lan, technician_a, at(14), services=[facial], source=Source.ONLINE, confirmed=False
        ),
        "in": book(mai, technician_a, at(10), services=[facial], status=Status.CHECKED_IN),
        "paid": book(cuc, technician_a, at(8), services=[facial], status=Status.COMPLETED),
        "to_pay": book(dao, technician_a, at(8, 30), services=[facial], status=Status.COMPLETED),
        "other": book(other, technician_b, at(9, 30), services=[facial]),
    }
    # Đào's treatment is logged, not billed; Cúc's is billed.
    for client, key in ((dao, "to_pay"), (cuc, "paid")):
        session = session_log(actor=technician_a, data=SessionInput(
            client=client, branch=technician_a.branch, performed_at=timezone.now(), services=[facial],
            technicians=[technician_a]))  # fmt: skip
        Appointment.objects.filter(pk=rows[key].pk).update(session=session)
    checkout_issue(actor=None, data=Checkout(client=cuc, branch=technician_a.branch, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, session=cuc.sessions.get())],
        payments={"cash": 450_000}))  # fmt: skip
    with transaction.atomic():
        ledger_post(client=hoa, account=Account.DEBT, amount=300_000, reason="invoice")
    package_sell(actor=None, client=mai, branch=technician_a.branch, name="Peel 5 buổi", services=[facial],
                 total_sessions=5, price=2_000_000, expires_on=timezone.localdate() + timedelta(days=10))  # fmt: skip
    client_health_update(
        actor=None, client=hoa, values={"allergen_ids": [aha.pk], "allergy_notes": "Latex"}
    )
    return rows


def test_arrivals_are_the_branch_day_in_time_order_with_states_as_people_read_them(
    day_of_a, receptionist_a, branch_a
):
    arrivals = today_arrivals(user=receptionist_a, branch=branch_a, now=at(11))
    assert [a.appointment.pk for a in arrivals] == [
        day_of_a[k].pk for k in ("paid", "to_pay", "late", "in", "online")
    ]
    assert [a.state for a in arrivals] == [
        DeskState.DONE, DeskState.TO_PAY, DeskState.BOOKED, DeskState.IN_TREATMENT, DeskState.AWAITING,
    ]  # fmt: skip
    by_key = {a.appointment.pk: a for a in arrivals}
    assert day_of_a["other"].pk not in by_key  # branch B's appointment never shown


def test_a_booked_client_past_the_grace_time_is_late_and_not_before(
    day_of_a, receptionist_a, branch_a
):
    assert today_arrivals(user=receptionist_a, branch=branch_a, now=at(9, 10))[2].late_minutes == 0
    late = [
        a for a in today_arrivals(user=receptionist_a, branch=branch_a, now=at(9, 11)) if a.is_late
    ]
    assert [(a.appointment.pk, a.late_minutes) for a in late] == [(day_of_a["late"].pk, 11)]
    # checked in: never late, whatever the time
    assert not [a for a in today_arrivals(user=receptionist_a, branch=branch_a, now=at(16)) if a.is_late
                and a.appointment.pk == day_of_a["in"].pk]  # fmt: skip


def test_alerts_show_debt_package_about_to_expire_and_allergies(
    day_of_a, receptionist_a, branch_a, aha
):
    by_pk = {
        a.appointment.pk: a
        for a in today_arrivals(user=receptionist_a, branch=branch_a, now=at(11))
    }
    hoa, mai = by_pk[day_of_a["late"].pk], by_pk[day_of_a["in"].pk]
    assert hoa.debt == 300_000 and hoa.allergies == [aha.label, "Latex"]
    assert [p.name for p, _why in mai.packages] == ["Peel 5 buổi"] and "hạn" in mai.packages[0][1]
    assert mai.debt == 0 and not mai.allergies


def test_birthdays_are_one_indexed_query_for_the_branch(
    make_client, receptionist_a, receptionist_b, branch_a, django_assert_num_queries
):
    make_client("Hoa", birth_date=date(1990, 3, 1))
    make_client("Lan", birth_date=date(2001, 3, 1))
    make_client("Mai", birth_date=date(1990, 3, 2))
    make_client("Xuân", birth_date=date(1990, 3, 1), actor=receptionist_b)
    with django_assert_num_queries(1):
        found = branch_birthdays(user=receptionist_a, branch=branch_a, day=date(2026, 3, 1))
    assert [c.full_name for c in found] == ["Hoa", "Lan"]
    assert branch_birthdays(user=receptionist_b, branch=branch_a, day=date(2026, 3, 1)) == []


def test_born_on_29_february_celebrates_on_28_february_in_other_years():
    assert date(2000, 2, 29) in _birth_dates(date(2027, 2, 28))
    assert date(2000, 2, 29) not in _birth_dates(date(2028, 2, 28))
    assert date(2000, 2, 29) in _birth_dates(date(2028, 2, 29))


def test_birthday_query_reads_the_birth_date_index_not_the_branch(receptionist_a, branch_a):
    from django.db import connection

    plan = birthdays_query(user=receptionist_a, branch=branch_a, day=date(2026, 3, 1)).explain()
    if connection.vendor == "sqlite":
        assert "birth_date" in plan, plan
    else:
        assert "clients_client" in plan


def test_today_page_matrix(client, people, day_of_a):
    assert statuses(client, people, reverse("desk:today")) == [
        302,
        200,
        200,
        200,
        200,
        200,
        403,
        403,
    ]


def test_landing_page_after_login_depends_on_the_role(client, people):
    landing = {}
    for role in ROLES[1:]:
        client.force_login(people[role])
        landing[role] = client.get("/")["Location"]
    assert (
        landing["receptionist_a"]
        == landing["manager_a"]
        == landing["owner"]
        == reverse("desk:today")
    )
    assert landing["technician_a"] == reverse("booking:day")


def test_today_page_shows_the_day_and_other_branch_never(
    client, day_of_a, receptionist_a, receptionist_b
):
    client.force_login(receptionist_a)
    page = client.get(reverse("desk:today")).content.decode()
    assert page.count('data-testid="arrival"') == 5
    assert "Đỗ Thị Xuân" not in page
    assert "Lan online" in page and "Chờ xác nhận" in page or "Awaiting" in page
    assert 'data-testid="arrival-debt"' in page and "300.000" in page
    assert "Latex" in page
    client.force_login(receptionist_b)
    page = client.get(reverse("desk:today")).content.decode()
    assert page.count('data-testid="arrival"') == 1 and "Nguyễn Thị Hoa" not in page


def test_owner_picks_the_branch(client, owner, day_of_a, branch_a, branch_b):
    client.force_login(owner)
    assert client.get(reverse("desk:today")).content.decode().count('data-testid="arrival"') == 5
    page = client.get(reverse("desk:today"), {"branch": "b"}).content.decode()
    assert page.count('data-testid="arrival"') == 1 and "Đỗ Thị Xuân" in page


def test_check_in_from_today_changes_the_status_writes_the_audit_entry_and_refreshes_the_row(
    client, receptionist_a, make_client, technician_a, catalogue
):
    hoa = make_client("Nguyễn Thị Hoa")
    appointment = book(
        hoa, technician_a, timezone.now() + timedelta(minutes=5), services=[catalogue["facial"]]
    )
    client.force_login(receptionist_a)
    before = AuditEntry.objects.count()
    response = client.post(reverse("desk:check_in", args=[appointment.pk]), HTTP_HX_REQUEST="true")
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert entry.client_id == hoa.pk and entry.changes == {
        "appointment_status": ["booked", "checked_in"]
    }
    row = response.content.decode()
    assert (
        row.startswith(f'<tr id="arrival-{appointment.pk}"') and 'data-testid="check-in"' not in row
    )
    assert 'data-testid="checkout"' in row  # the next step is offered
    # a second check-in is refused without a 500, and nothing else changes
    again = client.post(reverse("desk:check_in", args=[appointment.pk]))
    assert again.status_code == 302 and AuditEntry.objects.count() == before + 1


def test_check_in_matrix_other_branch_is_404_and_technician_403(
    client, people, make_client, technician_a, catalogue
):
    hoa = make_client("Nguyễn Thị Hoa")
    appointment = book(
        hoa, technician_a, timezone.now() + timedelta(hours=1), services=[catalogue["facial"]]
    )
    url = reverse("desk:check_in", args=[appointment.pk])
    codes = []
    for role in ROLES:
        Appointment.objects.filter(pk=appointment.pk).update(status=Status.BOOKED)
        client.logout()
        if people[role]:
            client.force_login(people[role])
        codes.append(client.post(url).status_code)
    assert codes == [302, 302, 302, 404, 302, 404, 403, 403]


def test_today_query_count_does_not_grow_with_the_rows(
    client, receptionist_a, make_client, technician_a, catalogue, aha, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            person = make_client(f"Khách {i} {n}")
            client_health_update(actor=None, client=person, values={"allergen_ids": [aha.pk]})
            package_sell(actor=None, client=person, branch=technician_a.branch, name="Gói", services=[catalogue["facial"]],
                         total_sessions=2, price=100_000)  # fmt: skip
            book(
                person,
                technician_a,
                at(8) + timedelta(minutes=15 * i),
                services=[catalogue["facial"]],
            )

    client.force_login(receptionist_a)
    add(2)
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("desk:today"))
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("desk:today")).content.decode()
    assert page.count('data-testid="arrival"') == 12
