"""The campaign builder's forms: the campaign itself (audience, branch, offer, control
group, schedule), its texts per channel and language, and an automation's settings.
They read what was typed; spa.campaigns.editing checks it whole and saves it."""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from spa.accounts.models import Branch
from spa.campaigns.editing import CHANNELS, LANGUAGES, SMS_MAX, CampaignInput, TextInput
from spa.campaigns.models import Campaign, CampaignRules, Trigger
from spa.catalog.models import Service
from spa.clients.forms import DATE_WIDGET
from spa.clients.models import Tier
from spa.core import access
from spa.core.forms import IdChoiceField
from spa.core.money import current_currency
from spa.office.forms_money import MoneyField
from spa.reports.forms_segments import SegmentForm, form_initial
from spa.reports.segments import SegmentDefinition, segments_visible_to

AUDIENCE_PREFIX = "aud"
CHANNEL_LABELS = {"email": _("E-mail"), "sms": _("SMS"), "zalo": _("Zalo")}
LANGUAGE_LABELS = {"vi": _("Vietnamese"), "en": _("English"), "zh-hans": _("Chinese")}
RADIO = forms.RadioSelect


class AudienceForm(SegmentForm):
    """The segment builder's filters, under a prefix so they sit beside the campaign's."""

    def __init__(self, data=None, *, user, initial=None):
        super().__init__(data, user=user, initial=initial)
        self.prefix = AUDIENCE_PREFIX
        del self.fields["name"], self.fields["description"]


class OfferMixin(forms.Form):
    offer = forms.ChoiceField(
        label=_("Offer"), widget=RADIO, initial="none",
        choices=[("none", _("No offer")), ("percent", _("A discount in %")),
                 ("amount", _("A discount amount"))],
    )  # fmt: skip
    offer_percent = forms.IntegerField(label=_("Discount (%)"), min_value=1, max_value=100,
                                       required=False)  # fmt: skip
    offer_valid_days = forms.IntegerField(label=_("Voucher valid for (days)"), min_value=1,
                                          max_value=365, initial=30)  # fmt: skip
    offer_uses = forms.IntegerField(label=_("Uses per voucher"), min_value=1, max_value=100,
                                    initial=1)  # fmt: skip
    control_percent = forms.IntegerField(
        label=_("Control group (%)"), min_value=0, max_value=50,
        help_text=_("This share of the clients gets nothing, so the results can show what the "
                    "campaign changed."),
    )  # fmt: skip

    def add_money(self):
        self.fields["offer_amount"] = MoneyField(label=_("Discount amount"),
                                                 currency=current_currency(), required=False,
                                                 max_value=100_000_000)  # fmt: skip
        self.fields["offer_amount"].widget.attrs["placeholder"] = _("e.g. 200.000")

    def clean(self):
        data = super().clean()
        offer = data.get("offer")
        if offer == "percent" and not data.get("offer_percent"):
            self.add_error("offer_percent", _("Enter the discount in %."))
        if offer == "amount" and not data.get("offer_amount"):
            self.add_error("offer_amount", _("Enter the discount amount."))
        return data

    def offer_values(self) -> dict:
        data = self.cleaned_data
        offer = data.get("offer")
        return {
            "offer_percent": data.get("offer_percent") or 0 if offer == "percent" else 0,
            "offer_amount": data.get("offer_amount") or 0 if offer == "amount" else 0,
            "offer_valid_days": data.get("offer_valid_days") or 30,
            "offer_uses": data.get("offer_uses") or 1,
            "control_percent": data.get("control_percent"),
        }


def offer_initial(campaign: Campaign | None) -> dict:
    if campaign is None:
        return {"control_percent": CampaignRules.current().control_percent}
    offer = "percent" if campaign.offer_percent else "amount" if campaign.offer_amount else "none"
    return {
        "offer": offer, "offer_percent": campaign.offer_percent or None,
        "offer_amount": campaign.offer_amount or None,
        "offer_valid_days": campaign.offer_valid_days, "offer_uses": campaign.offer_uses,
        "control_percent": campaign.control_percent,
    }  # fmt: skip


class CampaignForm(OfferMixin, forms.Form):
    name = forms.CharField(label=_("Campaign name"), max_length=120)
    audience = forms.ChoiceField(
        label=_("Who gets it"), widget=RADIO, initial="segment",
        choices=[("segment", _("A saved segment")), ("filters", _("Choose filters here"))],
    )  # fmt: skip
    segment = IdChoiceField(label=_("Saved segment"), queryset=None, required=False,
                            empty_label=pgettext_lazy("choose", "Choose…"))  # fmt: skip
    branch = IdChoiceField(label=_("Branch"), queryset=Branch.objects.none(), required=False,
                           empty_label=_("Every branch"))  # fmt: skip
    when = forms.ChoiceField(label=_("When"), widget=RADIO, initial="now",
                             choices=[("now", _("Send now")), ("later", _("At a set time"))])  # fmt: skip
    send_date = forms.DateField(label=_("Day"), required=False, widget=DATE_WIDGET)
    send_time = forms.TimeField(label=_("Time"), required=False,
                                widget=forms.TimeInput(attrs={"placeholder": "09:00"}))  # fmt: skip
    link_url = forms.URLField(label=_("Link"), required=False, max_length=200, assume_scheme="https",
                              help_text=_("Where {link} leads (empty: the online booking page)."))  # fmt: skip

    def __init__(self, data=None, *, user, initial=None):
        super().__init__(data, initial=initial)
        self.user = user
        self.add_money()
        self.fields["segment"].queryset = segments_visible_to(user).order_by("name")
        if access.campaign_branch_ids(user) is None:
            self.fields["branch"].queryset = Branch.objects.filter(is_active=True)
        else:
            del self.fields["branch"]  # a manager's campaigns are their branch's

    def clean(self):
        data = super().clean()
        if data.get("audience") == "segment" and not data.get("segment"):
            self.add_error("segment", _("Choose a saved segment, or choose filters here."))
        if data.get("when") == "later":
            if not data.get("send_date"):
                self.add_error("send_date", _("Enter the day (dd/mm/yyyy)."))
            if not data.get("send_time"):
                self.add_error("send_time", _("Enter the time (hh:mm)."))
        return data

    def branch_value(self) -> Branch | None:
        if "branch" in self.fields:
            return self.cleaned_data.get("branch")
        return self.user.branch

    def scheduled_at(self):
        data = self.cleaned_data
        if data.get("when") != "later" or not data.get("send_date") or not data.get("send_time"):
            return None
        return timezone.make_aware(datetime.combine(data["send_date"], data["send_time"]))

    def to_input(self, audience: AudienceForm) -> CampaignInput:
        data = self.cleaned_data
        by_segment = data.get("audience") == "segment"
        return CampaignInput(
            name=data.get("name", ""), segment=data.get("segment") if by_segment else None,
            definition={} if by_segment else audience.definition().to_json(),
            branch=self.branch_value(), scheduled_at=self.scheduled_at(),
            link_url=data.get("link_url") or "", **self.offer_values(),
        )  # fmt: skip


def campaign_initial(campaign: Campaign | None) -> dict:
    initial = offer_initial(campaign)
    if campaign is None:
        return initial
    local = timezone.localtime(campaign.scheduled_at) if campaign.scheduled_at else None
    return {
        **initial, "name": campaign.name,
        "audience": "segment" if campaign.segment_id else "filters",
        "segment": campaign.segment_id, "branch": campaign.branch_id,
        "when": "later" if local else "now", "send_date": local.date() if local else None,
        "send_time": local.strftime("%H:%M") if local else None, "link_url": campaign.link_url,
    }  # fmt: skip


def audience_initial(campaign: Campaign | None) -> dict:
    if campaign is None or campaign.segment_id:
        return {}
    return form_initial(SegmentDefinition.from_json(campaign.definition or {}))


class TextsForm(forms.Form):
    """One text per channel and language (an e-mail has a subject too); empty: none."""

    def __init__(self, data=None, *, initial=None):
        super().__init__(data, initial=initial)
        for channel in CHANNELS:
            for language in LANGUAGES:
                key = f"{channel}_{language}"
                where = f"{CHANNEL_LABELS[channel]} · {LANGUAGE_LABELS[language]}"
                if channel == "email":
                    self.fields[f"{key}_subject"] = forms.CharField(
                        label=_("Subject (%(where)s)") % {"where": where}, max_length=150,
                        required=False,
                    )  # fmt: skip
                self.fields[f"{key}_body"] = forms.CharField(
                    label=_("Text (%(where)s)") % {"where": where}, required=False,
                    max_length=5000 if channel == "email" else SMS_MAX,
                    widget=forms.Textarea(attrs={"rows": 4 if channel == "email" else 3}),
                )  # fmt: skip

    def blocks(self):
        """[(channel label, [(language label, subject field or None, body field)])]."""
        out = []
        for channel in CHANNELS:
            rows = []
            for language in LANGUAGES:
                key = f"{channel}_{language}"
                subject = self[f"{key}_subject"] if channel == "email" else None
                rows.append((LANGUAGE_LABELS[language], subject, self[f"{key}_body"]))
            out.append((CHANNEL_LABELS[channel], rows))
        return out

    def texts(self) -> list[TextInput]:
        data = getattr(self, "cleaned_data", {})
        return [
            TextInput(
                channel=channel,
                language=language,
                body=data.get(f"{channel}_{language}_body") or "",
                subject=data.get(f"{channel}_{language}_subject") or "",
            )  # fmt: skip
            for channel in CHANNELS
            for language in LANGUAGES
        ]


def texts_initial(campaign: Campaign | None, defaults: dict | None = None) -> dict:
    initial = {}
    if campaign is not None:
        for m in campaign.messages.all():
            initial[f"{m.channel}_{m.language}_body"] = m.body
            initial[f"{m.channel}_{m.language}_subject"] = m.subject
    elif defaults:
        for (channel, language), (subject, body) in defaults.items():
            initial[f"{channel}_{language}_body"] = body
            initial[f"{channel}_{language}_subject"] = subject
    return initial


class AutomationForm(OfferMixin, forms.Form):
    switched_on = forms.BooleanField(label=_("Switched on"), required=False)
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger_days = forms.IntegerField(label=_("Days"), min_value=0, max_value=365)
    trigger_tier = forms.ChoiceField(label=_("Tier"), required=False,
                                     choices=[("", pgettext_lazy("choose", "Choose…")), *Tier.choices])  # fmt: skip
    trigger_service = IdChoiceField(label=_("Service"), queryset=None, required=False,
                                    empty_label=pgettext_lazy("choose", "Choose…"))  # fmt: skip

    def __init__(self, data=None, *, trigger: str, days_label, initial=None):
        super().__init__(data, initial=initial)
        self.trigger = trigger
        self.add_money()
        self.fields["trigger_days"].label = days_label
        self.fields["trigger_service"].queryset = Service.objects.filter(is_active=True).order_by(
            "name"
        )
        if trigger != Trigger.TIER:
            del self.fields["trigger_tier"]
        if trigger != Trigger.CARE_TIPS:
            del self.fields["trigger_service"]

    def to_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            name=data.get("name", ""), trigger_days=data.get("trigger_days"),
            trigger_tier=data.get("trigger_tier") or "",
            trigger_service=data.get("trigger_service"), **self.offer_values(),
        )  # fmt: skip


def automation_initial(campaign: Campaign | None, *, name, days) -> dict:
    initial = offer_initial(campaign)
    if campaign is None:
        return {**initial, "name": name, "trigger_days": days}
    return {
        **initial, "name": campaign.name, "trigger_days": campaign.trigger_days,
        "trigger_tier": campaign.trigger_tier, "trigger_service": campaign.trigger_service_id,
        "switched_on": campaign.status == "active",
    }  # fmt: skip


class TestSendForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=list(CHANNEL_LABELS.items()))
    language = forms.ChoiceField(label=_("Language"), choices=list(LANGUAGE_LABELS.items()))
    phone = forms.CharField(label=_("Your phone (for SMS and Zalo)"), max_length=30,
                            required=False)  # fmt: skip
