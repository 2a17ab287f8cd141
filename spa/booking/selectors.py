"""Reads of the appointment book: who works when, free slots, a branch's day."""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from spa.accounts.models import Role, User
from spa.booking.models import ACTIVE_STATUSES, Appointment, Shift, SlotHold, Status, TimeOff
from spa.booking.selectors_schedule import branch_days, clip, performing, performs_all
from spa.catalog.models import Resource, ResourceKind, Service

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


def branch_technicians(branch, services=None) -> list[User]:
    """The branch's active technicians; with `services`, only those who perform them all."""
    technicians = User.objects.filter(branch=branch, role=Role.TECHNICIAN, is_active=True)
    if services:
        technicians = performing(technicians, services)
    return list(technicians.order_by("last_name", "first_name", "id"))


@dataclass
class FreeSlot:
    start: datetime
    technicians: list[User]


def _minutes(at: datetime, origin: datetime) -> int:
    return int((at - origin).total_seconds() // 60)


def _shift_minutes(shift: Shift) -> tuple[int, int]:
    return (shift.start.hour * 60 + shift.start.minute, shift.end.hour * 60 + shift.end.minute)


def _subtract(window: tuple[int, int], busy: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The free parts of `window` once the (sorted) busy intervals are taken out."""
    free, cursor = [], window[0]
    for start, end in busy:
        if end <= cursor or start >= window[1]:
            continue
        if start > cursor:
            free.append((cursor, min(start, window[1])))
        cursor = max(cursor, end)
        if cursor >= window[1]:
            break
    if cursor < window[1]:
        free.append((cursor, window[1]))
    return free


def _is_free(intervals: list[tuple[int, int]], ends: list[int], start: int, end: int) -> bool:
    """Sorted, non-overlapping intervals: is [start, end) clear of all of them?"""
    i = bisect_right(ends, start)
    return i == len(intervals) or intervals[i][0] >= end


def free_slots(
    *, branch, services, first_day: date, days: int = 14, technician: User | None = None, step=STEP
) -> list[FreeSlot]:
    """Every start time in the window where the services fit a technician's working
    hours inside the branch's opening hours (never on a closure day), the technician
    performs the services, and they, a room and a machine (if needed) are all free.

    Eight queries whatever the window; then, per technician and day, working hours minus
    busy time gives free intervals and the start times are counted out of them, so the
    cost follows the number of free slots, not of checks."""
    duration = int(
        (timedelta(minutes=sum(s.duration_minutes for s in services) or 30)).total_seconds() // 60
    )
    step_min = int(step.total_seconds() // 60)
    if technician is not None:
        performs = technician.is_active and performs_all(technician, services)
        techs = [technician] if performs else []
    else:
        techs = branch_technicians(branch, services)
    opening = branch_days(branch, first_day, days)
    origin = _local(first_day, time(0, 0))
    window_end = origin + timedelta(days=days)
    shifts = defaultdict(list)
    for shift in Shift.objects.filter(staff__in=techs):
        shifts[(shift.staff_id, shift.weekday)].append(shift)
    busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row in TimeOff.objects.filter(staff__in=techs, start__lt=window_end, end__gt=origin):
        busy[f"staff:{row.staff_id}"].append(
            (_minutes(row.start, origin), _minutes(row.end, origin))
        )
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
    for holder, start, end in SlotHold.objects.filter(
        active=True, holder__in=holders, start__lt=window_end, end__gt=origin
    ).values_list("holder", "start", "end"):
        busy[holder].append((_minutes(start, origin), _minutes(end, origin)))
    for intervals in busy.values():
        intervals.sort()
    resource_index = {
        kind: [
            (busy.get(f"resource:{r}", []), [e for _s, e in busy.get(f"resource:{r}", [])])
            for r in ids
        ]
        for kind, ids in resources.items()
    }
    earliest = max(0, -(-_minutes(timezone.now(), origin) // step_min) * step_min)
    by_start: dict[int, list[User]] = defaultdict(list)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if not opening[day].is_open:
            continue
        day_origin = _minutes(_local(day, time(0, 0)), origin)  # DST-proof day start
        for tech in techs:
            staff_busy = busy.get(f"staff:{tech.pk}", [])
            for shift in shifts.get((tech.pk, day.weekday()), []):
                inside = clip(_shift_minutes(shift), opening[day].window)
                if inside is None:
                    continue
                window = (day_origin + inside[0], day_origin + inside[1])
                for free_start, free_end in _subtract(window, staff_busy):
                    first = max(free_start, earliest)
                    first = day_origin + -(-(first - day_origin) // step_min) * step_min
                    for start in range(first, free_end - duration + 1, step_min):
                        if resource_index and not all(
                            any(_is_free(iv, ends, start, start + duration) for iv, ends in options)
                            for options in resource_index.values()
                        ):
                            continue
                        by_start[start].append(tech)
    return [
        FreeSlot(start=origin + timedelta(minutes=m), technicians=by_start[m])
        for m in sorted(by_start)
    ]


@dataclass
class DayColumn:
    technician: User
    shifts: list[Shift]
    appointments: list[Appointment]


def branch_day(*, branch, day: date, only: User | None = None) -> list[DayColumn]:
    """One column per technician: their shifts (within the branch's opening hours, none
    on a closure day) and appointments that day (6 queries).

    A busy branch has hundreds of appointments a day: only the columns the calendar
    shows are loaded, and service names come from one small query, not per appointment."""
    techs = [only] if only else branch_technicians(branch)
    start = _local(day, time(0, 0))
    appointments = (
        Appointment.objects.filter(branch=branch, start__gte=start, start__lt=start + timedelta(days=1))
        .select_related("client", "room")
        .only(
            "id", "start", "end", "status", "technician_id", "client_id", "room_id", "confirmed_at", "online_name",
            "client__full_name", "client__given_name", "room__name",
        )
        .order_by("start")
    )  # fmt: skip
    if only:
        appointments = appointments.filter(technician=only)
    appointments = list(appointments)
    names = dict(Service.objects.values_list("id", "name"))
    links = defaultdict(list)
    for appointment_id, service_id in Appointment.services.through.objects.filter(
        appointment_id__in=[a.pk for a in appointments]
    ).values_list("appointment_id", "service_id"):
        links[appointment_id].append(names.get(service_id, ""))
    by_tech = defaultdict(list)
    for appointment in appointments:
        appointment.service_names = ", ".join(links.get(appointment.pk, []))
        by_tech[appointment.technician_id].append(appointment)
    shifts = defaultdict(list)
    opening = branch_days(branch, day, 1)[day]
    for shift in Shift.objects.filter(staff__in=techs, weekday=day.weekday()).order_by("start"):
        inside = clip(_shift_minutes(shift), opening.window)
        if inside is None:
            continue
        if inside != _shift_minutes(shift):
            # Shown as worked: the part of the shift the branch is open for.
            shift = Shift(pk=shift.pk, staff_id=shift.staff_id, weekday=shift.weekday,
                          start=time(*divmod(inside[0], 60)), end=time(*divmod(inside[1], 60)))  # fmt: skip
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
