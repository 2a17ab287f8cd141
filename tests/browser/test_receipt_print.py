"""A receipt prints on its own paper size: an 80 mm roll or an A5 sheet (Chromium's
print to PDF follows the page's @page size), with the amount and ₫ kept together."""

import re

import pytest

from spa.sales.services import Checkout, Line, checkout_issue

from .test_client_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MM = 72 / 25.4  # PDF points per millimetre


def page_width_mm(pdf: bytes) -> float:
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return float(box.group(1)) / MM


def test_receipt_prints_on_an_80mm_roll_or_an_a5_sheet(
    phone_page, live_server, receptionist_a, make_client, catalogue, branch_a
):
    hoa = make_client("Nguyễn Thị Hoa")
    invoice = checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=2_350_000, service=catalogue["facial"])],
        payments={"cash": 2_350_000}))  # fmt: skip
    log_in(phone_page, live_server, receptionist_a.username)
    widths = {}
    for size in ("80mm", "a5"):
        phone_page.goto(f"{live_server.url}/sales/invoices/{invoice.pk}/?size={size}")
        phone_page.emulate_media(media="print")
        nowrap = phone_page.locator("[data-testid=total]").evaluate(
            "e => getComputedStyle(e).whiteSpace"
        )
        assert nowrap == "nowrap"
        for testid in ("invoice-code", "line-qty"):
            style = phone_page.locator(f"[data-testid={testid}]").evaluate(
                "e => getComputedStyle(e).whiteSpace"
            )
            assert style == "nowrap", testid
        # Quantity and unit price are on the receipt; ₫ is bound to its amount.
        assert "1 × 2.350.000\u00a0₫" in phone_page.locator("[data-testid=line-qty]").inner_text()
        background = phone_page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
        widths[size] = page_width_mm(phone_page.pdf(prefer_css_page_size=True))
    assert abs(widths["80mm"] - 80) < 1 and abs(widths["a5"] - 148) < 1
