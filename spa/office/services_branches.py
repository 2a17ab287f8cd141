"""Writes of the branch settings pages: opening hours and closures. Each writes its
settings-history entry (the branch's details go through the generic section)."""

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from spa.accounts.models import Branch
from spa.booking.models import Closure, OpeningHours, Weekday
from spa.office.audit import record_settings_change, snapshot

CLOSED = "closed"  # the value the history shows (labelled) for a closed weekday


def _hours_state(branch: Branch) -> dict:
    rows = {r.weekday: r for r in OpeningHours.objects.filter(branch=branch)}
    state = {}
    for day in Weekday.values:
        row = rows.get(day)
        if row is None:
            state[f"opening_{day}"] = None
        elif row.opens is None:
            state[f"opening_{day}"] = CLOSED
        else:
            state[f"opening_{day}"] = f"{row.opens:%H:%M}–{row.closes:%H:%M}"
    return state


def opening_hours_set(*, actor, branch: Branch, week: dict[int, tuple[time, time] | None]) -> None:
    """Set a branch's opening hours for all seven weekdays (None: closed that day)."""
    problems = [
        _("%(day)s: closing time must be after opening time.") % {"day": Weekday(day).label}
        for day, span in sorted(week.items())
        if span is not None and span[1] <= span[0]
    ]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Branch.objects.select_for_update().get(pk=branch.pk)
        before = _hours_state(locked)
        for day in Weekday.values:
            span = week.get(day)
            OpeningHours.objects.update_or_create(
                branch=locked, weekday=day,
                defaults={"opens": span[0] if span else None, "closes": span[1] if span else None},
            )  # fmt: skip
        record_settings_change(actor=actor, obj=locked, before=before, after=_hours_state(locked))


def closure_add(*, actor, branch: Branch, first_day: date, last_day: date, reason: str) -> Closure:
    """Close a branch for whole days (a holiday, works): no booking, no free slot."""
    if last_day < first_day:
        raise ValidationError(_("The last day must not be before the first."))
    with transaction.atomic():
        locked = Branch.objects.select_for_update().get(pk=branch.pk)
        closure = Closure.objects.create(
            branch=locked, first_day=first_day, last_day=last_day, reason=reason.strip()
        )
        record_settings_change(actor=actor, obj=closure, before={})
    return closure


def closure_remove(*, actor, closure: Closure) -> None:
    """Reopen days closed by mistake (the history keeps what the closure was)."""
    with transaction.atomic():
        locked = Closure.objects.select_for_update().select_related("branch").get(pk=closure.pk)
        record_settings_change(actor=actor, obj=locked, before=snapshot(locked), after={})
        locked.delete()
