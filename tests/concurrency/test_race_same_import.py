"""The owner and a manager import the same workbook and press "Import now" at the same
instant: every person of the file exists once. The unique row keys decide: the import
that comes second finds each row already imported (real concurrent HTTP requests; the
commit runs in-line in each request, as the worker would run it)."""

import pytest

from spa.clients.models import Client, ClientPhone
from spa.imports import services
from spa.imports.models import ImportJob, ImportRow, JobState, Outcome
from spa.imports.tests.messy import big_workbook
from tests.concurrency.conftest import logged_in, post_together

ROWS = 600


@pytest.mark.django_db(transaction=True)
def test_the_same_file_committed_twice_at_once_creates_each_client_once(
    live_server, owner, manager_a, branch_a
):
    data = big_workbook(ROWS)
    jobs = []
    for user in (owner, manager_a):
        job = services.job_create(actor=user, branch=branch_a, data=data, filename="khach.xlsx")
        ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
        assert services.analyse(job.pk) == "ready"
        jobs.append(job)
    new_rows = ImportRow.objects.filter(job=jobs[0], outcome=Outcome.NEW).count()
    assert new_rows == ImportRow.objects.filter(job=jobs[1], outcome=Outcome.NEW).count() > 500
    attempts = []
    for user, job in zip((owner, manager_a), jobs, strict=True):
        http, token = logged_in(live_server, user, f"/imports/{job.pk}/")
        attempts.append((http, token, f"/imports/{job.pk}/commit/", {}))
    statuses = post_together(live_server, attempts)
    assert statuses == [302, 302]
    assert Client.objects.count() == new_rows
    assert ClientPhone.objects.count() == new_rows
    for job in jobs:
        job.refresh_from_db()
        assert job.state == JobState.COMMITTED
    for job in jobs:  # every row of each import written, or found already written
        written = ImportRow.objects.filter(
            job=job, outcome__in=(Outcome.NEW, Outcome.SAME_ROW, Outcome.ALREADY)
        )
        assert written.count() == ROWS
    assert not ImportRow.objects.filter(job__in=jobs, outcome=Outcome.REJECTED).exists()
