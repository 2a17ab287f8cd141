"""The incident's history as people read it: each change's fields labelled, values in
the reader's language (dates dd/mm/yyyy, statuses and categories by name)."""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from spa.privacy.models import Audience, DataCategory, DraftLanguage, Incident, IncidentStatus


def _labels() -> dict[str, str]:
    labels = {
        f.name: str(f.verbose_name)
        for f in Incident._meta.get_fields()
        if getattr(f, "verbose_name", None)
    }
    for audience, who in Audience.choices:
        for language, name in DraftLanguage.choices:
            labels[f"draft:{audience}:{language}"] = _("Notification to %(who)s (%(language)s)") % {
                "who": who,
                "language": name,
            }
    return labels


def _value(field: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if field.startswith("draft:"):
        return _("text of %(n)s characters") % {"n": len(value)}
    if field == "status":
        return str(dict(IncidentStatus.choices).get(value, value))
    if field == "categories":
        labels = dict(DataCategory.choices)
        return ", ".join(str(labels.get(c, c)) for c in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field in ("detected_at", "notified_at", "window_start", "window_end"):
        try:
            when = timezone.localtime(datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
        return formats.date_format(when, "SHORT_DATETIME_FORMAT")
    return str(value)


def change_rows(change) -> list[tuple[str, str, str]]:
    """[(label, old, new)] of one IncidentChange."""
    labels = _labels()
    return [
        (labels.get(field, field), _value(field, old), _value(field, new))
        for field, (old, new) in change.changes.items()
    ]
