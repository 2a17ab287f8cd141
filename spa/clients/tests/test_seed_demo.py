"""The demo spa tells one consistent story: what was done was billed, every amount
received is a payment on an invoice, retail products have prices, and the profile's
visits and spend add up to the sessions and invoices behind them."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from spa.catalog.models import Product, ProductKind
from spa.clients.models import Client
from spa.sales.models import Invoice, InvoiceLine, LineKind, Payment, PaymentPurpose
from spa.sales.selectors import client_money
from spa.sales.services import tier_refresh, unbilled_packages, unbilled_sessions
from spa.treatments.selectors import client_visit_count


@pytest.fixture
def demo(db):
    call_command("seed_demo", clients=60, stdout=io.StringIO())


def test_demo_bills_what_was_done_and_every_amount_received_is_a_payment(demo):
    treated = Client.objects.filter(sessions__isnull=False).distinct()
    assert treated.count() >= 20
    for client in Client.objects.all():
        assert not unbilled_sessions(client).exists(), client
        assert not unbilled_packages(client).exists(), client
    paid = Invoice.objects.aggregate(s=Sum("paid_at_issue"))["s"]
    received = Payment.objects.filter(purpose=PaymentPurpose.INVOICE).aggregate(s=Sum("amount"))[
        "s"
    ]
    assert paid == received > 0


def test_demo_retail_products_have_prices_and_none_sold_at_zero(demo):
    assert not Product.objects.filter(kind=ProductKind.RETAIL, retail_price__lte=0).exists()
    sold = InvoiceLine.objects.filter(kind=LineKind.PRODUCT)
    assert sold.exists() and not sold.filter(unit_price=0).exists()


def test_demo_first_client_has_the_visits_and_spend_of_her_sessions_and_invoices(demo):
    hoa = Client.objects.get(full_name="Nguyễn Thị Hoa")
    figures = client_money(hoa)
    assert client_visit_count(hoa) == 6
    assert figures["spent"] == Invoice.objects.filter(client=hoa).aggregate(s=Sum("total"))["s"] > 0
    for client in Client.objects.filter(invoices__isnull=False).distinct():
        assert tier_refresh(client=client) == Client.objects.get(pk=client.pk).tier


def test_demo_has_a_finished_birthday_campaign_and_the_automation_switched_off(demo):
    from spa.campaigns.models import Campaign, Kind, RecipientStatus, Status, Trigger

    done = Campaign.objects.get(kind=Kind.ONCE)
    assert done.status == Status.DONE
    got = set(done.recipients.values_list("status", flat=True))
    assert {RecipientStatus.SENT, RecipientStatus.SKIPPED, RecipientStatus.CONTROL} <= got
    assert not done.recipients.filter(status=RecipientStatus.SKIPPED, reason="").exists()
    auto = Campaign.objects.get(kind=Kind.AUTOMATION)
    assert (auto.trigger, auto.status) == (Trigger.BIRTHDAY, Status.PAUSED)
