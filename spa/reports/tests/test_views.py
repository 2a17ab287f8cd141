"""The report pages: who may open which, what each role sees, exports, freshness."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import statuses
from spa.audit.models import Action, AuditEntry
from spa.clients.services import client_health_update
from spa.sales.models import LineKind
from spa.sales.services import Checkout, Line, checkout_issue
from spa.treatments.services import SessionInput, session_log

REPORTS = ["revenue", "money", "clients", "services"]


def sell(actor, client, branch, service, price=450_000, **payments):
    return checkout_issue(actor=actor, data=Checkout(
        client=client, branch=branch, payments=payments or {"cash": price},
        lines=[Line(kind=LineKind.SERVICE, description=service.name, unit_price=price, service=service)]))  # fmt: skip


@pytest.mark.parametrize("name", REPORTS)
def test_business_reports_are_for_the_owner_and_managers(client, people, name):
    # ROLES order: anonymous, owner, manager_a, manager_b, receptionist_a, receptionist_b,
    # technician_a, technician_b
    assert statuses(client, people, f"/reports/{name}/") == [302, 200, 200, 200, 403, 403, 403, 403]


def test_everyone_on_staff_but_the_desk_has_a_staff_report_and_technicians_land_there(
    client, people
):
    assert statuses(client, people, "/reports/staff/") == [302, 200, 200, 200, 403, 403, 200, 200]
    assert statuses(client, people, "/reports/") == [302, 200, 200, 200, 403, 403, 302, 302]
    client.force_login(people["technician_a"])
    assert client.get("/reports/")["Location"] == "/reports/staff/"


def test_an_unknown_report_is_not_found(client, owner):
    client.force_login(owner)
    assert client.get("/reports/everything/").status_code == 404


@pytest.fixture
def two_branches(make_client, receptionist_a, receptionist_b, catalogue, branch_b):
    from spa.catalog.models import ServicePrice

    ServicePrice.objects.create(service=catalogue["facial"], branch=branch_b, price=500_000)
    hoa = make_client("Nguyễn Thị Hoa")
    mai = make_client("Lê Thị Mai", actor=receptionist_b)
    sell(receptionist_a, hoa, hoa.branch, catalogue["facial"], 450_000)
    sell(receptionist_b, mai, branch_b, catalogue["facial"], 7_770_000)
    return hoa, mai


def test_a_manager_sees_their_branch_only_whatever_the_address_asks(
    client, manager_a, branch_b, two_branches
):
    client.force_login(manager_a)
    page = client.get(f"/reports/revenue/?branch={branch_b.pk}").content.decode()
    assert "450.000" in page and "7.770.000" not in page


def test_the_owner_sees_the_chain_and_any_branch(client, owner, branch_b, two_branches):
    client.force_login(owner)
    chain = client.get("/reports/revenue/").content.decode()
    assert "8.220.000" in chain  # 450 000 + 7 770 000
    one = client.get(f"/reports/revenue/?branch={branch_b.pk}").content.decode()
    assert "7.770.000" in one and "8.220.000" not in one


def test_a_sale_shows_in_the_report_at_once_without_waiting_for_the_worker(
    client, owner, make_client, receptionist_a, catalogue
):
    client.force_login(owner)
    hoa = make_client("Nguyễn Thị Hoa")
    assert "1.234.000" not in client.get("/reports/revenue/").content.decode()
    sell(receptionist_a, hoa, hoa.branch, catalogue["facial"], 1_234_000)
    assert "1.234.000" in client.get("/reports/revenue/").content.decode()


def test_a_technician_reads_only_their_own_figures(
    client, technician_a, branch_a, make_client, catalogue
):
    from spa.accounts.models import Role, User

    other = User.objects.create_user("ktv.khac", password="x", role=Role.TECHNICIAN,
                                     branch=branch_a, first_name="Thảo", last_name="Ngô")  # fmt: skip
    hoa = make_client("Nguyễn Thị Hoa")
    from django.utils import timezone

    for person in (technician_a, other):
        session_log(actor=person, data=SessionInput(
            client=hoa, branch=branch_a, performed_at=timezone.now(), services=[catalogue["laser"]],
            technicians=[person], satisfaction=5))  # fmt: skip
    client.force_login(technician_a)
    page = client.get("/reports/staff/").content.decode()
    assert technician_a.display_name in page and other.display_name not in page


def test_no_health_data_reaches_a_report(
    client, owner, make_client, technician_a, catalogue, receptionist_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    client_health_update(actor=technician_a, client=hoa,
                         values={"allergy_notes": "Dị ứng hải sản nặng", "medications": "Isotretinoin"})  # fmt: skip
    sell(receptionist_a, hoa, hoa.branch, catalogue["facial"])
    from django.utils import timezone

    session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=hoa.branch, performed_at=timezone.now(), services=[catalogue["laser"]],
        technicians=[technician_a]))  # fmt: skip
    client.force_login(owner)
    for name in ["", *REPORTS, "staff"]:
        response = client.get(f"/reports/{name + '/' if name else ''}?period=year")
        page = response.content.decode()
        assert response.status_code == 200 and "Nguyễn" not in page
        assert "hải sản" not in page and "Isotretinoin" not in page


def test_the_excel_export_has_every_section_and_is_in_the_history(client, owner, two_branches):
    client.force_login(owner)
    response = client.get("/reports/revenue/?period=month&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(book.sheetnames) >= 6
    assert book.worksheets[0]["B2"].value == 8_220_000  # net revenue, a number
    entry = AuditEntry.objects.get(action=Action.EXPORT)
    assert entry.actor == owner and "revenue" in entry.summary


@pytest.mark.parametrize("query", [
    "period=zzz", "period=custom&start=0001-01-01&end=9999-99-99", "branch=abc&category=-1",
    "period=custom&start=2026-12-01&end=2020-01-01", "branch=999999999999999999999",
])  # fmt: skip
def test_bad_filters_fall_back_instead_of_failing(client, owner, query):
    client.force_login(owner)
    for name in REPORTS:
        assert client.get(f"/reports/{name}/?{query}").status_code == 200


def test_a_report_reads_the_same_number_of_queries_however_many_sales(
    client, owner, make_client, receptionist_a, catalogue
):
    client.force_login(owner)

    def queries() -> int:
        client.get("/reports/revenue/?period=year")  # folds in the marks first
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/reports/revenue/?period=year").status_code == 200
        return len(ctx.captured_queries)

    hoa = make_client("Nguyễn Thị Hoa")
    sell(receptionist_a, hoa, hoa.branch, catalogue["facial"])
    few = queries()
    for _ in range(5):
        sell(receptionist_a, make_client("Trần Văn Nam"), hoa.branch, catalogue["laser"], 800_000)
    assert queries() == few
