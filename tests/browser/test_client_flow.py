import pytest

from spa.audit.models import Action, AuditEntry
from spa.clients.models import CareReason, ClientHealth
from spa.clients.services import care_link_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    # The landing page depends on the role: today for the desk, the calendar for technicians.
    page.wait_for_url(lambda url: url.rstrip("/").endswith(("/today", "/calendar", "/clients")))


def test_receptionist_finds_by_unaccented_name_adds_allergy_and_other_branch_cannot_open(
    phone_page, live_server, receptionist_a, technician_b, make_client, aha
):
    page = phone_page
    hoa = make_client("Nguyễn Thị Hoa", phone="0912345678")
    make_client("Trần Văn Nam")
    # technician_b (branch B) has served a client of branch A, but not Hoa.
    care_link_add(client=make_client("Lê Thị Thu"), staff=technician_b, reason=CareReason.SERVED)

    log_in(page, live_server, receptionist_a.username)
    assert page.locator("html").get_attribute("lang") == "vi"  # Vietnamese despite an en-US browser
    page.click("details.menu summary")  # the search, in the phone's menu
    page.click("details.menu nav a[href='/clients/']")
    page.fill("#q", "nguyen thi hoa")
    result = page.locator("[data-testid=result]").first
    result.wait_for()
    assert "Nguyễn Thị Hoa" in result.inner_text()
    assert "0912 *** 678" in result.inner_text()
    # The page fits a phone's width: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    result.click()
    page.wait_for_url(f"{live_server.url}/clients/{hoa.pk}/")
    assert page.locator("[data-testid=client-name]").inner_text() == "Nguyễn Thị Hoa"
    page.click("[data-testid=edit-health]")
    page.check(f"input[name=allergens][value='{aha.pk}']")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/clients/{hoa.pk}/")
    assert "AHA" in page.locator("[data-testid=allergy-alert]").inner_text()
    assert ClientHealth.objects.get(client=hoa).values()["allergen_ids"] == [aha.pk]
    assert AuditEntry.objects.filter(
        client_id=hoa.pk, action=Action.HEALTH, actor=receptionist_a
    ).exists()

    page.context.clear_cookies()
    log_in(page, live_server, technician_b.username)
    response = page.goto(f"{live_server.url}/clients/{hoa.pk}/")
    assert response.status == 404
    assert "Nguyễn Thị Hoa" not in page.content()
    page.goto(f"{live_server.url}/clients/?q=nguyen+thi+hoa")
    assert page.locator("[data-testid=no-results]").count() == 1


def test_new_client_with_a_shared_phone_needs_confirmation(
    phone_page, live_server, receptionist_a, make_client
):
    page = phone_page
    make_client("Trần Thị Lan", phone="0912345678")
    log_in(page, live_server, receptionist_a.username)
    page.goto(f"{live_server.url}/clients/new/")
    page.fill("#id_full_name", "Trần Ngọc Mai")
    page.fill("#id_phone", "+84 912 345 678")
    page.click("button[type=submit]")
    warning = page.locator("[data-testid=duplicates]")
    warning.wait_for()
    assert "Trần Thị Lan" in warning.inner_text()
    page.check("#id_confirm_different")
    page.click("button[type=submit]")
    page.wait_for_url("**/clients/*/")
    assert page.locator("[data-testid=client-name]").inner_text() == "Trần Ngọc Mai"
