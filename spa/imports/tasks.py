"""Background jobs of imports, run by the Huey worker: thin wrappers over services,
which hold a lease on the job so two workers never write the same import."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from spa.imports import services
from spa.imports.models import JobState


@db_task()
def import_analyse(job_id: int) -> str:
    return services.analyse(job_id)


@db_task()
def import_commit(job_id: int) -> str:
    return services.commit(job_id)


@db_periodic_task(crontab(minute="*"))
def imports_sweep() -> int:
    """A worker killed mid-import lets its lease lapse; the job is taken up again here,
    from the first batch it had not finished."""
    stalled = services.jobs_stalled()
    for job_id, state in stalled:
        if state == JobState.ANALYSING:
            services.analyse(job_id)
        else:
            services.commit(job_id)
    return len(stalled)


@db_periodic_task(crontab(minute="17", hour="3"))
def imports_purge() -> int:
    """Uploaded files hold health data: deleted once their retention period is over."""
    return services.purge_files()
