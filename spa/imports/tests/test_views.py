"""The import pages through HTTP: who may open them, and the whole flow with the worker
running the tasks in-line (huey's immediate mode)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from huey.contrib.djhuey import HUEY
from openpyxl import load_workbook

from conftest import ROLES, statuses
from spa.audit.models import Action, AuditEntry
from spa.clients.models import Client
from spa.imports import services
from spa.imports.models import ImportJob, ImportRow, JobState
from spa.imports.tests.messy import client_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def inline_worker():
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


def upload(http, branch, data: bytes, name: str = "khach.xlsx"):
    return http.post("/imports/", {"file": SimpleUploadedFile(name, data), "branch": branch.pk})


def test_only_the_owner_and_managers_may_import(client, people):
    assert ROLES == ["anonymous", "owner", "manager_a", "manager_b", "receptionist_a",
                     "receptionist_b", "technician_a", "technician_b"]  # fmt: skip
    got = statuses(client, people, "/imports/")
    assert got == [302, 200, 200, 200, 403, 403, 403, 403]


def test_a_manager_sees_only_their_branch_imports(client, owner, manager_a, manager_b, branch_a):
    data, _truth = client_workbook()
    job = services.job_create(actor=owner, branch=branch_a, data=data, filename="a.xlsx")
    client.force_login(manager_b)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 404
    client.force_login(manager_a)
    assert client.get(f"/imports/{job.pk}/").status_code == 200


def test_a_manager_cannot_upload_into_another_branch(client, manager_a, branch_b):
    data, _truth = client_workbook()
    client.force_login(manager_a)
    response = upload(client, branch_b, data)
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_a_bad_file_gets_a_message_in_vietnamese_and_nothing_is_saved(client, owner, branch_a):
    client.force_login(owner)
    response = upload(client, branch_a, b"%PDF-1.4 menu", name="menu.pdf")
    assert response.status_code == 200
    assert (
        "không phải bảng tính" in response.content.decode().lower()
        or "bảng tính" in response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_upload_map_dry_run_decide_commit_report_and_undo(
    client, owner, branch_a, make_client, inline_worker
):
    make_client("Trần Thu Hà", phone="0903111222", branch=branch_a, actor=owner)
    data, truth = client_workbook()
    client.force_login(owner)
    response = upload(client, branch_a, data)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Họ và tên" in page and 'data-testid="col-0-1"' in page
    # Change one mapping: the address column is not imported.
    form = {f"col-0-{i}": target for i, target in enumerate(job.sheets[0]["mapping"])}
    form.update({"kind-0": "clients", "header-0": "4", "action": "run"})
    address = job.sheets[0]["headers"].index("Địa chỉ")
    form[f"col-0-{address}"] = ""
    assert client.post(f"/imports/{job.pk}/plan/", form).status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.READY and job.sheets[0]["mapping"][address] == ""
    review = client.get(f"/imports/{job.pk}/?show=pairs").content.decode()
    assert 'data-testid="pair"' in review
    row = ImportRow.objects.get(job=job, row_number=7)
    assert (
        client.post(f"/imports/{job.pk}/rows/{row.pk}/decide/", {"separate": "1"}).status_code
        == 302
    )
    assert client.post(f"/imports/{job.pk}/commit/").status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED
    row.refresh_from_db()
    hoa = Client.objects.get(pk=ImportRow.objects.get(job=job, row_number=6).client_id)
    assert hoa.address == "" and row.client_id != hoa.pk
    result = client.get(f"/imports/{job.pk}/").content.decode()
    assert f"/clients/{hoa.pk}/" in result
    report = client.get(f"/imports/{job.pk}/result.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)), read_only=True).active
    assert len(list(sheet.iter_rows())) == len(truth) + 1
    assert AuditEntry.objects.filter(action=Action.EXPORT, summary__contains="khach.xlsx").exists()
    assert client.post(f"/imports/{job.pk}/undo/").status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.UNDONE and Client.objects.count() == 1
