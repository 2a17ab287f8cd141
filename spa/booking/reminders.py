"""Delivering reminders and agendas. Called by the worker's tasks (spa/booking/tasks.py)."""

from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
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
    ReminderStatus,
    Status,
)
from spa.clients.models import Channel

MAX_ATTEMPTS = 4


class RetryLater(Exception):
    """Raised so the worker retries the task after its delay."""


def reminder_deliver(reminder_id: int) -> str:
    """Send one reminder if it is due and not yet sent. Safe to call any number of times:
    only the call that moves it from pending to sending sends it."""
    now = timezone.now()
    claimed = Reminder.objects.filter(
        pk=reminder_id, status=ReminderStatus.PENDING, due_at__lte=now,
        appointment__status=Status.BOOKED, appointment__start__gt=now,
    ).update(status=ReminderStatus.SENDING, attempts=F("attempts") + 1)  # fmt: skip
    if not claimed:
        return "not due, already sent, or no longer needed"
    reminder = Reminder.objects.select_related("appointment__client", "appointment__branch").get(
        pk=reminder_id
    )
    appointment, spa = reminder.appointment, SpaSettings.current()
    client = appointment.client
    subject, text = reminder_text(appointment, spa)
    try:
        if reminder.channel == Channel.EMAIL:
            detail = send_email(client.email, subject, text)
        else:
            phone = client.phones.order_by("-is_primary", "id").first()
            if phone is None:
                raise NotConfigured("no phone")
            detail = send_gateway(reminder.channel, phone.e164, text, spa)
    except NotConfigured as exc:
        _finish(reminder, ReminderStatus.SKIPPED, ok=False, detail=str(exc))
        return str(exc)
    except DeliveryFailed as exc:
        again = reminder.attempts < MAX_ATTEMPTS
        _finish(
            reminder,
            ReminderStatus.PENDING if again else ReminderStatus.FAILED,
            ok=False,
            detail=str(exc),
        )
        if again:
            raise RetryLater(str(exc)) from exc
        return str(exc)
    _finish(reminder, ReminderStatus.SENT, ok=True, detail=detail)
    return detail


def _finish(reminder: Reminder, status: str, *, ok: bool, detail: str) -> None:
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(
            status=status, sent_at=timezone.now() if ok else None, note=detail[:255]
        )
        DeliveryAttempt.objects.create(reminder=reminder, ok=ok, detail=detail[:500])


def reminders_due() -> list[int]:
    """Pending reminders whose time has come (the sweep's catch-up list)."""
    return list(
        Reminder.objects.filter(
            status=ReminderStatus.PENDING, due_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:500]
    )


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
                f"{a.client.given_name}  {', '.join(s.name for s in a.services.all())}"
                + (f"  ({a.room.name})" if a.room_id else "")
                for a in appointments
            ]
            subject = _("Your appointments on %(day)s") % {"day": day.strftime("%d/%m/%Y")}
        EmailMessage(subject=subject, body="\n".join(lines), to=[member.email]).send()
        sent += 1
    return sent
