import pytest
from django.utils import timezone

from spa.sales.models import LineKind
from spa.sales.services import Checkout, Line, checkout_issue
from spa.treatments.services import SessionInput, session_log

from .test_client_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = {"vi": "Tình hình kinh doanh", "en": "How the business is doing", "zh-hans": "经营概况"}


@pytest.mark.parametrize("language", ["vi", "en", "zh-hans"])
def test_the_owner_reads_the_dashboard_then_a_report_filters_and_exports_it(
    phone_page, live_server, owner, receptionist_a, technician_a, make_client, catalogue, branch_a,
    language,
):  # fmt: skip
    hoa = make_client("Nguyễn Thị Hoa")
    session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=branch_a, performed_at=timezone.now(), services=[catalogue["facial"]],
        technicians=[technician_a], satisfaction=5))  # fmt: skip
    checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, payments={"card": 1_450_000},
        lines=[Line(kind=LineKind.SERVICE, description="Peel", unit_price=1_450_000,
                    service=catalogue["facial"])]))  # fmt: skip
    owner.language = language
    owner.save(update_fields=["language"])
    page = phone_page

    log_in(page, live_server, owner.username)
    page.click("summary")  # the phone menu
    page.click("[data-testid=nav-reports] >> visible=true")
    page.locator("[data-testid=dashboard]").wait_for()
    assert TITLES[language] in page.locator("h1").inner_text()
    kpis = page.locator("[data-testid=kpis]").inner_text()
    assert "1.450.000" in kpis or "1,450,000" in kpis
    assert page.locator("svg.bars rect.bar").count() >= 1  # drawn on the server, no script
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}/reports/services/")
    page.select_option("#f-period", "year")
    page.click("[data-testid=report-filter] button")
    page.wait_for_url("**period=year**")
    assert "Peel da AHA" in page.locator("[data-testid=section-popular]").inner_text()
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
