"""A client answers the survey after her visit on a 360 px phone (no login), with a low
score; the branch manager logs in, finds the care task and resolves it."""

import pytest
from django.utils import timezone

from spa.care.models import CareTask, Feedback, SurveyInvite, TaskStatus
from spa.clients.services import client_consent_record
from spa.treatments.services import SessionInput, session_log

from .pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_low_survey_answer_on_a_phone_reaches_the_managers_care_tasks(
    browser, live_server, make_client, receptionist_a, technician_a, manager_a, catalogue
):
    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email")
    client_consent_record(actor=receptionist_a, client=hoa, channel="email", granted=True,
                          method="paper")  # fmt: skip
    session_log(actor=technician_a, data=SessionInput(
        client=hoa, branch=hoa.branch, performed_at=timezone.now(),
        services=[catalogue["facial"]], technicians=[technician_a]))  # fmt: skip
    invite = SurveyInvite.objects.get()

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"{live_server.url}/s/{invite.token}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # Sending with nothing chosen: a clear error, nothing saved.
    phone.click("[data-testid=survey-send]")
    assert phone.locator("[data-testid=survey-errors]").is_visible()
    assert Feedback.objects.count() == 0
    # Real radio buttons, reached by their labels.
    phone.locator("[data-testid=q-overall] label").nth(1).click()  # 2 stars
    phone.locator("[data-testid=q-cleanliness_score] label").nth(0).click()
    phone.locator("[data-testid=q-recommend] label").nth(3).click()  # 3 of 10
    phone.fill("#id_comment", "Phòng hơi lạnh, chờ lâu")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("[data-testid=survey-send]")
    phone.wait_for_selector("[data-testid=survey-thanks]")
    # The link now says it was used.
    phone.goto(f"{live_server.url}/s/{invite.token}/")
    assert phone.locator("[data-testid=survey-closed]").is_visible()
    context.close()

    feedback = Feedback.objects.get()
    assert (feedback.overall, feedback.cleanliness_score, feedback.recommend) == (2, 1, 3)

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, manager_a.username)
    page.goto(f"{live_server.url}/care/tasks/")
    page.locator("[data-testid=task-list] a", has_text="Nguyễn Thị Hoa").click()
    page.wait_for_selector("[data-testid=care-task]")
    assert "Phòng hơi lạnh" in page.content()
    page.fill("#id_resolution", "Đã gọi xin lỗi, tặng một buổi chăm sóc da")
    page.click("[data-testid=resolve]")
    page.wait_for_selector("[data-testid=care-task] >> text=Đã gọi xin lỗi")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
    task = CareTask.objects.get()
    assert (task.status, task.resolved_by) == (TaskStatus.RESOLVED, manager_a)
