"""Reads of the audit app: the "who looked at this record" log of a client."""

from dataclasses import dataclass
from datetime import datetime

from spa.accounts.models import Role
from spa.audit.models import AccessEntry, AccessKind


@dataclass(frozen=True)
class AccessRow:
    """One read of a client's record, as a client or a manager may see it: the reader by
    role and first name only (never a username or a full name), their branch, what, when."""

    id: int
    at: datetime
    kind: str
    kind_label: str
    role_label: str
    first_name: str
    branch_name: str


def access_log_for_client(
    client_id: int, before_id: int | None = None, limit: int = 50
) -> list[AccessRow]:
    """The client's access log, newest first, `limit` rows older than `before_id` (keyset:
    pass the last row's id for the next page). The client portal (issue 14, item 1) shows
    this too, so it names readers by role and first name only. Served by the index
    (client_id, -id) whatever the log's size."""
    qs = AccessEntry.objects.filter(client_id=client_id)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    qs = (
        qs.select_related("actor", "branch")
        .only("id", "at", "kind", "role", "actor__first_name", "branch__name")
        .order_by("-id")[: max(0, limit)]
    )
    roles = dict(Role.choices)
    kinds = dict(AccessKind.choices)
    return [
        AccessRow(
            id=e.id, at=e.at, kind=e.kind, kind_label=str(kinds.get(e.kind, "")),
            role_label=str(roles.get(e.role, "")), first_name=e.actor.first_name if e.actor else "",
            branch_name=e.branch.name if e.branch else "",
        )
        for e in qs
    ]  # fmt: skip
