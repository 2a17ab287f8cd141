"""What became of every source row, as people read it: on the review page and in the
downloadable result workbook (imported as client N, merged into N, rejected because…)."""

import tempfile

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.imports.models import Decision, ImportJob, ImportRow, Outcome
from spa.imports.problems import Problem

RULES = {
    "phone": gettext_lazy("same phone and name"),
    "email": gettext_lazy("same email and name"),
    "name_birth": gettext_lazy("same name and date of birth"),
    "source_id": gettext_lazy("the same row twice"),
    "name": gettext_lazy("same name"),
    "catalogue": gettext_lazy("already in the catalogue"),
}


def line_of(row: ImportRow, clients: dict) -> dict:
    """One row as the review page and the report show it (no health data)."""
    data = row.data or {}
    phones = data.get("phones") or []
    outcome = dict(Outcome.choices).get(row.outcome, row.outcome)
    if row.outcome in (Outcome.EXISTING, Outcome.SAME_ROW) and row.decision == Decision.SEPARATE:
        outcome = _("New client (not the same person)")
    match = None
    if row.outcome == Outcome.EXISTING and row.match_client_id:
        other = clients.get(row.match_client_id)
        match = {
            "kind": "client", "id": row.match_client_id,
            "name": other.full_name if other else "", "phone": other.primary_phone if other else "",
            "birth": other.birth_date if other else None,
            "branch": other.branch.name if other else "",
        }  # fmt: skip
    elif row.outcome == Outcome.SAME_ROW and row.match_row_id:
        other = row.match_row.data or {} if row.match_row else {}
        other_phones = other.get("phones") or []
        match = {
            "kind": "row", "id": row.match_row.row_number if row.match_row else None,
            "name": other.get("full_name", ""), "phone": other_phones[0][1] if other_phones else "",
            "birth": other.get("birth_date"),
        }  # fmt: skip
    return {
        "row": row, "outcome": outcome, "name": data.get("full_name") or data.get("name") or data.get("client_name", ""),
        "phone": phones[0][1] if phones else "", "birth": data.get("birth_date"),
        "reason": Problem.from_json(row.reason).message() if row.reason else "",
        "warnings": [Problem.from_json(w).message() for w in row.warnings or []],
        "match": match, "rule": str(RULES.get(row.match_rule, "")),
        "separate": row.decision == Decision.SEPARATE,
    }  # fmt: skip


def _text(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    cell.data_type = "s"
    return cell


def report_response(*, user, job: ImportJob) -> FileResponse:
    """Every source row and what became of it, as .xlsx (audited: it holds names)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Result"))
    sheet.freeze_panes = "A2"
    names = {p["index"]: p["name"] for p in job.sheets}
    sheet.append([
        _text(sheet, h) for h in (
            _("Sheet"), _("Row"), _("What happened"), _("Client"), _("Name"), _("Reason"),
            _("Warnings"),
        )
    ])  # fmt: skip
    rows = (
        ImportRow.objects.filter(job=job)
        .select_related("match_row")
        .order_by("sheet_index", "row_number")
    )
    for row in rows.iterator(chunk_size=2000):
        line = line_of(row, {})
        client = row.client_id or row.match_client_id
        sheet.append([
            _text(sheet, names.get(row.sheet_index, row.sheet_index)), row.row_number,
            _text(sheet, line["outcome"]), client or "", _text(sheet, line["name"]),
            _text(sheet, line["reason"] or line["rule"]),
            _text(sheet, "; ".join(line["warnings"])),
        ])  # fmt: skip
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    book.save(handle)
    handle.seek(0)
    audit_record(
        actor=user, action=Action.EXPORT, client_id=None,
        summary=_("Result of the import of %(file)s downloaded") % {"file": job.file_name},
    )  # fmt: skip
    return FileResponse(
        handle, as_attachment=True, filename=f"import-{job.pk}-result.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )  # fmt: skip
