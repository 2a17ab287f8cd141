"""Selling a card of the price list: the chosen template fills in the package on the
server. Decision: with a template, name, services, sessions, price and expiry are the
template's (shown, not editable); a posted price or expiry is ignored. Only the payment
is typed. Without a template the desk types a custom package as before."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from spa.catalog.models import PackageTemplate, ValidityUnit
from spa.clients.models import Tier
from spa.sales.models import Billed, Invoice
from spa.sales.services import package_sale
from spa.treatments.models import TreatmentPackage

pytestmark = pytest.mark.django_db


@pytest.fixture
def hoa(make_client):
    return make_client("Nguyễn Thị Hoa")


@pytest.fixture
def peel_card(catalogue):
    card = PackageTemplate.objects.create(
        name="Peel 10 buổi", total_sessions=10, price=5_000_000, validity=6,
        validity_unit=ValidityUnit.MONTHS,
    )  # fmt: skip
    card.services.set([catalogue["facial"], catalogue["laser"]])
    return card


def url(hoa):
    return reverse("sales:package_new", args=[hoa.pk])


def test_choosing_a_card_shows_its_values_without_letting_them_be_typed(
    client, receptionist_a, hoa, peel_card
):
    client.force_login(receptionist_a)
    page = client.get(url(hoa), {"template": peel_card.pk}).content.decode()
    assert "Peel 10 buổi" in page and "5.000.000\u00a0₫" in page
    assert 'name="price" value="5000000"' in page and "disabled" in page
    assert f'name="template" value="{peel_card.pk}"' in page


def test_a_card_sale_takes_the_cards_values_and_ignores_a_tampered_price(
    client, receptionist_a, hoa, peel_card, catalogue
):
    client.force_login(receptionist_a)
    response = client.post(url(hoa), {
        "template": peel_card.pk, "name": "Rẻ", "services": [catalogue["facial"].pk],
        "total_sessions": "50", "price": "1000", "expires_on": "31/12/2099",
        "paid_now": "2000000", "method": "cash",
    })  # fmt: skip

    assert response.status_code == 302
    package = TreatmentPackage.objects.get()
    assert (package.name, package.total_sessions, package.price, package.template) == (
        "Peel 10 buổi", 10, 5_000_000, peel_card)  # fmt: skip
    assert set(package.services.all()) == {catalogue["facial"], catalogue["laser"]}
    assert package.expires_on == peel_card.expiry_from(timezone.localdate())
    assert package.expires_on > timezone.localdate() + timedelta(days=150)
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.paid_at_issue) == (5_000_000, 2_000_000)
    assert Billed.objects.get(package=package).invoice == invoice


def test_paying_more_than_the_cards_price_is_refused(client, receptionist_a, hoa, peel_card):
    client.force_login(receptionist_a)
    response = client.post(url(hoa), {"template": peel_card.pk, "price": "99000000",
                                      "paid_now": "6000000", "method": "cash"})  # fmt: skip
    assert response.status_code == 200
    assert not TreatmentPackage.objects.exists()


def test_an_inactive_or_unknown_card_is_not_sold(client, receptionist_a, hoa, peel_card):
    peel_card.is_active = False
    peel_card.save()
    client.force_login(receptionist_a)
    for template in (peel_card.pk, 999_999_999, "abc", 10**30):
        response = client.post(url(hoa), {"template": template, "paid_now": "", "method": ""})
        assert response.status_code == 200
    assert not TreatmentPackage.objects.exists()


def test_a_custom_package_is_still_typed_by_hand(client, receptionist_a, hoa, peel_card, catalogue):
    client.force_login(receptionist_a)
    response = client.post(url(hoa), {
        "template": "", "name": "Gói riêng", "services": [catalogue["laser"].pk],
        "total_sessions": "3", "price": "1500000", "expires_on": "",
    })  # fmt: skip
    assert response.status_code == 302
    package = TreatmentPackage.objects.get()
    assert (package.name, package.total_sessions, package.price, package.template) == (
        "Gói riêng", 3, 1_500_000, None)  # fmt: skip


def test_the_service_uses_the_card_whatever_else_is_passed(
    receptionist_a, hoa, peel_card, branch_a
):
    hoa.tier = Tier.SILVER
    hoa.save(update_fields=["tier"])
    package, invoice = package_sale(
        actor=receptionist_a, client=hoa, branch=branch_a, name="x", services=[],
        total_sessions=1, price=1, template=peel_card,
    )  # fmt: skip
    assert (package.name, package.price, package.total_sessions) == ("Peel 10 buổi", 5_000_000, 10)
    assert invoice is None  # nothing paid: waits for the checkout, as before
