"""Forms of the message settings: reminder times as durations, the SMS/Zalo gateways,
the mail server (secrets never shown back: blank keeps the stored one), message
templates checked for unknown placeholders, and the test-message forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from spa.accounts.models import SpaSettings
from spa.booking.messaging import PLACEHOLDERS, template_placeholders_unknown
from spa.booking.models import MessageChannel, MessageTemplate
from spa.clients.forms import validate_phone

MAX_REMINDERS = 4
UNITS = [("minutes", _("minutes before")), ("hours", _("hours before")), ("days", _("days before"))]
UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 1440}
LONGEST = 30 * 1440


def minutes_as_row(minutes: int) -> tuple[int, str]:
    """1440 -> (1, "days"), 120 -> (2, "hours"), 90 -> (90, "minutes")."""
    for unit in ("days", "hours"):
        if minutes % UNIT_MINUTES[unit] == 0:
            return minutes // UNIT_MINUTES[unit], unit
    return minutes, "minutes"


class ReminderTimesForm(forms.Form):
    """Up to four reminders, each "N minutes / hours / days before"; empty rows ignored."""

    def __init__(self, *args, offsets: list[int] | None = None, **kwargs):
        initial = {}
        for i, minutes in enumerate(sorted(offsets or [], reverse=True)[:MAX_REMINDERS]):
            initial[f"amount_{i}"], initial[f"unit_{i}"] = minutes_as_row(int(minutes))
        super().__init__(*args, initial=initial, **kwargs)
        for i in range(MAX_REMINDERS):
            self.fields[f"amount_{i}"] = forms.IntegerField(
                label=_("Reminder %(n)s") % {"n": i + 1}, required=False, min_value=1,
                max_value=LONGEST, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )  # fmt: skip
            self.fields[f"unit_{i}"] = forms.ChoiceField(
                label=_("Reminder %(n)s: unit") % {"n": i + 1}, choices=UNITS, initial="hours"
            )

    def rows(self):
        return [(self[f"amount_{i}"], self[f"unit_{i}"]) for i in range(MAX_REMINDERS)]

    def clean(self):
        data = super().clean()
        offsets = []
        for i in range(MAX_REMINDERS):
            amount, unit = data.get(f"amount_{i}"), data.get(f"unit_{i}")
            if amount is None or unit is None:
                continue
            minutes = amount * UNIT_MINUTES[unit]
            if minutes > LONGEST:
                self.add_error(f"amount_{i}", _("At most 30 days before."))
            elif minutes in offsets:
                self.add_error(f"amount_{i}", _("This reminder is already in the list."))
            else:
                offsets.append(minutes)
        data["offsets"] = sorted(offsets, reverse=True)
        return data


class SecretInput(forms.PasswordInput):
    """Never renders the stored value; says whether one is set."""

    def __init__(self, *, is_set: bool = False):
        placeholder = _("set: leave empty to keep it") if is_set else _("not set")
        super().__init__(render_value=False, attrs={"autocomplete": "new-password",
                                                    "placeholder": placeholder})  # fmt: skip


def _secret_field(label, is_set: bool) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=255, strip=True, widget=SecretInput(is_set=is_set),
        help_text=_("Leave empty to keep the stored one."),
    )  # fmt: skip


class SecretsMixin:
    """Blank secret = keep the stored one; the "clear" box removes it."""

    secrets: tuple[str, ...] = ()

    def _setup_secrets(self, spa: SpaSettings):
        for name in self.secrets:
            label = SpaSettings._meta.get_field(name).verbose_name
            self.fields[name] = _secret_field(capfirst(label), bool(getattr(spa, name)))
            self.fields[f"clear_{name}"] = forms.BooleanField(
                label=_("Remove the stored %(what)s") % {"what": label}, required=False
            )

    def secret_values(self, spa: SpaSettings) -> dict:
        values = {}
        for name in self.secrets:
            if self.cleaned_data.get(f"clear_{name}"):
                values[name] = ""
            elif self.cleaned_data.get(name):
                values[name] = self.cleaned_data[name]
        return values


class GatewayForm(SecretsMixin, forms.Form):
    secrets = ("sms_gateway_token", "zalo_gateway_token")
    sms_gateway_url = forms.URLField(label=_("SMS gateway URL"), required=False,
                                     assume_scheme="https")  # fmt: skip
    zalo_gateway_url = forms.URLField(label=_("Zalo gateway URL"), required=False,
                                      assume_scheme="https")  # fmt: skip

    def __init__(self, *args, spa: SpaSettings, **kwargs):
        kwargs.setdefault(
            "initial",
            {"sms_gateway_url": spa.sms_gateway_url, "zalo_gateway_url": spa.zalo_gateway_url},
        )
        super().__init__(*args, **kwargs)
        self._setup_secrets(spa)

    def values(self, spa: SpaSettings) -> dict:
        return {
            "sms_gateway_url": self.cleaned_data["sms_gateway_url"],
            "zalo_gateway_url": self.cleaned_data["zalo_gateway_url"],
            **self.secret_values(spa),
        }


class MailServerForm(SecretsMixin, forms.Form):
    secrets = ("smtp_password",)
    smtp_host = forms.CharField(
        label=_("SMTP server"), required=False, max_length=255,
        help_text=_("Empty: e-mail goes out through the server set when the product was installed."),
    )  # fmt: skip
    smtp_port = forms.IntegerField(label=_("SMTP port"), min_value=1, max_value=65535)
    smtp_user = forms.CharField(label=_("SMTP user name"), required=False, max_length=255)
    smtp_use_tls = forms.BooleanField(label=_("Use TLS (STARTTLS)"), required=False)
    smtp_from = forms.EmailField(label=_("Send e-mail from"), required=False)

    PLAIN = ("smtp_host", "smtp_port", "smtp_user", "smtp_use_tls", "smtp_from")

    def __init__(self, *args, spa: SpaSettings, **kwargs):
        kwargs.setdefault("initial", {name: getattr(spa, name) for name in self.PLAIN})
        super().__init__(*args, **kwargs)
        self._setup_secrets(spa)

    def clean_smtp_host(self):
        host = self.cleaned_data["smtp_host"].strip()
        if any(c.isspace() for c in host) or "/" in host:
            raise ValidationError(_("Just the server's name, e.g. smtp.gmail.com."))
        return host

    def clean(self):
        data = super().clean()
        if data.get("smtp_host") and not data.get("smtp_from"):
            self.add_error("smtp_from", _("Give the address e-mail is sent from."))
        return data

    def values(self, spa: SpaSettings) -> dict:
        return {**{name: self.cleaned_data[name] for name in self.PLAIN},
                **self.secret_values(spa)}  # fmt: skip


class TestPhoneForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Send through"),
        choices=[(MessageChannel.SMS, _("SMS")), (MessageChannel.ZALO, _("Zalo"))],
    )
    phone = forms.CharField(
        label=_("To the phone"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"]).e164


class TestEmailForm(forms.Form):
    email = forms.EmailField(label=_("To the e-mail address"))


def known_placeholders() -> str:
    return " ".join(f"{{{p}}}" for p in PLACEHOLDERS)


class PreviewTextarea(forms.Textarea):
    """The template's text, with its live preview beside it (htmx)."""

    template_name = "office/messages/preview_textarea.html"


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "channel", "language", "body"]
        widgets = {"body": PreviewTextarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = known_placeholders()
        self.fields["body"].help_text = _("Placeholders: %(names)s") % {"names": names}
        self.fields["body"].widget.attrs.update({
            "data-hx-post": reverse("office:messages_preview"),
            "data-hx-trigger": "input changed delay:400ms, load",
            "data-hx-target": "#template-preview",
        })  # fmt: skip

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        unknown = template_placeholders_unknown(body)
        if unknown:
            raise ValidationError(
                ngettext(
                    "Unknown placeholder: %(names)s. Use only %(known)s.",
                    "Unknown placeholders: %(names)s. Use only %(known)s.",
                    len(unknown),
                )
                % {
                    "names": ", ".join(u if u in ("{", "}") else f"{{{u}}}" for u in unknown),
                    "known": known_placeholders(),
                }  # fmt: skip
            )
        return body
