"""Delivering reminders and agendas. Called by the worker's tasks (spa/booking/tasks.py).

A reminder goes out at most once per claim, and a claim is a lease:
- claiming moves it pending → sending with `claimed_until = now + lease` and writes the
  attempt row in the same transaction, so no send happens without a record of it;
- a worker killed mid-send leaves it `sending`; once the lease has run out the minute
  sweep takes it back (the unfinished attempt is marked interrupted) and sends again;
- the one window left is a crash after the provider accepted the message and before
  the outcome was written: the retry then sends again, with the same idempotency key
  (HTTP gateway) or Message-ID (email), so a provider that honours them drops it.
Nothing is sent once the appointment has started or is no longer booked."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from spa.accounts.models import Role, SpaSettings, User
from spa.booking.messaging import (
    DeliveryFailed,
    NotConfigured,
    reminder_text,
    send_email,
    send_gateway,
)
from spa.booking.models import (
    ACTIVE_STATUSES,
    AgendaSent,
    Appointment,
    DeliveryAttempt,
    Reminder,
    ReminderReason,
    ReminderStatus,
    Status,
)
from spa.clients.models import Channel

MAX_ATTEMPTS = 4


class RetryLater(Exception):
    """Raised so the worker retries the task after its delay."""


def _claimable(now):
    """Reminders a worker may take now: waiting and due, or held by a claim whose lease
    has run out (or that never had one: claimed by a version without leases); never for
    an appointment that has started."""
    return _claimable_own(now).filter(appointment__status=Status.BOOKED, appointment__start__gt=now)


def _claimable_own(now):
    """The same condition on the reminder's own columns only. The claim's UPDATE must not
    join: PostgreSQL re-checks a plain WHERE on the row it waited for, but a join turns
    the UPDATE into `id IN (subquery)`, which a second worker would pass too."""
    expired = Q(claimed_until__lt=now) | Q(claimed_until__isnull=True)
    return Reminder.objects.filter(
        Q(status=ReminderStatus.PENDING) | (Q(status=ReminderStatus.SENDING) & expired),
        due_at__lte=now,
    )


def reminder_claim(reminder_id: int) -> DeliveryAttempt | None:
    """Take the reminder for one attempt, or None if it is not ours to send. The claim
    and its attempt row are one transaction."""
    now = timezone.now()
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    if not _claimable(now).filter(pk=reminder_id).exists():
        return None
    with transaction.atomic():
        claimed = (
            _claimable_own(now)
            .filter(pk=reminder_id)
            .update(
                status=ReminderStatus.SENDING, attempts=F("attempts") + 1, claimed_until=now + lease
            )
        )
        if not claimed:
            return None
        number = Reminder.objects.filter(pk=reminder_id).values_list("attempts", flat=True).get()
        # An earlier attempt still open was cut short by a dead worker.
        DeliveryAttempt.objects.filter(reminder_id=reminder_id, ok__isnull=True).update(
            ok=False, detail=ReminderReason.INTERRUPTED
        )
        return DeliveryAttempt.objects.create(
            reminder_id=reminder_id, number=number, ok=None, detail="sending"
        )


def reminder_deliver(reminder_id: int) -> str:
    """Send one reminder if it is due and not yet sent. Safe to call any number of times
    and from any number of workers: only the call holding the claim sends."""
    attempt = reminder_claim(reminder_id)
    if attempt is None:
        return "not due, already sent, or no longer needed"
    reminder = Reminder.objects.select_related("appointment__client", "appointment__branch").get(
        pk=reminder_id
    )
    appointment, spa = reminder.appointment, SpaSettings.current()
    client = appointment.client
    subject, text = reminder_text(appointment, spa, reminder.channel)
    try:
        if reminder.channel == Channel.EMAIL:
            detail = send_email(
                client.email, subject, text, message_id=reminder.idempotency_key, spa=spa
            )
        else:
            phone = client.phones.order_by("-is_primary", "id").first()
            if phone is None:
                raise NotConfigured(ReminderReason.NO_PHONE)
            detail = send_gateway(
                reminder.channel, phone.e164, text, spa,
                key=reminder.idempotency_key, attempt=attempt.number,
            )  # fmt: skip
    except NotConfigured as exc:
        _finish(attempt, ReminderStatus.SKIPPED, ok=False, detail=str(exc), reason=exc.reason)
        return str(exc)
    except DeliveryFailed as exc:
        again = attempt.number < MAX_ATTEMPTS
        _finish(
            attempt,
            ReminderStatus.PENDING if again else ReminderStatus.FAILED,
            ok=False,
            detail=str(exc),
        )
        if again:
            raise RetryLater(str(exc)) from exc
        return str(exc)
    _finish(attempt, ReminderStatus.SENT, ok=True, detail=detail)
    return detail


def _finish(attempt: DeliveryAttempt, status: str, *, ok: bool, detail: str, reason="") -> None:
    """Record the outcome of our attempt, unless another worker has taken the reminder
    back since (our lease ran out): then its own attempt decides."""
    with transaction.atomic():
        ours = Reminder.objects.filter(
            pk=attempt.reminder_id, status=ReminderStatus.SENDING, attempts=attempt.number
        ).update(
            status=status, sent_at=timezone.now() if ok else None, note=detail[:255],
            reason=reason, claimed_until=None,
        )  # fmt: skip
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            ok=ok, detail=(detail if ours else f"{detail} (after the lease ran out)")[:500]
        )


def reminders_due() -> list[int]:
    """The sweep's catch-up list: due reminders waiting, or held by a dead worker past
    its lease. Reminders of appointments that have started are closed as not sent."""
    now = timezone.now()
    Reminder.objects.filter(
        status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING],
        appointment__start__lte=now,
    ).exclude(status=ReminderStatus.SENDING, claimed_until__gte=now).update(
        status=ReminderStatus.SKIPPED, reason=ReminderReason.STARTED, claimed_until=None
    )
    return list(_claimable(now).order_by("due_at").values_list("pk", flat=True)[:500])


def agendas_send(*, day=None) -> int:
    """Email each member of staff their appointments of `day` (default tomorrow), once."""
    day = day or timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    sent = 0
    staff = User.objects.filter(is_active=True, role__in=[Role.TECHNICIAN, Role.MANAGER]).exclude(
        email=""
    )
    for member in staff:
        appointments = list(
            Appointment.objects.filter(
                technician=member,
                start__gte=start,
                start__lt=start + timedelta(days=1),
                status__in=ACTIVE_STATUSES,
            )
            .select_related("client", "room")
            .prefetch_related("services")  # fmt: skip
        )
        if not appointments:
            continue
        try:
            with transaction.atomic():
                AgendaSent.objects.create(staff=member, day=day)
        except IntegrityError:
            continue  # already sent today
        with translation.override(member.language):
            lines = [
                f"{timezone.localtime(a.start):%H:%M}-{timezone.localtime(a.end):%H:%M}  "
                f"{a.first_name_to_show}  {', '.join(s.name for s in a.services.all())}"
                + (f"  ({a.room.name})" if a.room_id else "")
                for a in appointments
            ]
            subject = _("Your appointments on %(day)s") % {"day": day.strftime("%d/%m/%Y")}
        EmailMessage(subject=subject, body="\n".join(lines), to=[member.email]).send()
        sent += 1
    return sent
