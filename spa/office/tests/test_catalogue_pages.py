"""The catalogue settings pages: services with their price per branch, safety rules,
rooms and machines, products and package cards. Who may open each, what is saved, and
that every change is in the settings history."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import ROLES, statuses
from spa.audit.models import Action, AuditEntry
from spa.catalog.models import (
    PackageTemplate,
    Product,
    ProductKind,
    Resource,
    ResourceKind,
    RuleKind,
    Service,
    ServicePrice,
    ServiceRule,
)
from spa.catalog.selectors import service_prices
from spa.treatments.services import SessionInput, session_log

pytestmark = pytest.mark.django_db

OWNER_ONLY = ["services", "rules", "products", "package-templates"]


def matrix(client, people, url, method="get", data=None):
    return dict(zip(ROLES, statuses(client, people, url, method, data), strict=True))


def settings_entries(subject_prefix):
    return list(
        AuditEntry.objects.filter(
            action=Action.SETTINGS, subject__startswith=subject_prefix
        ).order_by("id")
    )


@pytest.mark.parametrize("slug", OWNER_ONLY)
def test_spa_wide_catalogue_pages_are_for_the_owner_only(client, people, slug):
    for url in (reverse("office:section", args=[slug]), reverse("office:section_new", args=[slug])):
        got = matrix(client, people, url)
        assert got["anonymous"] == 302
        assert got["owner"] == 200
        assert {got[r] for r in ROLES[2:]} == {403}


def test_spa_wide_catalogue_pages_refuse_a_managers_post_and_save_nothing(
    client, people, catalogue
):
    url = reverse("office:section_edit", args=["services", catalogue["facial"].pk])
    got = matrix(client, people, url, "post", {"name": "Hacked"})
    assert got["manager_a"] == got["receptionist_a"] == 403
    assert Service.objects.filter(name="Hacked").count() == 0


def service_data(catalogue, branch_a, branch_b, **extra):
    return {
        "name": "Peel da AHA", "category": catalogue["facial"].category_id,
        "duration_minutes": "60", "description": "", "resource_kinds": ["room"],
        f"price_{branch_a.pk}": "500000", f"price_{branch_b.pk}": "", **extra,
    }  # fmt: skip


def test_prices_per_branch_are_saved_together_and_audited_each(
    client, owner, catalogue, branch_a, branch_b
):
    facial = catalogue["facial"]
    client.force_login(owner)
    url = reverse("office:section_edit", args=["services", facial.pk])
    page = client.get(url).content.decode()
    assert "Giá tại" in page or "Price at" in page

    response = client.post(url, service_data(catalogue, branch_a, branch_b,
                                             **{f"price_{branch_b.pk}": "550000"}))  # fmt: skip

    assert response.status_code == 302
    assert service_prices(branch_a.pk, [facial.pk]) == {facial.pk: 500_000}
    assert service_prices(branch_b.pk, [facial.pk]) == {facial.pk: 550_000}
    facial.refresh_from_db()
    assert facial.resource_kinds == ["room"]
    price_entries = settings_entries("catalog.serviceprice:")
    assert sorted((e.changes["price"] for e in price_entries), key=str) == [
        [450_000, 500_000],
        [None, 550_000],
    ]

    # Emptying branch B's price: the service is no longer offered there.
    client.post(url, service_data(catalogue, branch_a, branch_b))
    assert service_prices(branch_b.pk, [facial.pk]) == {}
    assert ServicePrice.objects.filter(service=facial).count() == 1
    last = settings_entries("catalog.serviceprice:")[-1]
    assert last.changes["price"] == [550_000, None]
    history = client.get(reverse("office:history")).content.decode()
    assert "550.000\u00a0₫" in history and "Peel da AHA · " in history
    assert "<td>Phòng</td>" in history and ">room<" not in history  # a kind by its label


def test_the_price_set_on_the_page_is_the_one_a_session_and_the_online_booking_use(
    client, owner, technician_a, make_client, catalogue, branch_a, branch_b
):
    facial = catalogue["facial"]
    client.force_login(owner)
    client.post(
        reverse("office:section_edit", args=["services", facial.pk]),
        service_data(catalogue, branch_a, branch_b, **{f"price_{branch_a.pk}": "480000"}),
    )
    session = session_log(actor=technician_a, data=SessionInput(
        client=make_client(), branch=branch_a, performed_at=timezone.now(), services=[facial],
        technicians=[technician_a]))  # fmt: skip
    assert session.amount == 480_000
    client.logout()
    page_a = client.get(reverse("public_booking:page", args=[branch_a.code])).content.decode()
    page_b = client.get(reverse("public_booking:page", args=[branch_b.code])).content.decode()
    assert "Peel da AHA" in page_a
    assert "Peel da AHA" not in page_b  # no price at branch B: not offered there


def test_a_negative_price_or_an_absurd_duration_saves_nothing_and_says_why(
    client, owner, catalogue, branch_a, branch_b
):
    facial = catalogue["facial"]
    client.force_login(owner)
    url = reverse("office:section_edit", args=["services", facial.pk])
    response = client.post(url, service_data(catalogue, branch_a, branch_b,
                                             duration_minutes="100000",
                                             **{f"price_{branch_a.pk}": "-5"}))  # fmt: skip
    assert response.status_code == 200
    assert service_prices(branch_a.pk, [facial.pk]) == {facial.pk: 450_000}
    assert not settings_entries("catalog.")


def test_a_new_service_with_a_price_at_one_branch(client, owner, catalogue, branch_a, branch_b):
    client.force_login(owner)
    data = service_data(catalogue, branch_a, branch_b, name="Massage đá nóng")
    assert client.post(reverse("office:section_new", args=["services"]), data).status_code == 302
    service = Service.objects.get(name="Massage đá nóng")
    assert list(service.prices.values_list("branch", "price")) == [(branch_a.pk, 500_000)]
    assert settings_entries(f"catalog.service:{service.pk}")
    listing = client.get(reverse("office:section", args=["services"])).content.decode()
    assert "500.000\u00a0₫" in listing


def test_safety_rules_are_added_checked_and_deleted_with_history(client, owner, catalogue):
    client.force_login(owner)
    new = reverse("office:section_new", args=["rules"])
    laser = catalogue["laser"]
    missing_days = client.post(
        new, {"service": laser.pk, "kind": RuleKind.PATCH_TEST, "hard": "on"}
    )
    assert missing_days.status_code == 200 and not ServiceRule.objects.exists()

    assert client.post(new, {"service": laser.pk, "kind": RuleKind.PATCH_TEST,
                             "patch_test_days": "30", "hard": "on"}).status_code == 302  # fmt: skip
    assert client.post(new, {"service": laser.pk, "kind": RuleKind.ALLERGEN,
                             "allergen": catalogue["peel"].allergens.get().pk}).status_code == 302  # fmt: skip
    patch, allergen = ServiceRule.objects.order_by("id")
    assert (patch.kind, patch.patch_test_days, patch.hard) == (RuleKind.PATCH_TEST, 30, True)
    assert (allergen.kind, allergen.hard, allergen.patch_test_days) == (
        RuleKind.ALLERGEN,
        False,
        None,
    )

    delete = reverse("office:catalogue_rule_delete", args=[patch.pk])
    assert client.post(delete).status_code == 302
    assert list(ServiceRule.objects.all()) == [allergen]
    entries = settings_entries(f"catalog.servicerule:{patch.pk}")
    assert len(entries) == 2 and entries[-1].changes["kind"] == [RuleKind.PATCH_TEST, None]


def test_rule_delete_matrix(client, people, catalogue):
    rule = ServiceRule.objects.create(service=catalogue["laser"], kind=RuleKind.PREGNANCY)
    url = reverse("office:catalogue_rule_delete", args=[rule.pk])
    got = matrix(client, people, url)
    assert got["anonymous"] == 302 and got["owner"] == 200
    assert {got[r] for r in ROLES[2:]} == {403}
    got = matrix(client, {**people, "owner": None}, url, "post")
    assert {got[r] for r in ROLES[2:]} == {403}
    assert ServiceRule.objects.filter(pk=rule.pk).exists()


def test_rooms_and_machines_page_opens_for_owner_and_managers(client, people, branch_a):
    got = matrix(client, people, reverse("office:section", args=["resources"]))
    assert got["anonymous"] == 302
    assert got["owner"] == got["manager_a"] == got["manager_b"] == 200
    assert got["receptionist_a"] == got["technician_a"] == 403


def test_a_manager_manages_only_their_own_branchs_rooms(
    client, manager_a, owner, branch_a, branch_b
):
    room_b = Resource.objects.create(branch=branch_b, name="Phòng VIP", kind=ResourceKind.ROOM)
    client.force_login(manager_a)
    listing = client.get(reverse("office:section", args=["resources"])).content.decode()
    assert "Phòng VIP" not in listing
    assert (
        client.get(reverse("office:section_edit", args=["resources", room_b.pk])).status_code == 404
    )
    assert (
        client.post(reverse("office:section_toggle", args=["resources", room_b.pk])).status_code
        == 404
    )

    new = reverse("office:section_new", args=["resources"])
    refused = client.post(new, {"branch": branch_b.pk, "name": "Phòng lạ", "kind": "room"})
    assert refused.status_code == 200 and not Resource.objects.filter(name="Phòng lạ").exists()
    assert client.post(new, {"branch": branch_a.pk, "name": "Máy laser 2",
                             "kind": "machine"}).status_code == 302  # fmt: skip
    machine = Resource.objects.get(name="Máy laser 2")
    assert (machine.branch, machine.kind) == (branch_a, ResourceKind.MACHINE)
    assert settings_entries(f"catalog.resource:{machine.pk}")[0].actor == manager_a

    duplicate = client.post(new, {"branch": branch_a.pk, "name": "Máy laser 2", "kind": "room"})
    assert duplicate.status_code == 200 and Resource.objects.filter(name="Máy laser 2").count() == 1

    client.post(reverse("office:section_toggle", args=["resources", machine.pk]))
    machine.refresh_from_db()
    assert machine.is_active is False


def test_product_with_cost_and_allergens_is_saved_and_audited(client, owner, aha):
    client.force_login(owner)
    data = {"name": "Serum vitamin C", "sku": "vitc-30", "kind": ProductKind.RETAIL, "unit": "ml",
            "allergens": [aha.pk], "retail_price": "650000", "cost": "280000"}  # fmt: skip
    assert client.post(reverse("office:section_new", args=["products"]), data).status_code == 302
    product = Product.objects.get(name="Serum vitamin C")
    assert (product.sku, product.cost, product.retail_price) == ("VITC-30", 280_000, 650_000)
    assert list(product.allergens.all()) == [aha]
    entry = settings_entries(f"catalog.product:{product.pk}")[0]
    assert entry.changes["cost"] == [None, 280_000]
    listing = client.get(reverse("office:section", args=["products"])).content.decode()
    assert "280.000\u00a0₫" in listing and "retail" not in listing

    bad = client.post(reverse("office:section_new", args=["products"]),
                      {**data, "sku": "OTHER", "cost": "-1"})  # fmt: skip
    assert bad.status_code == 200 and Product.objects.count() == 1


def test_package_card_is_saved_with_its_services_and_validity(client, owner, catalogue):
    client.force_login(owner)
    data = {"name": "Peel 10 buổi", "services": [catalogue["facial"].pk], "total_sessions": "10",
            "price": "5000000", "validity": "6", "validity_unit": "months"}  # fmt: skip
    assert (
        client.post(reverse("office:section_new", args=["package-templates"]), data).status_code
        == 302
    )
    card = PackageTemplate.objects.get()
    assert (card.total_sessions, card.price, card.validity, card.validity_unit) == (
        10, 5_000_000, 6, "months")  # fmt: skip
    assert list(card.services.all()) == [catalogue["facial"]]
    assert settings_entries(f"catalog.packagetemplate:{card.pk}")
    listing = client.get(reverse("office:section", args=["package-templates"])).content.decode()
    assert "5.000.000\u00a0₫" in listing and "6 tháng" in listing

    bad = client.post(reverse("office:section_new", args=["package-templates"]),
                      {**data, "name": "Zero", "total_sessions": "0"})  # fmt: skip
    assert bad.status_code == 200 and PackageTemplate.objects.count() == 1


def test_settings_index_lists_the_catalogue_pages_each_role_may_open(client, owner, manager_a):
    client.force_login(owner)
    page = client.get(reverse("office:index")).content.decode()
    for url in (reverse("office:section", args=["services"]), reverse("office:stock"),
                reverse("office:section", args=["package-templates"]), reverse("office:stock_low")):  # fmt: skip
        assert f'href="{url}"' in page
    client.force_login(manager_a)
    page = client.get(reverse("office:index")).content.decode()
    assert f'href="{reverse("office:section", args=["resources"])}"' in page
    assert f'href="{reverse("office:stock")}"' in page
    assert f'href="{reverse("office:section", args=["services"])}"' not in page


def test_rooms_ticked_on_the_service_page_are_the_ones_booking_reserves(
    client, owner, receptionist_a, technician_a, make_client, catalogue, working_week,
    branch_a, branch_b,
):  # fmt: skip
    from conftest import tomorrow_at
    from spa.booking.services import Booking, appointment_book

    second_room = working_week["rooms"][1]
    client.force_login(owner)
    response = client.post(
        reverse("office:section_edit", args=["services", catalogue["facial"].pk]),
        service_data(catalogue, branch_a, branch_b, resources=[second_room.pk]),
    )
    assert response.status_code == 302
    appointment = appointment_book(actor=receptionist_a, data=Booking(
        client=make_client(), branch=branch_a, services=[catalogue["facial"]],
        start=tomorrow_at(10), technician=technician_a))  # fmt: skip
    assert appointment.room == second_room
