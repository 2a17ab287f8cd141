from django import template

from spa.booking.models import duration_label

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """Minutes as people say them: '30 min', '2 h', '3 days'."""
    return duration_label(int(minutes or 0))
