"""The worker's part of the rollups: refresh what writes marked, and the nightly pass
(RFM limits and every score, typical intervals, service pairs)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from spa.reports import rollups


@db_task()
def rollups_refresh_task() -> int:
    """Recompute every marked bucket; safe to run twice (the second finds nothing)."""
    return rollups.rollups_refresh()


@db_periodic_task(crontab(minute="*/5"))
def rollups_refresh_periodic() -> int:
    """A safety net: marks left while no worker ran are picked up within minutes."""
    return rollups.rollups_refresh()


@db_periodic_task(crontab(hour="20", minute="0"))  # 03:00 in Vietnam (UTC+7)
def rollups_nightly_task() -> None:
    """Rescore every client (recency moves with the calendar) and relearn intervals."""
    rollups.rollups_nightly()
