"""A settings change read as a person reads it: which record (its kind and name), the
field labels of its model, values formatted (choices by their label, money, dates)."""

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from spa.audit.presenter import EMPTY, format_value
from spa.core.money import format_money
from spa.office.audit import SECRET_CHANGED

MONEY_HINTS = ("price", "amount", "cost", "value", "threshold_spend")
# A list field whose items are codes of a choice list (e.g. a service's kinds of resource):
# "app_label.model.field" -> TextChoices. Sections register theirs.
ITEM_CHOICES: dict[str, type[models.TextChoices]] = {}

# Keys of a change that are not fields of the record's model (e.g. a staff member's
# working hours per weekday), and codes among the values of a key, registered by the
# sections modules that write them: {key: label}, {key: {code: label}}.
EXTRA_LABELS: dict[str, object] = {}
EXTRA_VALUES: dict[str, dict[str, object]] = {}


def _model_of(subject: str):
    label = subject.split(":", 1)[0]
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _value(field, value, key: str = "") -> str:
    if value == SECRET_CHANGED:
        return _("changed")
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, str) and value in EXTRA_VALUES.get(key, {}):
        return str(EXTRA_VALUES[key][value])
    name = getattr(field, "name", "")
    if name == "reminder_offsets" and isinstance(value, list):
        from spa.booking.models import duration_label

        return ", ".join(duration_label(int(m)) for m in value)
    if name in ("tier_thresholds", "tier_discounts") and isinstance(value, dict):
        from spa.clients.models import Tier

        labels = dict(Tier.choices)
        return "; ".join(
            f"{labels.get(code, code)}: "
            + (format_money(v) if name == "tier_thresholds" else f"{v}%")
            for code, v in value.items()
        )
    if field is not None:
        items = ITEM_CHOICES.get(f"{field.model._meta.label_lower}.{field.name}")
        if items is not None and isinstance(value, list):
            labels = dict(items.choices)
            return ", ".join(str(labels.get(v, v)) for v in value)
        if field.choices and not isinstance(value, list | dict):
            return str(dict(field.flatchoices).get(value, value))
        if (
            isinstance(field, models.BigIntegerField)
            and isinstance(value, int)
            and any(hint in field.name for hint in MONEY_HINTS)
        ):
            return format_money(value)
    return format_value(getattr(field, "name", ""), value)


def present_settings_entry(entry) -> tuple[str, list[tuple[str, str, str]]]:
    """(what, [(label, before, after)]) for one settings audit entry."""
    model = _model_of(entry.subject)
    kind = str(model._meta.verbose_name).capitalize() if model else _("Setting")
    what = f"{kind}: {entry.summary}" if entry.summary else kind
    rows = []
    for key, pair in entry.changes.items():
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(key)
            except Exception:  # noqa: BLE001 - a key that is not a field (a computed part)
                field = None
        if key in EXTRA_LABELS and (field is None or not hasattr(field, "verbose_name")):
            label = str(EXTRA_LABELS[key])
        elif field is not None and hasattr(field, "verbose_name"):
            label = str(field.verbose_name).capitalize()
        else:
            label = key.replace("_", " ").capitalize()
        rows.append((label, _value(field, old, key), _value(field, new, key)))
    return what, rows
