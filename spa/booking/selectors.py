"""Reads of the appointment book: who works when, free slots, a branch's day."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from spa.accounts.models import Role, User
from spa.booking.models import ACTIVE_STATUSES, Appointment, Shift, SlotHold, Status, TimeOff
from spa.catalog.models import Resource, ResourceKind

STEP = timedelta(minutes=15)


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def staff_is_working(staff: User, start: datetime, end: datetime) -> bool:
    """A shift covers [start, end) on that day and no time off overlaps it."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    if local_start.date() != local_end.date() and local_end.time() != time(0, 0):
        return False
    covered = Shift.objects.filter(
        staff=staff, weekday=local_start.weekday(), start__lte=local_start.time(),
        end__gte=(local_end.time() if local_end.time() != time(0, 0) else time(23, 59, 59)),
    ).exists()  # fmt: skip
    if not covered:
        return False
    return not TimeOff.objects.filter(staff=staff, start__lt=end, end__gt=start).exists()


def branch_technicians(branch) -> list[User]:
    return list(
        User.objects.filter(branch=branch, role=Role.TECHNICIAN, is_active=True)
        .prefetch_related("shifts")
        .order_by("last_name", "first_name", "id")
    )


@dataclass
class FreeSlot:
    start: datetime
    technicians: list[User]


def _intervals_by(holder_rows) -> dict[str, list[tuple[datetime, datetime]]]:
    out: dict[str, list] = defaultdict(list)
    for holder, start, end in holder_rows:
        out[holder].append((start, end))
    return out


def _free(intervals, start, end) -> bool:
    return all(not (s < end and e > start) for s, e in intervals)


def free_slots(
    *, branch, services, first_day: date, days: int = 14, technician: User | None = None, step=STEP
) -> list[FreeSlot]:
    """Every start time in the window where the services fit a technician's working
    hours and the technician, a room and a machine (if needed) are all free.
    Five queries whatever the window; the rest is arithmetic."""
    duration = timedelta(minutes=sum(s.duration_minutes for s in services) or 30)
    techs = [technician] if technician else branch_technicians(branch)
    window_start = _local(first_day, time(0, 0))
    window_end = window_start + timedelta(days=days)
    shifts = defaultdict(list)
    for shift in Shift.objects.filter(staff__in=techs):
        shifts[(shift.staff_id, shift.weekday)].append(shift)
    off = defaultdict(list)
    for row in TimeOff.objects.filter(staff__in=techs, start__lt=window_end, end__gt=window_start):
        off[row.staff_id].append((row.start, row.end))
    needs = {k for s in services for k in (s.resource_kinds or [])}
    resources = {
        kind: list(
            Resource.objects.filter(branch=branch, kind=kind, is_active=True).values_list(
                "pk", flat=True
            )
        )
        for kind in (ResourceKind.ROOM, ResourceKind.MACHINE)
        if kind in needs
    }
    holders = [f"staff:{t.pk}" for t in techs] + [
        f"resource:{r}" for ids in resources.values() for r in ids
    ]
    busy = _intervals_by(
        SlotHold.objects.filter(
            active=True, holder__in=holders, start__lt=window_end, end__gt=window_start
        ).values_list("holder", "start", "end")
    )
    now = timezone.now()
    by_start: dict[datetime, list[User]] = {}
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for tech in techs:
            for shift in sorted(shifts.get((tech.pk, day.weekday()), []), key=lambda s: s.start):
                start, shift_end = _local(day, shift.start), _local(day, shift.end)
                while start + duration <= shift_end:
                    end = start + duration
                    if (
                        start >= now
                        and _free(busy.get(f"staff:{tech.pk}", []), start, end)
                        and _free(off.get(tech.pk, []), start, end)
                        and all(
                            any(_free(busy.get(f"resource:{r}", []), start, end) for r in ids)
                            for ids in resources.values()
                        )
                    ):
                        by_start.setdefault(start, []).append(tech)
                    start += step
    return [FreeSlot(start=s, technicians=by_start[s]) for s in sorted(by_start)]


@dataclass
class DayColumn:
    technician: User
    shifts: list[Shift]
    appointments: list[Appointment]


def branch_day(*, branch, day: date, only: User | None = None) -> list[DayColumn]:
    """One column per technician: their shifts and appointments that day (4 queries)."""
    techs = [only] if only else branch_technicians(branch)
    start = _local(day, time(0, 0))
    appointments = (
        Appointment.objects.filter(
            branch=branch, start__gte=start, start__lt=start + timedelta(days=1)
        )
        .select_related("client", "room", "machine")
        .prefetch_related("services")
        .order_by("start")
    )
    if only:
        appointments = appointments.filter(technician=only)
    by_tech = defaultdict(list)
    for appointment in appointments:
        by_tech[appointment.technician_id].append(appointment)
    shifts = defaultdict(list)
    for shift in Shift.objects.filter(staff__in=techs, weekday=day.weekday()).order_by("start"):
        shifts[shift.staff_id].append(shift)
    return [DayColumn(t, shifts.get(t.pk, []), by_tech.get(t.pk, [])) for t in techs]


def client_appointment_counts(client) -> dict[str, int]:
    """Appointments booked, attended, cancelled and missed, for the profile."""
    row = Appointment.objects.filter(client=client).aggregate(
        total=Count("id"),
        attended=Count("id", filter=Q(status=Status.COMPLETED)),
        cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
        no_show=Count("id", filter=Q(status=Status.NO_SHOW)),
    )
    return row


def client_upcoming(client, limit: int = 5) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            client=client, start__gte=timezone.now(), status__in=ACTIVE_STATUSES
        )
        .select_related("technician", "branch")
        .prefetch_related("services")[:limit]
    )


def appointment_for_user(user, appointment_id: int) -> Appointment | None:
    """An appointment, if its client is visible to the user."""
    from spa.clients.selectors import clients_visible_to

    return (
        Appointment.objects.filter(
            pk=appointment_id, client__in=clients_visible_to(user, include_merged=True)
        )
        .select_related("client", "branch", "technician", "room", "machine", "session")
        .prefetch_related("services", Prefetch("reminders__attempt_log"))
        .first()
    )
