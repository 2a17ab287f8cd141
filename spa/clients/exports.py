"""Excel export of the clients a user may see (through clients_visible_to, like every read)."""

from django.apps import apps
from django.db.models import OuterRef, Subquery, Sum
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from spa.audit.models import AccessKind, Action
from spa.audit.services import access_record_many, audit_record
from spa.clients.models import Client, CustomFieldDefinition
from spa.clients.selectors import clients_visible_to
from spa.core import access
from spa.core.xlsx import date_cell, money_cell, text_cell, xlsx_response


def custom_field_values(client: Client) -> list[tuple[str, str]]:
    """(label, value) of the spa's custom fields that this client has filled in."""
    values = client.custom_fields or {}
    return [
        (d.label, values[str(d.pk)])
        for d in CustomFieldDefinition.objects.filter(is_active=True)
        if values.get(str(d.pk)) not in (None, "")
    ]


def _with_money(qs):
    """Total spent and open debt per client, as two subqueries (one row per client)."""
    invoice = apps.get_model("sales", "Invoice")
    balance = apps.get_model("sales", "Balance")
    spent = (
        invoice.objects.filter(client=OuterRef("pk")).order_by().values("client")
        .annotate(s=Sum("total")).values("s")
    )  # fmt: skip
    debt = balance.objects.filter(client=OuterRef("pk"), account="debt").values("amount")[:1]
    return qs.annotate(export_spent=Subquery(spent), export_debt=Subquery(debt))


COLUMNS = [  # (header, width)
    (gettext_lazy("ID"), 8), (gettext_lazy("Full name"), 28), (gettext_lazy("Phone"), 16), (gettext_lazy("Email"), 26),
    (gettext_lazy("Gender"), 9), (gettext_lazy("Date of birth"), 13), (gettext_lazy("Branch"), 20), (gettext_lazy("Tier"), 11),
    (gettext_lazy("Source"), 16), (gettext_lazy("Group"), 16), (gettext_lazy("Tags"), 24), (gettext_lazy("Last visit"), 13),
    (gettext_lazy("Total spent"), 14), (gettext_lazy("Debt"), 12), (gettext_lazy("Created"), 13),
]  # fmt: skip


def clients_xlsx_response(
    *, user, clients=None, order_by=("id",), filters: str = ""
) -> FileResponse:
    """Stream an .xlsx of visible clients; health data is never exported here. Every
    text is written as text (never a formula), dates as dates; the header is frozen
    and filterable, and columns have widths. `clients` narrows the export (it must come
    from clients_visible_to); `filters` says how, in the history entry."""
    full_phone = access.can_see_full_phone(user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Clients"))
    sheet.freeze_panes = "A2"
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([text_cell(sheet, header) for header, _width in COLUMNS])
    if clients is None:
        clients = clients_visible_to(user)
    qs = _with_money(
        clients.select_related("branch", "source", "group").order_by(*order_by)
    ).prefetch_related("tags")
    exported_ids = []
    for c in qs.iterator(chunk_size=2000):
        exported_ids.append(c.pk)
        last_visit = timezone.localtime(c.last_visit_at).date() if c.last_visit_at else None
        sheet.append([
            c.pk, text_cell(sheet, c.full_name), text_cell(sheet, c.primary_phone if full_phone else ""),
            text_cell(sheet, c.email), text_cell(sheet, c.get_gender_display()),
            date_cell(sheet, c.birth_date), text_cell(sheet, c.branch.name), text_cell(sheet, c.get_tier_display()),
            text_cell(sheet, c.source.name if c.source else ""), text_cell(sheet, c.group.name if c.group else ""),
            text_cell(sheet, ", ".join(t.name for t in c.tags.all())), date_cell(sheet, last_visit),
            money_cell(sheet, c.export_spent), money_cell(sheet, c.export_debt),
            date_cell(sheet, timezone.localtime(c.created_at).date()),
        ])  # fmt: skip
    count = len(exported_ids)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    summary = f"{count} clients" + (f" ({filters})" if filters else "")
    audit_record(actor=user, action=Action.EXPORT, client_id=None, summary=summary)
    # Each exported client's own log says their row left in an export (bulk inserted).
    access_record_many(viewer=user, client_ids=exported_ids, kinds=AccessKind.EXPORT)
    return xlsx_response(workbook, "clients")
