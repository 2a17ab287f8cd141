"""Writes of the appointment book. No double booking: every appointment holds its
technician, room and machine for its time, and the database refuses overlapping holds."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.accounts.models import Role, SpaSettings, User
from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    Reminder,
    ReminderReason,
    ReminderStatus,
    Series,
    SlotHold,
    Source,
    Status,
)
from spa.booking.selectors import staff_is_working
from spa.booking.selectors_schedule import branch_open_problem, performing, performs_all
from spa.catalog.models import Resource, ResourceKind, Service
from spa.clients.models import CareReason, Channel, Client
from spa.clients.selectors import client_current_consents
from spa.clients.services import care_link_add
from spa.reports.marks import day_touch, days_touch


class SlotTaken(Exception):
    """The technician, room or machine is not free (or not working) at that time."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Booking:
    client: Client
    branch: object
    services: list[Service]
    start: datetime
    technician: User | None = None  # None: any free technician
    notes: str = ""
    source: str = Source.DESK
    package: object | None = None
    online_name: str = ""  # the name typed on the public booking page


def duration_of(services) -> timedelta:
    return timedelta(minutes=sum(s.duration_minutes for s in services) or 30)


def _overlapping(holders: list[str], start, end, exclude_appointment=None):
    qs = SlotHold.objects.filter(active=True, holder__in=holders, start__lt=end, end__gt=start)
    if exclude_appointment is not None:
        qs = qs.exclude(appointment=exclude_appointment)
    return set(qs.values_list("holder", flat=True))


def _technicians_for(branch, start, end, wanted: User | None, services=()) -> list[User]:
    """Who may take the booking: the chosen technician, or every active technician of
    the branch who performs all the services. Raises SlotTaken when the chosen one no
    longer works here or does not perform them."""
    if wanted is not None:
        if not wanted.is_active:
            raise SlotTaken(_("%(name)s no longer works here.") % {"name": wanted.display_name})
        if not performs_all(wanted, services):
            raise SlotTaken(
                _("%(name)s does not perform these services.") % {"name": wanted.display_name}
            )
        return [wanted]
    technicians = User.objects.filter(branch=branch, role=Role.TECHNICIAN, is_active=True)
    return list(performing(technicians, services).order_by("id"))


def _pick_resource(branch, services, kind: str, start, end, exclude=None) -> Resource | None:
    if not any(kind in (s.resource_kinds or []) for s in services):
        return None
    allowed = Resource.objects.filter(branch=branch, kind=kind, is_active=True)
    listed = Resource.objects.filter(
        services__in=services, branch=branch, kind=kind, is_active=True
    )
    candidates = list(listed.distinct() if listed.exists() else allowed)
    busy = _overlapping([f"resource:{r.pk}" for r in candidates], start, end, exclude)
    for resource in candidates:
        if f"resource:{resource.pk}" not in busy:
            return resource
    raise SlotTaken(
        _("No room is free at that time.")
        if kind == ResourceKind.ROOM
        else _("No machine is free at that time.")
    )


def _hold(appointment: Appointment) -> None:
    """Take the appointment's holds; the database refuses an overlap (PostgreSQL) or
    the caller's write lock makes the check below final (SQLite)."""
    holders = [f"staff:{appointment.technician_id}"]
    holders += [f"resource:{r}" for r in (appointment.room_id, appointment.machine_id) if r]
    if _overlapping(holders, appointment.start, appointment.end, appointment):
        raise SlotTaken(_("This time is already taken."))
    try:
        with transaction.atomic():
            SlotHold.objects.bulk_create(
                SlotHold(
                    appointment=appointment, holder=h, start=appointment.start, end=appointment.end
                )
                for h in holders
            )
    except IntegrityError:
        raise SlotTaken(_("This time was just taken by another booking.")) from None


def _place(data: Booking, appointment: Appointment | None = None) -> Appointment:
    """Choose technician, room and machine for the booking and hold them."""
    end = data.start + duration_of(data.services)
    if data.start < timezone.now() - timedelta(minutes=5):
        raise SlotTaken(_("This time is in the past."))
    closed = branch_open_problem(data.branch, data.start, end)
    if closed:
        raise SlotTaken(closed)
    technicians = _technicians_for(data.branch, data.start, end, data.technician, data.services)
    last_error = (
        _("No technician is free at that time.")
        if technicians
        else _("No technician of this branch performs these services.")
    )
    for technician in technicians:
        if not staff_is_working(technician, data.start, end):
            last_error = _("%(name)s is not working at that time.") % {
                "name": technician.display_name
            }
            continue
        if _overlapping([f"staff:{technician.pk}"], data.start, end, appointment):
            last_error = _("%(name)s already has an appointment at that time.") % {
                "name": technician.display_name
            }
            continue
        room = _pick_resource(
            data.branch, data.services, ResourceKind.ROOM, data.start, end, appointment
        )
        machine = _pick_resource(
            data.branch, data.services, ResourceKind.MACHINE, data.start, end, appointment
        )
        target = appointment or Appointment(client=data.client, branch=data.branch)
        target.technician, target.room, target.machine = technician, room, machine
        target.start, target.end = data.start, end
        return target
    raise SlotTaken(last_error)


def appointment_book(*, actor, data: Booking, series: Series | None = None) -> Appointment:
    """Book one appointment; raises SlotTaken if the slot is not free."""
    with transaction.atomic():
        appointment = _place(data)
        appointment.notes, appointment.source, appointment.series = data.notes, data.source, series
        appointment.package = data.package
        appointment.created_by = actor if getattr(actor, "pk", None) else None
        # Staff booking is confirmed at once; an anonymous online booking waits for the
        # desk, and gives the technician no access to the profile until then.
        anonymous = data.source == Source.ONLINE
        appointment.confirmed_at = None if anonymous else timezone.now()
        appointment.online_name = data.online_name[:120]
        appointment.save()
        appointment.services.set(data.services)
        # Its day's appointments, and today's rebookings (a booking made after a session).
        days_touch({(data.branch.pk, timezone.localdate(appointment.start)),
                    (data.branch.pk, timezone.localdate())})  # fmt: skip
        _hold(appointment)
        if not anonymous:
            care_link_add(
                client=data.client, staff=appointment.technician, reason=CareReason.BOOKED
            )
        reminders = _plan_reminders(appointment)
        audit_record(
            actor=actor, action=Action.APPOINTMENT, client_id=data.client.pk,
            summary=_summary(appointment, data.services),
            changes={"appointment": [None, _describe(appointment, data.services)]},
        )  # fmt: skip
    _schedule(reminders)
    return appointment


def appointment_reschedule(
    *, actor, appointment: Appointment, start: datetime, technician: User | None
) -> Appointment:
    """Move an appointment to a new time (and technician); its reminders follow."""
    services = list(appointment.services.all())
    before = _describe(appointment, services)
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != Status.BOOKED:
            raise SlotTaken(_("Only a booked appointment can be moved."))
        day_touch(branch_id=locked.branch_id, when=locked.start)
        SlotHold.objects.filter(appointment=locked).update(active=False)
        _place(Booking(client=locked.client, branch=locked.branch, services=services, start=start,
                       technician=technician), appointment=locked)  # fmt: skip
        locked.save()
        day_touch(branch_id=locked.branch_id, when=locked.start)
        SlotHold.objects.filter(appointment=locked).delete()
        _hold(locked)
        if locked.confirmed_at is not None:
            care_link_add(client=locked.client, staff=locked.technician, reason=CareReason.BOOKED)
        locked.reminders.exclude(status=ReminderStatus.SENT).delete()
        reminders = _plan_reminders(locked)
        audit_record(
            actor=actor, action=Action.APPOINTMENT, client_id=locked.client_id,
            summary=_("Moved: %(summary)s") % {"summary": _summary(locked, services)},
            changes={"appointment": [before, _describe(locked, services)]},
        )  # fmt: skip
    _schedule(reminders)
    return locked


def _set_status(
    actor, appointment: Appointment, status: str, allowed_from, reason: str = ""
) -> Appointment:
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in allowed_from:
            raise ValueError(f"cannot go from {locked.status} to {status}")
        old = locked.status
        locked.status = status
        if reason:
            locked.cancel_reason = reason
        locked.save(update_fields=["status", "cancel_reason"])
        days_touch({(locked.branch_id, timezone.localdate(locked.start)),
                    (locked.branch_id, timezone.localdate(locked.created_at))})  # fmt: skip
        if status in (Status.CANCELLED, Status.NO_SHOW):
            SlotHold.objects.filter(appointment=locked).update(active=False)
            locked.reminders.filter(status=ReminderStatus.PENDING).update(
                status=ReminderStatus.SKIPPED,
                reason=ReminderReason.CANCELLED
                if status == Status.CANCELLED
                else ReminderReason.NO_SHOW,
            )
        audit_record(
            actor=actor, action=Action.APPOINTMENT, client_id=locked.client_id,
            summary=f"#{locked.pk} {old} -> {status}" + (f": {reason}" if reason else ""),
            changes={"appointment_status": [old, status], **({"reason": [None, reason]} if reason else {})},
        )  # fmt: skip
    return locked


def appointment_cancel(*, actor, appointment, reason: str) -> Appointment:
    """Cancel with a reason; the slot is free again and no reminder goes out."""
    if not reason.strip():
        raise ValueError("a reason is required")
    return _set_status(actor, appointment, Status.CANCELLED, (Status.BOOKED,), reason.strip())


def appointment_confirm(*, actor, appointment) -> Appointment:
    """Staff confirm an online booking with the client: from now on it is an ordinary
    appointment, and its technician may open the client's profile."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in ACTIVE_STATUSES:
            raise ValueError("only an active appointment can be confirmed")
        if locked.confirmed_at is not None:
            return locked
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_at"])
        care_link_add(client=locked.client, staff=locked.technician, reason=CareReason.BOOKED)
        audit_record(
            actor=actor, action=Action.APPOINTMENT, client_id=locked.client_id,
            summary=_("Online booking confirmed: %(summary)s")
            % {"summary": _summary(locked, list(locked.services.all()))},
            changes={"appointment_confirmed": [None, locked.online_name or True]},
        )  # fmt: skip
    return locked


def appointment_check_in(*, actor, appointment) -> Appointment:
    """The client is here; an online booking is confirmed by it."""
    with transaction.atomic():
        appointment_confirm(actor=actor, appointment=appointment)
        return _set_status(actor, appointment, Status.CHECKED_IN, (Status.BOOKED,))


def appointment_no_show(*, actor, appointment) -> Appointment:
    return _set_status(actor, appointment, Status.NO_SHOW, (Status.BOOKED,))


def appointment_complete(*, actor, appointment, session=None) -> Appointment:
    """Mark done (normally when its treatment session is logged)."""
    done = _set_status(actor, appointment, Status.COMPLETED, (Status.BOOKED, Status.CHECKED_IN))
    if session is not None:
        Appointment.objects.filter(pk=done.pk).update(session=session)
        done.session = session
    return done


@dataclass
class SeriesPlan:
    starts: list[datetime]
    conflicts: list[tuple[datetime, str]]


def series_plan(
    *, data: Booking, every_days: int, count: int | None = None, until=None
) -> SeriesPlan:
    """The dates of a recurring booking and, before anything is saved, which conflict."""
    starts, current = [], data.start
    limit = min(count or 52, 52)
    while len(starts) < limit and (until is None or current.date() <= until):
        starts.append(current)
        current += timedelta(days=every_days)
    conflicts = []
    for start in starts:
        try:
            _place(Booking(client=data.client, branch=data.branch, services=data.services,
                           start=start, technician=data.technician))  # fmt: skip
        except SlotTaken as taken:
            conflicts.append((start, taken.message))
    return SeriesPlan(starts=starts, conflicts=conflicts)


def series_book(
    *, actor, data: Booking, every_days: int, count: int | None = None, until=None
) -> list[Appointment]:
    """Book every date of a series, all or nothing; raises SlotTaken listing conflicts."""
    plan = series_plan(data=data, every_days=every_days, count=count, until=until)
    if plan.conflicts:
        raise SlotTaken(
            "; ".join(f"{timezone.localtime(s):%d/%m/%Y %H:%M}: {m}" for s, m in plan.conflicts)
        )
    booked = []
    with transaction.atomic():
        series = Series.objects.create(
            client=data.client, every_days=every_days, count=len(plan.starts), package=data.package,
            created_by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip
        for start in plan.starts:
            one = Booking(client=data.client, branch=data.branch, services=data.services, start=start,
                          technician=data.technician, notes=data.notes, source=Source.SERIES,
                          package=data.package)  # fmt: skip
            booked.append(appointment_book(actor=actor, data=one, series=series))
    return booked


# --- Reminders ------------------------------------------------------------------


def consented_channel(client: Client) -> tuple[str | None, str]:
    """The client's preferred channel if they consented to it, else (None, why not); the
    one rule for reminders and surveys (spa.care)."""
    if not client.preferred_channel:
        return None, ReminderReason.NO_CHANNEL
    consent = client_current_consents(client).get(client.preferred_channel)
    if consent is None or not consent.granted:
        return None, ReminderReason.NO_CONSENT
    if client.preferred_channel == Channel.EMAIL and not client.email:
        return None, ReminderReason.NO_EMAIL
    if client.preferred_channel in (Channel.PHONE, Channel.WECHAT):
        return None, ReminderReason.NOT_AUTOMATED
    return client.preferred_channel, ""


def _plan_reminders(appointment: Appointment) -> list[Reminder]:
    """Create the appointment's reminders; the ones that cannot go out are recorded
    as 'not sent' with the reason, so staff see why on the appointment. A reminder
    whose time has already passed when the booking is made is never sent late."""
    channel, why_not = consented_channel(appointment.client)
    now = timezone.now()
    pending = []
    for offset in SpaSettings.current().reminder_offsets or []:
        due = appointment.start - timedelta(minutes=int(offset))
        reminder = Reminder(
            appointment=appointment,
            offset_minutes=int(offset),
            channel=channel or appointment.client.preferred_channel or Channel.SMS,
            due_at=due,
            planned_at=now,
        )
        if channel is None:
            reminder.status, reminder.reason = ReminderStatus.SKIPPED, why_not
        elif due <= now:
            reminder.status, reminder.reason = ReminderStatus.SKIPPED, ReminderReason.TOO_LATE
        reminder.save()
        if reminder.status == ReminderStatus.PENDING:
            pending.append(reminder)
    return pending


def _schedule(reminders: list[Reminder]) -> None:
    """Queue each reminder for its time, once the booking is committed."""
    from spa.booking import tasks

    for reminder in reminders:
        transaction.on_commit(
            lambda r=reminder: tasks.reminder_send.schedule(args=(r.pk,), eta=r.due_at)
        )


def _describe(appointment: Appointment, services) -> dict:
    return {
        "start": timezone.localtime(appointment.start).strftime("%d/%m/%Y %H:%M"),
        "end": timezone.localtime(appointment.end).strftime("%H:%M"),
        "technician": appointment.technician.display_name,
        "room": str(appointment.room) if appointment.room_id else None,
        "machine": str(appointment.machine) if appointment.machine_id else None,
        "services": [s.name for s in services],
    }


def _summary(appointment: Appointment, services) -> str:
    when = timezone.localtime(appointment.start).strftime("%d/%m/%Y %H:%M")
    return f"#{appointment.pk} {when} {', '.join(s.name for s in services)} — {appointment.technician.display_name}"[
        :255
    ]
