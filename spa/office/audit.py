"""Every change made on a settings page leaves an audit entry: who, when, which fields,
old -> new. Values are stored as people read them tomorrow too: a related record by its
name (it may be renamed later, the entry keeps what it was), a list of records as names,
a choice as its code (labelled in the reader's language when shown)."""

import hashlib
import hmac
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import models

from spa.audit.models import Action, AuditEntry
from spa.audit.services import changes_between

SKIP = {"id", "password", "last_login", "created_at", "updated_at", "created_by"}
# What a secret (gateway token, SMTP password) leaves in the history: never its value.
SECRET_WAS = "••••"
SECRET_CHANGED = "__secret_changed__"
_FINGERPRINT = "secret:"


def is_secret(field) -> bool:
    from spa.core.crypto import EncryptedField

    return isinstance(field, EncryptedField) or field.name.endswith(("_token", "password"))


def _fingerprint(value) -> str:
    """Tells a change of a secret without keeping it (keyed, so it cannot be guessed)."""
    if value in (None, ""):
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), str(value).encode(), hashlib.sha256)
    return _FINGERPRINT + digest.hexdigest()[:16]


def subject_of(obj) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """The editable state of `obj` (and its many-to-many lists once it has a pk)."""
    if obj is None:
        return {}
    state = {}
    for field in obj._meta.get_fields():
        if fields is not None and field.name not in fields:
            continue
        if (
            field.name in SKIP
            or field.auto_created
            or not field.concrete
            and not field.many_to_many
        ):
            continue
        if getattr(field, "editable", True) is False and fields is None:
            continue
        if field.many_to_many:
            if obj.pk is None:
                continue
            state[field.name] = sorted(str(o) for o in getattr(obj, field.name).all())
        elif field.is_relation:
            state[field.name] = (
                str(getattr(obj, field.name)) if getattr(obj, field.attname) else None
            )
        elif is_secret(field):
            state[field.name] = _fingerprint(getattr(obj, field.attname))
        else:
            state[field.name] = _plain(getattr(obj, field.attname))
    return state


def _hide_secrets(changes: dict) -> dict:
    for key, (old, new) in list(changes.items()):
        if any(isinstance(v, str) and v.startswith(_FINGERPRINT) for v in (old, new)):
            changes[key] = [SECRET_WAS if old else None, SECRET_CHANGED if new else None]
    return changes


def record_settings_change(
    *,
    actor,
    obj,
    before: dict,
    after: dict | None = None,
) -> AuditEntry | None:
    """Append the entry for one settings change (call inside the change's transaction).

    `before` is the snapshot taken before the change ({} for a new record); `after`
    defaults to a fresh snapshot of `obj`. Nothing is written when nothing changed."""
    after = snapshot(obj) if after is None else after
    changes = _hide_secrets(changes_between(before, after))
    if not changes and before:
        return None
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=Action.SETTINGS,
        client_id=None,
        subject=subject_of(obj)[:80],
        summary=str(obj)[:255],
        changes=changes,
    )
