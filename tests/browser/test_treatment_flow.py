import pytest

from spa.audit.models import Action, AuditEntry
from spa.clients.models import CareReason
from spa.clients.services import care_link_add, client_health_update
from spa.treatments.models import GuardOverride, TreatmentSession

from .test_client_flow import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_aha_allergy_blocks_the_peel_until_a_manager_overrides(
    phone_page, live_server, technician_a, manager_a, make_client, catalogue, aha
):
    page = phone_page
    hoa = make_client("Nguyễn Thị Hoa")
    care_link_add(client=hoa, staff=technician_a, reason=CareReason.IN_CHARGE)
    client_health_update(actor=technician_a, client=hoa, values={"allergen_ids": [aha.pk]})

    log_in(page, live_server, technician_a.username)
    page.goto(f"{live_server.url}/clients/{hoa.pk}/")
    page.click("[data-testid=log-session]")
    panel = page.locator("[data-testid=health-panel]")
    assert "AHA" in panel.inner_text()  # in front of the technician before the form

    page.check(f"input[name=services][value='{catalogue['facial'].pk}']")
    page.select_option("#id_products-0-product", str(catalogue["peel"].pk))
    page.fill("#id_products-0-quantity", "5")
    page.fill("#id_reaction", "Không phản ứng")
    page.click("button[type=submit].primary")
    guard = page.locator("[data-testid=guard]")
    guard.wait_for()
    assert "Dung dịch peel AHA 30%" in guard.inner_text()
    assert TreatmentSession.objects.count() == 0

    # Saving again without an override is still refused.
    page.click("button[type=submit].primary")
    page.locator("[data-testid=guard]").wait_for()
    assert TreatmentSession.objects.count() == 0

    # The manager comes over and overrides with a reason.
    page.fill("#id_override_username", manager_a.username)
    page.fill("#id_override_password", "pw")
    page.fill("#id_override_reason", "Khách đã dùng AHA 5% nhiều lần không phản ứng")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/treatments/clients/{hoa.pk}/")
    assert GuardOverride.objects.get().manager == manager_a
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.context.clear_cookies()
    log_in(page, live_server, manager_a.username)
    page.goto(f"{live_server.url}/clients/{hoa.pk}/history/")
    summaries = page.locator("[data-testid=history-summary]").all_inner_texts()
    assert any("Khách đã dùng AHA 5% nhiều lần không phản ứng" in s for s in summaries)
    assert AuditEntry.objects.filter(action=Action.OVERRIDE, actor=manager_a).exists()
