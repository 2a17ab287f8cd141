"""A spa set up from nothing (NO_DEMO=1) to its first booked, treated and paid client,
in Vietnamese at phone width, through the spa's own pages only: /admin/ is never opened.

The owner creates the spa on /welcome/, adds a service with its price, a technician with
working hours and a receptionist; the receptionist adds the client, books a free time,
checks her in; the technician logs the treatment; the receptionist takes the payment."""

import pytest
from django.utils import timezone

from spa.accounts.models import Branch, Role, User
from spa.audit.models import Action, AuditEntry
from spa.booking.models import Appointment, Status
from spa.catalog.models import Service, ServicePrice
from spa.sales.models import Invoice
from spa.treatments.models import TreatmentSession

from .test_front_desk import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "hoa-sen-2026!"
WIDTH = 360


def _log_in(page, url, username):
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def _add_staff(page, url, *, username, family, given, role, branch):
    page.goto(f"{url}/settings/s/staff/new/")
    page.fill("[name=username]", username)
    page.fill("[name=last_name]", family)
    page.fill("[name=first_name]", given)
    page.select_option("[name=role]", role)
    page.select_option("[name=branch]", str(branch.pk))
    page.fill("[name=password1]", PASSWORD)
    page.fill("[name=password2]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/settings/s/staff/")
    return User.objects.get(username=username)


def test_a_new_spa_gets_its_first_client_booked_treated_and_paid_without_the_admin(
    browser, live_server, midday
):
    context = browser.new_context(viewport={"width": WIDTH, "height": 780}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    visited = []
    page.on("request", lambda request: visited.append(request.url))
    url = live_server.url

    # 1. Nobody exists: the login page leads to the welcome page.
    page.goto(f"{url}/accounts/login/")
    page.wait_for_url(f"{url}/welcome/")
    assert "Chào mừng" in page.locator("h1").inner_text()
    page.fill("[name=spa_name]", "Spa Hoa Sen")
    page.fill("[name=branch_name]", "Chi nhánh Quận 1")
    page.fill("[name=branch_code]", "q1")
    page.fill("[name=branch_phone]", "028 3822 1234")
    page.fill("[name=full_name]", "Trần Thị Lan")
    page.fill("[name=username]", "lan")
    page.fill("[name=password1]", PASSWORD)
    page.fill("[name=password2]", PASSWORD)
    _fits(page)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/settings/")
    branch = Branch.objects.get(code="q1")
    steps = page.locator("[data-testid=first-steps]")
    assert "Thêm một dịch vụ" in steps.inner_text()
    shot(page, "setup-settings-360")
    _fits(page)

    # 2. A category, then a service with its price at the branch, from the first steps.
    steps.get_by_text("Thêm một danh mục dịch vụ").click()
    page.fill("[name=name]", "Chăm sóc da")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/settings/s/categories/")
    page.goto(f"{url}/settings/")
    page.locator("[data-testid=first-steps]").get_by_text("Thêm một dịch vụ và giá của nó").click()
    page.fill("[name=name]", "Chăm sóc da mặt cơ bản")
    page.select_option("[name=category]", label="Chăm sóc da")
    page.fill("[name=duration_minutes]", "60")
    page.fill(f"[name=price_{branch.pk}]", "450000")
    _fits(page)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/settings/s/services/")
    facial = Service.objects.get(name="Chăm sóc da mặt cơ bản")
    assert ServicePrice.objects.get(service=facial, branch=branch).price == 450_000

    # 3. A technician who works every day, and a receptionist.
    thao = _add_staff(page, url, username="thao", family="Lê Thị", given="Thảo",
                      role=Role.TECHNICIAN, branch=branch)  # fmt: skip
    page.goto(f"{url}/settings/staff/{thao.pk}/hours/")
    for day in range(7):
        page.fill(f"[name=start_{day}_0]", "00:00")
        page.fill(f"[name=end_{day}_0]", "23:45")
    _fits(page)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert thao.shifts.count() == 7
    rosa = _add_staff(page, url, username="rosa", family="Phạm Thị", given="Hồng",
                      role=Role.RECEPTIONIST, branch=branch)  # fmt: skip
    page.goto(f"{url}/settings/")
    assert page.locator("[data-testid=first-steps]").count() == 0  # nothing left to do
    page.goto(f"{url}/settings/history/")
    assert "Chăm sóc da mặt cơ bản" in page.inner_text("main")
    shot(page, "setup-history-360")
    _fits(page)

    # 4. The receptionist adds the first client and books her first free time today.
    _log_in(page, url, "rosa")
    assert page.url.endswith("/today/")
    page.goto(f"{url}/clients/new/")
    page.fill("#id_full_name", "Nguyễn Thị Hoa")
    page.fill("#id_phone", "0912 345 678")
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda u: "/clients/" in u and not u.endswith("/new/"))
    page.click("[data-testid=book]")
    today = timezone.localdate()
    page.fill("#id_day", today.strftime("%d/%m/%Y"))
    page.check(f"input[name=services][value='{facial.pk}']")
    page.select_option("#id_technician", str(thao.pk))
    page.locator("#id_time option[value]:not([value=''])").first.wait_for(state="attached")
    first = page.locator("#id_time option[value]:not([value=''])").first.get_attribute("value")
    page.select_option("#id_time", first)
    _fits(page)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    appointment = Appointment.objects.get()
    assert (appointment.technician, appointment.branch) == (thao, branch)
    assert timezone.localtime(appointment.start).strftime("%H:%M") == first

    # 5. She arrives: checked in from today.
    page.goto(f"{url}/today/")
    row = page.locator(f"#arrival-{appointment.pk}")
    assert "Nguyễn Thị Hoa" in row.inner_text()
    row.locator("[data-testid=check-in]").click()
    page.locator(f"#arrival-{appointment.pk} [data-testid=checkout]").wait_for()
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    shot(page, "setup-today-360")
    _fits(page)

    # 6. The technician opens the appointment from her calendar and logs the treatment.
    _log_in(page, url, "thao")
    page.goto(f"{url}/calendar/appointments/{appointment.pk}/")
    page.click("[data-testid=next-session]")
    page.wait_for_url(lambda u: "/sessions/new/" in u)
    page.fill("#id_result", "Da sáng, không kích ứng")
    _fits(page)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    session = TreatmentSession.objects.get()
    assert session.client == appointment.client and session.amount == 450_000
    appointment.refresh_from_db()
    assert appointment.status == Status.COMPLETED

    # 7. The receptionist takes the payment: the total is known before the invoice.
    _log_in(page, url, "rosa")
    page.goto(f"{url}/today/")
    page.locator(f"#arrival-{appointment.pk} [data-testid=checkout]").click()
    page.locator("[data-testid=quote-total]", has_text="450.000").wait_for()
    page.fill("#id_cash", "450000")
    page.locator("[data-testid=quote-due]", has_text="0").wait_for()
    _fits(page)
    page.click("button[type=submit].primary")
    page.locator("[data-testid=receipt]").wait_for()
    shot(page, "setup-receipt-360")
    invoice = Invoice.objects.get()
    assert (invoice.total, invoice.paid_at_issue, invoice.debt_created) == (450_000, 450_000, 0)
    assert invoice.client == appointment.client and invoice.issued_by == rosa

    # Every step is in a history, and not one page of Django's admin was opened.
    assert AuditEntry.objects.filter(action=Action.SETTINGS).count() >= 5
    assert not [u for u in visited if "/admin/" in u]
    context.close()
