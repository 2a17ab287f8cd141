"""Background jobs, run by the Huey worker (`manage.py run_huey`). Thin: they take ids
and call the reminder functions, which are safe to run twice."""

import contextlib

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from spa.accounts.models import SpaSettings
from spa.booking import reminders


@db_task(retries=reminders.MAX_ATTEMPTS, retry_delay=settings.REMINDER_RETRY_SECONDS)
def reminder_send(reminder_id: int) -> str:
    return reminders.reminder_deliver(reminder_id)


@db_periodic_task(crontab(minute="*"))
def reminders_sweep() -> int:
    """Catch-up: any due reminder whose scheduled task was lost (a worker restart with
    in-memory storage, say) goes out within a minute."""
    due = reminders.reminders_due()
    for reminder_id in due:
        # A failure is recorded; the next sweep or the task's own retry tries again.
        with contextlib.suppress(reminders.RetryLater):
            reminders.reminder_deliver(reminder_id)
    return len(due)


@db_periodic_task(crontab(minute="0"))
def agendas_hourly() -> int:
    """At the spa's agenda hour, email staff their next day's appointments."""
    if timezone.localtime().hour != SpaSettings.current().agenda_hour:
        return 0
    return reminders.agendas_send()
