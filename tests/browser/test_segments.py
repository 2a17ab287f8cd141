"""The owner builds a segment on a phone: the count changes as the filters do (HTMX),
the segment is saved, and reopened later with the same filters and members."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from spa.clients.services import client_consent_record
from spa.reports.models import Segment
from spa.treatments.services import SessionInput, session_log

from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown_count(page) -> int:
    return int(re.sub(r"\D", "", page.locator("[data-testid=count-value]").inner_text()))


def test_owner_builds_a_segment_sees_the_count_change_saves_and_reopens_it(
    phone_page, live_server, owner, receptionist_a, technician_a, make_client, catalogue, branch_a
):
    page = phone_page
    hoa, lan, _mai = (make_client(n) for n in ("Nguyễn Thị Hoa", "Trần Thị Lan", "Lê Thị Mai"))
    for client, days in ((hoa, 20), (lan, 300)):
        session_log(actor=owner, data=SessionInput(
            client=client, branch=branch_a, performed_at=timezone.now() - timedelta(days=days),
            services=[catalogue["facial"]], technicians=[technician_a]))  # fmt: skip
    for client in (hoa, lan):
        client_consent_record(actor=receptionist_a, client=client, channel="zalo", granted=True,
                              method="paper")  # fmt: skip

    log_in(page, live_server, owner.username)
    page.goto(f"{live_server.url}/reports/segments/")
    page.click("[data-testid=segment-new]")
    page.wait_for_url("**/reports/segments/new/")
    assert shown_count(page) == 3

    # Each filter changes the count in place, without leaving the page.
    with page.expect_response(lambda r: "/reports/segments/count/" in r.url):
        page.select_option("#id_consent", "zalo")
    page.wait_for_function("document.querySelector('[data-testid=count-value]').innerText == '2'")
    with page.expect_response(lambda r: "/reports/segments/count/" in r.url):
        page.select_option("#id_had_service", str(catalogue["facial"].pk))
    with page.expect_response(lambda r: "/reports/segments/count/" in r.url):
        page.select_option("#id_had_within", "183")
    page.wait_for_function("document.querySelector('[data-testid=count-value]').innerText == '1'")
    assert page.url.endswith("/reports/segments/new/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone

    page.fill("#id_name", "Peel gần đây, nhận Zalo")
    page.click("[data-testid=segment-save]")
    page.wait_for_url(re.compile(r".*/reports/segments/\d+/$"))
    saved = Segment.objects.get()
    assert saved.name == "Peel gần đây, nhận Zalo"
    assert page.locator("[data-testid=segment-title]").inner_text() == saved.name
    assert shown_count(page) == 1
    assert page.locator("[data-testid=member-name]").all_inner_texts() == ["Nguyễn Thị Hoa"]

    # Later: from the list, reopen it; its filters are still set.
    page.goto(f"{live_server.url}/reports/segments/")
    row = page.locator("[data-testid=saved-row]", has_text=saved.name)
    row.scroll_into_view_if_needed()  # its count is read once it comes into view
    row.locator("[data-testid=saved-count]").filter(has_text="1").wait_for()
    row.locator("[data-testid=saved-name]").click()
    page.wait_for_url(f"{live_server.url}/reports/segments/{saved.pk}/")
    page.click("[data-testid=segment-edit]")
    assert page.locator("#id_consent").input_value() == "zalo"
    assert page.locator("#id_had_within").input_value() == "183"
    assert page.locator("#id_name").input_value() == saved.name
    assert shown_count(page) == 1
