"""Every amount received is a payment on a numbered document, with its method, in the
cash report and in the client's spend; nothing sells at 0 without a reason."""

import pytest
from django.urls import reverse
from django.utils import timezone

from spa.sales.ledger import balance_of
from spa.sales.models import Account, Billed, Invoice, LineKind, Payment
from spa.sales.selectors import cash_report, client_money
from spa.sales.services import Checkout, CheckoutError, Line, checkout_issue
from spa.treatments.models import TreatmentPackage
from spa.treatments.services import SessionInput, session_log


@pytest.fixture
def hoa(make_client):
    return make_client("Nguyễn Thị Hoa")


def sell(client, hoa, catalogue, **extra):
    data = {"name": "Peel 10 buổi", "services": [catalogue["facial"].pk], "total_sessions": "10",
            "price": "3000000", "expires_on": "", **extra}  # fmt: skip
    return client.post(reverse("sales:package_new", args=[hoa.pk]), data)


def test_money_paid_when_a_package_is_sold_is_a_payment_on_its_invoice(
    client, receptionist_a, technician_a, hoa, catalogue, branch_a
):
    client.force_login(receptionist_a)

    response = sell(client, hoa, catalogue, paid_now="1000000", method="cash")

    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "sales:invoice", args=[invoice.pk]
    )
    package = TreatmentPackage.objects.get()
    assert (invoice.total, invoice.paid_at_issue, invoice.debt_created) == (
        3_000_000, 1_000_000, 2_000_000,
    )  # fmt: skip
    assert list(invoice.lines.values_list("kind", "package", "amount")) == [
        (LineKind.PACKAGE, package.pk, 3_000_000)
    ]
    assert list(Payment.objects.values_list("invoice", "method", "amount")) == [
        (invoice.pk, "cash", 1_000_000)
    ]
    assert Billed.objects.get(package=package).invoice == invoice
    assert balance_of(hoa, Account.DEBT) == 2_000_000
    report = cash_report(branch=branch_a, day=timezone.localdate())
    assert report["takings"] == {"cash": 1_000_000} and report["sales_total"] == 3_000_000
    receipt = client.get(reverse("sales:invoice", args=[invoice.pk])).content.decode()
    assert "Peel 10 buổi" in receipt and "1.000.000" in receipt

    # The next visit bills the session only: the package is not billed again.
    session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=branch_a, performed_at=timezone.now(), services=[catalogue["facial"]],
        technicians=[technician_a]))  # fmt: skip
    page = client.get(reverse("sales:checkout", args=[hoa.pk])).content.decode()
    assert 'data-testid="package-line"' not in page
    client.post(reverse("sales:checkout", args=[hoa.pk]), {
        "sessions": hoa.sessions.get().pk, "cash": "450000",
        "products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0"})  # fmt: skip
    assert client_money(hoa)["spent"] == 3_450_000
    assert Invoice.objects.count() == 2


def test_package_sold_without_payment_waits_for_the_checkout(
    client, receptionist_a, hoa, catalogue
):
    client.force_login(receptionist_a)

    response = sell(client, hoa, catalogue)

    assert response.status_code == 302 and not Invoice.objects.exists()
    package = TreatmentPackage.objects.get()
    page = client.get(reverse("sales:checkout", args=[hoa.pk])).content.decode()
    assert 'data-testid="package-line"' in page
    client.post(reverse("sales:checkout", args=[hoa.pk]), {
        "packages": package.pk, "transfer": "3000000",
        "products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0"})  # fmt: skip
    invoice = Invoice.objects.get()
    assert invoice.total == 3_000_000 and invoice.debt_created == 0
    assert Payment.objects.get().method == "transfer"


def test_paid_now_without_a_method_is_refused_and_nothing_is_saved(
    client, receptionist_a, hoa, catalogue
):
    client.force_login(receptionist_a)

    response = sell(client, hoa, catalogue, paid_now="1000000")

    assert response.status_code == 200
    assert "Thanh toán bằng cách nào?" in response.content.decode()
    assert not TreatmentPackage.objects.exists() and not Invoice.objects.exists()
    assert not Payment.objects.exists()


def test_a_retail_product_at_zero_needs_the_reason_it_is_free(
    receptionist_a, hoa, catalogue, branch_a
):
    mask = catalogue["sunscreen"]
    mask.retail_price = 0
    mask.save()
    line = {"kind": LineKind.PRODUCT, "description": mask.name, "unit_price": 0, "product": mask}

    with pytest.raises(CheckoutError) as refused:
        checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a,
                                                           lines=[Line(**line)]))  # fmt: skip
    assert "chưa có giá" in refused.value.message
    assert not Invoice.objects.exists()

    invoice = checkout_issue(actor=receptionist_a, data=Checkout(
        client=hoa, branch=branch_a, lines=[Line(**line, free_reason="Quà sinh nhật")]))  # fmt: skip
    assert invoice.lines.get().description == f"{mask.name} (miễn phí: Quà sinh nhật)"


def test_back_bar_products_are_not_offered_for_sale(client, receptionist_a, hoa, catalogue):
    client.force_login(receptionist_a)
    page = client.get(reverse("sales:checkout", args=[hoa.pk])).content.decode()
    assert catalogue["sunscreen"].name in page
    assert catalogue["peel"].name not in page


def test_money_pages_show_words_not_codes(client, receptionist_a, hoa, catalogue, branch_a):
    from spa.sales.services import prepaid_top_up

    prepaid_top_up(actor=receptionist_a, client=hoa, branch=branch_a, paid=500_000, bonus=50_000,
                   method="transfer")  # fmt: skip
    checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])],
        payments={"cash": 100_000}))  # fmt: skip
    client.force_login(receptionist_a)
    money = client.get(reverse("sales:money", args=[hoa.pk])).content.decode()
    report = client.get(reverse("sales:report")).content.decode()
    for code in (">top_up<", ">bonus<", ">invoice<", ">earned<"):
        assert code not in money
    assert "Nạp tiền" in money
    assert "Tiền mặt" in report and "Chuyển khoản" in report
    assert "<dt>cash</dt>" not in report and "<dt>transfer</dt>" not in report


def test_a_silver_client_pays_the_package_price_less_her_tier_discount(
    client, receptionist_a, hoa, catalogue
):
    from spa.clients.models import Client

    Client.objects.filter(pk=hoa.pk).update(tier="silver")  # 3 % off by default
    client.force_login(receptionist_a)
    refused = sell(client, hoa, catalogue, paid_now="3000000", method="cash")
    assert refused.status_code == 200 and "2.910.000" in refused.content.decode()
    assert not TreatmentPackage.objects.exists()
    assert sell(client, hoa, catalogue, paid_now="2910000", method="cash").status_code == 302
    assert Invoice.objects.get().debt_created == 0


def test_a_credited_package_can_be_billed_again(
    receptionist_a, manager_a, hoa, catalogue, branch_a
):
    from spa.sales.services import credit_note_issue, package_sale, unbilled_packages

    package, invoice = package_sale(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel",
                                    services=[catalogue["facial"]], total_sessions=5, price=2_000_000,
                                    paid_now=500_000, method="cash")  # fmt: skip
    assert list(unbilled_packages(hoa)) == []
    credit_note_issue(actor=manager_a, invoice=invoice, reason="bán nhầm")
    package.refresh_from_db()
    assert list(unbilled_packages(hoa)) == [package] and package.to_bill == 2_000_000
