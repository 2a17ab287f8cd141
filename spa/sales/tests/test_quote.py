"""The checkout's running figures are computed by the code that issues the invoice:
whatever the quote says is what the invoice holds."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from spa.catalog.models import MovementReason, StockMovement
from spa.clients.models import Client, Tier
from spa.sales.ledger import balance_of
from spa.sales.models import Account, Invoice, LineKind, Method, Voucher
from spa.sales.services import (
    Checkout,
    CheckoutError,
    Line,
    checkout_issue,
    checkout_quote,
    prepaid_top_up,
)
from spa.treatments.services import ProductUse, SessionInput, session_log


@pytest.fixture
def hoa(make_client):
    return make_client("Nguyễn Thị Hoa")


def facial(catalogue, price=1_000_000):
    return Line(
        kind=LineKind.SERVICE, description="Peel", unit_price=price, service=catalogue["facial"]
    )


def sunscreen(catalogue, quantity=1, discount=0):
    product = catalogue["sunscreen"]
    return Line(kind=LineKind.PRODUCT, description=product.name, unit_price=product.retail_price,
                quantity=quantity, discount=discount, product=product)  # fmt: skip


def give_points(client, points):
    from django.db import transaction

    from spa.sales.ledger import ledger_post

    with transaction.atomic():
        ledger_post(client=client, account=Account.POINTS, amount=points, reason="earned")


def assert_invoice_is_the_quote(quote, invoice):
    assert (invoice.subtotal, invoice.discount_total, invoice.total) == (
        quote.subtotal, quote.discount_total, quote.total,
    )  # fmt: skip
    assert (invoice.paid_at_issue, invoice.debt_created) == (quote.paid, quote.due)


def test_quote_with_the_tier_discount_is_what_the_invoice_holds(
    hoa, receptionist_a, catalogue, branch_a
):
    Client.objects.filter(pk=hoa.pk).update(tier=Tier.GOLD)
    hoa.refresh_from_db()
    data = Checkout(client=hoa, branch=branch_a, lines=[facial(catalogue), sunscreen(catalogue, 2, 30_000)],
                    discount_percent=10, payments={Method.CASH: 500_000})  # fmt: skip
    quote = checkout_quote(data=data)
    assert quote.subtotal == 1_780_000 and quote.line_discounts == 30_000
    assert quote.percent_discount == 175_000 and quote.tier_percent > 0
    assert quote.tier_discount == round(1_575_000 * quote.tier_percent / 100)
    assert not Invoice.objects.exists()  # a quote saves nothing
    assert_invoice_is_the_quote(quote, checkout_issue(actor=receptionist_a, data=data))


def test_quote_with_a_voucher_does_not_use_it_up_and_the_invoice_does(
    hoa, receptionist_a, catalogue, branch_a
):
    voucher = Voucher.objects.create(code="KHAIXUAN", percent=10, amount=50_000, max_uses=1)
    data = Checkout(client=hoa, branch=branch_a, lines=[facial(catalogue)], voucher_code="khaixuan",
                    payments={Method.CARD: 850_000})  # fmt: skip
    quote = checkout_quote(data=data)
    checkout_quote(data=data)
    voucher.refresh_from_db()
    assert quote.voucher_discount == 150_000 and voucher.used == 0
    assert_invoice_is_the_quote(quote, checkout_issue(actor=receptionist_a, data=data))
    voucher.refresh_from_db()
    assert voucher.used == 1
    with pytest.raises(CheckoutError, match="hết lượt"):
        checkout_quote(data=data)


def test_quote_with_points_redeemed_is_what_the_invoice_holds(
    hoa, receptionist_a, catalogue, branch_a
):
    give_points(hoa, 120)
    data = Checkout(client=hoa, branch=branch_a, lines=[facial(catalogue, price=450_000)], points=100,
                    payments={Method.CASH: 350_000})  # fmt: skip
    quote = checkout_quote(data=data)
    assert (quote.points, quote.points_value, quote.total, quote.due) == (100, 100_000, 350_000, 0)
    assert balance_of(hoa, Account.POINTS) == 120  # not redeemed by the quote
    assert_invoice_is_the_quote(quote, checkout_issue(actor=receptionist_a, data=data))
    assert balance_of(hoa, Account.POINTS) == 20 + Invoice.objects.get().points_earned


def test_quote_with_a_partial_payment_shows_the_debt_the_invoice_creates(
    hoa, receptionist_a, catalogue, branch_a
):
    prepaid_top_up(actor=receptionist_a, client=hoa, branch=branch_a, paid=200_000)
    data = Checkout(client=hoa, branch=branch_a, lines=[facial(catalogue), sunscreen(catalogue)],
                    discount_amount=90_000, prepaid=200_000, payments={Method.CASH: 300_000, Method.TRANSFER: 100_000})  # fmt: skip
    quote = checkout_quote(data=data)
    assert (quote.total, quote.paid, quote.due) == (1_300_000, 600_000, 700_000)
    invoice = checkout_issue(actor=receptionist_a, data=data)
    assert_invoice_is_the_quote(quote, invoice)
    assert balance_of(hoa, Account.DEBT) == 700_000


def test_back_bar_product_is_never_sold_and_retail_is_on_the_invoice(
    hoa, receptionist_a, technician_a, catalogue, branch_a
):
    cleanser = catalogue["cleanser"]
    line = Line(
        kind=LineKind.PRODUCT, description=cleanser.name, unit_price=100_000, product=cleanser
    )
    with pytest.raises(CheckoutError, match=cleanser.name):
        checkout_issue(
            actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[line])
        )
    assert not Invoice.objects.exists()
    invoice = checkout_issue(actor=receptionist_a, data=Checkout(
        client=hoa, branch=branch_a, lines=[facial(catalogue), sunscreen(catalogue)]))  # fmt: skip
    assert list(
        invoice.lines.filter(kind=LineKind.PRODUCT).values_list("product_id", flat=True)
    ) == [catalogue["sunscreen"].pk]
    assert StockMovement.objects.filter(
        product=catalogue["sunscreen"], reason=MovementReason.SOLD, delta=Decimal("-1")
    ).exists()


def _post(session_id, **fields):
    return {
        "sessions": [session_id],
        "products-TOTAL_FORMS": "1",
        "products-INITIAL_FORMS": "0",
        **fields,
    }


def test_checkout_page_shows_the_running_total_and_back_bar_used_apart(
    client, hoa, receptionist_a, technician_a, catalogue, branch_a
):
    session = session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=branch_a, performed_at=timezone.now(), services=[catalogue["facial"]],
        technicians=[technician_a], products=[ProductUse(product=catalogue["cleanser"], quantity=Decimal("5"))]))  # fmt: skip
    client.force_login(receptionist_a)
    url = reverse("sales:checkout", args=[hoa.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="quote-total"' in page and "450.000" in page
    assert 'data-testid="backbar-used"' in page and catalogue["cleanser"].name in page
    # the product list offers retail only
    assert f'<option value="{catalogue["sunscreen"].pk}">' in page
    assert f'<option value="{catalogue["cleanser"].pk}">' not in page
    preview = client.post(reverse("sales:checkout_preview", args=[hoa.pk]), _post(
        session.pk, **{"products-0-product": catalogue["sunscreen"].pk, "products-0-quantity": "1", "cash": "500000"}))  # fmt: skip
    text = preview.content.decode()
    assert preview.status_code == 200 and not Invoice.objects.exists()
    assert "840.000" in text and "340.000" in text  # 450k + 390k, of which 500k paid
    # a back-bar product posted anyway is refused by the form
    refused = client.post(url, _post(session.pk, **{"products-0-product": catalogue["cleanser"].pk, "products-0-quantity": "1"}))  # fmt: skip
    assert refused.status_code == 200 and not Invoice.objects.exists()
    response = client.post(url, _post(
        session.pk, **{"products-0-product": catalogue["sunscreen"].pk, "products-0-quantity": "1", "cash": "500000"}))  # fmt: skip
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert (invoice.total, invoice.debt_created) == (840_000, 340_000)


def test_preview_says_what_is_wrong_in_vietnamese(client, hoa, receptionist_a, catalogue, branch_a):
    client.force_login(receptionist_a)
    page = client.post(reverse("sales:checkout_preview", args=[hoa.pk]), {
        "products-TOTAL_FORMS": "1", "products-INITIAL_FORMS": "0", "products-0-product": catalogue["sunscreen"].pk,
        "products-0-quantity": "1", "voucher_code": "KHONGCO",
    }).content.decode()  # fmt: skip
    assert 'data-testid="quote-problem"' in page and "không tồn tại hoặc đã hết hạn" in page
    assert not Invoice.objects.exists()


def test_preview_matrix(client, people, hoa):
    from conftest import statuses

    url = reverse("sales:checkout_preview", args=[hoa.pk])
    got = statuses(
        client,
        people,
        url,
        method="post",
        data={"products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0"},
    )
    assert got == [302, 200, 200, 404, 200, 404, 404, 404]
