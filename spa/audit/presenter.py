"""One presenter for every history row: a change's key becomes a label people read
(the models' verbose names, or the label of a kind of record), and each value is
formatted by its type — tier and channel names, dd/mm/yyyy dates, money in the spa's
currency, yes/no, lists and records as short phrases — instead of codes and dicts.
A new client field is labelled from its verbose_name without new code here."""

from datetime import date, datetime

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from spa.core.money import format_money

EMPTY = "—"

# Keys that are not client fields: records the services write into the history.
RECORD_LABELS = {
    "phones": _("Phones"), "tags": _("Tags"), "invoice": _("Invoice"), "package": _("Package"),
    "appointment": _("Appointment"), "appointment_status": _("Appointment status"),
    "appointment_confirmed": _("Online booking confirmed"), "services": _("Services"),
    "products": _("Products used"), "session": _("Treatment session"), "logged_by": _("Logged by"),
    "patch_test": _("Patch test"), "prepaid_top_up": _("Prepaid top-up"),
    "prepaid_refund": _("Prepaid refund"), "debt_payment": _("Debt payment"), "deposit": _("Deposit"),
    "credit_note": _("Credit note"), "referral_reward": _("Referral reward"),
    "merged_into": _("Merged into"), "warnings": _("Safety warnings"),
    "allergen_ids": _("Allergies"), "allergy_notes": _("Other allergies"),
    "condition_ids": _("Conditions"), "conditions": _("Other conditions"),
    "medications": _("Current medications"), "pregnancy": _("Pregnancy / breastfeeding"),
    "skin_type": _("Skin type"), "skin_concerns": _("Skin concerns"),
    "confirmed_at": _("Last confirmed by the client"),
}  # fmt: skip
# Parts of a record, as they appear inside a change's value.
PART_LABELS = {
    "code": _("number"), "total": _("total"), "paid": _("paid"), "debt": _("debt"),
    "name": _("name"), "sessions": _("sessions"), "price": _("price"), "expires_on": _("expires on"),
    "amount": _("amount"), "bonus": _("bonus"), "method": _("method"), "kind": _("kind"),
    "start": _("start"), "end": _("end"), "technician": _("technician"), "room": _("room"),
    "machine": _("machine"), "services": _("services"), "granted": _("agrees"),
    "result": _("result"), "tested_on": _("tested on"), "service": _("service"),
    "product": _("product"),
}  # fmt: skip
MONEY_PARTS = {"total", "paid", "debt", "price", "amount", "bonus"}


def _client_field(name: str):
    from spa.clients.models import Client

    try:
        field = Client._meta.get_field(name)
    except Exception:  # noqa: BLE001 - not a field of the profile
        return None
    return None if isinstance(field, models.ForeignObjectRel) else field


def _choices_for(key: str) -> dict:
    """Code -> label for keys whose values are codes of a known list."""
    from spa.booking.models import Status
    from spa.clients.models import Channel, PregnancyStatus, SkinType
    from spa.sales.models import Method

    field = _client_field(key)
    if field is not None and field.choices:
        return {str(code): label for code, label in field.flatchoices}
    lists = {"pregnancy": PregnancyStatus, "skin_type": SkinType, "appointment_status": Status,
             "method": Method, "channel": Channel}  # fmt: skip
    if key in lists:
        return {code: label for code, label in lists[key].choices}
    if key.startswith("consent"):
        return {"pending": _("waiting for the client to confirm")}
    return {}


def change_label(key: str) -> str:
    if key.startswith("consent_request_"):
        return _("Consent request: %(channel)s") % {"channel": _channel(key.rsplit("_", 1)[1])}
    if key.startswith("consent_"):
        return _("Consent: %(channel)s") % {"channel": _channel(key.split("_", 1)[1])}
    field = _client_field(key)
    if field is not None:
        return str(field.verbose_name).capitalize()
    return str(RECORD_LABELS.get(key, key.replace("_", " ")))


def _channel(code: str) -> str:
    from spa.clients.models import Channel

    return str(dict(Channel.choices).get(code, code))


def format_value(key: str, value) -> str:
    """A value as a person reads it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if key == "custom_fields" and isinstance(value, dict):
        return _custom_fields(value)
    if isinstance(value, dict):
        return "; ".join(
            f"{PART_LABELS.get(part, part.replace('_', ' '))}: {_part(part, v)}"
            for part, v in value.items() if v not in (None, "", [], {})
        ) or EMPTY  # fmt: skip
    if isinstance(value, list | tuple):
        return ", ".join(format_value(key, v) for v in value) or EMPTY
    choices = _choices_for(key)
    if str(value) in choices:
        return str(choices[str(value)])
    return _scalar(value)


def _part(part: str, value) -> str:
    if part in MONEY_PARTS and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value)
    if part in ("method", "channel"):
        return format_value(part, value)
    return format_value(part, value)


def _scalar(value) -> str:
    if isinstance(value, str):
        for parse in (date.fromisoformat, datetime.fromisoformat):
            try:
                parsed = parse(value)
            except ValueError:
                continue
            kind = (
                "SHORT_DATETIME_FORMAT"
                if isinstance(parsed, datetime) and len(value) > 10
                else "SHORT_DATE_FORMAT"
            )
            return formats.date_format(parsed, kind)
        return value
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def _custom_fields(values: dict) -> str:
    from spa.clients.models import CustomFieldDefinition

    labels = {str(d.pk): d.label for d in CustomFieldDefinition.objects.all()}
    return (
        "; ".join(
            f"{labels.get(k, k)}: {_scalar(v)}" for k, v in values.items() if v not in (None, "")
        )
        or EMPTY
    )


def present_changes(changes: dict) -> list[tuple[str, str, str]]:
    """[(label, before, after)] for a history entry's changes."""
    rows = []
    for key, pair in changes.items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append((change_label(key), format_value(key, old), format_value(key, new)))
    return rows
