"""The survey after a visit: planned once per visit, out of the night, only through a
channel the client consented to, sent once under a lease."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from spa.care import surveys
from spa.care.models import CareSettings, SurveyAttempt, SurveyInvite, SurveyReason, SurveyStatus
from spa.clients.services import client_consent_record

pytestmark = pytest.mark.django_db


def local(day_hour: tuple[int, int]) -> datetime:
    day, hour = day_hour
    return timezone.make_aware(datetime(2026, 12, day, hour, 0))


@pytest.mark.parametrize(("visit", "delay", "expected"), [
    ((3, 10), 120, (3, 12)),   # daytime: two hours later
    ((3, 19), 120, (4, 8)),    # 21:00 is night: the next morning at 08:00
    ((3, 18), 120, (3, 20)),   # 20:00 is still day
    ((3, 2), 60, (3, 8)),      # 03:00: later that morning
    ((3, 23), 0, (4, 8)),
])  # fmt: skip
def test_survey_time_is_the_visit_plus_the_delay_never_at_night(visit, delay, expected):
    assert timezone.localtime(surveys.survey_due_at(local(visit), delay)) == local(expected)


def test_a_logged_session_plans_one_survey_through_the_consented_channel(
    emailing_client, log_visit
):
    hoa = emailing_client()
    session = log_visit(hoa)
    invite = SurveyInvite.objects.get()
    assert (invite.client, invite.session, invite.status) == (hoa, session, SurveyStatus.QUEUED)
    assert invite.channel == "email" and invite.language == "vi"
    assert invite.expires_at - invite.due_at == timedelta(days=14)
    assert len(invite.token) >= 40


def test_two_sessions_the_same_day_are_one_visit_and_one_survey(emailing_client, log_visit):
    hoa = emailing_client()
    first = log_visit(hoa, when=timezone.now() - timedelta(minutes=30))
    log_visit(hoa, service="laser")
    assert SurveyInvite.objects.count() == 1
    assert SurveyInvite.objects.get().session == first


def test_a_visit_on_another_day_gets_its_own_survey(emailing_client, log_visit):
    hoa = emailing_client()
    log_visit(hoa, when=timezone.now() - timedelta(days=1, hours=1))
    log_visit(hoa)
    assert SurveyInvite.objects.count() == 2


def test_no_preferred_channel_is_skipped_with_the_reason(make_client, log_visit):
    log_visit(make_client("Trần Thị Lan"))
    invite = SurveyInvite.objects.get()
    assert (invite.status, invite.reason) == (SurveyStatus.SKIPPED, SurveyReason.NO_CHANNEL)


def test_no_consent_for_the_channel_is_skipped_with_the_reason(make_client, log_visit):
    log_visit(make_client("Trần Thị Lan", email="lan@example.com", preferred_channel="email"))
    invite = SurveyInvite.objects.get()
    assert (invite.status, invite.reason) == (SurveyStatus.SKIPPED, SurveyReason.NO_CONSENT)


def test_a_session_logged_days_later_gets_no_survey(emailing_client, log_visit):
    log_visit(emailing_client(), when=timezone.now() - timedelta(days=5))
    assert SurveyInvite.objects.count() == 0


def _due(invite):
    SurveyInvite.objects.filter(pk=invite.pk).update(due_at=timezone.now() - timedelta(seconds=1))


def test_delivery_sends_one_email_in_the_clients_language_with_the_link(emailing_client, log_visit):
    log_visit(emailing_client(language="en"))
    invite = SurveyInvite.objects.get()
    _due(invite)
    surveys.survey_deliver(invite.pk)
    surveys.survey_deliver(invite.pk)  # a second call (sweep and task together) sends nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hoa@example.com"]
    assert "How was your visit" in message.subject
    assert f"/s/{invite.token}/" in message.body
    assert message.extra_headers["Message-ID"].startswith(f"<spa-survey-{invite.pk}@")
    invite.refresh_from_db()
    assert (invite.status, invite.attempts) == (SurveyStatus.SENT, 1)
    assert SurveyAttempt.objects.get(invite=invite).ok is True


def test_nothing_goes_out_before_its_time(emailing_client, log_visit):
    log_visit(emailing_client())
    invite = SurveyInvite.objects.get()
    assert surveys.survey_deliver(invite.pk).startswith("not due")
    assert mail.outbox == []
    assert surveys.surveys_due() == []


def test_consent_withdrawn_before_sending_skips_it(emailing_client, log_visit, receptionist_a):
    hoa = emailing_client()
    log_visit(hoa)
    invite = SurveyInvite.objects.get()
    client_consent_record(actor=receptionist_a, client=hoa, channel="email", granted=False,
                          method="paper")  # fmt: skip
    _due(invite)
    surveys.survey_deliver(invite.pk)
    invite.refresh_from_db()
    assert (invite.status, invite.reason) == (SurveyStatus.SKIPPED, SurveyReason.NO_CONSENT)
    assert mail.outbox == []


def test_an_invitation_past_its_expiry_is_not_sent(emailing_client, log_visit):
    log_visit(emailing_client())
    invite = SurveyInvite.objects.get()
    SurveyInvite.objects.filter(pk=invite.pk).update(
        due_at=timezone.now() - timedelta(days=20), expires_at=timezone.now() - timedelta(days=1)
    )
    surveys.survey_deliver(invite.pk)
    invite.refresh_from_db()
    assert (invite.status, invite.reason) == (SurveyStatus.SKIPPED, SurveyReason.EXPIRED)


def test_a_claim_whose_lease_ran_out_is_taken_back_by_the_sweep(emailing_client, log_visit):
    log_visit(emailing_client())
    invite = SurveyInvite.objects.get()
    _due(invite)
    first = surveys.survey_claim(invite.pk)  # a worker that then died
    assert surveys.survey_claim(invite.pk) is None  # held: nobody else takes it
    SurveyInvite.objects.filter(pk=invite.pk).update(claimed_until=timezone.now() - timedelta(1))
    assert surveys.surveys_due() == [invite.pk]
    surveys.survey_deliver(invite.pk)
    invite.refresh_from_db()
    assert (invite.status, invite.attempts) == (SurveyStatus.SENT, 2)
    first.refresh_from_db()
    assert first.ok is False and first.detail == SurveyReason.INTERRUPTED
    assert len(mail.outbox) == 1


def test_the_owners_delay_and_expiry_are_used(emailing_client, log_visit):
    CareSettings.objects.update_or_create(pk=1, defaults={"survey_delay_minutes": 0,
                                                          "survey_expiry_days": 3})  # fmt: skip
    when = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    if when > timezone.now():
        when -= timedelta(days=1)
    log_visit(emailing_client(), when=when)
    invite = SurveyInvite.objects.get()
    assert invite.due_at == when
    assert invite.expires_at == when + timedelta(days=3)
