"""Branch settings: details (the owner's), opening hours and closures (the owner's and a
manager's for their own branch), each change in the settings history."""

from datetime import date, time

import pytest
from django.urls import reverse

from conftest import ROLES, statuses
from spa.accounts.models import Branch
from spa.audit.models import Action, AuditEntry
from spa.booking.models import Closure, OpeningHours

pytestmark = pytest.mark.django_db


def _matrix(client, people, url, method="get", data=None):
    return dict(zip(ROLES, statuses(client, people, url, method, data), strict=True))


def _week(opens="09:00", closes="18:00", closed=()):
    data = {}
    for day in range(7):
        if day in closed:
            data[f"closed_{day}"] = "on"
        else:
            data[f"opens_{day}"], data[f"closes_{day}"] = opens, closes
    return data


def test_branch_list_and_details_are_the_owners_only(client, people, branch_a):
    for url in (reverse("office:section", args=["branches"]),
                reverse("office:section_new", args=["branches"]),
                reverse("office:section_edit", args=["branches", branch_a.pk])):  # fmt: skip
        got = _matrix(client, people, url)
        assert got["anonymous"] == 302 and got["owner"] == 200
        assert {got[r] for r in ROLES[2:]} == {403}


@pytest.mark.parametrize("page", ["office:branches_hours", "office:branches_closures"])
def test_hours_and_closures_open_for_the_owner_and_the_branchs_manager(
    client, people, branch_a, page
):
    got = _matrix(client, people, reverse(page, args=[branch_a.pk]))
    assert got == {
        "anonymous": 302, "owner": 200, "manager_a": 200, "manager_b": 404,
        "receptionist_a": 403, "receptionist_b": 403, "technician_a": 403, "technician_b": 403,
    }  # fmt: skip


def test_posting_hours_or_a_closure_to_another_branch_changes_nothing(client, people, branch_a):
    got = _matrix(client, people, reverse("office:branches_hours", args=[branch_a.pk]), "post",
                  _week())  # fmt: skip
    assert got["manager_b"] == 404 and got["receptionist_a"] == 403 and got["anonymous"] == 302
    OpeningHours.objects.all().delete()
    AuditEntry.objects.all().delete()
    client.force_login(people["manager_b"])
    url = reverse("office:branches_closures", args=[branch_a.pk])
    assert client.post(url, {"first_day": "01/02/2027", "reason": "Tết"}).status_code == 404
    assert not Closure.objects.exists() and not AuditEntry.objects.exists()


def test_managers_link_leads_to_their_branchs_hours(client, manager_a, branch_a):
    client.force_login(manager_a)
    assert reverse("office:branches_mine") in client.get(reverse("office:index")).content.decode()
    response = client.get(reverse("office:branches_mine"))
    assert response.url == reverse("office:branches_hours", args=[branch_a.pk])


def test_owner_adds_a_branch_with_its_booking_code_and_it_is_in_the_history(client, owner):
    client.force_login(owner)
    response = client.post(reverse("office:section_new", args=["branches"]), {
        "name": "Chi nhánh Quận 3", "code": "Q3", "address": "12 Võ Văn Tần", "phone": "028 3930 1234",
    })  # fmt: skip
    assert response.status_code == 302
    branch = Branch.objects.get(name="Chi nhánh Quận 3")
    assert branch.code == "q3" and branch.address == "12 Võ Văn Tần"
    entry = AuditEntry.objects.get(action=Action.SETTINGS)
    assert entry.subject == f"accounts.branch:{branch.pk}" and entry.actor == owner
    listing = client.get(reverse("office:section", args=["branches"])).content.decode()
    assert "/book/q3/" in listing
    assert client.get("/book/q3/").status_code == 200


def test_a_code_with_spaces_is_refused_in_vietnamese(client, owner):
    client.force_login(owner)
    response = client.post(reverse("office:section_new", args=["branches"]),
                           {"name": "Quận 3", "code": "quận 3"})  # fmt: skip
    assert response.status_code == 200 and "slug" not in response.content.decode().lower()
    assert not Branch.objects.filter(name="Quận 3").exists()


def test_manager_sets_opening_hours_with_a_closed_sunday_and_it_is_in_the_history(
    client, manager_a, branch_a
):
    client.force_login(manager_a)
    url = reverse("office:branches_hours", args=[branch_a.pk])
    assert client.post(url, _week(closed=[6])).status_code == 302
    rows = {r.weekday: r for r in OpeningHours.objects.filter(branch=branch_a)}
    assert len(rows) == 7 and rows[0].opens == time(9) and rows[0].closes == time(18)
    assert rows[6].opens is None
    entry = AuditEntry.objects.get(action=Action.SETTINGS)
    assert entry.actor == manager_a and entry.subject == f"accounts.branch:{branch_a.pk}"
    assert entry.changes["opening_0"] == [None, "09:00–18:00"]
    assert entry.changes["opening_6"] == [None, "closed"]
    history = client.get(reverse("office:history")).content.decode()
    assert "Giờ mở cửa: Thứ Hai" in history and "Giờ mở cửa: Chủ Nhật" in history
    assert ">nghỉ<" in history and "closed" not in history


def test_closing_before_opening_is_refused_in_vietnamese_and_nothing_saved(client, owner, branch_a):
    client.force_login(owner)
    data = _week()
    data["closes_2"] = "08:00"
    response = client.post(reverse("office:branches_hours", args=[branch_a.pk]), data)
    assert response.status_code == 200
    assert "Giờ đóng cửa phải sau giờ mở cửa." in response.content.decode()
    assert not OpeningHours.objects.exists() and not AuditEntry.objects.exists()


def test_a_closure_is_added_shown_and_removed_each_in_the_history(client, manager_a, branch_a):
    client.force_login(manager_a)
    url = reverse("office:branches_closures", args=[branch_a.pk])
    response = client.post(url, {"first_day": "28/01/2030", "last_day": "02/02/2030",
                                 "reason": "Nghỉ Tết"})  # fmt: skip
    assert response.status_code == 302
    closure = Closure.objects.get()
    assert (closure.first_day, closure.last_day) == (date(2030, 1, 28), date(2030, 2, 2))
    page = client.get(url).content.decode()
    assert "28/01/2030" in page and "Nghỉ Tết" in page
    remove = reverse("office:branches_closure_remove", args=[branch_a.pk, closure.pk])
    assert client.post(remove).status_code == 302
    assert not Closure.objects.exists()
    entries = list(AuditEntry.objects.filter(action=Action.SETTINGS).order_by("id"))
    assert [e.subject for e in entries] == [f"booking.closure:{closure.pk}"] * 2
    assert entries[0].changes["reason"] == [None, "Nghỉ Tết"]
    assert entries[1].changes["reason"] == ["Nghỉ Tết", None]


def test_a_closure_ending_before_it_starts_is_refused(client, owner, branch_a):
    client.force_login(owner)
    response = client.post(reverse("office:branches_closures", args=[branch_a.pk]),
                           {"first_day": "05/02/2030", "last_day": "01/02/2030", "reason": "x"})  # fmt: skip
    assert response.status_code == 200
    assert "Ngày cuối không được trước ngày đầu." in response.content.decode()
    assert not Closure.objects.exists()


def test_owner_closes_every_branch_at_once_a_manager_cannot(
    client, owner, manager_a, branch_a, branch_b
):
    client.force_login(owner)
    url = reverse("office:branches_closures", args=[branch_a.pk])
    client.post(url, {"first_day": "30/04/2030", "reason": "Lễ", "every_branch": "on"})
    assert set(Closure.objects.values_list("branch__code", flat=True)) == {"a", "b"}
    assert AuditEntry.objects.filter(action=Action.SETTINGS).count() == 2
    Closure.objects.all().delete()
    client.force_login(manager_a)
    client.post(url, {"first_day": "30/04/2030", "reason": "Lễ", "every_branch": "on"})
    assert list(Closure.objects.values_list("branch__code", flat=True)) == ["a"]


def test_a_manager_cannot_remove_another_branchs_closure(client, manager_b, branch_a, branch_b):
    closure = Closure.objects.create(
        branch=branch_a, first_day=date(2030, 1, 1), last_day=date(2030, 1, 1), reason="Tết"
    )
    client.force_login(manager_b)
    for pk in (branch_a.pk, branch_b.pk):
        url = reverse("office:branches_closure_remove", args=[pk, closure.pk])
        assert client.post(url).status_code == 404
    assert Closure.objects.filter(pk=closure.pk).exists()
