"""Marks left by writes, in their own transaction: which rollup buckets to recompute.

Services that change invoices, payments, sessions or appointments call `day_touch`;
every audited change of a client marks the client (spa.audit.services.audit_record).
After the commit the worker is asked to refresh; a report refreshes whatever is still
marked before it reads, so it never shows a sum older than the last committed write.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from spa.reports.models import ClientMark, DayMark


def _local_day(when: date | datetime) -> date:
    if isinstance(when, datetime):
        return timezone.localdate(when) if timezone.is_aware(when) else when.date()
    return when


def _refresh_soon() -> None:
    # Each write asks once; a refresh that finds nothing marked costs one query.
    def enqueue() -> None:
        from spa.reports.tasks import rollups_refresh_task

        rollups_refresh_task()

    transaction.on_commit(enqueue)


def day_touch(*, branch_id: int, when: date | datetime) -> None:
    """The branch's day of `when` has new or changed sales, sessions or appointments."""
    DayMark.objects.create(branch_id=branch_id, day=_local_day(when))
    _refresh_soon()


def days_touch(buckets: set[tuple[int, date]]) -> None:
    """Many (branch id, local day) buckets at once (imports, erasures)."""
    DayMark.objects.bulk_create(DayMark(branch_id=b, day=d) for b, d in buckets)
    if buckets:
        _refresh_soon()


def clients_touch(client_ids) -> None:
    """These clients' records, visits or money changed."""
    ids = {int(i) for i in client_ids if i}
    ClientMark.objects.bulk_create(ClientMark(client_id=i) for i in ids)
    if ids:
        _refresh_soon()
