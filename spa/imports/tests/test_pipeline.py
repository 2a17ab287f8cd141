"""The whole import on a messy workbook: dry run row by row against the recorded truth,
commit, re-import (nothing twice), undo, and the product's own export round trip."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from spa.audit.models import Action, AuditEntry
from spa.audit.presenter import entry_sentence
from spa.clients.models import Allergen, Client, ClientPhone, ConsentRecord
from spa.clients.services import client_update
from spa.imports import services
from spa.imports.models import ImportedKey, ImportJob, ImportRow, JobState, Outcome
from spa.imports.problems import ProblemError
from spa.imports.tests.messy import client_workbook
from spa.sales.models import Balance, LedgerEntry
from spa.treatments.models import TreatmentPackage

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(make_client, owner, branch_a):
    ha = make_client("Trần Thu Hà", phone="0903111222", branch=branch_a, actor=owner,
                     birth_date=datetime.date(1988, 5, 12))  # fmt: skip
    thu = make_client("Phạm Minh Thư", phone="0977000111", branch=branch_a, actor=owner,
                      birth_date=datetime.date(1991, 1, 1))  # fmt: skip
    return {"Trần Thu Hà": ha, "Phạm Minh Thư": thu}


def run_dry(owner, branch, data: bytes, name: str = "khach.xlsx") -> ImportJob:
    job = services.job_create(actor=owner, branch=branch, data=data, filename=name)
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    assert services.analyse(job.pk) == "ready"
    job.refresh_from_db()
    return job


def run_commit(owner, job: ImportJob) -> ImportJob:
    assert services.commit_start.__name__  # the view path is tested in test_views
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING, committed_by=owner)
    assert services.commit(job.pk) == "committed"
    job.refresh_from_db()
    return job


def test_every_row_of_the_messy_workbook_gets_the_recorded_outcome(owner, branch_a, stored):
    data, truth = client_workbook()
    job = run_dry(owner, branch_a, data)
    rows = {r.row_number: r for r in ImportRow.objects.filter(job=job)}
    assert sorted(rows) == sorted(truth), "every source row is accounted for"
    assert Client.objects.count() == 2, "the dry run writes no client"
    for number, want in truth.items():
        row = rows[number]
        assert row.outcome == want.outcome, (number, row.outcome, row.reason, row.data)
        if want.reason:
            assert row.reason[0] == want.reason, (number, row.reason)
        if want.name:
            assert row.data["full_name"] == want.name, number
        if want.phones:
            assert [p[0] for p in row.data["phones"]] == want.phones, number
        if want.same_as_row:
            assert row.match_row.row_number == want.same_as_row, number
        if want.same_as_client:
            assert row.match_client_id == stored[want.same_as_client].pk, number
        for code in want.warnings:
            assert code in [w[0] for w in row.warnings], (number, row.warnings)
    counts = job.counts
    assert counts["total"] == len(truth)


def test_commit_writes_clients_balances_packages_consent_and_health(owner, branch_a, stored):
    data, truth = client_workbook()
    job = run_commit(owner, run_dry(owner, branch_a, data))
    rows = {r.row_number: r for r in ImportRow.objects.filter(job=job)}
    fragrance = Allergen.objects.get(code="fragrance")
    for number, want in truth.items():
        row = rows[number]
        if want.outcome in ("skipped", "rejected"):
            assert row.client_id is None
            continue
        client = Client.objects.get(pk=row.client_id)
        if want.same_as_client:
            assert client == stored[want.same_as_client]
        if want.same_as_row:
            assert row.client_id == rows[want.same_as_row].client_id
        for e164 in want.phones:
            assert ClientPhone.objects.filter(client=client, e164=e164).exists(), number
        checks = want.checks
        balances = dict(Balance.objects.filter(client=client).values_list("account", "amount"))
        if "debt" in checks:
            assert balances.get("debt") == checks["debt"], number
        if "prepaid" in checks:
            assert balances.get("prepaid") == checks["prepaid"]
        if "points" in checks:
            assert balances.get("points") == checks["points"]
        if "tier" in checks:
            assert client.tier == checks["tier"]
        if "birth_date" in checks:
            got = client.birth_date.isoformat() if client.birth_date else None
            assert got == checks["birth_date"], number
        if "birth_year" in checks:
            assert client.birth_year == checks["birth_year"]
        if "package" in checks:
            package = TreatmentPackage.objects.get(client=client)
            assert (package.total_sessions, package.used_sessions) == checks["package"]
        if "allergen" in checks:
            assert fragrance.pk in client.health.values()["allergen_ids"]
            assert "phấn hoa" in client.health.values()["allergy_notes"]
        if "consent_sms" in checks:
            consent = ConsentRecord.objects.get(client=client, channel="sms")
            assert consent.granted is checks["consent_sms"] and consent.method == "imported"
    hoa = Client.objects.get(pk=rows[6].client_id)
    # Row 15 (Nguyễn Hoa, the same person) has a debt too: the first row's debt stands,
    # the second figure is kept in the notes for the owner to check, not added.
    assert Balance.objects.get(client=hoa, account="debt").amount == 1_500_000
    assert "850.000" in hoa.notes
    history = AuditEntry.objects.filter(client_id=hoa.pk, action=Action.IMPORT).order_by("id")
    sentence = entry_sentence(history[0])
    assert "khach.xlsx" in sentence and sentence.endswith(" 6.")
    # The shared family phone: one unconfirmed holder at most, the others confirmed.
    holders = ClientPhone.objects.filter(e164="+84912345678")
    assert holders.count() == 3 and holders.filter(shared_confirmed=False).count() <= 1
    counts = job.counts
    assert counts["total"] == len(truth)
    # Ledger and balances agree for every imported client.
    for client_id, account, amount in Balance.objects.values_list("client_id", "account", "amount"):
        total = sum(
            LedgerEntry.objects.filter(client_id=client_id, account=account).values_list(
                "amount", flat=True
            )
        )
        assert total == amount


def test_importing_the_same_file_again_creates_nothing_twice(owner, branch_a, stored):
    data, truth = client_workbook()
    run_commit(owner, run_dry(owner, branch_a, data))
    clients, entries = Client.objects.count(), LedgerEntry.objects.count()
    again = run_commit(owner, run_dry(owner, branch_a, data, name="khach (1).xlsx"))
    outcomes = set(ImportRow.objects.filter(job=again).values_list("outcome", flat=True))
    assert outcomes <= {Outcome.ALREADY, Outcome.SKIPPED, Outcome.REJECTED}
    assert Client.objects.count() == clients and LedgerEntry.objects.count() == entries


def test_undo_removes_what_the_import_made_and_restores_merged_profiles(owner, branch_a, stored):
    data, _truth = client_workbook()
    ha = stored["Trần Thu Hà"]
    before = (ha.gender, ha.email)
    job = run_commit(owner, run_dry(owner, branch_a, data))
    assert Balance.objects.get(client=ha, account="prepaid").amount == 3_000_000
    services.undo(actor=owner, job=job)
    job.refresh_from_db()
    assert job.state == JobState.UNDONE
    assert set(Client.objects.values_list("pk", flat=True)) == {c.pk for c in stored.values()}
    ha.refresh_from_db()
    assert (ha.gender, ha.email) == before
    assert Balance.objects.get(client=ha, account="prepaid").amount == 0
    assert not ImportedKey.objects.exists()
    # The file can be imported again after the undo.
    again = run_dry(owner, branch_a, data)
    assert ImportRow.objects.filter(job=again, outcome=Outcome.NEW).exists()


def test_undo_is_refused_once_staff_built_on_an_imported_client(owner, branch_a, stored):
    data, _truth = client_workbook()
    job = run_commit(owner, run_dry(owner, branch_a, data))
    client = Client.objects.get(
        pk=ImportRow.objects.filter(job=job, outcome="new").first().client_id
    )
    client_update(actor=owner, client=client, fields={"occupation": "Giáo viên"})
    with pytest.raises(services.UndoRefused):
        services.undo(actor=owner, job=job)
    assert Client.objects.filter(pk=client.pk).exists()


def test_a_pair_marked_as_different_people_becomes_two_clients(owner, branch_a, stored):
    data, _truth = client_workbook()
    job = run_dry(owner, branch_a, data)
    row = ImportRow.objects.get(job=job, row_number=7)
    services.row_decide(actor=owner, row=row, separate=True)
    run_commit(owner, job)
    row.refresh_from_db()
    first = ImportRow.objects.get(job=job, row_number=6)
    assert row.client_id and row.client_id != first.client_id


def test_bad_files_change_nothing(owner, branch_a):
    for data, name, code in [
        (b"", "empty.xlsx", "file_empty"),
        (b"%PDF-1.4 not a sheet", "menu.pdf", "file_unknown_type"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "photo.xlsx", "file_unknown_type"),
    ]:
        with pytest.raises(ProblemError) as caught:
            services.job_create(actor=owner, branch=branch_a, data=data, filename=name)
        assert caught.value.problem.code == code
    assert not ImportJob.objects.exists()


def test_own_export_reimports_into_an_empty_installation_losslessly(
    owner, branch_a, make_client, rf
):
    from spa.clients.exports import clients_xlsx_response
    from spa.clients.models import ClientSource, Tag

    source, _new = ClientSource.objects.get_or_create(name="Facebook")
    vip, _new = Tag.objects.get_or_create(name="VIP")
    made = []
    for i, name in enumerate(["Nguyễn Thị Hoa", "王秀英", "Đặng Văn Lâm"]):
        client = make_client(name, phone=f"09123450{i}{i}", branch=branch_a, actor=owner,
                             birth_date=datetime.date(1990, 1, 1 + i), gender="female",
                             email=f"k{i}@example.com", source=source)  # fmt: skip
        client.tags.set([vip])
        made.append(client)
    response = clients_xlsx_response(user=owner)
    data = b"".join(response.streaming_content)
    want = {
        c.full_name: (
            c.primary_phone,
            c.email,
            c.gender,
            c.birth_date,
            c.branch_id,
            "Facebook",
            ["VIP"],
        )
        for c in made
    }
    Client.objects.all().delete()
    job = run_commit(owner, run_dry(owner, branch_a, data, name="export.xlsx"))
    assert job.counts.get("new") == 3
    got = {
        c.full_name: (c.primary_phone, c.email, c.gender, c.birth_date, c.branch_id,
                      c.source.name if c.source else "", [t.name for t in c.tags.all()])
        for c in Client.objects.all()
    }  # fmt: skip
    assert got == want
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert len(list(book.active.iter_rows())) == 4


def test_import_now_pressed_twice_starts_one_commit(owner, branch_a, stored):
    data, _truth = client_workbook()
    job = run_dry(owner, branch_a, data)
    assert services.commit_start(actor=owner, job=job) is True  # runs in-line in tests
    assert services.commit_start(actor=owner, job=job) is False
    job.refresh_from_db()
    assert job.state == JobState.COMMITTED
    assert services.commit(job.pk) == "busy"  # a stray second task finds nothing to take


def test_choosing_another_header_row_reads_its_headers_and_a_saved_mapping_comes_back(
    owner, branch_a
):
    data, _truth = client_workbook()
    job = services.job_create(actor=owner, branch=branch_a, data=data, filename="a.xlsx")
    services.job_set_plan(actor=owner, job=job, choices=[
        services.SheetChoice(index=0, kind="clients", header_row=0, mapping=[])])  # fmt: skip
    job.refresh_from_db()
    assert job.sheets[0]["header_row"] == 0
    assert job.sheets[0]["headers"][0] == "DANH SÁCH KHÁCH HÀNG - SPA HƯƠNG SEN"
    # Back to the real header, with one column changed and the mapping saved.
    services.job_set_plan(actor=owner, job=job, choices=[
        services.SheetChoice(index=0, kind="clients", header_row=3, mapping=[])])  # fmt: skip
    job.refresh_from_db()
    mapping = list(job.sheets[0]["mapping"])
    mapping[job.sheets[0]["headers"].index("Địa chỉ")] = ""
    services.job_set_plan(actor=owner, job=job, choices=[
        services.SheetChoice(index=0, kind="clients", header_row=3, mapping=mapping, save=True)])  # fmt: skip
    again = services.job_create(actor=owner, branch=branch_a, data=data, filename="b.xlsx")
    assert again.sheets[0]["mapping"] == mapping and again.sheets[0]["mapping_saved"]


def test_the_uploaded_file_is_encrypted_and_purged_after_its_retention(owner, branch_a, stored):
    from datetime import timedelta

    from django.utils import timezone

    from spa.imports.models import ImportFile

    data, _truth = client_workbook()
    job = run_commit(owner, run_dry(owner, branch_a, data))
    stored_file = ImportFile.objects.get(job=job)
    assert data[:50].hex() not in stored_file.token and stored_file.token.startswith("gAAAA")
    assert services.purge_files() == 0  # not yet
    assert services.purge_files(now=timezone.now() + timedelta(days=31)) == 1
    job.refresh_from_db()
    assert job.file_purged and not ImportFile.objects.filter(job=job).exists()
    assert not ImportRow.objects.filter(job=job, data__isnull=False).exists()
    # What the rows became is still there: the counts, the clients, the report.
    assert ImportRow.objects.filter(job=job, client_id__isnull=False).exists()
