"""Answers: the thresholds that open a care task, one answer per link, expiry, the
public page's language and its bad input, feedback taken by staff, the history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from spa.audit.models import Action, AuditEntry
from spa.care.models import (
    CareSettings,
    CareTask,
    Feedback,
    FeedbackMethod,
    SurveyInvite,
    TaskReason,
    TaskStatus,
)
from spa.care.services import (
    AlreadyDone,
    Scores,
    SurveyClosed,
    care_task_resolve,
    feedback_mark_complaint,
    feedback_record,
    is_low,
    survey_answer,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("scores", "low"), [
    (Scores(overall=3), False),
    (Scores(overall=2), True),
    (Scores(overall=5, cleanliness_score=2), True),
    (Scores(overall=5, value_score=3, technician_score=5), False),
    (Scores(overall=5, recommend=6), True),
    (Scores(overall=5, recommend=7), False),
    (Scores(overall=4, recommend=0), True),
])  # fmt: skip
def test_low_score_thresholds_by_default(scores, low):
    assert is_low(scores) is low


def test_the_owners_thresholds_replace_the_defaults(db):
    CareSettings.objects.update_or_create(pk=1, defaults={"low_overall": 3, "low_recommend": 4})
    assert is_low(Scores(overall=3)) and not is_low(Scores(overall=4, recommend=5))


@pytest.fixture
def invite(emailing_client, log_visit):
    log_visit(emailing_client())
    return SurveyInvite.objects.get()


def test_a_low_answer_opens_a_care_task_in_the_client_history(invite):
    feedback = survey_answer(token=invite.token, scores=Scores(overall=1, comment="Phòng lạnh"))
    task = CareTask.objects.get()
    assert (task.feedback, task.branch, task.reason, task.status) == (
        feedback, invite.branch, TaskReason.LOW_SCORE, TaskStatus.OPEN)  # fmt: skip
    actions = list(
        AuditEntry.objects.filter(client_id=invite.client_id).values_list("action", flat=True)
    )
    assert Action.FEEDBACK in actions and Action.CARE in actions
    assert feedback.technician is not None and feedback.service is not None


def test_a_good_answer_opens_no_task(invite):
    survey_answer(token=invite.token, scores=Scores(overall=5, recommend=10))
    assert CareTask.objects.count() == 0 and Feedback.objects.count() == 1


def test_a_link_takes_one_answer(invite):
    survey_answer(token=invite.token, scores=Scores(overall=5))
    with pytest.raises(SurveyClosed) as closed:
        survey_answer(token=invite.token, scores=Scores(overall=1))
    assert closed.value.why == "used"
    assert Feedback.objects.count() == 1 and CareTask.objects.count() == 0


def test_an_expired_link_takes_no_answer(invite):
    SurveyInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now())
    with pytest.raises(SurveyClosed):
        survey_answer(token=invite.token, scores=Scores(overall=5))
    assert Feedback.objects.count() == 0


def test_the_public_page_opens_without_login_in_the_clients_language(client, invite):
    SurveyInvite.objects.filter(pk=invite.pk).update(language="en")
    page = client.get(reverse("care_public:survey", args=[invite.token]))
    assert page.status_code == 200
    text = page.content.decode()
    assert '<html lang="en">' in text and "<fieldset" in text and "<legend" in text
    client.cookies["django_language"] = "zh-hans"  # the language switch wins
    again = client.get(reverse("care_public:survey", args=[invite.token])).content.decode()
    assert '<html lang="zh-CN">' in again


def _answer(client, token, **data):
    return client.post(reverse("care_public:survey", args=[token]), data)


def test_answering_on_the_page_thanks_and_the_link_then_says_it_was_used(client, invite):
    response = _answer(client, invite.token, overall="2", technician_score="4", recommend="5",
                       comment="Chờ lâu")  # fmt: skip
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    feedback = Feedback.objects.get()
    assert (feedback.overall, feedback.technician_score, feedback.recommend, feedback.method) == (
        2, 4, 5, FeedbackMethod.SURVEY)  # fmt: skip
    again = client.get(reverse("care_public:survey", args=[invite.token]))
    assert again.status_code == 410 and "survey-closed" in again.content.decode()


@pytest.mark.parametrize("data", [
    {},  # no overall score
    {"overall": "9"},
    {"overall": "0"},
    {"overall": "abc"},
    {"overall": "4", "recommend": "11"},
    {"overall": "4", "value_score": "-1"},
    {"overall": "4", "comment": "x" * 2001},
])  # fmt: skip
def test_bad_input_on_the_public_form_is_a_clear_error_and_nothing_is_saved(client, invite, data):
    response = _answer(client, invite.token, **data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert Feedback.objects.count() == 0 and CareTask.objects.count() == 0


def test_an_expired_or_unknown_link_gets_a_clear_page(client, invite):
    SurveyInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(1))
    assert client.get(reverse("care_public:survey", args=[invite.token])).status_code == 410
    assert _answer(client, invite.token, overall="5").status_code == 410
    assert client.get(reverse("care_public:survey", args=["nope"])).status_code == 404
    assert Feedback.objects.count() == 0


def test_staff_take_down_feedback_by_phone_with_a_complaint(make_client, receptionist_a):
    hoa = make_client()
    feedback = feedback_record(actor=receptionist_a, client=hoa, method=FeedbackMethod.PHONE,
                               scores=Scores(overall=4, comment="Nhân viên nói to"), complaint=True)  # fmt: skip
    assert feedback.recorded_by == receptionist_a and feedback.branch == hoa.branch
    assert CareTask.objects.get().reason == TaskReason.COMPLAINT
    assert AuditEntry.objects.filter(client_id=hoa.pk, action=Action.FEEDBACK).exists()


def test_marking_a_comment_as_complaint_opens_one_task(make_client, receptionist_a):
    feedback = feedback_record(actor=receptionist_a, client=make_client(),
                               method=FeedbackMethod.IN_PERSON, scores=Scores(overall=4, comment="Hơi ồn"))  # fmt: skip
    first = feedback_mark_complaint(actor=receptionist_a, feedback=feedback)
    assert feedback_mark_complaint(actor=receptionist_a, feedback=feedback) == first
    assert CareTask.objects.count() == 1


def test_resolving_needs_what_was_done_and_happens_once(make_client, receptionist_a, manager_a):
    feedback_record(actor=receptionist_a, client=make_client(), method=FeedbackMethod.PHONE,
                    scores=Scores(overall=1))  # fmt: skip
    task = CareTask.objects.get()
    with pytest.raises(ValueError):
        care_task_resolve(actor=manager_a, task=task, resolution="  ")
    care_task_resolve(actor=manager_a, task=task, resolution="Gọi xin lỗi, tặng buổi chăm sóc")
    task.refresh_from_db()
    assert (task.status, task.resolved_by) == (TaskStatus.RESOLVED, manager_a)
    assert task.resolved_at is not None
    with pytest.raises(AlreadyDone):
        care_task_resolve(actor=manager_a, task=task, resolution="again")
    assert AuditEntry.objects.filter(client_id=task.client_id, action=Action.CARE).count() == 2


def test_a_comment_is_unreadable_in_the_database_and_marked_as_given(invite):
    from django.db import connection

    feedback = survey_answer(token=invite.token, scores=Scores(overall=4, comment="Da hơi đỏ"))
    with connection.cursor() as cur:
        cur.execute("SELECT comment FROM care_feedback WHERE id = %s", [feedback.pk])
        stored = cur.fetchone()[0]
    assert "đỏ" not in stored and stored.startswith("gAAAA")
    again = Feedback.objects.get(pk=feedback.pk)
    assert (again.comment, again.has_comment) == ("Da hơi đỏ", True)
    assert list(Feedback.objects.filter(has_comment=True)) == [again]
