"""The nightly backup and its restore drill, run by the Huey worker: a minute tick starts
them once the owner's time has passed (spa.backups.services.nightly_due); the run's row,
written as it starts, keeps the next ticks from starting another."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from spa.backups import services


@db_periodic_task(crontab(minute="*"))
def backups_tick() -> str:
    if not services.nightly_due():
        return "not due"
    run = services.run_backup(nightly=True)
    if not run.ok:
        return f"backup failed: {run.detail}"
    drill = services.run_drill(run.name)
    return f"backup {run.name}, drill {'ok' if drill.ok else 'failed'}"
