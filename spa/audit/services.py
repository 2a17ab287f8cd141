from typing import Any

from spa.audit.models import AuditEntry


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [old, new]}."""
    changed = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changed[key] = [old, new]
    return changed


def audit_record(
    *,
    actor,
    action: str,
    client_id: int | None,
    summary: str = "",
    changes: dict | None = None,
    sensitive_changes: dict | None = None,
) -> AuditEntry:
    """Append one entry to the audit history (call inside the change's transaction)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        client_id=client_id,
        summary=summary[:255],
        changes=changes or {},
        sensitive_changes=sensitive_changes or None,
    )
