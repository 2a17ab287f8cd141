"""Settings → Money and loyalty: the owner alone sets the loyalty programme, vouchers,
the receipt header and the currency; every change is in the settings history."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from conftest import ROLES, statuses
from spa.accounts.models import SpaSettings
from spa.audit.models import Action, AuditEntry
from spa.core.money import format_money
from spa.office.forms_money import validate_tax_code
from spa.sales.models import Invoice, LoyaltyProgram, Voucher
from spa.sales.services import Checkout, CheckoutError, Line, checkout_issue

pytestmark = pytest.mark.django_db

LOYALTY = {
    "service_amount_per_point": "10.000", "product_amount_per_point": "20000",
    "point_value": "1000", "points_valid_days": "365", "tier_window_days": "180",
    "referral_reward_kind": "points", "referral_reward_amount": "50",
    "threshold_silver": "5.000.000", "threshold_gold": "20000000", "threshold_diamond": "50000000",
    "discount_bronze": "0", "discount_silver": "2", "discount_gold": "5", "discount_diamond": "12",
}  # fmt: skip


def settings_entries():
    return list(AuditEntry.objects.filter(action=Action.SETTINGS).order_by("id"))


@pytest.fixture(autouse=True)
def _no_rate_limit_left_over():
    cache.clear()


@pytest.mark.parametrize(
    "url_name",
    ["office:money_loyalty", "office:money_invoice", "office:section"],
)
def test_money_pages_are_for_the_owner_only(client, people, url_name):
    url = (
        reverse(url_name, args=["vouchers"]) if url_name == "office:section" else reverse(url_name)
    )
    got = dict(zip(ROLES, statuses(client, people, url), strict=True))
    assert got["anonymous"] == 302 and got["owner"] == 200
    assert {got[r] for r in ROLES[2:]} == {403}


def test_nobody_but_the_owner_can_post_money_settings(client, people, owner):
    for url in (reverse("office:money_loyalty"), reverse("office:money_invoice")):
        got = dict(zip(ROLES, statuses(client, people, url, "post", LOYALTY), strict=True))
        assert got["anonymous"] == 302 and got["owner"] in (200, 302)
        assert {got[r] for r in ROLES[2:]} == {403}
    assert {e.actor for e in settings_entries()} == {owner}


def test_the_index_lists_money_pages_for_the_owner_only(client, owner, manager_a):
    client.force_login(owner)
    page = client.get(reverse("office:index")).content.decode()
    assert reverse("office:money_loyalty") in page and "Chương trình khách hàng thân thiết" in page
    client.force_login(manager_a)
    assert (
        reverse("office:money_loyalty") not in client.get(reverse("office:index")).content.decode()
    )


def test_loyalty_page_shows_one_row_per_tier_by_its_name(client, owner):
    client.force_login(owner)
    page = client.get(reverse("office:money_loyalty")).content.decode()
    for name in ("Đồng", "Bạc", "Vàng", "Kim cương"):
        assert f'data-label="Hạng">{name}</th>' in page
    assert ">bronze<" not in page and "Diamond" not in page and "{&#x27;" not in page


def test_saving_the_loyalty_programme_stores_tiers_and_is_in_the_history(client, owner):
    client.force_login(owner)
    response = client.post(reverse("office:money_loyalty"), LOYALTY)
    assert response.status_code == 302
    program = LoyaltyProgram.objects.get(pk=1)
    assert program.tier_thresholds == {
        "silver": 5_000_000,
        "gold": 20_000_000,
        "diamond": 50_000_000,
    }
    assert program.tier_discounts == {"bronze": 0, "silver": 2, "gold": 5, "diamond": 12}
    assert (program.tier_window_days, program.referral_reward_kind) == (180, "points")
    assert program.referral_reward_amount == 50
    [entry] = settings_entries()
    assert entry.actor == owner and entry.subject == "sales.loyaltyprogram:1"
    assert entry.changes["tier_window_days"] == [365, 180]
    assert "tier_thresholds" in entry.changes
    history = client.get(reverse("office:history")).content.decode()
    assert "Chương trình khách hàng thân thiết" in history


def test_tier_thresholds_must_rise_with_the_tier(client, owner):
    client.force_login(owner)
    data = {**LOYALTY, "threshold_gold": "4000000"}
    response = client.post(reverse("office:money_loyalty"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vàng phải bắt đầu từ mức chi tiêu cao hơn Bạc" in page
    assert LoyaltyProgram.current().tier_thresholds["gold"] == 30_000_000
    assert not settings_entries()


@pytest.mark.parametrize("discount", ["-1", "101", "ba"])
def test_a_tier_discount_is_between_0_and_100(client, owner, discount):
    client.force_login(owner)
    response = client.post(reverse("office:money_loyalty"), {**LOYALTY, "discount_gold": discount})
    assert response.status_code == 200
    assert LoyaltyProgram.current().tier_discounts["gold"] == 5
    assert not settings_entries()


def test_a_voucher_is_added_with_its_discount_and_listed_with_its_uses(client, owner):
    client.force_login(owner)
    until = (timezone.localdate() + timedelta(days=30)).strftime("%d/%m/%Y")
    response = client.post(reverse("office:section_new", args=["vouchers"]), {
        "code": "tet2027", "percent": "10", "amount": "50.000", "valid_until": until, "max_uses": "100",
    })  # fmt: skip
    assert response.status_code == 302
    voucher = Voucher.objects.get()
    assert (voucher.code, voucher.percent, voucher.amount, voucher.max_uses) == (
        "TET2027",
        10,
        50_000,
        100,
    )
    Voucher.objects.filter(pk=voucher.pk).update(used=7)
    page = client.get(reverse("office:section", args=["vouchers"])).content.decode()
    assert "TET2027" in page and "7 / 100" in page and "10% + 50.000\u00a0₫" in page
    assert settings_entries()[0].subject == f"sales.voucher:{voucher.pk}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"percent": "120"}, "từ 0 đến 100%"),
        ({"percent": "0", "amount": "0"}, "Hãy cho một mức giảm"),
        ({"code": "KHÁCH MỚI"}, "chữ không dấu"),
        ({"code": "khachmoi"}, "đã tồn tại"),
    ],
)
def test_a_wrong_voucher_is_refused_with_a_reason(client, owner, data, message):
    Voucher.objects.create(code="KHACHMOI", percent=15, max_uses=10)
    client.force_login(owner)
    form = {
        "code": "MOI",
        "percent": "10",
        "amount": "",
        "valid_until": "",
        "max_uses": "5",
        **data,
    }
    response = client.post(reverse("office:section_new", args=["vouchers"]), form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Voucher.objects.count() == 1


def test_uses_allowed_cannot_drop_below_uses_made(client, owner):
    voucher = Voucher.objects.create(code="KHACHMOI", percent=15, max_uses=10, used=6)
    client.force_login(owner)
    response = client.post(reverse("office:section_edit", args=["vouchers", voucher.pk]), {
        "code": "KHACHMOI", "percent": "15", "amount": "", "valid_until": "", "max_uses": "5"})  # fmt: skip
    assert response.status_code == 200 and "ít nhất" in response.content.decode()
    assert Voucher.objects.get(pk=voucher.pk).max_uses == 10


def test_a_deactivated_voucher_expires_yesterday_and_checkout_refuses_it(
    client, owner, people, make_client, receptionist_a, catalogue, branch_a
):
    voucher = Voucher.objects.create(code="KHACHMOI", percent=15, max_uses=10, used=3)
    url = reverse("office:money_voucher_stop", args=[voucher.pk])
    for person in (p for role, p in people.items() if role != "owner"):
        client.logout()
        if person is not None:
            client.force_login(person)
        assert client.post(url).status_code == (302 if person is None else 403)
    assert Voucher.objects.get(pk=voucher.pk).valid_until is None
    client.force_login(owner)
    assert "KHACHMOI" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    voucher.refresh_from_db()
    assert voucher.valid_until == timezone.localdate() - timedelta(days=1) and voucher.used == 3
    [entry] = settings_entries()
    assert entry.changes["valid_until"][0] is None
    hoa = make_client("Nguyễn Thị Hoa")
    with pytest.raises(CheckoutError):
        checkout_issue(actor=receptionist_a, data=Checkout(
            client=hoa, branch=branch_a, voucher_code="khachmoi",
            lines=[Line(kind="service", description="Peel", unit_price=100_000, service=catalogue["facial"])]))  # fmt: skip


@pytest.mark.parametrize("code", ["0101234567", "0101234567-001", ""])
def test_a_vietnamese_tax_code_is_10_digits_or_10_dash_3(code):
    validate_tax_code(code)


@pytest.mark.parametrize(
    "code", ["010123456", "01012345678", "0101234567-01", "0101234567_001", "MST0101234"]
)
def test_anything_else_is_not_a_tax_code(client, owner, code):
    client.force_login(owner)
    response = client.post(reverse("office:money_invoice"), {
        "part": "header", "invoice_legal_name": "CÔNG TY TNHH SPA HOA SEN", "invoice_tax_code": code,
        "invoice_address": "", "invoice_phone": ""})  # fmt: skip
    assert response.status_code == 200
    assert "Mã số thuế gồm 10 chữ số" in response.content.decode()
    assert SpaSettings.current().invoice_legal_name == ""
    assert not settings_entries()


def test_the_receipt_prints_the_legal_name_tax_code_and_address(
    client, owner, make_client, receptionist_a, catalogue, branch_a
):
    client.force_login(owner)
    response = client.post(reverse("office:money_invoice"), {
        "part": "header", "invoice_legal_name": "CÔNG TY TNHH SPA HOA SEN",
        "invoice_tax_code": "0101234567-001", "invoice_address": "12 Lê Lợi, Quận 1, TP.HCM",
        "invoice_phone": "028 3822 1234"})  # fmt: skip
    assert response.status_code == 302
    [entry] = settings_entries()
    assert entry.changes["invoice_tax_code"] == ["", "0101234567-001"]
    hoa = make_client("Nguyễn Thị Hoa")
    invoice = checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", quantity=2, unit_price=450_000, service=catalogue["facial"])]))  # fmt: skip
    page = client.get(reverse("sales:invoice", args=[invoice.pk])).content.decode()
    header = page.split('data-testid="receipt-legal"')[1].split("</header>")[0]
    assert "CÔNG TY TNHH SPA HOA SEN" in header and "Mã số thuế: 0101234567-001" in header
    assert "12 Lê Lợi, Quận 1, TP.HCM" in header and "028 3822 1234" in header
    assert "2 × 450.000\u00a0₫" in page


def test_a_receipt_without_a_header_prints_none(
    client, owner, make_client, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    invoice = checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])]))  # fmt: skip
    client.force_login(owner)
    assert (
        'data-testid="receipt-legal"'
        not in client.get(reverse("sales:invoice", args=[invoice.pk])).content.decode()
    )


def test_the_currency_is_a_spa_setting_read_once_per_request(
    client, owner, django_assert_max_num_queries
):
    client.force_login(owner)
    assert (
        client.post(
            reverse("office:money_invoice"), {"part": "currency", "currency": "USD"}
        ).status_code
        == 302
    )
    assert SpaSettings.current().currency == "USD"
    assert format_money(1250) == "$12,50"
    [entry] = settings_entries()
    assert entry.changes == {"currency": ["VND", "USD"]}
    page = client.get(reverse("office:section", args=["vouchers"]))
    assert page.status_code == 200


def test_format_money_reads_the_currency_once_in_a_request(django_assert_num_queries):
    from spa.core import money

    SpaSettings.objects.update_or_create(pk=1, defaults={"currency": "CNY"})
    money._request_begins()  # what the request_started signal calls
    try:
        with django_assert_num_queries(1):
            assert [format_money(100), format_money(250), format_money(1)] == [
                "¥1,00",
                "¥2,50",
                "¥0,01",
            ]
    finally:
        money._request_ends()
    with django_assert_num_queries(2):  # outside a request: read each time
        format_money(1), format_money(2)


def test_the_currency_cannot_change_once_an_invoice_exists(
    client, owner, make_client, receptionist_a, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])]))  # fmt: skip
    assert Invoice.objects.exists()
    client.force_login(owner)
    page = client.get(reverse("office:money_invoice")).content.decode()
    assert 'data-testid="currency-locked"' in page
    response = client.post(reverse("office:money_invoice"), {"part": "currency", "currency": "USD"})
    assert response.status_code == 200
    assert "không thể đổi nữa" in response.content.decode()
    assert SpaSettings.current().currency == "VND"
    assert not settings_entries()


def test_the_history_names_tiers_and_reminder_times_as_people_read_them(client, owner):
    client.force_login(owner)
    client.post(reverse("office:money_loyalty"), LOYALTY)
    client.post(reverse("office:messages_reminders"), {
        "amount_0": "3", "unit_0": "days", "amount_1": "90", "unit_1": "minutes",
        **{f"unit_{i}": "hours" for i in (2, 3)}})  # fmt: skip
    history = client.get(reverse("office:history")).content.decode()
    assert "Bạc: 5.000.000\u00a0₫" in history and "Kim cương: 12%" in history
    assert "3 ngày" in history and "1 giờ 30 phút" in history
    assert "silver" not in history and "4320" not in history


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("office:money_loyalty", {}),
        ("office:money_loyalty", {**LOYALTY, "threshold_gold": "9" * 40, "point_value": "1e5"}),
        (
            "office:money_loyalty",
            {**LOYALTY, "referral_reward_kind": "cash\x00", "discount_gold": "5.5"},
        ),
        ("office:money_invoice", {"part": "currency", "currency": "EUR"}),
        (
            "office:money_invoice",
            {"part": "header", "invoice_legal_name": "x" * 500, "invoice_phone": "abc"},
        ),
        ("office:messages_reminders", {"amount_0": "9" * 30, "unit_0": "weeks"}),
        ("office:messages_email", {"smtp_host": "a b", "smtp_port": "70000", "smtp_from": "x"}),
        ("office:messages_gateways", {"sms_gateway_url": "javascript:alert(1)"}),
        ("office:messages_gateways_test", {"channel": "wechat", "phone": ""}),
        ("office:messages_email_test", {"email": "not an address"}),
        ("office:messages_preview", {"body": "{" * 6000}),
    ],
)
def test_bad_input_is_refused_without_saving_anything(client, owner, url_name, data):
    client.force_login(owner)
    before = SpaSettings.current().__dict__.copy(), LoyaltyProgram.current().tier_thresholds
    response = client.post(reverse(url_name), data)
    assert response.status_code in (200, 400)  # 400: a NUL byte is refused before any view
    after = SpaSettings.current().__dict__.copy(), LoyaltyProgram.current().tier_thresholds
    before[0].pop("_state"), after[0].pop("_state")
    assert after == before
    assert not settings_entries()
