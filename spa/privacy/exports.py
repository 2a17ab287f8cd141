"""The affected clients of an incident as .xlsx (the house pattern of spa.clients.exports);
the export is itself in the audit history."""

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.core import access
from spa.core.xlsx import date_cell, text_cell, xlsx_response
from spa.privacy.models import Incident


def _columns() -> list[tuple[str, int]]:
    """(header, width) in the reader's language."""
    return [
        (_("ID"), 8), (_("Full name"), 28), (_("Phone"), 16), (_("Email"), 26),
        (_("Branch"), 20), (_("Language"), 12), (_("Entries"), 9),
        (_("First touched"), 13), (_("Last touched"), 13),
    ]  # fmt: skip


def _day(value):
    return timezone.localtime(value).date() if value else None


def affected_xlsx_response(*, user, incident: Incident, clients) -> FileResponse:
    """Stream the affected clients (from incident_affected_clients) with the contact
    details needed to notify them; one audit entry says who exported it, for which
    incident and how many rows."""
    full_phone = access.can_see_full_phone(user)
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Affected clients"))
    sheet.freeze_panes = "A2"
    for index, (_header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([text_cell(sheet, header) for header, _width in columns])
    count = 0
    for c in clients.select_related("branch").prefetch_related("phones").iterator(chunk_size=2000):
        count += 1
        phone = next(iter(c.phones.all()), None)
        sheet.append([
            c.pk, text_cell(sheet, c.full_name),
            text_cell(sheet, phone.national if phone and full_phone else ""),
            text_cell(sheet, c.email), text_cell(sheet, c.branch.name),
            text_cell(sheet, c.get_language_display()), c.touches or 0,
            date_cell(sheet, _day(c.first_touch)), date_cell(sheet, _day(c.last_touch)),
        ])  # fmt: skip
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    audit_record(actor=user, action=Action.EXPORT, client_id=None,
                 summary=f"{count} affected clients (incident {incident.pk})")  # fmt: skip
    return xlsx_response(workbook, f"incident-{incident.pk}-clients")
