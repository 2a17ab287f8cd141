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


def _enqueue_refresh() -> None:
    from spa.reports.tasks import rollups_refresh_task

    rollups_refresh_task()


def _refresh_soon() -> None:
    # One task per transaction however many marks it leaves: Django keeps the pending
    # callbacks (and drops those of a rolled-back savepoint), so look there first.
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        entry[1] is _enqueue_refresh for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(_enqueue_refresh)


def day_touch(*, branch_id: int, when: date | datetime, sessions: bool = True) -> None:
    """The branch's day of `when` has new or changed sales, sessions or appointments
    (`sessions=False`: money only, the month's session figures stand)."""
    DayMark.objects.create(branch_id=branch_id, day=_local_day(when), sessions=sessions)
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
