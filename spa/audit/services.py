from typing import Any

from django.db import connection, transaction

from spa.audit.models import AccessEntry, AuditEntry


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
    """Append one entry to the audit history (call inside the change's transaction).

    An entry about a client also marks them for the reports' rollups: every change to a
    client's record is audited, so none can leave their figures behind."""
    if client_id:
        from spa.reports.marks import clients_touch

        clients_touch([client_id])
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        client_id=client_id,
        summary=summary[:255],
        changes=changes or {},
        sensitive_changes=sensitive_changes or None,
    )


def audit_record_many(entries, *, batch_size: int = 1000) -> list[AuditEntry]:
    """Append many entries at once (imports); their clients are marked as in audit_record."""
    from spa.reports.marks import clients_touch

    entries = list(entries)
    clients_touch(e.client_id for e in entries)
    return AuditEntry.objects.bulk_create(entries, batch_size=batch_size)


def access_record(*, viewer, client_id: int, kinds) -> None:
    """Log that `viewer` read `kinds` (AccessKind values) of one client's record, in one
    INSERT. Only staff reads are logged: an anonymous visitor, an inactive account or the
    client themselves (the portal calls without a staff user) leave nothing. Call it
    after the access checks passed, so a refused request is never logged as a read."""
    access_record_many(viewer=viewer, client_ids=[client_id], kinds=kinds)


def access_record_many(*, viewer, client_ids, kinds, batch_size: int = 2000) -> int:
    """Log reads of many clients at once (one entry per client and kind, bulk inserted):
    an export logs each exported client. Returns the number of entries written."""
    from spa.core import access

    if not access.read_is_logged(viewer):
        return 0
    if isinstance(kinds, str):
        kinds = [kinds]
    role, branch_id = viewer.role, viewer.branch_id
    entries = [
        AccessEntry(client_id=client_id, actor_id=viewer.pk, role=role, branch_id=branch_id, kind=kind)
        for client_id in client_ids
        for kind in kinds
    ]  # fmt: skip
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A read's log entry alone need not wait for the disk flush (~5-10 ms on a busy
        # machine, most of a profile page's budget): the commit is asynchronous for this
        # transaction only. A PostgreSQL crash can lose the last fraction of a second of
        # entries (never half a row); inside a caller's transaction (an export) the
        # caller's commit is left as it is.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            AccessEntry.objects.bulk_create(entries, batch_size=batch_size)
    else:
        AccessEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)
