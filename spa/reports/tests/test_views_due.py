"""The due list page (who may open it, what each sees, its query count) and the two
lines on the profile."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.accounts.models import SpaSettings
from spa.catalog.models import RuleKind, ServicePrice, ServiceRule
from spa.clients.services import client_health_update
from spa.reports.rollups import rollups_nightly, rollups_refresh
from spa.reports.tests.test_due import treat

pytestmark = pytest.mark.django_db

URL = reverse("reports:due")


def today():
    return timezone.localdate()


def next_monday():
    return today() + timedelta(days=7 - today().weekday())


def due_days_ago(due_in: int) -> tuple[int, int]:
    """(days ago of two sessions 30 days apart) making a client due `due_in` days after
    next Monday."""
    last = (next_monday() - today()).days + due_in - 30
    return -(last - 30), -last


def week(**extra) -> dict:
    """The query of next week (a whole week ahead, whatever today's weekday)."""
    return {"week": next_monday().isoformat(), **extra}


@pytest.fixture
def due_clients(make_client, technician_a, technician_b, receptionist_b, catalogue, branch_b):
    """Hoa and Lan of branch A due for the peel next Tuesday and Wednesday, Xuân of
    branch B next Tuesday (own rhythm: two sessions 30 days apart)."""
    facial = catalogue["facial"]
    ServicePrice.objects.create(service=facial, branch=branch_b, price=450_000)
    made = {}
    for name, k, technician, phone, actor in (
        ("Nguyễn Thị Hoa", 1, technician_a, "0912345678", None),
        ("Trần Thị Lan", 2, technician_a, "0987654321", None),
        ("Lê Thị Xuân", 1, technician_b, "0977111222", receptionist_b),
    ):  # fmt: skip
        extra = {"actor": actor} if actor else {}
        c = make_client(name, phone=phone, **extra)
        for days_ago in due_days_ago(k):
            treat(c, technician, facial, days_ago=days_ago)
        made[name.split()[-1]] = c
    rollups_refresh()
    return made


def names(response) -> list[str]:
    return re.findall(r'data-testid="row-name">([^<]+)<', response.content.decode())


def test_the_desk_and_managers_open_the_list_technicians_and_strangers_do_not(
    client, people, due_clients
):
    assert statuses(client, people, URL) == [302, 200, 200, 200, 200, 200, 403, 403]


def test_a_receptionist_sees_their_branchs_clients_due_by_day_with_phone_and_reason(
    client, receptionist_a, due_clients
):
    client.force_login(receptionist_a)
    page = client.get(URL, week())
    html = page.content.decode()
    assert names(page) == ["Nguyễn Thị Hoa", "Trần Thị Lan"]
    assert html.count('data-testid="due-day"') == 2  # one section a day
    assert "0912 345 678" in html  # the desk calls: the whole number
    assert html.count('data-testid="row-book"') == 2
    assert reverse("clients:detail", args=[due_clients["Hoa"].pk]) in html


def test_a_receptionist_never_sees_another_branchs_clients_whatever_the_query(
    client, receptionist_a, due_clients, branch_b
):
    client.force_login(receptionist_a)
    for query in (week(branch=branch_b.pk), week(branch="abc"), {"week": "2020-01-01"}, {}):
        html = client.get(URL, query).content.decode()
        assert "Xuân" not in html and "0977" not in html


def test_the_owner_sees_every_branch_and_may_narrow_to_one(client, owner, due_clients, branch_b):
    client.force_login(owner)
    got = sorted(names(client.get(URL, week())))
    assert got == ["Lê Thị Xuân", "Nguyễn Thị Hoa", "Trần Thị Lan"]
    assert names(client.get(URL, week(branch=branch_b.pk))) == ["Lê Thị Xuân"]


def test_one_day_of_the_week_and_another_week(client, receptionist_a, due_clients):
    client.force_login(receptionist_a)
    wednesday = next_monday() + timedelta(days=2)
    assert names(client.get(URL, week(day=wednesday.isoformat()))) == ["Trần Thị Lan"]
    assert names(client.get(URL, {"week": (next_monday() + timedelta(days=7)).isoformat()})) == []
    assert names(client.get(URL)) == []  # this week: nobody


def test_a_category_filter_and_htmx_answers_the_results_only(
    client, receptionist_a, due_clients, catalogue
):
    client.force_login(receptionist_a)
    query = week(category=catalogue["facial"].category_id)
    page = client.get(URL, query, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert "<html" not in html and 'data-testid="due-week"' in html
    assert len(names(page)) == 2


def test_a_long_list_pages_and_a_broken_page_link_shows_the_first_page(
    client, receptionist_a, due_clients, monkeypatch
):
    monkeypatch.setattr("spa.reports.views_due.PAGE_SIZE", 1)
    client.force_login(receptionist_a)
    first = client.get(URL, week())
    assert names(first) == ["Nguyễn Thị Hoa"]
    link = re.search(r'data-testid="next-page" href="\?([^"]+)"', first.content.decode()).group(1)
    second = client.get(URL + "?" + link.replace("&amp;", "&"))
    assert names(second) == ["Trần Thị Lan"]
    broken = client.get(URL, week(after="nonsense"))
    assert names(broken) == ["Nguyễn Thị Hoa"] and b"cursor-ignored" in broken.content


def test_the_page_costs_the_same_queries_for_two_rows_or_twelve(
    client, receptionist_a, due_clients, make_client, technician_a, catalogue,
    django_assert_num_queries,
):  # fmt: skip
    client.force_login(receptionist_a)
    client.get(URL, week())  # the session and settings rows exist from here on

    # user, categories, counts, rows, clients, services, intervals, packages, and the
    # user's branch in the page header
    with django_assert_num_queries(9):
        assert len(names(client.get(URL, week()))) == 2
    for n in range(10):
        c = make_client(f"Khách {n}")
        for days_ago in due_days_ago(n % 7):
            treat(c, technician_a, catalogue["laser"], days_ago=days_ago)
    rollups_refresh()
    with django_assert_num_queries(9):
        assert len(names(client.get(URL, week()))) == 12


# --- The profile --------------------------------------------------------------------------


@pytest.fixture
def hoa_due(due_clients, make_client, technician_a, catalogue):
    """Hoa due for the peel next Tuesday; four clients took laser after a peel, four others
    only came for a massage."""
    from spa.catalog.models import Service

    massage = Service.objects.create(name="Massage", category=catalogue["facial"].category)
    ServicePrice.objects.create(service=massage, branch=technician_a.branch, price=300_000)
    for n in range(4):
        treat(make_client(f"Khách massage {n}"), technician_a, massage, days_ago=20)
    for n in range(4):
        c = make_client(f"Khách {n}")
        treat(c, technician_a, catalogue["facial"], days_ago=80)
        treat(c, technician_a, catalogue["laser"], days_ago=70)
    for n in range(4):
        treat(make_client(f"Khách khác {n}"), technician_a, catalogue["facial"], days_ago=5)
    rollups_refresh()
    rollups_nightly(rescore=False)
    return due_clients["Hoa"]


def next_url(client) -> str:
    return reverse("reports:client_next", args=[client.pk])


def test_the_profile_loads_the_next_services_in_their_own_request(client, receptionist_a, hoa_due):
    client.force_login(receptionist_a)
    html = client.get(reverse("clients:detail", args=[hoa_due.pk])).content.decode()
    assert f'data-hx-get="{next_url(hoa_due)}"' in html
    part = client.get(next_url(hoa_due), HTTP_HX_REQUEST="true").content.decode()
    assert part.startswith('<section class="card" id="next-services"') and "<html" not in part


def test_who_may_read_a_clients_next_services(client, people, hoa_due):
    # technician_a served Hoa; the others of branch B do not see her at all
    assert statuses(client, people, next_url(hoa_due)) == [302, 200, 200, 404, 200, 404, 200, 404]


def test_the_profile_says_when_the_client_is_due_and_what_to_suggest(
    client, receptionist_a, hoa_due, catalogue
):
    client.force_login(receptionist_a)
    html = client.get(next_url(hoa_due)).content.decode()
    tuesday = next_monday() + timedelta(days=1)
    assert re.search(rf'data-testid="due-for">[^<]*Peel da AHA[^<]*{tuesday:%d/%m}<', html)
    assert f"{tuesday:%d/%m/%Y}" not in html.split('data-testid="due-for"')[1][:200]
    suggested = re.findall(r'data-testid="suggestion"><strong>([^<]+)<', html)
    assert suggested[0] == "Triệt lông laser"


def test_the_next_services_cost_a_fixed_number_of_queries(
    client, receptionist_a, hoa_due, django_assert_num_queries
):
    client.force_login(receptionist_a)
    client.get(next_url(hoa_due), HTTP_HX_REQUEST="true")
    # user, client; due: rows, services, intervals, packages; suggestion: history,
    # bookings, pairs, popular, services, safety rules (none: no guard check)
    with django_assert_num_queries(12):
        client.get(next_url(hoa_due), HTTP_HX_REQUEST="true")


def test_a_suggestion_the_guard_stops_is_not_on_the_profile_nor_its_reason(
    client, receptionist_a, technician_a, hoa_due, catalogue, aha
):
    ServiceRule.objects.create(
        service=catalogue["laser"], kind=RuleKind.ALLERGEN, allergen=aha, hard=True
    )
    client_health_update(actor=technician_a, client=hoa_due, values={"allergen_ids": [aha.pk]})
    client.force_login(receptionist_a)
    section = client.get(next_url(hoa_due), HTTP_HX_REQUEST="true").content.decode()
    assert "Triệt lông laser" not in section and "Peel da AHA" in section
    assert "AHA" not in section.replace("Peel da AHA", "")  # the allergy never shows there


def test_a_technician_restricted_to_the_minimum_sees_neither_line(client, technician_a, hoa_due):
    SpaSettings.objects.update_or_create(pk=1, defaults={"technicians_see_minimum": True})
    client.force_login(technician_a)
    page = client.get(reverse("clients:detail", args=[hoa_due.pk]))
    assert page.status_code == 200 and next_url(hoa_due).encode() not in page.content
    assert client.get(next_url(hoa_due)).status_code == 403


def test_the_menu_leads_the_desk_only_to_the_list(client, receptionist_a, technician_a):
    # The menu's care queue, whose own links include the clients due.
    client.force_login(receptionist_a)
    assert b'data-testid="nav-care-queue"' in client.get(reverse("clients:search")).content
    assert b'data-testid="nav-due"' in client.get(reverse("care:queue")).content
    client.force_login(technician_a)
    assert b'data-testid="nav-care-queue"' not in client.get(reverse("clients:search")).content
    assert b'data-testid="nav-due"' not in client.get(reverse("clients:search")).content
