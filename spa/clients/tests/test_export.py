"""The Excel export: what a manager expects in the file, text that can never become a
formula, real dates, and an independent reader sees the same."""

import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from spa.clients.models import Tag
from spa.sales.services import Checkout, Line, checkout_issue

pytestmark = pytest.mark.django_db
FORMULA = "=cmd|'/Ccalc'!A0@x.com"


def export(client, user) -> bytes:
    client.force_login(user)
    response = client.get(reverse("clients:export"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_text_is_never_a_formula_and_dates_are_dates(client, make_client, manager_a, receptionist_a,
                                                     catalogue, branch_a):  # fmt: skip
    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", birth_date=date(1990, 3, 7),
                      notes="=HYPERLINK(\"http://evil\")")  # fmt: skip
    hoa.email = FORMULA  # as a messy import or an old version might have stored it
    hoa.save(update_fields=["email"])
    hoa.tags.add(Tag.objects.create(name="VIP"), Tag.objects.create(name="=1+1"))
    checkout_issue(actor=receptionist_a, data=Checkout(client=hoa, branch=branch_a, lines=[
        Line(kind="service", description="Peel", unit_price=450_000, service=catalogue["facial"])],
        payments={"cash": 150_000}))  # fmt: skip

    data = export(client, manager_a)

    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c for c in sheet[2]], strict=True))
    assert row["Email"].value == FORMULA and row["Email"].data_type == "s"
    assert row["Ngày sinh"].is_date and row["Ngày sinh"].value.date() == date(1990, 3, 7)
    assert row["Tổng chi tiêu"].value == 450_000 and row["Công nợ"].value == 300_000
    assert "VIP" in row["Nhãn"].value and row["Lần ghé gần nhất"].value is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:O2"
    assert sheet.column_dimensions["B"].width >= 20
    # A second, independent reader agrees.
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert FORMULA in rows[1] and rows[1][5] == date(1990, 3, 7)
