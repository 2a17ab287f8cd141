from django import template

from spa.booking.models import duration_label

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """Minutes as people say them: '30 min', '2 h', '3 days'."""
    return duration_label(int(minutes or 0))


@register.simple_tag
def branch_closure(branch, day):
    """The closure that shuts `branch` on `day`, or None (for the calendar's notice)."""
    from spa.booking.selectors_schedule import branch_closure_on

    return branch_closure_on(branch, day) if branch is not None and day else None
