"""Staff settings: the owner runs everyone, a manager their branch's receptionists and
technicians; deactivating never deletes; a password reset is in the history without
the password; working hours with breaks, services performed and time off are saved
and audited."""

import json
from datetime import time

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from conftest import ROLES, statuses
from spa.accounts.models import Role, User
from spa.audit.models import Action, AuditEntry
from spa.booking.models import Shift, StaffService, TimeOff

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Hoa-sen-2030!"


def _matrix(client, people, url, method="get", data=None):
    return dict(zip(ROLES, statuses(client, people, url, method, data), strict=True))


def can_log_in(username: str, password: str) -> bool:
    """Through the real login page (throttling and all): signed in means redirected on."""
    response = HttpClient().post(reverse("accounts:login"), {"username": username, "password": password},
                                 REMOTE_ADDR="10.0.0.9")  # fmt: skip
    return response.status_code == 302


def _settings_entries():
    return list(AuditEntry.objects.filter(action=Action.SETTINGS).order_by("id"))


def _new_staff(**extra):
    return {
        "username": "lan.q1", "last_name": "Trần", "first_name": "Lan", "email": "",
        "role": "technician", "language": "vi", "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD, **extra,
    }  # fmt: skip


def test_staff_list_opens_for_the_owner_and_managers(client, people):
    got = _matrix(client, people, reverse("office:section", args=["staff"]))
    assert got["anonymous"] == 302
    assert got["owner"] == got["manager_a"] == got["manager_b"] == 200
    assert {got["receptionist_a"], got["technician_a"], got["receptionist_b"]} == {403}


def test_a_manager_lists_only_their_branchs_receptionists_and_technicians(
    client, people, manager_a
):
    client.force_login(manager_a)
    page = client.get(reverse("office:section", args=["staff"])).content.decode()
    assert "Rosa" in page and "Thao" in page
    assert "Trang" not in page and "Ruby" not in page and "Olivia" not in page


@pytest.mark.parametrize(
    "page",
    ["office:section_edit", "office:staff_services", "office:staff_hours",
     "office:staff_time_off", "office:staff_password"],
)  # fmt: skip
def test_every_page_of_a_technician_follows_the_matrix(client, people, technician_a, page):
    args = ["staff", technician_a.pk] if page == "office:section_edit" else [technician_a.pk]
    got = _matrix(client, people, reverse(page, args=args))
    expected = {
        "anonymous": 302, "owner": 200, "manager_a": 200, "manager_b": 404,
        "receptionist_a": 403, "receptionist_b": 403, "technician_a": 403, "technician_b": 403,
    }  # fmt: skip
    assert got == expected


def test_a_manager_cannot_reach_another_manager_an_owner_or_themselves(
    client, owner, manager_a, manager_b, branch_a
):
    colleague = User.objects.create_user("mai2", role=Role.MANAGER, branch=branch_a)
    client.force_login(manager_a)
    for target in (owner, manager_b, colleague, manager_a):
        for url in (reverse("office:section_edit", args=["staff", target.pk]),
                    reverse("office:staff_hours", args=[target.pk]),
                    reverse("office:staff_password", args=[target.pk])):  # fmt: skip
            assert client.get(url).status_code == 404


def test_a_manager_adds_a_technician_to_their_branch_who_can_log_in(
    client, manager_a, branch_a, branch_b
):
    client.force_login(manager_a)
    # A branch sent by hand is not taken: a manager's only choice is their branch.
    response = client.post(reverse("office:section_new", args=["staff"]),
                           _new_staff(branch=branch_b.pk))  # fmt: skip
    assert response.status_code == 200 and not User.objects.filter(username="lan.q1").exists()
    response = client.post(reverse("office:section_new", args=["staff"]),
                           _new_staff(branch=branch_a.pk))  # fmt: skip
    assert response.status_code == 302
    lan = User.objects.get(username="lan.q1")
    assert (lan.role, lan.branch, lan.display_name) == (Role.TECHNICIAN, branch_a, "Trần Lan")
    assert can_log_in("lan.q1", NEW_PASSWORD)
    entry = _settings_entries()[-1]
    assert entry.subject == f"accounts.user:{lan.pk}" and entry.actor == manager_a
    assert entry.changes["role"] == [None, "technician"]
    assert "password" not in entry.changes and NEW_PASSWORD not in json.dumps(entry.changes)


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_a_manager_cannot_create_or_promote_to_owner_or_manager(
    client, manager_a, technician_a, branch_a, role
):
    client.force_login(manager_a)
    response = client.post(reverse("office:section_new", args=["staff"]),
                           _new_staff(role=role, branch=branch_a.pk))  # fmt: skip
    assert (
        response.status_code == 200 and "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    )
    assert not User.objects.filter(username="lan.q1").exists()
    edit = reverse("office:section_edit", args=["staff", technician_a.pk])
    response = client.post(edit, {"username": "thao", "first_name": "Thao", "role": role,
                                  "branch": branch_a.pk, "language": "vi"})  # fmt: skip
    assert response.status_code == 200
    technician_a.refresh_from_db()
    assert technician_a.role == Role.TECHNICIAN
    assert not _settings_entries()


def test_a_manager_cannot_edit_or_deactivate_staff_of_another_branch(
    client, manager_a, technician_b, branch_a
):
    client.force_login(manager_a)
    edit = reverse("office:section_edit", args=["staff", technician_b.pk])
    assert client.post(edit, {"username": "trang", "first_name": "X", "role": "technician",
                              "branch": branch_a.pk, "language": "vi"}).status_code == 404  # fmt: skip
    toggle = reverse("office:section_toggle", args=["staff", technician_b.pk])
    assert client.post(toggle).status_code == 404
    technician_b.refresh_from_db()
    assert technician_b.is_active and technician_b.first_name == "Trang"
    assert not _settings_entries()


def test_the_owner_is_the_only_role_without_a_branch(client, owner, branch_a):
    client.force_login(owner)
    url = reverse("office:section_new", args=["staff"])
    response = client.post(url, _new_staff(role="owner", branch=branch_a.pk))
    assert "Chủ spa làm việc cho mọi chi nhánh" in response.content.decode()
    response = client.post(url, _new_staff(role="receptionist"))
    assert "Chọn chi nhánh đồng nghiệp này làm việc." in response.content.decode()
    assert not User.objects.filter(username="lan.q1").exists()
    assert client.post(url, _new_staff(role="manager", branch=branch_a.pk)).status_code == 302
    assert User.objects.get(username="lan.q1").role == Role.MANAGER


def test_mismatched_or_weak_initial_password_is_refused(client, owner, branch_a):
    client.force_login(owner)
    url = reverse("office:section_new", args=["staff"])
    response = client.post(url, _new_staff(branch=branch_a.pk, password2="other"))
    assert "Hai mật khẩu không giống nhau." in response.content.decode()
    response = client.post(url, _new_staff(branch=branch_a.pk, password1="123", password2="123"))
    assert response.status_code == 200
    assert not User.objects.filter(username="lan.q1").exists()


def test_a_deactivated_colleague_cannot_log_in_and_is_kept_with_their_name(
    client, manager_a, technician_a
):
    assert can_log_in("thao", "pw")
    client.force_login(manager_a)
    toggle = reverse("office:section_toggle", args=["staff", technician_a.pk])
    assert client.post(toggle).status_code == 302
    technician_a.refresh_from_db()
    assert technician_a.is_active is False
    assert not can_log_in("thao", "pw")
    assert User.objects.filter(pk=technician_a.pk).exists()
    listing = client.get(reverse("office:section", args=["staff"]) + "?show=all").content.decode()
    assert "Thao" in listing
    entry = _settings_entries()[-1]
    assert entry.changes == {"is_active": [True, False]} and entry.actor == manager_a


def test_services_performed_are_saved_and_in_the_history(
    client, manager_a, technician_a, catalogue
):
    client.force_login(manager_a)
    url = reverse("office:staff_services", args=[technician_a.pk])
    assert client.post(url, {"services": [catalogue["laser"].pk]}).status_code == 302
    assert list(StaffService.objects.values_list("service", flat=True)) == [catalogue["laser"].pk]
    assert client.post(url, {}).status_code == 302  # none ticked: every service again
    assert not StaffService.objects.exists()
    entries = _settings_entries()
    assert [e.changes for e in entries] == [
        {"services": [[], ["Triệt lông laser"]]},
        {"services": [["Triệt lông laser"], []]},
    ]
    history = client.get(reverse("office:history")).content.decode()
    assert "Dịch vụ thực hiện" in history and "Triệt lông laser" in history


def _hours(**spans):
    """{"0_0": ("08:00", "12:00")} -> the working-hours form's fields."""
    data = {}
    for key, (start, end) in spans.items():
        day, n = key.split("_")
        data[f"start_{day}_{n}"], data[f"end_{day}_{n}"] = start, end
    return data


def test_working_hours_with_a_break_are_saved_and_in_the_history(client, owner, technician_a):
    client.force_login(owner)
    url = reverse("office:staff_hours", args=[technician_a.pk])
    data = _hours(
        **{"0_0": ("08:00", "12:00"), "0_1": ("13:30", "19:00"), "5_0": ("09:00", "17:00")}
    )
    assert client.post(url, data).status_code == 302
    shifts = list(Shift.objects.filter(staff=technician_a).values_list("weekday", "start", "end"))
    assert shifts == [(0, time(8), time(12)), (0, time(13, 30), time(19)), (5, time(9), time(17))]
    entry = _settings_entries()[-1]
    assert entry.subject == f"accounts.user:{technician_a.pk}"
    assert entry.changes == {"hours_0": [None, "08:00–12:00, 13:30–19:00"],
                             "hours_5": [None, "09:00–17:00"]}  # fmt: skip
    page = client.get(url).content.decode()
    assert 'value="13:30"' in page
    history = client.get(reverse("office:history")).content.decode()
    assert "Giờ làm việc: Thứ Hai" in history and "13:30–19:00" in history


def test_overlapping_spans_are_refused_in_vietnamese_and_nothing_changes(
    client, manager_a, technician_a
):
    Shift.objects.create(staff=technician_a, weekday=2, start=time(9), end=time(17))
    client.force_login(manager_a)
    url = reverse("office:staff_hours", args=[technician_a.pk])
    response = client.post(url, _hours(**{"0_0": ("08:00", "12:00"), "0_1": ("11:00", "19:00")}))
    assert response.status_code == 200
    assert "Thứ Hai: ca 08:00–12:00 và ca 11:00–19:00 chồng lên nhau." in response.content.decode()
    response = client.post(url, _hours(**{"1_0": ("12:00", "08:00")}))
    assert "Thứ Ba: ca 12:00–08:00 kết thúc trước khi bắt đầu." in response.content.decode()
    response = client.post(url, {"start_3_0": "08:00"})
    assert "Nhập cả giờ bắt đầu và giờ kết thúc của ca này." in response.content.decode()
    assert list(Shift.objects.values_list("weekday", "start")) == [(2, time(9))]
    assert not _settings_entries()


def test_time_off_is_added_and_removed_each_in_the_history(client, manager_a, technician_a):
    client.force_login(manager_a)
    url = reverse("office:staff_time_off", args=[technician_a.pk])
    response = client.post(url, {"first_day": "10/06/2030", "last_day": "12/06/2030",
                                 "reason": "Nghỉ phép năm"})  # fmt: skip
    assert response.status_code == 302
    row = TimeOff.objects.get(staff=technician_a)
    local = [row.start.astimezone(), row.end.astimezone()]
    assert row.reason == "Nghỉ phép năm" and (row.end - row.start).days == 3
    assert local
    page = client.get(url).content.decode()
    assert "10/06/2030 00:00" in page and "Nghỉ phép năm" in page
    remove = reverse("office:staff_time_off_remove", args=[technician_a.pk, row.pk])
    assert client.post(remove).status_code == 302
    assert not TimeOff.objects.exists()
    entries = _settings_entries()
    assert [e.subject for e in entries] == [f"booking.timeoff:{row.pk}"] * 2
    assert entries[0].changes["reason"] == [None, "Nghỉ phép năm"]


def test_a_break_within_a_day_is_time_off_too(client, owner, technician_a):
    client.force_login(owner)
    url = reverse("office:staff_time_off", args=[technician_a.pk])
    client.post(url, {"first_day": "10/06/2030", "first_time": "14:00", "last_time": "16:00",
                      "reason": "Khám bệnh"})  # fmt: skip
    row = TimeOff.objects.get()
    assert (row.end - row.start).total_seconds() == 2 * 3600
    response = client.post(url, {"first_day": "10/06/2030", "first_time": "16:00",
                                 "last_time": "14:00"})  # fmt: skip
    assert "Thời gian nghỉ phải kết thúc sau khi bắt đầu." in response.content.decode()
    assert TimeOff.objects.count() == 1


def test_a_manager_resets_a_colleagues_password_and_the_history_has_no_password(
    client, manager_a, technician_a
):
    client.force_login(manager_a)
    url = reverse("office:staff_password", args=[technician_a.pk])
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert can_log_in("thao", NEW_PASSWORD)
    assert not can_log_in("thao", "pw")
    entry = _settings_entries()[-1]
    assert entry.changes == {"password": ["—", "reset"]}
    assert entry.actor == manager_a and entry.subject == f"accounts.user:{technician_a.pk}"
    everything = json.dumps(list(AuditEntry.objects.values("changes", "summary")))
    assert NEW_PASSWORD not in everything
    assert technician_a.password.split("$")[-1] not in everything
    history = client.get(reverse("office:history")).content.decode()
    assert "Mật khẩu" in history.replace("mật khẩu", "Mật khẩu")
    assert "được đặt lại bởi đồng nghiệp" in history and NEW_PASSWORD not in history


def test_owner_resets_anyone_but_another_owner(client, owner, manager_b):
    other_owner = User.objects.create_user("boss2", role=Role.OWNER, password="pw")
    client.force_login(owner)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert (
        client.post(reverse("office:staff_password", args=[manager_b.pk]), data).status_code == 302
    )
    assert can_log_in("minh", NEW_PASSWORD)
    url = reverse("office:staff_password", args=[other_owner.pk])
    assert client.post(url, data).status_code == 403
    assert can_log_in("boss2", "pw")


def test_a_mismatched_reset_changes_nothing(client, manager_a, technician_a):
    client.force_login(manager_a)
    url = reverse("office:staff_password", args=[technician_a.pk])
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": "other"})
    assert response.status_code == 200
    assert can_log_in("thao", "pw")
    assert not _settings_entries()


def test_owner_moves_a_technician_to_reception_at_another_branch_and_it_is_in_the_history(
    client, owner, technician_a, branch_b
):
    client.force_login(owner)
    edit = reverse("office:section_edit", args=["staff", technician_a.pk])
    response = client.post(edit, {"username": "thao", "last_name": "Lê", "first_name": "Thao",
                                  "role": "receptionist", "branch": branch_b.pk, "language": "en"})  # fmt: skip
    assert response.status_code == 302
    technician_a.refresh_from_db()
    assert (technician_a.role, technician_a.branch, technician_a.language) == (
        Role.RECEPTIONIST, branch_b, "en",
    )  # fmt: skip
    assert can_log_in("thao", "pw")  # editing keeps the password
    entry = _settings_entries()[-1]
    assert entry.changes["role"] == ["technician", "receptionist"]
    assert entry.changes["branch"] == ["Chi nhánh A", "Chi nhánh B"]
    history = client.get(reverse("office:history")).content.decode()
    assert "Kỹ thuật viên" in history and "Lễ tân" in history
