"""Who may open each care page (every role, anonymous included), and what the pages do:
the queue's items and its done button, the task page, the report, the settings."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.audit.models import Action, AuditEntry
from spa.audit.presenter import entry_sentence
from spa.care.models import (
    CareSettings,
    CareTask,
    CheckInRule,
    Feedback,
    FeedbackMethod,
    QueueDone,
    QueueKind,
    TaskStatus,
)
from spa.care.selectors_queue import queue_for
from spa.care.services import AlreadyDone, Scores, feedback_record, queue_item_done

pytestmark = pytest.mark.django_db

ANON = 302


@pytest.fixture
def complaint(make_client, receptionist_a):
    """A client of branch A whose feedback by phone was low: one open care task."""
    return feedback_record(actor=receptionist_a, client=make_client(), method=FeedbackMethod.PHONE,
                           scores=Scores(overall=1, comment="Da bị đỏ"))  # fmt: skip


def test_care_queue_access(client, people):
    assert statuses(client, people, reverse("care:queue")) == [
        ANON, 200, 200, 200, 200, 200, 403, 403]  # fmt: skip


def test_care_tasks_access(client, people, complaint):
    assert statuses(client, people, reverse("care:tasks")) == [
        ANON, 200, 200, 200, 403, 403, 403, 403]  # fmt: skip
    task = CareTask.objects.get()
    assert statuses(client, people, reverse("care:task", args=[task.pk])) == [
        ANON, 200, 200, 404, 403, 403, 403, 403]  # fmt: skip


def test_only_the_branch_manager_or_owner_resolves(client, people, complaint):
    task = CareTask.objects.get()
    url = reverse("care:task", args=[task.pk])
    data = {"resolution": "Đã gọi điện xin lỗi"}
    refused = {"anonymous": 302, "manager_b": 404, "receptionist_a": 403, "technician_a": 403}
    for role, expected in refused.items():
        client.logout()
        if people[role]:
            client.force_login(people[role])
        assert client.post(url, data).status_code == expected, role
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    client.force_login(people["manager_a"])
    assert client.post(url, data).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.RESOLVED and task.resolved_by == people["manager_a"]


def test_resolving_without_saying_what_was_done_is_refused(client, manager_a, complaint):
    client.force_login(manager_a)
    task = CareTask.objects.get()
    response = client.post(reverse("care:task", args=[task.pk]), {"resolution": "   "})
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_care_report_access(client, people, complaint):
    assert statuses(client, people, reverse("care:report") + "?period=year") == [
        ANON, 200, 200, 200, 403, 403, 403, 403]  # fmt: skip


def test_care_settings_access_and_history(client, people, owner):
    assert statuses(client, people, reverse("care:settings")) == [
        ANON, 200, 403, 403, 403, 403, 403, 403]  # fmt: skip
    client.force_login(owner)
    data = {"survey_delay_minutes": 60, "survey_expiry_days": 7, "low_overall": 2,
            "low_aspect": 2, "low_recommend": 6, "lapsed_days": 120}  # fmt: skip
    assert client.post(reverse("care:settings"), data).status_code == 302
    assert CareSettings.current().lapsed_days == 120
    assert AuditEntry.objects.filter(action=Action.SETTINGS, subject__startswith="care.").exists()
    bad = client.post(reverse("care:settings"), {**data, "low_overall": 9, "survey_expiry_days": 0})
    assert bad.status_code == 400 and CareSettings.current().survey_expiry_days == 7


def test_client_feedback_page_access(client, people, make_client):
    hoa = make_client()
    assert statuses(client, people, reverse("care:client_feedback", args=[hoa.pk])) == [
        ANON, 200, 200, 404, 200, 404, 403, 403]  # fmt: skip


def test_staff_record_feedback_from_the_profile(client, receptionist_a, make_client):
    hoa = make_client()
    client.force_login(receptionist_a)
    url = reverse("care:client_feedback", args=[hoa.pk])
    assert client.post(url, {"method": "in_person"}).status_code == 400  # no overall score
    assert client.post(url, {"method": "fax", "overall": "4"}).status_code == 400
    assert Feedback.objects.count() == 0
    response = client.post(url, {"method": "in_person", "overall": "5", "comment": "Rất thích"})
    assert response.status_code == 302
    assert Feedback.objects.get().method == FeedbackMethod.IN_PERSON
    assert "Rất thích" in client.get(url).content.decode()


def test_marking_a_complaint_access(client, people, make_client, receptionist_a):
    feedback = feedback_record(actor=receptionist_a, client=make_client(),
                               method=FeedbackMethod.IN_PERSON, scores=Scores(overall=5, comment="Hơi ồn"))  # fmt: skip
    url = reverse("care:complaint", args=[feedback.pk])
    assert statuses(client, people, url, "post") == [ANON, 302, 302, 404, 302, 404, 403, 403]
    assert CareTask.objects.count() == 1
    client.force_login(receptionist_a)
    assert client.get(url).status_code == 405


def test_the_survey_page_is_public_for_everyone(client, people, emailing_client, log_visit):
    from spa.care.models import SurveyInvite

    log_visit(emailing_client())
    url = reverse("care_public:survey", args=[SurveyInvite.objects.get().token])
    assert set(statuses(client, people, url)) == {200}


# --- the queue ---


@pytest.fixture
def peel_day_one(make_client, log_visit, catalogue):
    CheckInRule.objects.create(service=catalogue["facial"], days=[1, 7])
    hoa = make_client("Nguyễn Thị Hoa")
    session = log_visit(hoa, when=timezone.now() - timedelta(days=1))
    return hoa, session


def _items(user):
    return [(i.kind, i.client.pk, i.ref) for q in queue_for(user) for i in q.items]


def test_the_queue_lists_check_ins_birthdays_lapsed_and_open_tasks(
    peel_day_one, make_client, receptionist_a, complaint
):
    hoa, session = peel_day_one
    today = timezone.localdate()
    born = make_client("Lê Thị Thu", birth_date=date(1990, today.month, min(today.day, 28)))
    gone = make_client("Phạm Thị Mai")
    from spa.clients.models import Client

    Client.objects.filter(pk=gone.pk).update(last_visit_at=timezone.now() - timedelta(days=200))
    items = _items(receptionist_a)
    assert (QueueKind.CHECK_IN, hoa.pk, f"{session.pk}:1") in items
    if today.day <= 28:
        assert (QueueKind.BIRTHDAY, born.pk, str(today.year)) in items
    assert (QueueKind.LAPSED, gone.pk, (timezone.now() - timedelta(days=200)).astimezone(
        timezone.get_current_timezone()).strftime("%Y%m%d")) in items  # fmt: skip
    assert (QueueKind.TASK, complaint.client_id, str(CareTask.objects.get().pk)) in items


def test_another_branch_sees_none_of_it(peel_day_one, receptionist_b):
    assert _items(receptionist_b) == []


def test_done_takes_the_item_off_for_everyone_once_and_writes_history(
    client, peel_day_one, receptionist_a, manager_a
):
    hoa, session = peel_day_one
    client.force_login(receptionist_a)
    data = {"kind": "check_in", "client": hoa.pk, "ref": f"{session.pk}:1", "action": "called",
            "note": "Da ổn, không đỏ"}  # fmt: skip
    response = client.post(reverse("care:queue_done"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Nguyễn Thị Hoa" in response.content.decode()
    assert (QueueKind.CHECK_IN, hoa.pk, f"{session.pk}:1") not in _items(manager_a)
    entry = AuditEntry.objects.filter(client_id=hoa.pk, action=Action.CARE).get()
    assert entry_sentence(entry).endswith("Da ổn, không đỏ")
    with pytest.raises(AlreadyDone):
        queue_item_done(actor=manager_a, kind="check_in", client=hoa, ref=f"{session.pk}:1",
                        action="done")  # fmt: skip
    again = client.post(reverse("care:queue_done"), data, HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and QueueDone.objects.count() == 1


@pytest.mark.parametrize("bad", [
    {"kind": "nope"}, {"action": "sang"}, {"ref": ""}, {"note": "x" * 501}, {"client": "abc"},
    {"client": "999999"},
])  # fmt: skip
def test_bad_input_on_done_saves_nothing(client, peel_day_one, receptionist_a, bad):
    hoa, session = peel_day_one
    client.force_login(receptionist_a)
    data = {"kind": "check_in", "client": hoa.pk, "ref": f"{session.pk}:1", "action": "called",
            **bad}  # fmt: skip
    response = client.post(reverse("care:queue_done"), data, HTTP_HX_REQUEST="true")
    assert response.status_code in (400, 404)
    assert QueueDone.objects.count() == 0


def test_done_on_a_client_of_another_branch_is_not_found(client, peel_day_one, receptionist_b):
    hoa, session = peel_day_one
    client.force_login(receptionist_b)
    data = {"kind": "check_in", "client": hoa.pk, "ref": f"{session.pk}:1", "action": "called"}
    assert client.post(reverse("care:queue_done"), data).status_code == 404
    assert QueueDone.objects.count() == 0


def test_queue_page_shows_call_and_message_links(client, peel_day_one, receptionist_a):
    client.force_login(receptionist_a)
    text = client.get(reverse("care:queue")).content.decode()
    assert 'href="tel:+84' in text and 'data-testid="queue-done"' in text


def test_report_shows_scores_and_comments(client, owner, complaint, django_assert_max_num_queries):
    client.force_login(owner)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("care:report") + "?period=year")
    text = page.content.decode()
    assert "Da bị đỏ" in text and "<svg" in text
