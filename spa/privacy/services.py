"""Writes of the breach register. Every change to an incident goes through here and
leaves an IncidentChange (who, when, which fields old -> new) in the same transaction."""

from django.db import transaction
from django.utils import timezone

from spa.audit.services import changes_between
from spa.privacy.models import (
    Incident,
    IncidentChange,
    IncidentStatus,
    NotificationDraft,
)

FIELDS = [
    "title", "detected_at", "description", "categories", "clients_affected", "consequences",
    "measures", "contact", "status", "notified_at", "window_start", "window_end",
]  # fmt: skip
M2M = ["branches", "staff"]


def _value(value):
    if hasattr(value, "isoformat"):
        return timezone.localtime(value).isoformat(timespec="minutes")
    return value


def _snapshot(incident: Incident) -> dict:
    data = {name: _value(getattr(incident, name)) for name in FIELDS}
    if incident.pk:
        data["branches"] = sorted(b.name for b in incident.branches.all())
        data["staff"] = sorted(u.display_name for u in incident.staff.all())
    else:
        data["branches"], data["staff"] = [], []
    return data


def _apply(incident: Incident, fields: dict) -> None:
    for name in FIELDS:
        if name in fields:
            setattr(incident, name, fields[name])
    # Marking it notified without a time means "now"; the clock stops there.
    if incident.status == IncidentStatus.NOTIFIED and incident.notified_at is None:
        incident.notified_at = timezone.now()


def _set_m2m(incident: Incident, fields: dict) -> None:
    for name in M2M:
        if name in fields:
            getattr(incident, name).set(fields[name])


@transaction.atomic
def incident_create(*, actor, fields: dict) -> Incident:
    """Record a new incident (fields as the incident form cleans them)."""
    incident = Incident(created_by=actor)
    _apply(incident, fields)
    incident.save()
    _set_m2m(incident, fields)
    after = _snapshot(incident)
    IncidentChange.objects.create(
        incident=incident, actor=actor, created=True,
        changes={k: [None, v] for k, v in after.items() if v not in (None, "", [])},
    )  # fmt: skip
    return incident


@transaction.atomic
def incident_update(*, actor, incident: Incident, fields: dict) -> dict:
    """Change an incident; returns {field: [old, new]} (empty: nothing changed, nothing
    recorded)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = _snapshot(incident)
    _apply(incident, fields)
    incident.save()
    _set_m2m(incident, fields)
    changed = changes_between(before, _snapshot(incident))
    if changed:
        IncidentChange.objects.create(incident=incident, actor=actor, changes=changed)
    return changed


@transaction.atomic
def draft_save(*, actor, incident: Incident, audience: str, language: str, body: str):
    """Keep the staff's edit of a notification text (replacing an earlier edit)."""
    draft, created = NotificationDraft.objects.select_for_update().get_or_create(
        incident=incident, audience=audience, language=language,
        defaults={"body": body, "edited_by": actor},
    )  # fmt: skip
    old = None if created else draft.body
    if not created and draft.body != body:
        draft.body, draft.edited_by = body, actor
        draft.save()
    if old != body:
        IncidentChange.objects.create(
            incident=incident, actor=actor,
            changes={f"draft:{audience}:{language}": [old, body]},
        )  # fmt: skip
    return draft


@transaction.atomic
def draft_reset(*, actor, incident: Incident, audience: str, language: str) -> bool:
    """Drop the staff's edit: the generated text is used again."""
    draft = NotificationDraft.objects.filter(
        incident=incident, audience=audience, language=language
    ).first()
    if draft is None:
        return False
    IncidentChange.objects.create(
        incident=incident, actor=actor, changes={f"draft:{audience}:{language}": [draft.body, None]}
    )
    draft.delete()
    return True
