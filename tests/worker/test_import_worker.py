"""`kill -9` of the real worker in the middle of an import's commit, then a new worker:
the job is taken up again from its first unfinished batch, and every row of the file
ends written exactly once (no client twice, none missing)."""

import signal
import time

import pytest
from django.conf import settings

from spa.clients.models import Client
from spa.imports import services, tasks
from spa.imports.models import ImportedKey, ImportJob, ImportRow, JobState, Outcome
from spa.imports.tests.messy import big_workbook
from tests.worker.helpers import free_port, start_worker, wait_for, worker_env

pytestmark = pytest.mark.django_db(transaction=True)
LEASE_SECONDS = 3
ROWS = 8000


def test_a_worker_killed_mid_commit_leaves_nothing_half_done_or_doubled(owner, branch_a):
    from huey.contrib.djhuey import HUEY

    job = services.job_create(
        actor=owner, branch=branch_a, data=big_workbook(ROWS), filename="big.xlsx"
    )
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    assert services.analyse(job.pk) == "ready"
    to_write = ImportRow.objects.filter(job=job, outcome__in=(Outcome.NEW, Outcome.SAME_ROW))
    new_rows = ImportRow.objects.filter(job=job, outcome=Outcome.NEW).count()
    assert to_write.count() == ROWS
    assert services.commit_start.__name__
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.COMMITTING, committed_by=owner, progress_done=0
    )

    before = HUEY.immediate
    HUEY.immediate = False  # the real queue, read by the real worker
    env = worker_env(
        free_port(), settings.HUEY["filename"], IMPORT_LEASE_SECONDS=str(LEASE_SECONDS)
    )
    first = second = None
    try:
        tasks.import_commit(job.pk)
        first = start_worker(env)
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).progress_done > 1000, 120)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        job.refresh_from_db()
        assert job.state == JobState.COMMITTING, "the kill came after the commit ended"
        done = to_write.filter(client_id__isnull=False).count()
        assert 0 < done < ROWS
        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
        second = start_worker(env)  # its minute sweep takes the job up again
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == JobState.COMMITTED, 150)
    finally:
        HUEY.immediate = before
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.communicate(timeout=20)
    assert not to_write.filter(client_id__isnull=True).exists()
    assert Client.objects.count() == new_rows
    new_clients = list(
        ImportRow.objects.filter(job=job, outcome=Outcome.NEW).values_list("client_id", flat=True)
    )
    assert len(set(new_clients)) == new_rows
    assert ImportedKey.objects.count() == new_rows
