"""The client list: every filter returns exactly the right clients of a small fixed
population built through the real services; sorts, keyset pages, the export of the
same clients, the permission matrix and bad parameters."""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import statuses
from spa.audit.models import Action, AuditEntry
from spa.clients.models import Client, ClientGroup, ClientSource, Tag
from spa.clients.selectors_lists import SORTS, ClientFilters, client_list_page
from spa.clients.services import client_consent_record
from spa.sales.services import Checkout, Line, checkout_issue, debt_pay, package_sale

pytestmark = pytest.mark.django_db
URL = reverse("clients:list")
EXPORT = reverse("clients:list_export")


def _visit(client, day: date) -> None:
    """Set the figure session_log keeps (the last visit), at 10:00 local time."""
    at = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))
    Client.objects.filter(pk=client.pk).update(last_visit_at=at)


@pytest.fixture
def people_of_a(make_client, receptionist_a, receptionist_b, branch_a, branch_b, catalogue):
    """Five clients in branch A and one in B, each matching a different set of filters."""
    vip = Tag.objects.get_or_create(name="VIP")[0]
    quiet = Tag.objects.get_or_create(name="Da nhạy cảm")[0]
    facebook = ClientSource.objects.get_or_create(name="Facebook")[0]
    office = ClientGroup.objects.get_or_create(name="Văn phòng")[0]
    today = timezone.localdate()
    hoa = make_client("Nguyễn Thị Hoa", tier="gold", source=facebook, group=office,
                      birth_date=date(1990, 3, 7))  # fmt: skip
    hoa.tags.add(vip)
    _visit(hoa, date(2026, 5, 10))
    lan = make_client("Trần Thị Lan", birth_date=date(1985, 7, 20))
    lan.tags.add(quiet)
    _visit(lan, date(2026, 11, 1))
    # Lan owes 300,000 (an invoice paid in part), then pays 100,000 of it.
    checkout_issue(actor=receptionist_a, data=Checkout(client=lan, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])],
        payments={"cash": 150_000}))  # fmt: skip
    debt_pay(actor=receptionist_a, client=lan, branch=branch_a, amount=100_000)
    Client.objects.filter(pk=lan.pk).update(tier="silver")  # as loyalty might have set it
    mai = make_client("Lê Thị Mai", birth_date=date(2000, 3, 1))
    package_sale(actor=receptionist_a, client=mai, branch=branch_a, name="Peel x5",
                 services=[catalogue["facial"]], total_sessions=5, price=2_000_000,
                 expires_on=today + timedelta(days=20))  # fmt: skip
    client_consent_record(actor=receptionist_a, client=mai, channel="zalo", granted=True,
                          method="paper")  # fmt: skip
    cuc = make_client("Phạm Thị Cúc", source=facebook)
    _visit(cuc, date(2025, 1, 15))
    # Cúc said yes to Zalo, then no: the latest record wins.
    client_consent_record(actor=receptionist_a, client=cuc, channel="zalo", granted=True,
                          method="paper")  # fmt: skip
    client_consent_record(actor=receptionist_a, client=cuc, channel="zalo", granted=False,
                          method="phone")  # fmt: skip
    client_consent_record(actor=receptionist_a, client=cuc, channel="sms", granted=True,
                          method="phone")  # fmt: skip
    # An expired package does not count as unused.
    package = package_sale(actor=receptionist_a, client=cuc, branch=branch_a, name="Old card",
                           services=[catalogue["facial"]], total_sessions=3, price=900_000,
                           expires_on=today + timedelta(days=5))[0]  # fmt: skip
    type(package).objects.filter(pk=package.pk).update(expires_on=today - timedelta(days=2))
    dao = make_client("Đỗ Thị Đào", tier="diamond")
    _visit(dao, date(2026, 2, 2))
    # Branch B: matches nearly everything, yet never on branch A's list.
    bich = make_client("Vũ Thị Bích", actor=receptionist_b, tier="gold", source=facebook,
                       group=office, birth_date=date(1991, 3, 9))  # fmt: skip
    bich.tags.add(vip)
    _visit(bich, date(2026, 6, 1))
    client_consent_record(actor=receptionist_b, client=bich, channel="zalo", granted=True,
                          method="paper")  # fmt: skip
    return {"hoa": hoa, "lan": lan, "mai": mai, "cuc": cuc, "dao": dao, "bich": bich,
            "vip": vip, "facebook": facebook, "office": office}  # fmt: skip


def names(http, user, **params) -> list[str]:
    http.force_login(user)
    response = http.get(URL, params)
    assert response.status_code == 200
    return re.findall(r'data-testid="row-name">([^<]+)<', response.content.decode())


def short(full_names: list[str]) -> list[str]:
    return [n.split()[-1] for n in full_names]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Lan", "Hoa", "Đào", "Cúc", "Mai"]),  # default: most recent visit first
        ({"tier": "gold"}, ["Hoa"]),
        ({"tier": "bronze"}, ["Cúc", "Mai"]),
        ({"tag": "VIP"}, ["Hoa"]),
        ({"source": "Facebook"}, ["Hoa", "Cúc"]),
        ({"group": "Văn phòng"}, ["Hoa"]),
        ({"birth_month": "3"}, ["Hoa", "Mai"]),
        ({"visit_after": "01/05/2026"}, ["Lan", "Hoa"]),
        ({"visit_before": "10/05/2026"}, ["Hoa", "Đào", "Cúc"]),
        ({"visit_after": "01/02/2026", "visit_before": "31/05/2026"}, ["Hoa", "Đào"]),
        ({"has_debt": "on"}, ["Lan"]),
        ({"has_package": "on"}, ["Mai"]),
        ({"consent": "zalo"}, ["Mai"]),
        ({"consent": "sms"}, ["Cúc"]),
        ({"consent": "email"}, []),
        ({"source": "Facebook", "birth_month": "3"}, ["Hoa"]),
        ({"tier": "bronze", "consent": "zalo", "has_package": "on"}, ["Mai"]),
        ({"tier": "silver", "has_package": "on"}, []),
    ],
)
def test_each_filter_returns_exactly_the_right_clients_of_the_managers_branch(
    client, manager_a, people_of_a, params, expected
):
    ids = {"tag": people_of_a["vip"].pk, "source": people_of_a["facebook"].pk,
           "group": people_of_a["office"].pk}  # fmt: skip
    params = {k: ids.get(k, v) for k, v in params.items()}
    assert short(names(client, manager_a, **params)) == expected


def test_owner_sees_every_branch_and_may_narrow_to_one(client, owner, people_of_a, branch_b):
    assert "Bích" in short(names(client, owner, tier="gold"))
    assert short(names(client, owner, tier="gold", branch=branch_b.pk)) == ["Bích"]
    assert short(names(client, owner, consent="zalo")) == ["Bích", "Mai"]


def test_a_manager_cannot_reach_another_branch_even_by_asking(client, manager_a, people_of_a,
                                                              branch_b):  # fmt: skip
    listed = short(names(client, manager_a, branch=branch_b.pk))
    assert "Bích" not in listed and len(listed) == 5  # the branch parameter is not theirs


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Đào", "Mai", "Hoa", "Cúc", "Lan"]),  # folded: do < le < nguyen < pham < tran
        ("-last_visit", ["Lan", "Hoa", "Đào", "Cúc", "Mai"]),
        ("last_visit", ["Cúc", "Đào", "Hoa", "Lan", "Mai"]),  # never-visited last
        ("-created", ["Đào", "Cúc", "Mai", "Lan", "Hoa"]),
        ("created", ["Hoa", "Lan", "Mai", "Cúc", "Đào"]),
        ("tier", ["Đào", "Hoa", "Lan", "Mai", "Cúc"]),  # diamond, gold, silver, then by name
    ],
)
def test_sort_orders(client, manager_a, people_of_a, sort, expected):
    assert short(names(client, manager_a, sort=sort)) == expected


@pytest.mark.parametrize(
    "sort", ["name", "-last_visit", "last_visit", "-created", "created", "tier"]
)
def test_next_page_cursors_walk_every_client_once_in_order(client, manager_a, people_of_a, sort):
    everyone = names(client, manager_a, sort=sort, size=100)
    seen, cursor, pages = [], "", 0
    while True:  # five clients, pages of two: three pages, across segments too
        page = client_list_page(user=manager_a, filters=ClientFilters(), sort=SORTS[sort],
                                cursor=cursor, size=2)  # fmt: skip
        seen += [c.full_name for c in page.clients]
        pages += 1
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == everyone and pages == 3


def test_a_cursor_of_another_sort_is_not_followed(manager_a, people_of_a):
    first = client_list_page(user=manager_a, filters=ClientFilters(), sort=SORTS["name"], size=2)
    other = client_list_page(user=manager_a, filters=ClientFilters(), sort=SORTS["tier"],
                             cursor=first.next_cursor, size=2)  # fmt: skip
    assert other.cursor_ignored and [c.full_name for c in other.clients][0] == "Đỗ Thị Đào"


def test_the_page_links_to_the_next_page_and_it_continues_the_list(client, manager_a, make_client):
    for n in range(30):
        make_client(f"Khách Số {n:02d}")
    client.force_login(manager_a)
    first = client.get(URL, {"sort": "name", "size": 25}).content.decode()
    assert first.count('data-testid="row"') == 25 and "30 khách" in first
    href = re.search(r'<a class="button" href="(\?[^"]+)" data-testid="next-page"', first).group(1)
    second = client.get(URL + href.replace("&amp;", "&")).content.decode()
    assert second.count('data-testid="row"') == 5 and "Trang 2" in second
    assert 'data-testid="next-page"' not in second
    assert "Khách Số 29" in second and "Khách Số 00" not in second


def test_count_is_capped(client, manager_a, make_client, monkeypatch):
    from spa.clients import selectors_lists

    monkeypatch.setattr(selectors_lists, "COUNT_CAP", 3)
    for n in range(30):
        make_client(f"Khách Số {n}")
    client.force_login(manager_a)
    assert "Hơn 3 khách" in client.get(URL, {"size": 25}).content.decode()
    # Everything on one page: the rows are the count, exact.
    assert "30 khách phù hợp" in client.get(URL, {"size": 50}).content.decode()


def test_query_count_is_fixed_and_independent_of_the_page_size(
    client, manager_a, make_client, django_assert_max_num_queries, people_of_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(110):  # more than the largest page: every page counts the matches
        make_client(f"Khách Số {n:03d}", tier="silver" if n % 2 else "bronze")
    client.force_login(manager_a)
    client.get(URL)  # warm: session, spa settings
    counts = {}
    # 3 for the user, their two-factor device and the spa settings, 3 for the filter
    # choices, the user's branch, the capped count, spend, debt and tags, the currency: 12; plus one
    # per sort segment read (tier: 4).
    for sort, segments in (("name", 1), ("tier", 4), ("-last_visit", 2)):
        for size in (25, 100):
            with (
                django_assert_max_num_queries(12 + segments),
                CaptureQueriesContext(connection) as ctx,
            ):
                response = client.get(URL, {"size": size, "sort": sort, "has_debt": ""})
            assert response.status_code == 200
            counts[sort, size] = len(ctx.captured_queries)
        # A page that fills up in an early segment skips the later ones: never more
        # queries for more rows.
        assert counts[sort, 25] <= counts[sort, 100] == 12 + segments
    assert counts["name", 25] == counts["name", 100]


def test_permission_matrix(client, people, people_of_a):
    assert statuses(client, people, URL) == [302, 200, 200, 200, 403, 403, 403, 403]
    assert statuses(client, people, EXPORT) == [302, 200, 200, 200, 403, 403, 403, 403]


@pytest.mark.parametrize(
    "params",
    [
        {"tier": "platinum"},
        {"tag": "abc"},
        {"tag": "99999999999999999999999"},
        {"source": "-1"},
        {"group": "0"},
        {"birth_month": "13"},
        {"birth_month": "x"},
        {"visit_after": "31/02/2026"},
        {"visit_before": "2026-13-45"},
        {"visit_after": "0001-01-01"},
        {"consent": "fax"},
        {"sort": "password"},
        {"size": "100000"},
        {"branch": "abc"},
        {"after": "garbage"},
        {"after": "x" * 5000},
        {"page": "-3"},
        {"visit_after": "10/06/2026", "visit_before": "01/06/2026"},
    ],
)
def test_bad_parameters_are_ignored_with_a_message_never_a_500(client, manager_a, owner,
                                                               people_of_a, params):  # fmt: skip
    for user in (manager_a, owner):
        client.force_login(user)
        response = client.get(URL, params)
        assert response.status_code == 200
        assert 'data-testid="client-list"' in response.content.decode()
        export = client.get(EXPORT, params)
        assert export.status_code == 200


def test_bad_values_are_reported_in_vietnamese_and_the_good_ones_still_apply(
    client, manager_a, people_of_a
):
    client.force_login(manager_a)
    page = client.get(URL, {"tier": "gold", "visit_after": "31/02/2026"}).content.decode()
    assert "Một số bộ lọc" in page or "không được áp dụng" in page
    assert short(re.findall(r'data-testid="row-name">([^<]+)<', page)) == ["Hoa"]
    page = client.get(URL, {"after": "garbage"}).content.decode()
    assert 'data-testid="cursor-ignored"' in page


def _export_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_export_has_the_filtered_clients_in_the_list_order_and_is_in_the_history(
    client, manager_a, people_of_a
):
    client.force_login(manager_a)
    response = client.get(EXPORT, {"source": people_of_a["facebook"].pk, "sort": "name"})
    assert response.status_code == 200
    rows = _export_rows(response)
    assert [r[1] for r in rows[1:]] == ["Nguyễn Thị Hoa", "Phạm Thị Cúc"]
    assert rows[1][2] == people_of_a["hoa"].primary_phone  # a manager sees whole numbers
    entry = AuditEntry.objects.filter(action=Action.EXPORT).get()
    assert entry.actor == manager_a and entry.client_id is None
    assert entry.summary.startswith("2 clients") and "Facebook" in entry.summary


def test_export_of_debtors_holds_their_debt_and_never_another_branch(client, owner, manager_a,
                                                                     people_of_a):  # fmt: skip
    client.force_login(manager_a)
    rows = _export_rows(client.get(EXPORT, {"has_debt": "on"}))
    assert [r[1] for r in rows[1:]] == ["Trần Thị Lan"] and rows[1][13] == 200_000
    rows = _export_rows(client.get(EXPORT, {"tag": people_of_a["vip"].pk}))
    assert [r[1] for r in rows[1:]] == ["Nguyễn Thị Hoa"]
    client.force_login(owner)
    rows = _export_rows(client.get(EXPORT, {"tag": people_of_a["vip"].pk, "sort": "name"}))
    assert [r[1] for r in rows[1:]] == ["Nguyễn Thị Hoa", "Vũ Thị Bích"]


def test_list_shows_money_tags_and_phones(client, manager_a, people_of_a):
    client.force_login(manager_a)
    page = client.get(URL, {"has_debt": "on"}).content.decode()
    assert "200.000" in page and "450.000" in page and "Da nhạy cảm" in page
    assert people_of_a["lan"].primary_phone in page
