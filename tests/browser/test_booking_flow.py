import pytest

from conftest import tomorrow_at
from spa.booking.models import Appointment, Status

from .test_client_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receptionist_books_reschedules_and_cancels(
    phone_page, live_server, receptionist_a, technician_a, make_client, catalogue, working_week
):
    page = phone_page
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")
    log_in(page, live_server, receptionist_a.username)
    page.goto(f"{live_server.url}/clients/{hoa.pk}/")
    page.click("[data-testid=book]")
    page.fill("#id_day", tomorrow_at(0).strftime("%d/%m/%Y"))
    page.check(f"input[name=services][value='{catalogue['facial'].pk}']")
    page.select_option("#id_technician", str(technician_a.pk))
    # The free times follow the choices (htmx); the last refresh wins.
    page.wait_for_load_state("networkidle")
    page.select_option("#id_time", "10:00")
    page.click("button[type=submit].primary")
    page.locator("[data-testid=appointment-detail]").wait_for()
    assert (
        tomorrow_at(10).strftime("%d/%m/%Y 10:00")
        in page.locator("[data-testid=when]").inner_text()
    )
    appointment = Appointment.objects.get()
    assert appointment.start == tomorrow_at(10) and appointment.technician == technician_a

    form = page.locator("[data-testid=reschedule]")
    form.locator("input[name=time]").fill("15:30")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=appointment-detail]").wait_for()
    assert "15:30" in page.locator("[data-testid=when]").inner_text()
    appointment.refresh_from_db()
    assert appointment.start == tomorrow_at(15, 30)

    cancel = page.locator("[data-testid=cancel]")
    cancel.locator("input[name=reason]").fill("Khách bận việc đột xuất")
    cancel.locator("button[type=submit]").click()
    page.locator("[data-testid=status]").wait_for()
    assert "Khách bận việc đột xuất" in page.locator("[data-testid=status]").inner_text()
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The profile counts it.
    page.goto(f"{live_server.url}/clients/{hoa.pk}/")
    assert "1" in page.locator("[data-testid=appointments]").inner_text()
