"""A report as an Excel workbook: one sheet per section, its table as on the page
(money as numbers, shares as percentages). Every export is in the audit history."""

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.core.xlsx import money_cell, text_cell, xlsx_response
from spa.reports.presenter import Report, period_label


def _cell(sheet, kind: str, value):
    if value is None:
        return text_cell(sheet, "")
    if kind == "money":
        return money_cell(sheet, round(value))
    if kind in ("percent", "change", "heat"):
        cell = WriteOnlyCell(sheet, value=round(value, 4))
        cell.number_format = "0.0%"
        return cell
    if kind == "count_heat":
        return WriteOnlyCell(sheet, value=value[0])
    if kind in ("number", "signed"):
        return WriteOnlyCell(sheet, value=value)
    if kind in ("decimal", "rating"):
        cell = WriteOnlyCell(sheet, value=round(value, 2))
        cell.number_format = "0.00"
        return cell
    return text_cell(sheet, value)


def _sheet_title(title: str, used: set) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:28].strip() or "-"
    name, n = clean, 2
    while name in used:
        name, n = f"{clean[:25]} {n}", n + 1
    used.add(name)
    return name


def report_xlsx_response(*, user, report: Report, period, scope):
    """The report's sections as sheets, with the period and branch on top."""
    workbook = Workbook(write_only=True)
    used: set = set()
    heading = f"{report.title} · {period_label(period)}"
    summary = workbook.create_sheet(_sheet_title(_("Summary"), used))
    summary.append([text_cell(summary, heading)])
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 18
    for kpi in report.kpis:
        summary.append([text_cell(summary, kpi.label), _cell(summary, kpi.kind, kpi.value)])
    for section in report.sections:
        sheet = workbook.create_sheet(_sheet_title(section.title, used))
        sheet.freeze_panes = "A3"
        sheet.column_dimensions["A"].width = 30
        for index in range(2, len(section.table.headers) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 15
        sheet.append([text_cell(sheet, f"{section.title} · {period_label(period)}")])
        sheet.append([text_cell(sheet, h) for h in section.table.headers])
        for row in section.table.rows:
            sheet.append([_cell(sheet, kind, value) for kind, value in row])
        if section.table.total:
            sheet.append([_cell(sheet, kind, value) for kind, value in section.table.total])
        if section.note:
            sheet.append([])
            sheet.append([text_cell(sheet, section.note)])
    branches = "all" if scope.branch_ids is None else ",".join(map(str, scope.branch_ids))
    audit_record(
        actor=user, action=Action.EXPORT, client_id=None,
        summary=f"report {report.name} {period.start:%Y-%m-%d}..{period.end:%Y-%m-%d} branches {branches}",
    )  # fmt: skip
    return xlsx_response(workbook, f"report-{report.name}")
