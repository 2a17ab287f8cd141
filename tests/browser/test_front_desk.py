"""The front desk's day in a browser: the receptionist lands on today, checks an arrival
in, and the checkout shows the running total before the invoice is issued."""

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from spa.booking.models import Appointment, Status
from spa.booking.services import appointment_complete
from spa.sales.models import Invoice
from spa.treatments.services import SessionInput, session_log

from .test_client_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _today_start():
    """A start time today that has not come yet when possible (never tomorrow)."""
    now = timezone.localtime()
    soon = now + timedelta(minutes=20)
    if soon.date() != now.date():
        soon = timezone.make_aware(datetime.combine(now.date(), time(23, 45)))
    return soon


def test_receptionist_lands_on_today_checks_in_and_sees_the_total_before_issuing(
    phone_page,
    browser,
    live_server,
    receptionist_a,
    technician_a,
    make_client,
    catalogue,
    branch_a,
    working_week,
):
    page = phone_page
    hoa = make_client("Nguyễn Thị Hoa")
    start = _today_start()
    appointment = Appointment.objects.create(
        client=hoa, branch=branch_a, technician=technician_a, start=start, end=start + timedelta(minutes=60),
        confirmed_at=timezone.now(),
    )  # fmt: skip
    appointment.services.set([catalogue["facial"]])

    log_in(page, live_server, receptionist_a.username)
    assert page.url.endswith("/today/")
    row = page.locator(f"#arrival-{appointment.pk}")
    assert "Nguyễn Thị Hoa" in row.inner_text()
    shot(page, "today-390")
    row.locator("[data-testid=check-in]").click()
    page.locator(
        f"#arrival-{appointment.pk} [data-testid=checkout]"
    ).wait_for()  # the row, refreshed
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The technician logs the treatment on their phone; the row now says "to pay".
    session = session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=branch_a, performed_at=timezone.now(), services=[catalogue["facial"]],
        technicians=[technician_a]))  # fmt: skip
    appointment_complete(actor=technician_a, appointment=appointment, session=session)
    page.reload()
    row = page.locator(f"#arrival-{appointment.pk}")
    assert "Chờ thanh toán" in row.locator("[data-testid=arrival-state]").inner_text()
    row.locator("[data-testid=checkout]").click()

    quote = page.locator("[data-testid=quote]")
    assert "450.000" in quote.locator("[data-testid=quote-total]").inner_text()
    page.select_option("#id_products-0-product", str(catalogue["sunscreen"].pk))
    page.fill("#id_products-0-quantity", "1")
    page.locator("[data-testid=quote-total]", has_text="840.000").wait_for()
    page.fill("#id_cash", "500000")
    page.locator("[data-testid=quote-due]", has_text="340.000").wait_for()
    assert not Invoice.objects.exists()  # nothing issued yet
    shot(page, "checkout-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("button[type=submit].primary")
    page.locator("[data-testid=receipt]").wait_for()
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.paid_at_issue, invoice.debt_created) == (
        840_000,
        500_000,
        340_000,
    )

    # The same pages on a desk computer.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    wide = desk.new_page()
    log_in(wide, live_server, receptionist_a.username)
    shot(wide, "today-desktop")
    wide.goto(f"{live_server.url}/calendar/")
    shot(wide, "calendar-desktop")
    wide.goto(f"{live_server.url}/sales/clients/{hoa.pk}/checkout/")
    shot(wide, "checkout-desktop")
    page.goto(f"{live_server.url}/calendar/")
    shot(page, "calendar-390")
    desk.close()
