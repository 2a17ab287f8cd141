"""The stock pages: the owner for every branch, a manager for their own; every change is
a movement in the ledger, a threshold change is in the settings history."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import ROLES, statuses
from spa.audit.models import Action, AuditEntry
from spa.catalog.models import MovementReason, StockLevel, StockMovement
from spa.catalog.selectors import stock_ledger_sum, stock_level
from spa.catalog.services import stock_threshold_set

pytestmark = pytest.mark.django_db

PAGES = ["office:stock", "office:stock_low", "office:stock_receive", "office:stock_count",
         "office:stock_move", "office:stock_threshold"]  # fmt: skip


@pytest.mark.parametrize("name", PAGES)
def test_stock_pages_open_for_the_owner_and_managers_only(client, people, catalogue, name):
    got = dict(zip(ROLES, statuses(client, people, reverse(name)), strict=True))
    assert got["anonymous"] == 302
    assert got["owner"] == got["manager_a"] == got["manager_b"] == 200
    assert {got["receptionist_a"], got["receptionist_b"], got["technician_a"],
            got["technician_b"]} == {403}  # fmt: skip


def test_a_receptionist_cannot_receive_goods(client, receptionist_a, catalogue, branch_a):
    client.force_login(receptionist_a)
    response = client.post(reverse("office:stock_receive"), {
        "product": catalogue["peel"].pk, "branch": branch_a.pk, "quantity": "5"})  # fmt: skip
    assert response.status_code == 403
    assert stock_level(catalogue["peel"].pk, branch_a.pk) == 100


def level(product, branch):
    value = stock_level(product.pk, branch.pk)
    assert value == stock_ledger_sum(product.pk, branch.pk)
    return value


def test_receiving_counting_and_moving_from_the_pages(
    client, manager_a, catalogue, branch_a, branch_b
):
    peel = catalogue["peel"]
    client.force_login(manager_a)

    received = client.post(reverse("office:stock_receive"), {
        "product": peel.pk, "branch": branch_a.pk, "quantity": "1000", "batch": "L-26"})  # fmt: skip
    assert received.status_code == 302
    assert level(peel, branch_a) == 1100
    movement = StockMovement.objects.filter(product=peel).first()
    assert (movement.delta, movement.reason, movement.batch, movement.by) == (
        1000, MovementReason.RECEIVED, "L-26", manager_a)  # fmt: skip

    counted = client.post(reverse("office:stock_count"), {
        "product": peel.pk, "branch": branch_a.pk, "counted": "1090,5"}, follow=True)  # fmt: skip
    assert level(peel, branch_a) == Decimal("1090.5")
    assert "-9,5 ml" in counted.content.decode()

    moved = client.post(reverse("office:stock_move"), {
        "product": peel.pk, "branch": branch_a.pk, "to_branch": branch_b.pk, "quantity": "90,5"})  # fmt: skip
    assert moved.status_code == 302
    assert (level(peel, branch_a), level(peel, branch_b)) == (1000, Decimal("90.5"))

    page = client.get(reverse("office:stock")).content.decode()
    assert "1.000 ml" in page and "1,000" not in page
    assert "Dung dịch peel AHA 30%" in page


def test_moving_more_than_there_is_is_refused_in_vietnamese(
    client, manager_a, catalogue, branch_a, branch_b
):
    peel = catalogue["peel"]
    client.force_login(manager_a)
    before = StockMovement.objects.count()
    response = client.post(reverse("office:stock_move"), {
        "product": peel.pk, "branch": branch_a.pk, "to_branch": branch_b.pk, "quantity": "101"})  # fmt: skip
    assert response.status_code == 200
    assert "Chỉ còn 100 ml" in response.content.decode()
    assert StockMovement.objects.count() == before
    assert (level(peel, branch_a), level(peel, branch_b)) == (100, 0)


def test_bad_quantities_save_nothing(client, manager_a, catalogue, branch_a):
    client.force_login(manager_a)
    before = StockMovement.objects.count()
    for quantity in ("-5", "0", "abc", "1e30", ""):
        response = client.post(reverse("office:stock_receive"), {
            "product": catalogue["peel"].pk, "branch": branch_a.pk, "quantity": quantity})  # fmt: skip
        assert response.status_code == 200
    assert StockMovement.objects.count() == before


def test_a_manager_cannot_see_or_change_another_branchs_stock(
    client, manager_a, owner, catalogue, branch_a, branch_b
):
    peel = catalogue["peel"]
    client.force_login(owner)
    client.post(reverse("office:stock_receive"), {
        "product": peel.pk, "branch": branch_b.pk, "quantity": "7", "batch": "B-ONLY"})  # fmt: skip
    assert level(peel, branch_b) == 7

    client.force_login(manager_a)
    page = client.get(reverse("office:stock")).content.decode()
    assert "B-ONLY" not in page and branch_b.name not in page
    assert client.get(reverse("office:stock"), {"branch": branch_b.pk}).status_code == 404
    assert client.get(reverse("office:stock_low"), {"branch": branch_b.pk}).status_code == 404
    before = StockMovement.objects.count()
    for name, data in [
        ("office:stock_receive", {"quantity": "5"}),
        ("office:stock_count", {"counted": "0"}),
        ("office:stock_threshold", {"low_at": "3"}),
        ("office:stock_move", {"to_branch": branch_a.pk, "quantity": "7"}),  # taking B's goods
    ]:
        response = client.post(reverse(name), {"product": peel.pk, "branch": branch_b.pk, **data})
        assert response.status_code == 200  # the branch is not a choice: form error
    assert StockMovement.objects.count() == before
    assert level(peel, branch_b) == 7
    assert StockLevel.objects.get(product=peel, branch=branch_b).low_at is None

    # A manager may send their own branch's goods to the other branch.
    client.post(reverse("office:stock_move"), {
        "product": peel.pk, "branch": branch_a.pk, "to_branch": branch_b.pk, "quantity": "3"})  # fmt: skip
    assert (level(peel, branch_a), level(peel, branch_b)) == (97, 10)


def test_threshold_change_is_in_the_settings_history(client, manager_a, catalogue, branch_a):
    peel = catalogue["peel"]
    client.force_login(manager_a)
    url = reverse("office:stock_threshold")
    assert (
        client.post(url, {"product": peel.pk, "branch": branch_a.pk, "low_at": "20"}).status_code
        == 302
    )
    assert (
        client.post(url, {"product": peel.pk, "branch": branch_a.pk, "low_at": "150"}).status_code
        == 302
    )
    level_row = StockLevel.objects.get(product=peel, branch=branch_a)
    assert level_row.low_at == 150 and level_row.quantity == 100
    entries = list(AuditEntry.objects.filter(action=Action.SETTINGS,
                                             subject=f"catalog.stocklevel:{level_row.pk}").order_by("id"))  # fmt: skip
    assert [e.changes["low_at"] for e in entries] == [[None, "20"], ["20", "150"]]
    assert all(e.actor == manager_a for e in entries)
    assert "quantity" not in entries[0].changes


def test_low_stock_page_shows_each_branch_its_own_low_products(
    client, owner, manager_a, manager_b, catalogue, branch_a, branch_b
):
    peel, cleanser, sunscreen = catalogue["peel"], catalogue["cleanser"], catalogue["sunscreen"]
    stock_threshold_set(actor=owner, product=peel, branch=branch_a, low_at=Decimal(100))
    stock_threshold_set(actor=owner, product=cleanser, branch=branch_a, low_at=Decimal(10))
    stock_threshold_set(actor=owner, product=sunscreen, branch=branch_b, low_at=Decimal(2))

    client.force_login(manager_a)
    page_a = client.get(reverse("office:stock_low")).content.decode()
    client.force_login(manager_b)
    page_b = client.get(reverse("office:stock_low")).content.decode()
    client.force_login(owner)
    page_owner = client.get(reverse("office:stock_low")).content.decode()
    only_a = client.get(reverse("office:stock_low"), {"branch": branch_a.pk}).content.decode()

    assert peel.name in page_a and cleanser.name not in page_a and sunscreen.name not in page_a
    assert sunscreen.name in page_b and peel.name not in page_b
    assert peel.name in page_owner and sunscreen.name in page_owner
    assert peel.name in only_a and sunscreen.name not in only_a
    assert "100 ml" in page_a


def queries_for(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_stock_and_service_lists_query_count_does_not_grow_with_rows(
    client, owner, catalogue, branch_a, branch_b
):
    from spa.catalog.models import Product, ProductKind, Service, ServicePrice
    from spa.catalog.services import stock_receive

    client.force_login(owner)
    urls = [reverse("office:stock"), reverse("office:stock_low"),
            reverse("office:section", args=["services"])]  # fmt: skip
    for url in urls:  # warm up (session, spa settings read once)
        client.get(url)
    first = [queries_for(client, url) for url in urls]
    for n in range(5):
        product = Product.objects.create(name=f"P{n}", sku=f"P{n}", kind=ProductKind.RETAIL)
        stock_receive(actor=owner, product=product, branch=branch_b, quantity=Decimal(1))
        stock_threshold_set(actor=owner, product=product, branch=branch_b, low_at=Decimal(5))
        service = Service.objects.create(name=f"S{n}", category=catalogue["facial"].category)
        ServicePrice.objects.create(service=service, branch=branch_b, price=1000)
    assert [queries_for(client, url) for url in urls] == first


@pytest.mark.parametrize("value", ["9" * 22, "a\x00b", "1e400"])
def test_junk_in_every_stock_and_catalogue_field_is_refused_without_a_server_error(
    client, owner, make_client, catalogue, branch_a, branch_b, value
):
    client.force_login(owner)
    client.raise_request_exception = False
    before = StockMovement.objects.count()
    urls = [reverse(name) for name in PAGES] + [
        reverse("office:catalogue_rule_delete", args=[1]),
        "/settings/rules/" + "9" * 22 + "/delete/",
        reverse("sales:package_new", args=[make_client().pk]),
    ]
    fields = ["product", "branch", "to_branch", "quantity", "counted", "low_at", "template",
              "page", "batch", "note"]  # fmt: skip
    for url in urls:
        assert client.get(url, dict.fromkeys(fields, value)).status_code < 500, url
        assert client.post(url, dict.fromkeys(fields, value)).status_code < 500, url
    for slug in ("services", "rules", "resources", "products", "package-templates"):
        page = reverse("office:section_new", args=[slug])
        names = ["name", "category", "duration_minutes", "kind", "sku", "retail_price", "cost",
                 "service", "patch_test_days", "allergen", "condition", "services", "price",
                 "validity", "validity_unit", "total_sessions", "resources", "resource_kinds",
                 f"price_{branch_a.pk}", "unit", "allergens"]  # fmt: skip
        assert client.post(page, dict.fromkeys(names, value)).status_code < 500, slug
    assert StockMovement.objects.count() == before


def test_one_products_ledger_shows_only_its_movements(client, manager_a, catalogue, branch_a):
    from spa.catalog.services import stock_receive

    stock_receive(actor=manager_a, product=catalogue["peel"], branch=branch_a,
                  quantity=Decimal(5), batch="PEEL-LOT")  # fmt: skip
    stock_receive(actor=manager_a, product=catalogue["cleanser"], branch=branch_a,
                  quantity=Decimal(5), batch="CLEAN-LOT")  # fmt: skip
    client.force_login(manager_a)
    page = client.get(reverse("office:stock"), {"product": catalogue["peel"].pk}).content.decode()
    assert "PEEL-LOT" in page and "CLEAN-LOT" not in page
    assert "105 ml" in page
