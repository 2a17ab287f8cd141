"""Reads of when a branch is open and who performs what: opening hours, closures and
the services each technician performs. The booking selectors and services build on
these, so a free slot, the calendar and a booking made at the desk agree."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from spa.booking.models import Closure, OpeningHours, StaffService, Weekday

WHOLE_DAY = (0, 24 * 60)


@dataclass(frozen=True)
class DayHours:
    """A branch's hours on one date: `window` in minutes from midnight (None: closed),
    and the closure that shuts it, if that is why."""

    day: date
    window: tuple[int, int] | None
    closure: Closure | None = None

    @property
    def is_open(self) -> bool:
        return self.window is not None


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def branch_week_hours(branch) -> dict[int, tuple[int, int] | None] | None:
    """{weekday: (opens, closes) in minutes, or None when closed}; None when the branch
    has not set its opening hours (then it is open all day, every day)."""
    rows = list(OpeningHours.objects.filter(branch=branch))
    if not rows:
        return None
    hours = {day: None for day in Weekday.values}
    for row in rows:
        if row.opens is not None:
            hours[row.weekday] = (_minutes(row.opens), _minutes(row.closes))
    return hours


def branch_closures(branch, first_day: date, last_day: date) -> list[Closure]:
    """The closures of `branch` that touch [first_day, last_day]."""
    return list(
        Closure.objects.filter(branch=branch, first_day__lte=last_day, last_day__gte=first_day)
    )


def branch_days(branch, first_day: date, days: int) -> dict[date, DayHours]:
    """The branch's hours on each date of the window (two queries)."""
    week = branch_week_hours(branch)
    last_day = first_day + timedelta(days=days - 1)
    closures = branch_closures(branch, first_day, last_day)
    out = {}
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        closure = next((c for c in closures if c.first_day <= day <= c.last_day), None)
        if closure is not None:
            out[day] = DayHours(day, None, closure)
        else:
            out[day] = DayHours(day, WHOLE_DAY if week is None else week[day.weekday()])
    return out


def branch_closure_on(branch, day: date) -> Closure | None:
    return Closure.objects.filter(branch=branch, first_day__lte=day, last_day__gte=day).first()


def branch_open_problem(branch, start: datetime, end: datetime) -> str | None:
    """Why the branch cannot take a booking for [start, end), in the user's language;
    None when it is open all that time."""
    from django.utils.translation import gettext as _

    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    day = local_start.date()
    hours = branch_days(branch, day, 1)[day]
    if hours.closure is not None:
        return _("The branch is closed on %(day)s: %(reason)s.") % {
            "day": day.strftime("%d/%m/%Y"),
            "reason": hours.closure.reason,
        }
    if hours.window is None:
        return _("The branch is closed on %(weekday)s.") % {"weekday": Weekday(day.weekday()).label}
    if hours.window == WHOLE_DAY:
        return None
    end_minutes = (
        24 * 60
        if local_end.date() > day and local_end.time() == time(0, 0)
        else (_minutes(local_end.time()) if local_end.date() == day else 24 * 60 + 1)
    )
    if _minutes(local_start.time()) < hours.window[0] or end_minutes > hours.window[1]:
        opens, closes = (f"{m // 60:02d}:{m % 60:02d}" for m in hours.window)
        return _("The branch is open from %(opens)s to %(closes)s that day.") % {
            "opens": opens,
            "closes": closes,
        }
    return None


def clip(window: tuple[int, int], to: tuple[int, int] | None) -> tuple[int, int] | None:
    """The part of `window` inside `to` (both in minutes), or None."""
    if to is None:
        return None
    start, end = max(window[0], to[0]), min(window[1], to[1])
    return (start, end) if end > start else None


def performing(technicians: QuerySet, services) -> QuerySet:
    """The technicians (a User queryset) who perform every one of `services`; one with
    no services recorded performs them all."""
    wanted = {s.pk for s in services}
    if not wanted:
        return technicians
    return technicians.annotate(
        _skills=Count("performs", distinct=True),
        _matching=Count("performs", filter=Q(performs__service_id__in=wanted), distinct=True),
    ).filter(Q(_skills=0) | Q(_matching=len(wanted)))


def performs_all(technician, services) -> bool:
    """Does this technician perform every one of `services`?"""
    skills = set(StaffService.objects.filter(staff=technician).values_list("service_id", flat=True))
    return not skills or {s.pk for s in services} <= skills


def staff_service_ids(staff) -> list[int]:
    return list(StaffService.objects.filter(staff=staff).values_list("service_id", flat=True))
