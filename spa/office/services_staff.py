"""Writes of the staff settings pages: a colleague's account, password, the services they
perform, working hours and time off. Each writes its settings-history entry."""

from datetime import datetime, time

from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from spa.accounts.models import Role, User
from spa.booking.models import Shift, StaffService, TimeOff, Weekday
from spa.core import access
from spa.office.audit import record_settings_change, snapshot


def staff_save(*, actor, staff: User, password: str | None = None) -> User:
    """Save a colleague built by the staff form; a new one gets `password` (hashed).
    The caller records the settings change, inside its transaction."""
    if staff.role not in access.roles_assignable_by(actor):
        raise PermissionDenied
    if staff.role == Role.OWNER:
        staff.branch = None
    if staff.pk is None:
        staff.set_password(password)
    staff.save()
    return staff


def staff_password_reset(*, actor, staff: User, password: str) -> User:
    """Give a colleague a new password (they must use it from now on: their open
    sessions end with the old password). The history says it was reset, not to what."""
    if not access.can_reset_password(actor, staff):
        raise PermissionDenied
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=staff.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        # A colleague locked out by wrong guesses can log in with the new password.
        AccessAttempt.objects.filter(username=locked.get_username()).delete()
        record_settings_change(
            actor=actor, obj=locked, before={"password": "—"}, after={"password": "reset"}
        )
    return locked


def staff_services_set(*, actor, staff: User, services) -> None:
    """Record the services a technician performs (none: every service)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=staff.pk)
        rows = StaffService.objects.filter(staff=locked).select_related("service")
        before = {"services": sorted(r.service.name for r in rows)}
        wanted = {s.pk for s in services}
        rows.exclude(service_id__in=wanted).delete()
        have = set(StaffService.objects.filter(staff=locked).values_list("service_id", flat=True))
        StaffService.objects.bulk_create(
            StaffService(staff=locked, service_id=pk) for pk in sorted(wanted - have)
        )
        after = {"services": sorted(s.name for s in services)}
        record_settings_change(actor=actor, obj=locked, before=before, after=after)


def _span(start: time, end: time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def week_problems(week: dict[int, list[tuple[time, time]]]) -> list[str]:
    """What is wrong with a week of working hours, in the user's language."""
    problems = []
    for day, spans in sorted(week.items()):
        label = Weekday(day).label
        for start, end in spans:
            if end <= start:
                problems.append(
                    _("%(day)s: %(span)s ends before it starts.")
                    % {"day": label, "span": _span(start, end)}
                )
        ordered = sorted(s for s in spans if s[1] > s[0])
        for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
            if s2 < e1:
                problems.append(
                    _("%(day)s: %(first)s and %(second)s overlap.")
                    % {"day": label, "first": _span(s1, e1), "second": _span(s2, e2)}
                )
    return problems


def _week_state(staff: User) -> dict:
    spans: dict[int, list[str]] = {}
    for shift in Shift.objects.filter(staff=staff).order_by("weekday", "start"):
        spans.setdefault(shift.weekday, []).append(_span(shift.start, shift.end))
    return {
        f"hours_{day}": ", ".join(spans[day]) if day in spans else None for day in Weekday.values
    }


def shifts_set(*, actor, staff: User, week: dict[int, list[tuple[time, time]]]) -> None:
    """Replace a colleague's working hours: several spans a weekday, the breaks are the
    gaps. Raises ValidationError on a span that ends before it starts or an overlap."""
    problems = week_problems(week)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=staff.pk)
        before = _week_state(locked)
        Shift.objects.filter(staff=locked).delete()
        Shift.objects.bulk_create(
            Shift(staff=locked, weekday=day, start=start, end=end)
            for day, spans in sorted(week.items())
            for start, end in sorted(spans)
        )
        record_settings_change(actor=actor, obj=locked, before=before, after=_week_state(locked))


def time_off_add(*, actor, staff: User, start: datetime, end: datetime, reason: str) -> TimeOff:
    """A day off, leave or a one-off break: no booking and no free slot in it."""
    if end <= start:
        raise ValidationError(_("The time off must end after it starts."))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=staff.pk)
        row = TimeOff.objects.create(staff=locked, start=start, end=end, reason=reason.strip())
        record_settings_change(actor=actor, obj=row, before={})
    return row


def time_off_remove(*, actor, time_off: TimeOff) -> None:
    """Take back time off entered by mistake (the history keeps what it was)."""
    with transaction.atomic():
        locked = TimeOff.objects.select_for_update().select_related("staff").get(pk=time_off.pk)
        before = snapshot(locked)
        record_settings_change(actor=actor, obj=locked, before=before, after={})
        locked.delete()
