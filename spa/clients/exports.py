"""Excel export of the clients a user may see (through clients_visible_to, like every read)."""

import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.clients.models import Client, CustomFieldDefinition
from spa.clients.selectors import clients_visible_to
from spa.core import access


def custom_field_values(client: Client) -> list[tuple[str, str]]:
    """(label, value) of the spa's custom fields that this client has filled in."""
    values = client.custom_fields or {}
    return [
        (d.label, values[str(d.pk)])
        for d in CustomFieldDefinition.objects.filter(is_active=True)
        if values.get(str(d.pk)) not in (None, "")
    ]


def clients_xlsx_response(*, user) -> FileResponse:
    """Stream an .xlsx of visible clients; health data is never exported here."""
    full_phone = access.can_see_full_phone(user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Clients"))
    sheet.append([
        _("ID"), _("Full name"), _("Phone"), _("Email"), _("Gender"), _("Date of birth"),
        _("Branch"), _("Tier"), _("Source"), _("Group"), _("Created"),
    ])  # fmt: skip
    qs = clients_visible_to(user).select_related("branch", "source", "group").order_by("id")
    count = 0
    for c in qs.iterator(chunk_size=2000):
        count += 1
        sheet.append([
            c.pk, c.full_name,
            c.primary_phone if full_phone else "", c.email, c.get_gender_display(),
            c.birth_date.strftime("%d/%m/%Y") if c.birth_date else "",
            c.branch.name, c.get_tier_display(), c.source.name if c.source else "",
            c.group.name if c.group else "",
            timezone.localtime(c.created_at).strftime("%d/%m/%Y"),
        ])  # fmt: skip
    audit_record(actor=user, action=Action.EXPORT, client_id=None, summary=f"{count} clients")
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    workbook.save(tmp)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=f"clients-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
