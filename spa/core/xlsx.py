"""Cells and responses for the Excel exports (openpyxl, write-only workbooks)."""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell

TEXT_FORMAT = "@"
DATE_FORMAT = "DD/MM/YYYY"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_cell(sheet, value) -> WriteOnlyCell:
    """A cell that is text whatever it starts with: '=cmd|…' stays words, never a formula."""
    cell = WriteOnlyCell(sheet, value=str(value) if value is not None else "")
    cell.data_type = "s"
    cell.number_format = TEXT_FORMAT
    return cell


def date_cell(sheet, value) -> WriteOnlyCell:
    """A real Excel date (it sorts and filters as a date), shown dd/mm/yyyy."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def money_cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=int(value or 0))
    cell.number_format = "#,##0"
    return cell


def xlsx_response(workbook, name: str) -> FileResponse:
    """Send the workbook as a download named `name`-yyyymmdd-hhmm.xlsx."""
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(tmp)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(tmp, as_attachment=True, filename=f"{name}-{stamp}.xlsx", content_type=XLSX)
