"""A spa started with NO_DEMO=1 is set up from the browser: /welcome/ creates the spa,
its first branch and the owner, once."""

import pytest
from django.urls import reverse

from spa.accounts.models import Branch, Role, SpaSettings, User
from spa.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db

GOOD = {
    "spa_name": "Spa Hoa Sen", "branch_name": "Chi nhánh Quận 1", "branch_code": "q1",
    "branch_address": "12 Lê Lợi, Quận 1", "branch_phone": "028 3822 1234",
    "full_name": "Trần Thị Lan", "username": "lan", "password1": "hoa-sen-2026!",
    "password2": "hoa-sen-2026!",
}  # fmt: skip


def test_login_page_of_an_empty_spa_leads_to_welcome(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302 and response.url == reverse("welcome")


def test_welcome_creates_spa_branch_and_owner_and_logs_in(client):
    response = client.post(reverse("welcome"), GOOD)
    assert response.status_code == 302 and response.url == reverse("office:index")
    owner = User.objects.get(username="lan")
    assert owner.role == Role.OWNER and owner.branch is None
    assert (owner.last_name, owner.first_name) == ("Trần Thị", "Lan")
    assert not owner.is_superuser and not owner.is_staff  # the spa's pages, not Django's admin
    assert owner.check_password("hoa-sen-2026!")
    branch = Branch.objects.get()
    assert (branch.code, branch.name, branch.phone) == ("q1", "Chi nhánh Quận 1", "028 3822 1234")
    assert SpaSettings.current().name == "Spa Hoa Sen"
    assert client.get(reverse("office:index")).status_code == 200
    assert AuditEntry.objects.filter(action=Action.SETTINGS, actor=owner).count() == 2


def test_welcome_is_gone_once_anyone_exists(client, owner):
    assert client.get(reverse("welcome")).status_code == 404
    assert client.post(reverse("welcome"), {**GOOD, "username": "intruder"}).status_code == 404
    assert not User.objects.filter(username="intruder").exists()
    assert client.get(reverse("accounts:login")).status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"password2": "other"}, "password2", "không giống"),
        ({"password1": "123", "password2": "123"}, "password1", "quá ngắn"),
        ({"branch_code": "quận 1"}, "branch_code", "ký tự"),
        ({"branch_phone": "abc"}, "branch_phone", "không phải số điện thoại"),
        ({"username": "có dấu cách"}, "username", "không có dấu cách"),
    ],
)
def test_bad_first_run_says_why_in_vietnamese_and_creates_nothing(client, change, field, words):
    response = client.post(reverse("welcome"), {**GOOD, **change})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert words in errors.lower(), errors
    assert not User.objects.exists() and not Branch.objects.exists()


def test_spa_policies_page_is_the_owners_and_audited(client, people):
    from conftest import ROLES, statuses

    got = dict(zip(ROLES, statuses(client, people, reverse("office:spa")), strict=True))
    assert got["owner"] == 200 and got["manager_a"] == 403 and got["anonymous"] == 302
    client.force_login(people["owner"])
    data = {"name": "Spa Mới", "allergen_conflict_blocks": "on", "online_booking": "on",
            "agenda_hour": "18", "health_reconfirm_days": "365"}  # fmt: skip
    assert client.post(reverse("office:spa"), data).status_code == 302
    assert SpaSettings.current().name == "Spa Mới"
    entry = AuditEntry.objects.get(action=Action.SETTINGS)
    assert entry.changes["name"][1] == "Spa Mới"
    assert client.post(reverse("office:spa"), {**data, "agenda_hour": "25"}).status_code == 400
