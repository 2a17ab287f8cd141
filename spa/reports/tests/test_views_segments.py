"""The segment pages: who may open each, the builder's live count (its queries pinned),
saving, renaming and deleting, and bad input that saves nothing."""

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from conftest import statuses
from spa.clients.services import client_health_update
from spa.reports.models import Segment
from spa.reports.segments import SegmentDefinition, segment_create
from spa.reports.tests.test_segments import build_chain

pytestmark = pytest.mark.django_db

LIST = reverse("reports:segments")
NEW = reverse("reports:segment_new")
COUNT = reverse("reports:segment_count")


@pytest.fixture
def chain(make_client, owner, receptionist_a, receptionist_b, technician_a, technician_b,
          catalogue, branch_a, branch_b):  # fmt: skip
    return build_chain(make_client, owner, receptionist_a, receptionist_b, technician_a,
                       technician_b, catalogue, branch_a)  # fmt: skip


@pytest.fixture
def saved(chain, manager_a, owner):
    """A segment of branch A's manager, and one of the owner for the chain."""
    return {
        "a": segment_create(actor=manager_a, name="Khách Zalo",
                            definition=SegmentDefinition(consent_channel="zalo")),
        "chain": segment_create(actor=owner, name="Khách VIP toàn chuỗi",
                                definition=SegmentDefinition(rfm_groups=("vip",))),
    }  # fmt: skip


def count_shown(response) -> int:
    found = re.search(r'data-testid="count-value">([\d.,\s]+)<', response.content.decode())
    return int(re.sub(r"\D", "", found.group(1)))


# --- Who may open what ----------------------------------------------------------------
# ROLES order: anonymous, owner, manager_a, manager_b, receptionist_a, receptionist_b,
# technician_a, technician_b.
LOGIN, OK, DENIED, GONE = 302, 200, 403, 404


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("reports:segments", [LOGIN, OK, OK, OK, DENIED, DENIED, DENIED, DENIED]),
        ("reports:segment_new", [LOGIN, OK, OK, OK, DENIED, DENIED, DENIED, DENIED]),
        ("reports:segment_count", [LOGIN, OK, OK, OK, DENIED, DENIED, DENIED, DENIED]),
    ],
)
def test_pages_open_to_the_owner_and_managers_only(client, people, chain, url_name, expected):
    assert statuses(client, people, reverse(url_name)) == expected


@pytest.mark.parametrize("url_name", ["reports:segment", "reports:segment_edit",
                                      "reports:segment_saved_count", "reports:segment_delete"])  # fmt: skip
def test_a_managers_segment_is_theirs_and_the_owners(client, people, saved, url_name):
    url = reverse(url_name, args=[saved["a"].pk])
    assert statuses(client, people, url) == [LOGIN, OK, OK, GONE, DENIED, DENIED, DENIED, DENIED]
    chain_wide = reverse(url_name, args=[saved["chain"].pk])
    assert statuses(client, people, chain_wide) == [
        LOGIN, OK, GONE, GONE, DENIED, DENIED, DENIED, DENIED,
    ]  # fmt: skip


def test_a_builtin_segment_page_and_an_unknown_one(client, people, chain):
    url = reverse("reports:segment_builtin", args=["vip"])
    assert statuses(client, people, url) == [LOGIN, OK, OK, OK, DENIED, DENIED, DENIED, DENIED]
    client.force_login(people["owner"])
    assert client.get(reverse("reports:segment_builtin", args=["nothing"])).status_code == 404


def test_posting_is_refused_to_everyone_else_and_saves_nothing(client, people, saved):
    data = {"name": "Thử", "consent": "zalo"}
    got = statuses(client, people, NEW, method="post", data=data)
    assert got[4:] == [DENIED] * 4 and got[0] == LOGIN
    assert Segment.objects.filter(name="Thử").count() == 3  # the owner's and each manager's
    delete = reverse("reports:segment_delete", args=[saved["chain"].pk])
    got = statuses(client, people, delete, method="post")
    assert got == [LOGIN, 302, GONE, GONE, DENIED, DENIED, DENIED, DENIED]
    client.force_login(people["manager_b"])
    assert client.post(reverse("reports:segment_delete", args=[saved["a"].pk])).status_code == 404
    assert Segment.objects.filter(pk=saved["a"].pk).exists()


def test_every_post_needs_the_csrf_token(people, saved):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(people["owner"])
    assert http.post(NEW, {"name": "Thử"}).status_code == 403
    assert http.post(reverse("reports:segment_delete", args=[saved["a"].pk])).status_code == 403
    assert Segment.objects.count() == 2


# --- The list -----------------------------------------------------------------------------


def test_the_list_shows_each_group_with_its_count_and_the_saved_segments(client, owner, saved,
                                                                        branch_b):  # fmt: skip
    client.force_login(owner)
    page = client.get(LIST).content.decode()
    vip = re.search(r'data-testid="builtin-vip">.*?data-testid="builtin-count">(\d+)<', page,
                    flags=re.S)  # fmt: skip
    assert vip.group(1) == "1"
    assert "Khách Zalo" in page and "Khách VIP toàn chuỗi" in page
    # The owner narrows to branch B: Đào spent 60 million there.
    page_b = client.get(LIST, {"branch": branch_b.pk}).content.decode()
    band = re.search(r'data-testid="builtin-spend-50m">.*?data-testid="builtin-count">(\d+)<',
                     page_b, flags=re.S)  # fmt: skip
    assert band.group(1) == "1"
    assert client.get(LIST, {"branch": "abc"}).status_code == 200


def test_a_manager_sees_only_their_branchs_segments(client, manager_b, saved):
    client.force_login(manager_b)
    page = client.get(LIST).content.decode()
    assert "Khách Zalo" not in page and "Khách VIP toàn chuỗi" not in page
    assert 'data-testid="no-saved"' in page


# --- The live count ---------------------------------------------------------------------


def test_the_count_follows_the_filters(client, owner, manager_a, chain):
    client.force_login(owner)
    assert count_shown(client.get(COUNT)) == 7
    assert count_shown(client.get(COUNT, {"consent": "zalo"})) == 3
    peel = chain["peel"].pk
    assert count_shown(client.get(COUNT, {"had_service": peel, "had_within": 183})) == 3
    assert count_shown(client.get(COUNT, {"rfm_groups": ["new", "lapsed"]})) == 3
    assert (
        count_shown(client.get(COUNT, {"spend_min": "1.000.000", "spend_max": "10.000.000"})) == 3
    )
    client.force_login(manager_a)
    assert count_shown(client.get(COUNT, {"consent": "zalo"})) == 2
    # A manager's ?branch= is not a field of theirs: still their own branch only.
    other = chain["people"]["dao"].branch_id
    assert count_shown(client.get(COUNT, {"branch": other})) == 5


def test_a_filter_not_understood_is_left_out_and_said(client, owner, chain):
    client.force_login(owner)
    response = client.get(COUNT, {"consent": "zalo", "visits_min": "abc", "tags": ["9" * 30]})
    assert response.status_code == 200
    assert count_shown(response) == 3
    assert 'data-testid="count-ignored"' in response.content.decode()


def test_the_count_answers_in_a_fixed_number_of_queries(
    client,
    owner,
    manager_a,
    chain,
    django_assert_num_queries,
):
    client.force_login(manager_a)
    query = {"consent": "zalo", "tags": [chain["vip"].pk], "had_service": chain["peel"].pk,
             "had_within": 183, "rfm_groups": ["vip", "loyal"], "spend_band": "20m"}  # fmt: skip
    client.get(COUNT, query)  # warm: session, spa settings
    # Session, user, two-factor device (3); the currency (1); the tag and the service
    # chosen (2); the rollups' two "anything marked?" checks (2); the count (1).
    with django_assert_num_queries(9):
        response = client.get(COUNT, query)
    assert count_shown(response) == 1


# --- Saving, renaming, deleting ------------------------------------------------------------


def test_the_owner_saves_a_segment_and_opens_it(client, owner, chain):
    client.force_login(owner)
    page = client.get(NEW)
    assert page.status_code == 200 and count_shown(page) == 7
    response = client.post(NEW, {"name": "Peel 6 tháng", "had_service": chain["peel"].pk,
                                 "had_within": 183, "consent": "zalo"})  # fmt: skip
    saved = Segment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:segment", args=[saved.pk]
    )
    assert saved.branch_id is None and saved.created_by == owner
    assert saved.definition == {"v": 1, "consent_channel": "zalo",
                                "had_service_id": chain["peel"].pk, "had_within_days": 183}  # fmt: skip
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert count_shown(detail) == 2  # Hoa (A) and Đào (B): Mai has not agreed to Zalo
    assert "Nguyễn Thị Hoa" in html and "Vũ Thị Đào" in html and "Lê Thị Mai" not in html
    hoa = chain["people"]["hoa"]
    assert reverse("clients:detail", args=[hoa.pk]) in html


def test_the_members_page_shows_no_health_data(client, owner, technician_a, chain):
    hoa = chain["people"]["hoa"]
    client_health_update(actor=technician_a, client=hoa, values={"medications": "Isotretinoin"})
    client.force_login(owner)
    html = client.get(reverse("reports:segment_builtin", args=["vip"])).content.decode()
    assert "Nguyễn Thị Hoa" in html and "Isotretinoin" not in html
    assert "25.000.000" in html  # what she spent


def test_a_manager_saves_for_their_own_branch_only(client, manager_a, chain, branch_b):
    client.force_login(manager_a)
    response = client.post(NEW, {"name": "Của tôi", "branch": branch_b.pk, "consent": "zalo"})
    assert response.status_code == 302
    saved = Segment.objects.get()
    assert saved.branch_id == manager_a.branch_id
    assert saved.definition["branch_id"] == manager_a.branch_id


def test_the_list_link_shows_the_same_clients_in_the_client_list(client, owner, chain):
    one = segment_create(actor=owner, name="Nợ", definition=SegmentDefinition(has_debt=True))
    client.force_login(owner)
    html = client.get(reverse("reports:segment", args=[one.pk])).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="segment-list-link"', html).group(1)
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Lê Thị Mai" in listed and "Nguyễn Thị Hoa" not in listed


def test_rename_and_change_filters(client, manager_a, saved):
    client.force_login(manager_a)
    url = reverse("reports:segment_edit", args=[saved["a"].pk])
    form = client.get(url).content.decode()
    assert 'value="Khách Zalo"' in form
    response = client.post(url, {"name": "Khách Zalo và SMS", "consent": "sms"})
    assert response.status_code == 302
    changed = Segment.objects.get(pk=saved["a"].pk)
    assert changed.name == "Khách Zalo và SMS"
    assert changed.definition == {
        "v": 1,
        "branch_id": manager_a.branch_id,
        "consent_channel": "sms",
    }


def test_delete_asks_then_deletes(client, owner, saved):
    client.force_login(owner)
    url = reverse("reports:segment_delete", args=[saved["a"].pk])
    assert client.get(url).status_code == 200
    assert Segment.objects.filter(pk=saved["a"].pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Segment.objects.filter(pk=saved["a"].pk).exists()
    assert Segment.objects.filter(pk=saved["chain"].pk).exists()


# --- Bad input saves nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 200},
        {"name": "Khách Zalo"},  # the name of branch A's segment, for the same branch
        {"name": "Tiền", "spend_min": "5.000.000", "spend_max": "1.000.000"},
        {"name": "Ngày", "visit_after": "30/06/2026", "visit_before": "01/01/2026"},
        {"name": "Ngày", "visit_after": "31/02/2026"},
        {"name": "Ngày", "visit_after": "01/01/0001"},
        {"name": "Thẻ", "tags": ["999999"]},
        {"name": "Thẻ", "tags": ["9" * 30]},
        {"name": "Hạng", "tiers": ["platinum"]},
        {"name": "Lần", "visits_min": "-1"},
        {"name": "Lần", "visits_min": "9" * 30},
        {"name": "Kênh", "consent": "fax"},
        {"name": "Dịch vụ", "had_within": "45"},
        {"name": "Dịch vụ", "had_service": "abc"},
        {"name": "Nhóm", "rfm_groups": ["gold"]},
        {"name": "Tiền", "spend_min": "-5"},
        {"name": "Tiền", "spend_min": "9" * 30},
    ],
)
def test_bad_input_gives_an_error_and_saves_nothing(client, manager_a, saved, data):
    client.force_login(manager_a)
    before = list(Segment.objects.values_list("pk", "name", "definition"))
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode() or "errorlist" in (
        response.content.decode()
    )
    assert list(Segment.objects.values_list("pk", "name", "definition")) == before


def test_a_service_and_a_category_at_once_is_refused(client, owner, chain):
    client.force_login(owner)
    response = client.post(NEW, {"name": "Hai", "had_service": chain["peel"].pk,
                                 "had_category": chain["peel"].category_id})  # fmt: skip
    assert response.status_code == 200 and not Segment.objects.exists()


def test_a_saved_number_of_days_not_offered_stays_when_the_segment_is_edited(client, owner, chain):
    odd = segment_create(actor=owner, name="45 ngày", definition=SegmentDefinition(
        had_service_id=chain["peel"].pk, had_within_days=45))  # fmt: skip
    client.force_login(owner)
    url = reverse("reports:segment_edit", args=[odd.pk])
    assert 'value="45" selected' in client.get(url).content.decode()
    response = client.post(url, {"name": "45 ngày", "had_service": chain["peel"].pk,
                                 "had_within": "45"})  # fmt: skip
    assert response.status_code == 302
    assert Segment.objects.get(pk=odd.pk).definition["had_within_days"] == 45
