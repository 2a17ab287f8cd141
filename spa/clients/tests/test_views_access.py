"""The permission matrix: every page x every role, against one client of branch A."""

import pytest
from django.urls import reverse

from conftest import ROLES
from spa.accounts.models import SpaSettings
from spa.clients.models import CareReason
from spa.clients.services import care_link_add, client_health_update

# page -> expected status per role, in ROLES order. 302 = sent to log in; 404 = the
# client does not exist for this user; 403 = visible, but not allowed for the role.
MATRIX = {
    "detail": [302, 200, 200, 404, 200, 404, 200, 404],
    "edit": [302, 200, 200, 404, 200, 404, 403, 404],
    "health": [302, 200, 200, 404, 200, 404, 200, 404],
    "photo_upload": [302, 200, 200, 404, 200, 404, 403, 404],
    "history": [302, 200, 200, 404, 403, 404, 403, 404],
    "merge": [302, 200, 200, 404, 403, 404, 403, 404],
    "delete": [302, 200, 403, 404, 403, 404, 403, 404],
    "new": [302, 200, 200, 200, 200, 200, 403, 403],
    "export": [302, 200, 200, 200, 403, 403, 403, 403],
    "search": [302, 200, 200, 200, 200, 200, 200, 200],
}
CLIENT_PAGES = {"detail", "edit", "health", "photo_upload", "history", "merge", "delete"}


@pytest.fixture
def hoa(make_client, technician_a, aha):
    client = make_client("Nguyễn Thị Hoa", phone="0912345678")
    care_link_add(client=client, staff=technician_a, reason=CareReason.SERVED)
    client_health_update(
        actor=technician_a, client=client,
        values={"allergen_ids": [aha.pk], "conditions": "Huyết áp cao"},
    )  # fmt: skip
    return client


@pytest.mark.parametrize("page", sorted(MATRIX))
def test_permission_matrix(client, people, hoa, page):
    url = reverse(f"clients:{page}", args=[hoa.pk] if page in CLIENT_PAGES else [])
    got = []
    for role in ROLES:
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        got.append(client.get(url).status_code)
    assert got == MATRIX[page]


def test_posts_obey_the_same_rules_as_pages(client, people, hoa):
    """A forged POST from a role that may not edit changes nothing."""
    client.force_login(people["technician_a"])
    response = client.post(
        reverse("clients:edit", args=[hoa.pk]), {"full_name": "X", "phone": "0912345678"}
    )
    assert response.status_code == 403
    client.force_login(people["receptionist_b"])
    response = client.post(
        reverse("clients:delete", args=[hoa.pk]), {"reason": "x", "confirm_name": hoa.full_name}
    )
    assert response.status_code == 404
    hoa.refresh_from_db()
    assert hoa.full_name == "Nguyễn Thị Hoa"


def test_receptionist_sees_allergies_but_no_other_health_detail(client, receptionist_a, hoa):
    client.force_login(receptionist_a)
    page = client.get(reverse("clients:detail", args=[hoa.pk])).content.decode()
    assert "AHA" in page
    assert "Huyết áp cao" not in page
    form = client.get(reverse("clients:health", args=[hoa.pk])).content.decode()
    assert 'name="allergens"' in form and 'name="conditions"' not in form


def test_technician_sees_health_and_a_masked_phone(client, technician_a, hoa):
    client.force_login(technician_a)
    page = client.get(reverse("clients:detail", args=[hoa.pk])).content.decode()
    assert "Huyết áp cao" in page and "0912 *** 678" in page and "0912 345 678" not in page


def test_restricted_technician_sees_photo_first_name_and_allergies_only(client, technician_a, hoa):
    SpaSettings.objects.update_or_create(pk=1, defaults={"technicians_see_minimum": True})
    client.force_login(technician_a)
    page = client.get(reverse("clients:detail", args=[hoa.pk])).content.decode()
    assert "Hoa" in page and "AHA" in page
    assert "Nguyễn Thị Hoa" not in page and "Huyết áp cao" not in page and "0912" not in page
    results = client.get(reverse("clients:search"), {"q": "hoa"}).content.decode()
    assert "Nguyễn Thị Hoa" not in results and "0912" not in results
    assert client.get(reverse("clients:health", args=[hoa.pk])).status_code == 403


def test_history_hides_health_values_from_roles_without_health_access(client, manager_a, hoa):
    client.force_login(manager_a)
    page = client.get(reverse("clients:history", args=[hoa.pk])).content.decode()
    assert "Huyết áp cao" in page  # managers see health


def test_admin_is_the_owners_only(client, people, hoa):
    for role in ROLES[1:]:
        client.force_login(people[role])
        index = client.get(reverse("admin:index"))
        listing = client.get(reverse("admin:clients_client_changelist"))
        expected = 200 if role == "owner" else 302
        assert (index.status_code, listing.status_code) == (expected, expected), role


def test_photos_are_served_only_through_the_access_check(
    client, receptionist_a, receptionist_b, hoa
):
    from spa.clients.services import client_photo_set
    from spa.clients.tests.test_views_forms import jpeg_bytes

    client_photo_set(actor=receptionist_a, client=hoa, data=jpeg_bytes())
    url = reverse("clients:photo", args=[hoa.pk, "thumb"])
    client.force_login(receptionist_a)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    client.force_login(receptionist_b)
    assert client.get(url).status_code == 404


def test_export_contains_only_visible_clients(client, manager_a, make_client, receptionist_b, hoa):
    import io

    from openpyxl import load_workbook

    make_client("Phạm Thị Cúc", actor=receptionist_b)
    client.force_login(manager_a)
    response = client.get(reverse("clients:export"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Nguyễn Thị Hoa"]
    assert "Huyết áp cao" not in str(rows)


def test_consent_post_matrix(client, people, hoa):
    from spa.clients.models import ConsentRecord

    url = reverse("clients:consent", args=[hoa.pk])
    data = {"channel": "zalo", "granted": "1", "method": "paper"}
    expected = {
        "anonymous": 302, "owner": 302, "manager_a": 302, "manager_b": 404,
        "receptionist_a": 302, "receptionist_b": 404, "technician_a": 403, "technician_b": 404,
    }  # fmt: skip
    got = {}
    for role in ROLES:
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        got[role] = client.post(url, data).status_code
    assert got == expected
    recorders = set(ConsentRecord.objects.values_list("recorded_by__username", flat=True))
    assert recorders == {"olivia", "mai", "rosa"}


def test_profile_page_runs_a_fixed_number_of_queries(
    client, owner, hoa, django_assert_max_num_queries
):
    client.force_login(owner)
    with django_assert_max_num_queries(27):  # 26 reads + the access log's one INSERT
        response = client.get(reverse("clients:detail", args=[hoa.pk]))
    assert response.status_code == 200
