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
    "confirmed_at": _("Last confirmed by the client"), "reason": _("Reason"),
    "merged_from": _("Merged from"),
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
        return {"pending": _("waiting for the client to confirm"), "confirmed": _("confirmed"),
                "discarded": _("discarded")}  # fmt: skip
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
        before, after = format_value(key, old), format_value(key, new)
        if before == after == EMPTY:
            continue  # e.g. "products used: none" — a row that says nothing
        rows.append((change_label(key), before, after))
    return rows


# --- sentences: one per kind of entry, translated, instead of the English `summary`
# the services wrote (kept in the database for the record, never shown). ---

# Record keys a sentence says in full: their row is not repeated in the changes table.
SENTENCE_KEYS = {
    "invoice", "credit_note", "prepaid_top_up", "prepaid_refund", "debt_payment", "deposit",
    "deposit_forfeited", "referral_reward", "package", "patch_test", "appointment",
    "appointment_status", "appointment_confirmed", "merged_into", "merged_from", "session",
    "logged_by", "feedback", "care",
}  # fmt: skip


def _new(changes: dict, key: str):
    pair = changes.get(key)
    if isinstance(pair, list) and len(pair) == 2:
        return pair[1]
    return pair


def _money(value) -> str:
    return format_money(value) if isinstance(value, int) else EMPTY


def _method(value) -> str:
    """A payment method inside a sentence: "by cash", not "by Cash"."""
    label = format_value("method", value) if value else EMPTY
    return label[:1].lower() + label[1:]


def _appointment_phrase(record) -> str:
    if not isinstance(record, dict):
        return EMPTY
    services = ", ".join(record.get("services") or []) or EMPTY
    text = _("%(start)s–%(end)s, %(services)s with %(technician)s") % {
        "start": record.get("start") or EMPTY, "end": record.get("end") or "",
        "services": services, "technician": record.get("technician") or EMPTY,
    }  # fmt: skip
    return text


def _sale_sentence(changes: dict) -> str:
    if invoice := _new(changes, "invoice"):
        return _(
            "Invoice %(code)s issued: total %(total)s, paid %(paid)s, debt %(debt)s."
        ) % {"code": invoice.get("code", EMPTY), "total": _money(invoice.get("total")),
             "paid": _money(invoice.get("paid")), "debt": _money(invoice.get("debt"))}  # fmt: skip
    if note := _new(changes, "credit_note"):
        return _("Credit note %(code)s issued: %(total)s.") % {
            "code": note.get("code", EMPTY), "total": _money(note.get("total"))}  # fmt: skip
    if top_up := _new(changes, "prepaid_top_up"):
        if top_up.get("bonus"):
            return _("Prepaid card topped up: %(paid)s paid by %(method)s, bonus %(bonus)s.") % {
                "paid": _money(top_up.get("paid")), "method": _method(top_up.get("method")),
                "bonus": _money(top_up.get("bonus"))}  # fmt: skip
        return _("Prepaid card topped up: %(paid)s paid by %(method)s.") % {
            "paid": _money(top_up.get("paid")), "method": _method(top_up.get("method"))}  # fmt: skip
    if refund := _new(changes, "prepaid_refund"):
        return _("Prepaid money paid back: %(amount)s by %(method)s.") % {
            "amount": _money(refund.get("amount")), "method": _method(refund.get("method"))}  # fmt: skip
    if paid := _new(changes, "debt_payment"):
        return _("Debt paid: %(amount)s by %(method)s.") % {
            "amount": _money(paid.get("amount")), "method": _method(paid.get("method"))}  # fmt: skip
    if deposit := _new(changes, "deposit"):
        return _("Deposit taken: %(amount)s by %(method)s.") % {
            "amount": _money(deposit.get("amount")), "method": _method(deposit.get("method"))}  # fmt: skip
    if kept := _new(changes, "deposit_forfeited"):
        return _("Deposit kept (the client did not come): %(amount)s.") % {
            "amount": _money(kept.get("amount"))}  # fmt: skip
    if reward := _new(changes, "referral_reward"):
        from spa.sales.models import RewardKind

        kind = dict(RewardKind.choices).get(reward.get("kind"), EMPTY)
        return _("Referral reward earned: %(kind)s, %(amount)s.") % {
            "kind": kind, "amount": _money(reward.get("amount"))}  # fmt: skip
    return str(_("Sale or payment recorded."))


def _appointment_sentence(changes: dict) -> str:
    if "appointment_status" in changes:
        old, new = (changes["appointment_status"] + [None, None])[:2]
        return _("Appointment status: %(old)s → %(new)s.") % {
            "old": format_value("appointment_status", old),
            "new": format_value("appointment_status", new)}  # fmt: skip
    if "appointment_confirmed" in changes:
        return str(_("Online booking confirmed."))
    pair = changes.get("appointment")
    if isinstance(pair, list) and pair[0]:
        return _("Appointment moved from %(old)s to %(new)s.") % {
            "old": _appointment_phrase(pair[0]), "new": _appointment_phrase(pair[1])}  # fmt: skip
    return _("Appointment booked: %(when)s.") % {
        "when": _appointment_phrase(_new(changes, "appointment"))
    }


def _consent_sentence(changes: dict) -> str:
    for key in changes:
        new = _new(changes, key)
        if key.startswith("consent_request_"):
            channel = _channel(key.rsplit("_", 1)[1])
            if new == "discarded":
                return _("Online request for %(channel)s messages discarded.") % {
                    "channel": channel
                }
            return _("%(channel)s messages requested online, waiting for confirmation.") % {
                "channel": channel}  # fmt: skip
        if key.startswith("consent_") and isinstance(new, dict):
            from spa.clients.models import ConsentMethod

            values = {"channel": _channel(key.split("_", 1)[1]),
                      "method": dict(ConsentMethod.choices).get(new.get("method"), EMPTY)}  # fmt: skip
            if new.get("granted"):
                return _("Agrees to %(channel)s messages (%(method)s).") % values
            return _("No longer wants %(channel)s messages (%(method)s).") % values
    return str(_("Marketing consent changed."))


def _labels(changes: dict) -> str:
    return ", ".join(change_label(key) for key in changes if key not in SENTENCE_KEYS)


def entry_sentence(entry) -> str:
    """What happened, as one sentence in the reader's language (from the entry's kind and
    its recorded changes, never from the English `summary`)."""
    from spa.audit.models import Action

    changes = entry.changes or {}
    action = entry.action
    if action == Action.CREATE:
        return str(_("Profile created."))
    if action == Action.UPDATE:
        return _("Changed: %(fields)s.") % {"fields": _labels(changes) or EMPTY}
    if action == Action.HEALTH:
        return str(_("Health section updated."))
    if action == Action.CONSENT:
        return _consent_sentence(changes)
    if action == Action.PHOTO:
        return str(_("Profile photo changed."))
    if action == Action.MERGE:
        source = _new(changes, "merged_from")
        if source:
            return _("Profile #%(id)s was merged into this one; nothing was lost.") % {"id": source}
        return str(_("Another profile was merged into this one; nothing was lost."))
    if action == Action.MERGED_AWAY:
        return _("This profile was merged into profile #%(id)s.") % {
            "id": _new(changes, "merged_into") or EMPTY}  # fmt: skip
    if action == Action.DELETE:
        return str(_("Profile erased at the client's request."))
    if action == Action.EXPORT:
        return str(_("Client list exported."))
    if action == Action.SESSION:
        services = format_value("services", _new(changes, "services"))
        if package := _new(changes, "package"):
            return _("Treatment logged: %(services)s (package %(package)s).") % {
                "services": services, "package": package}  # fmt: skip
        return _("Treatment logged: %(services)s.") % {"services": services}
    if action == Action.OVERRIDE:
        # The reason is the manager's own words, shown as typed.
        return _("A manager overrode a safety warning for the session logged by %(who)s. "
                 "Reason: %(reason)s") % {"who": _new(changes, "logged_by") or EMPTY,
                                         "reason": entry.summary or EMPTY}  # fmt: skip
    if action == Action.PACKAGE:
        package = _new(changes, "package") or {}
        return _("Package sold: %(name)s, %(sessions)s sessions, %(price)s.") % {
            "name": package.get("name", EMPTY), "sessions": package.get("sessions", EMPTY),
            "price": _money(package.get("price"))}  # fmt: skip
    if action == Action.PATCH_TEST:
        from spa.treatments.models import PatchResult

        test = _new(changes, "patch_test") or {}
        return _("Patch test on %(date)s: %(result)s.") % {
            "date": format_value("tested_on", test.get("tested_on")),
            "result": dict(PatchResult.choices).get(test.get("result"), EMPTY)}  # fmt: skip
    if action == Action.APPOINTMENT:
        return _appointment_sentence(changes)
    if action == Action.SALE:
        return _sale_sentence(changes)
    if action == Action.LOGIN_FAILED:
        return str(_("Failed login."))
    if action == Action.IMPORT:
        return _import_sentence(entry)
    if action in (Action.FEEDBACK, Action.CARE):
        from spa.care import history

        if action == Action.FEEDBACK:
            return history.feedback_sentence(changes)
        return history.care_sentence(changes)
    return str(entry.get_action_display())


def _import_sentence(entry) -> str:
    from spa.audit.models import IMPORT_MARK

    parts = (entry.summary or "").split(IMPORT_MARK)
    if parts[0] == "import" and len(parts) == 4:
        return _("Imported from %(file)s, sheet %(sheet)s, row %(row)s.") % {
            "file": parts[1], "sheet": parts[2], "row": parts[3]}  # fmt: skip
    if parts[0] == "import-undone" and len(parts) == 2:
        return _("Import of %(file)s undone: what it added was taken back.") % {"file": parts[1]}
    return str(_("Imported from the old records."))


def entry_table(entry) -> dict:
    """The changes its sentence does not already say, for the before/after table."""
    from spa.audit.models import Action

    said = SENTENCE_KEYS | ({"services"} if entry.action == Action.SESSION else set())
    if entry.action == Action.CONSENT:
        said = said | {k for k in entry.changes or {} if k.startswith("consent")}
    return {key: pair for key, pair in (entry.changes or {}).items() if key not in said}
