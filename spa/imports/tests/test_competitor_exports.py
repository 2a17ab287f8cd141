"""Exports of other products and of phones, end to end: the columns map themselves, every
row gets the outcome its truth says, and the committed clients carry what the file said."""

import datetime

import pytest

from spa.clients.models import Client
from spa.imports import services
from spa.imports.models import ImportJob, ImportRow, JobState
from spa.imports.tests.files import cp1258_bytes, csv_text, xls_bytes

pytestmark = pytest.mark.django_db


def dry_and_commit(owner, branch, data: bytes, name: str) -> ImportJob:
    job = services.job_create(actor=owner, branch=branch, data=data, filename=name)
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYSING)
    assert services.analyse(job.pk) == "ready"
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING, committed_by=owner)
    assert services.commit(job.pk) == "committed"
    job.refresh_from_db()
    return job


def outcomes(job) -> dict[int, str]:
    return dict(ImportRow.objects.filter(job=job).values_list("row_number", "outcome"))


def client_of(job, row: int) -> Client:
    return Client.objects.get(pk=ImportRow.objects.get(job=job, row_number=row).client_id)


def test_fresha_customer_list_csv_with_bom_and_semicolons(owner, branch_a):
    text = csv_text([
        ["Client ID", "First Name", "Last Name", "Mobile Number", "Email", "Gender",
         "Date of Birth", "Note", "Accepts Marketing", "Added"],
        ["1001", "Hoa", "Nguyễn Thị", "+84 912 345 678", "hoa@example.com", "Female",
         "12 Mar 1990", "Da nhạy cảm", "Yes", "2023-05-01"],
        ["1002", "Anna", "Smith", "+44 7911 123456", "", "female", "", "", "No", "2024-01-15"],
        ["1003", "Lan", "Trần", "", "", "", "", "", "", ""],
    ], delimiter=";")  # fmt: skip
    job = dry_and_commit(
        owner, branch_a, ("\ufeff" + text).encode("utf-8"), "export_customer_list.csv"
    )
    assert outcomes(job) == {1: "skipped", 2: "new", 3: "new", 4: "new"}
    hoa = client_of(job, 2)
    assert hoa.full_name == "Nguyễn Thị Hoa" and hoa.primary_phone.replace(" ", "") == "0912345678"
    assert hoa.birth_date == datetime.date(1990, 3, 12) and hoa.gender == "female"
    assert hoa.consents.get(channel="email").granted is True
    assert "Da nhạy cảm" in hoa.notes
    assert client_of(job, 3).phones.get().e164 == "+447911123456"
    assert not client_of(job, 4).phones.exists()  # kept without a phone, reported


def test_google_contacts_csv_new_variant(owner, branch_a):
    text = csv_text([
        ["First Name", "Middle Name", "Last Name", "Birthday", "Notes", "Labels",
         "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value",
         "Phone 2 - Label", "Phone 2 - Value"],
        ["Mai", "Thị", "Lê", "1985-07-08", "VIP", "* myContacts ::: Khách spa", "* Home",
         "mai@example.com", "Mobile", "0903 222 111", "Home", "028 3822 1234"],
    ])  # fmt: skip
    job = dry_and_commit(owner, branch_a, text.encode("utf-8"), "contacts.csv")
    mai = client_of(job, 2)
    assert mai.full_name == "Lê Thị Mai" and mai.email == "mai@example.com"
    assert {p.e164 for p in mai.phones.all()} == {"+84903222111", "+842838221234"}
    assert mai.birth_date == datetime.date(1985, 7, 8)


def test_phone_contacts_vcf_with_quoted_printable_names(owner, branch_a):
    vcf = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ph=E1=BA=A1m;Th=E1=BB=8B Thu;;;\r\n"
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Ph=E1=BA=A1m Th=E1=BB=8B Thu\r\n"
        "TEL;CELL:0987654321\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Chị Hằng (khách quen)\r\nN:;Hằng;;;\r\n"
        "TEL;TYPE=CELL:+84 978 111 222\r\nBDAY:1992-02-29\r\nEND:VCARD\r\n"
    )
    job = dry_and_commit(owner, branch_a, vcf.encode("utf-8"), "contacts.vcf")
    rows = outcomes(job)
    assert list(rows.values()).count("new") == 2
    names = set(Client.objects.values_list("full_name", flat=True))
    assert "Phạm Thị Thu" in names
    thu = Client.objects.get(full_name="Phạm Thị Thu")
    assert thu.phones.get().e164 == "+84987654321"


def test_windows_1258_csv_and_a_legacy_xls(owner, branch_a):
    text = csv_text([["Họ tên", "Điện thoại", "Ngày sinh", "Nợ"],
                     ["Đặng Thuỳ Dương", "0912.000.111", "05/06/1995", "1.500.000đ"]])  # fmt: skip
    job = dry_and_commit(owner, branch_a, cp1258_bytes(text), "khach.csv")
    duong = client_of(job, 2)
    assert (
        duong.full_name == "Đặng Thuỳ Dương"
        and duong.balances.get(account="debt").amount == 1_500_000
    )
    data = xls_bytes({"KH": [["DANH SÁCH KHÁCH"], [], ["Tên KH", "SĐT", "Điểm"],
                             ["Võ Thị Sáu", 912000222, 50]]})  # fmt: skip
    job = dry_and_commit(owner, branch_a, data, "cu.xls")
    sau = client_of(job, 4)
    assert (
        sau.phones.get().e164 == "+84912000222" and sau.balances.get(account="points").amount == 50
    )
