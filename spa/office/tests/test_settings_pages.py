"""The settings pages: who may open them, and every change is in the history."""

import pytest
from django.urls import reverse

from conftest import ROLES, statuses
from spa.audit.models import Action, AuditEntry
from spa.catalog.models import ServiceCategory

pytestmark = pytest.mark.django_db


def test_settings_index_opens_for_owner_and_managers_only(client, people):
    got = dict(zip(ROLES, statuses(client, people, reverse("office:index")), strict=True))
    assert got["anonymous"] == 302
    assert got["owner"] == got["manager_a"] == 200
    assert got["receptionist_a"] == got["technician_a"] == 403


def test_spa_wide_section_is_for_the_owner_only(client, people):
    got = dict(zip(ROLES, statuses(client, people, reverse("office:section", args=["categories"])),
                   strict=True))  # fmt: skip
    assert got["owner"] == 200
    assert got["manager_a"] == got["receptionist_a"] == 403


def test_menu_links_to_settings_pages_not_djangos_admin(client, owner):
    client.force_login(owner)
    page = client.get(reverse("clients:search")).content.decode()
    assert reverse("office:index") in page
    assert "/admin/" not in page


def test_adding_and_renaming_a_category_is_in_the_settings_history(client, owner):
    client.force_login(owner)
    url = reverse("office:section_new", args=["categories"])
    assert client.post(url, {"name": "Chăm sóc da", "position": "1"}).status_code == 302
    category = ServiceCategory.objects.get(name="Chăm sóc da")
    edit = reverse("office:section_edit", args=["categories", category.pk])
    assert client.post(edit, {"name": "Chăm sóc da mặt", "position": "1"}).status_code == 302
    entries = list(AuditEntry.objects.filter(action=Action.SETTINGS).order_by("id"))
    assert [e.subject for e in entries] == [f"catalog.servicecategory:{category.pk}"] * 2
    assert entries[0].actor == owner
    assert entries[1].changes == {"name": ["Chăm sóc da", "Chăm sóc da mặt"]}
    history = client.get(reverse("office:history")).content.decode()
    assert "Chăm sóc da mặt" in history and "Danh mục dịch vụ" in history.replace("danh", "Danh")


def test_a_rejected_form_saves_nothing_and_says_why_in_vietnamese(client, owner):
    client.force_login(owner)
    ServiceCategory.objects.create(name="Tóc")
    response = client.post(reverse("office:section_new", args=["categories"]), {"name": "Tóc"})
    assert response.status_code == 200
    assert "đã tồn tại" in response.content.decode()
    assert ServiceCategory.objects.count() == 1
    assert not AuditEntry.objects.filter(action=Action.SETTINGS).exists()
