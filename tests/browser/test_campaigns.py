"""A branch manager builds a birthday campaign for a saved segment on a phone, previews
a client who never agreed to marketing (the page says why they will not get it), sends
it after confirming, the worker's dispatch runs, and the recipients page shows who got
it and who was not sent to, with the reason in Vietnamese."""

import re
from datetime import date, time

import pytest
from django.core import mail
from django.utils import timezone, translation

from spa.campaigns import sending
from spa.campaigns.models import Campaign, CampaignRules, RecipientStatus, SkipReason, Status
from spa.clients.services import client_consent_record
from spa.reports.segments import SegmentDefinition, segment_create

from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_builds_previews_and_sends_a_birthday_campaign(
    phone_page, live_server, manager_a, receptionist_a, make_client
):
    page = phone_page
    rules = CampaignRules.current()
    rules.quiet_from = rules.quiet_until = time(0)  # no quiet hours whatever the test's hour
    rules.save()
    month = timezone.localdate().month
    born = date(1990, month, 1)
    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email",
                      birth_date=born, gender="female", given_name="Hoa")  # fmt: skip
    client_consent_record(actor=receptionist_a, client=hoa, channel="email", granted=True,
                          method="paper")  # fmt: skip
    lan = make_client("Trần Thị Lan", birth_date=born)
    make_client("Lê Thị Mai", birth_date=date(1990, month % 12 + 1, 1))  # not this month
    segment = segment_create(actor=manager_a, name="Sinh nhật tháng này",
                             definition=SegmentDefinition(birth_month=month))  # fmt: skip

    log_in(page, live_server, manager_a.username)
    page.goto(f"{live_server.url}/campaigns/")
    page.click("[data-testid=campaign-new]")
    page.wait_for_url("**/campaigns/new/")
    page.fill("#id_name", "Chúc mừng sinh nhật")
    page.check("#id_audience_0")
    with page.expect_response(lambda r: "/campaigns/count/" in r.url):
        page.select_option("#id_segment", str(segment.pk))
    page.wait_for_function(
        "document.querySelector('[data-testid=campaign-count]').innerText.startsWith('2')"
    )
    page.fill("#id_email_vi_subject", "Chúc mừng sinh nhật {name}")
    page.fill("#id_email_vi_body", "Chúc mừng sinh nhật {name}! Mã {voucher} dùng đến {expiry}.")
    page.check("#id_offer_1")
    page.fill("#id_offer_percent", "20")
    page.fill("#id_control_percent", "0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("[data-testid=campaign-save]")
    page.wait_for_url(re.compile(r".*/campaigns/\d+/$"))
    campaign = Campaign.objects.get()
    assert (campaign.branch_id, campaign.segment_id) == (manager_a.branch_id, segment.pk)

    # The preview of Lan, who never agreed to marketing: why she will not get it.
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/?client={lan.pk}")
    with translation.override("vi"):
        no_consent = str(SkipReason.NO_CONSENT.label)
    assert no_consent in page.locator("[data-testid=preview-decision]").inner_text()
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/?client={hoa.pk}")
    assert "chị Hoa" in page.locator("[data-testid=preview-message]").first.inner_text()

    # Send: a confirmation first, then the list is made and the worker sends.
    page.click("[data-testid=action-send]")
    assert "2" in page.locator("[data-testid=confirm-question]").inner_text()
    page.click("[data-testid=confirm]")
    page.wait_for_url(re.compile(r".*/campaigns/\d+/$"))
    sending.dispatch(campaign.pk)  # as the worker does (safe to run again)
    sending.dispatch(campaign.pk)
    campaign.refresh_from_db()
    assert campaign.status in (Status.SENDING, Status.DONE)
    statuses = dict(campaign.recipients.values_list("client_id", "status"))
    assert statuses == {hoa.pk: RecipientStatus.SENT, lan.pk: RecipientStatus.SKIPPED}
    assert [m.to for m in mail.outbox] == [["hoa@example.com"]]

    page.click("[data-testid=nav-recipients]")
    page.select_option("#r-status", "skipped")
    page.click("form.list-filters button[type=submit]")
    rows = page.locator("[data-testid=recipient]")
    assert rows.count() == 1
    assert "Trần Thị Lan" in rows.first.inner_text()
    assert rows.first.locator("[data-testid=recipient-reason]").inner_text() == no_consent
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
