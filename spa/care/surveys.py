"""Planning and sending the survey after a visit. Called by the session log (on commit)
and by the worker's tasks (spa/care/tasks.py).

One survey per visit: the unique (client, visit day) key makes a second session the
same day find the first one's invitation. Sending follows spa.booking.reminders:
- the claim moves it queued → sending with `claimed_until = now + lease` and writes the
  attempt row in the same transaction;
- a worker killed mid-send leaves it `sending`; once the lease has run out the minute
  sweep takes it back and sends again, with the same idempotency key / Message-ID;
- the outcome is written only while we still hold the claim.
Consent is checked when the visit is logged and again at send time."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.booking.messaging import DeliveryFailed, NotConfigured, send_email, send_gateway
from spa.booking.services import consented_channel
from spa.care.models import CareSettings, SurveyAttempt, SurveyInvite, SurveyReason, SurveyStatus
from spa.clients.models import Channel
from spa.treatments.models import TreatmentSession

MAX_ATTEMPTS = 4
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
# A session logged this long after it happened gets no survey: the visit is too far back.
TOO_LATE = timedelta(days=2)


class RetryLater(Exception):
    """Raised so the worker retries the task after its delay."""


def survey_due_at(performed_at: datetime, delay_minutes: int) -> datetime:
    """The visit plus the owner's delay, moved out of the night (21:00–08:00 local) to
    the next 08:00."""
    due = timezone.localtime(performed_at + timedelta(minutes=delay_minutes))
    if due.time() >= QUIET_FROM:
        due = datetime.combine(due.date() + timedelta(days=1), QUIET_UNTIL, tzinfo=due.tzinfo)
    elif due.time() < QUIET_UNTIL:
        due = datetime.combine(due.date(), QUIET_UNTIL, tzinfo=due.tzinfo)
    return due


def survey_plan(*, session_id: int) -> SurveyInvite | None:
    """The visit's invitation: made once per client and day (a second session the same
    day finds the first's), queued for its time or skipped with the reason."""
    session = (
        TreatmentSession.objects.select_related("client", "branch").filter(pk=session_id).first()
    )
    # A session logged days after it happened (typed in late, imported) asks nothing:
    # the visit is too far back. No row either, so a backfill costs one query each.
    if session is None or timezone.now() - session.performed_at > TOO_LATE:
        return None
    client, care = session.client, CareSettings.current()
    day = timezone.localdate(session.performed_at)
    existing = SurveyInvite.objects.filter(client=client, visit_day=day).first()
    if existing is not None:
        return existing
    due = survey_due_at(session.performed_at, care.survey_delay_minutes)
    channel, why_not = consented_channel(client)
    invite = SurveyInvite(
        client=client, branch=session.branch, session=session, visit_day=day,
        channel=channel or "", language=client.language or settings.LANGUAGE_CODE, due_at=due,
        expires_at=due + timedelta(days=care.survey_expiry_days),
    )  # fmt: skip
    if channel is None:
        invite.status, invite.reason = SurveyStatus.SKIPPED, why_not
    try:
        with transaction.atomic():
            invite.save()
    except IntegrityError:  # a second session of the same visit, logged at the same moment
        return SurveyInvite.objects.get(client=client, visit_day=day)
    if invite.status == SurveyStatus.QUEUED:
        from spa.care import tasks

        transaction.on_commit(
            lambda: tasks.survey_send.schedule(args=(invite.pk,), eta=invite.due_at)
        )
    return invite


def survey_link(invite: SurveyInvite) -> str:
    return settings.SITE_URL + reverse("care_public:survey", args=[invite.token])


def survey_text(invite: SurveyInvite) -> tuple[str, str]:
    """(subject, text) in the client's language."""
    context = {
        "name": invite.client.given_name,
        "branch": invite.branch.name,
        "link": survey_link(invite),
        "until": timezone.localtime(invite.expires_at).strftime("%d/%m/%Y"),
    }
    with translation.override(invite.language):
        subject = _("How was your visit to %(branch)s?") % context
        text = (
            _(
                "Hello %(name)s, thank you for visiting %(branch)s. How was it? Tell us in "
                "one minute: %(link)s (the link works until %(until)s)."
            )
            % context
        )
    return subject, text


def _claimable(now):
    expired = Q(claimed_until__lt=now) | Q(claimed_until__isnull=True)
    return SurveyInvite.objects.filter(
        Q(status=SurveyStatus.QUEUED) | (Q(status=SurveyStatus.SENDING) & expired),
        due_at__lte=now,
    )


def survey_claim(invite_id: int) -> SurveyAttempt | None:
    """Take the invitation for one attempt, or None if it is not ours to send."""
    now = timezone.now()
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    with transaction.atomic():
        claimed = (
            _claimable(now)
            .filter(pk=invite_id)
            .update(
                status=SurveyStatus.SENDING, attempts=F("attempts") + 1, claimed_until=now + lease
            )
        )
        if not claimed:
            return None
        number = SurveyInvite.objects.filter(pk=invite_id).values_list("attempts", flat=True).get()
        SurveyAttempt.objects.filter(invite_id=invite_id, ok__isnull=True).update(
            ok=False, detail=SurveyReason.INTERRUPTED
        )
        return SurveyAttempt.objects.create(
            invite_id=invite_id, number=number, ok=None, detail="sending"
        )


def survey_deliver(invite_id: int) -> str:
    """Send one survey if it is due and not yet sent; safe to call any number of times."""
    attempt = survey_claim(invite_id)
    if attempt is None:
        return "not due, already sent, or not to be sent"
    invite = SurveyInvite.objects.select_related("client", "branch").get(pk=invite_id)
    client, spa = invite.client, SpaSettings.current()
    try:
        if invite.expires_at <= timezone.now():
            raise NotConfigured(SurveyReason.EXPIRED)
        channel, why_not = consented_channel(client)  # consent may have been withdrawn since
        if channel is None:
            raise NotConfigured(why_not)
        subject, text = survey_text(invite)
        if channel == Channel.EMAIL:
            detail = send_email(
                client.email, subject, text, message_id=invite.idempotency_key, spa=spa
            )
        else:
            phone = client.phones.order_by("-is_primary", "id").first()
            if phone is None:
                raise NotConfigured(SurveyReason.NO_PHONE)
            detail = send_gateway(channel, phone.e164, text, spa, key=invite.idempotency_key,
                                  attempt=attempt.number)  # fmt: skip
    except NotConfigured as exc:
        _finish(attempt, SurveyStatus.SKIPPED, ok=False, detail=str(exc), reason=exc.reason)
        return str(exc)
    except DeliveryFailed as exc:
        again = attempt.number < MAX_ATTEMPTS
        _finish(attempt, SurveyStatus.QUEUED if again else SurveyStatus.FAILED, ok=False,
                detail=str(exc))  # fmt: skip
        if again:
            raise RetryLater(str(exc)) from exc
        return str(exc)
    _finish(attempt, SurveyStatus.SENT, ok=True, detail=detail)
    return detail


def _finish(attempt: SurveyAttempt, status: str, *, ok: bool, detail: str, reason="") -> None:
    """Record our outcome, unless another worker took the invitation back since."""
    with transaction.atomic():
        ours = SurveyInvite.objects.filter(
            pk=attempt.invite_id, status=SurveyStatus.SENDING, attempts=attempt.number
        ).update(
            status=status, sent_at=timezone.now() if ok else None, note=detail[:255],
            reason=reason if reason in SurveyReason.values else "", claimed_until=None,
        )  # fmt: skip
        SurveyAttempt.objects.filter(pk=attempt.pk).update(
            ok=ok, detail=(detail if ours else f"{detail} (after the lease ran out)")[:500]
        )


def surveys_due() -> list[int]:
    """The sweep's list: due invitations waiting, or held by a dead worker past its lease."""
    return list(_claimable(timezone.now()).order_by("due_at").values_list("pk", flat=True)[:500])
