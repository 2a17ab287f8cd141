"""Background jobs of client care, run by the Huey worker: thin, they take ids and call
spa.care.surveys, which is safe to run twice."""

import contextlib

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from spa.care import surveys


@db_task(retries=surveys.MAX_ATTEMPTS, retry_delay=settings.REMINDER_RETRY_SECONDS)
def survey_send(invite_id: int) -> str:
    return surveys.survey_deliver(invite_id)


@db_periodic_task(crontab(minute="*"))
def surveys_sweep() -> int:
    """Catch-up: a due survey whose scheduled task was lost, or whose worker died
    mid-send (lease run out), goes out within a minute."""
    due = surveys.surveys_due()
    for invite_id in due:
        with contextlib.suppress(surveys.RetryLater):
            surveys.survey_deliver(invite_id)
    return len(due)


@db_task()
def survey_plan(session_id: int) -> None:
    surveys.survey_plan(session_id=session_id)
