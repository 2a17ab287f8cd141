import pytest
from django.utils import timezone

from spa.sales.ledger import balance_of
from spa.sales.models import Account, Invoice
from spa.sales.services import prepaid_top_up
from spa.treatments.services import SessionInput, package_sell, session_log

from .test_client_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_checkout_with_package_redemption_prepaid_and_debt_then_debt_paid(
    phone_page, live_server, receptionist_a, technician_a, make_client, catalogue, branch_a
):
    page = phone_page
    hoa = make_client("Nguyễn Thị Hoa")
    package = package_sell(actor=receptionist_a, client=hoa, branch=branch_a, name="Peel 5 buổi",
                           services=[catalogue["facial"]], total_sessions=5, price=2_000_000)  # fmt: skip
    session_log(actor=technician_a, data=SessionInput(client=hoa, branch=branch_a, performed_at=timezone.now(),
                                                      services=[catalogue["facial"]], technicians=[technician_a],
                                                      package=package))  # fmt: skip
    prepaid_top_up(actor=receptionist_a, client=hoa, branch=branch_a, paid=500_000)

    log_in(page, live_server, receptionist_a.username)
    page.goto(f"{live_server.url}/clients/{hoa.pk}/")
    page.click("[data-testid=checkout]")
    assert (
        "1/5" in page.locator("[data-testid=session-line]").first.locator("xpath=..").inner_text()
    )
    page.check(f"input[name=packages][value='{package.pk}']")  # the package is paid for today
    page.fill("#id_prepaid", "500000")
    page.fill("#id_cash", "1000000")
    page.click("button[type=submit].primary")
    page.locator("[data-testid=receipt]").wait_for()
    assert "500.000" in page.locator("[data-testid=debt]").inner_text()
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.debt_created) == (2_000_000, 500_000)

    page.goto(f"{live_server.url}/clients/{hoa.pk}/")
    assert "500.000" in page.locator("[data-testid=fig-debt]").inner_text()
    assert page.locator("[data-testid=fig-prepaid]").inner_text().startswith("0")
    assert "2.000.000" in page.locator("[data-testid=fig-spent]").inner_text()

    page.goto(f"{live_server.url}/sales/clients/{hoa.pk}/")
    form = page.locator("[data-testid=pay-debt]")
    form.locator("input[name=debt-amount]").fill("500000")
    form.locator("select[name=debt-method]").select_option("transfer")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=figures]").wait_for()
    assert page.locator("[data-testid=fig-debt]").inner_text().startswith("0")
    assert balance_of(hoa, Account.DEBT) == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
