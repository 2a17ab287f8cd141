"""The spa's campaign rules (owner): quiet hours, the frequency cap, sending speed, the
stop keyword, the default control group and the results window. Every change is in the
settings history."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core import validators
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from spa.campaigns.models import CampaignRules
from spa.core import access
from spa.office.settings_page import settings_page


class CampaignRulesForm(forms.ModelForm):
    class Meta:
        model = CampaignRules
        fields = ["quiet_from", "quiet_until", "cap_messages", "cap_days", "control_percent",
                  "attribution_days", "stop_keyword", "email_per_second", "sms_per_second",
                  "zalo_per_second"]  # fmt: skip
        widgets = {
            "quiet_from": forms.TimeInput(format="%H:%M", attrs={"placeholder": "21:00"}),
            "quiet_until": forms.TimeInput(format="%H:%M", attrs={"placeholder": "08:00"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = {"cap_messages": (1, 50), "cap_days": (1, 90), "control_percent": (0, 50),
                  "attribution_days": (1, 180), "email_per_second": (1, 10_000),
                  "sms_per_second": (1, 10_000), "zalo_per_second": (1, 10_000)}  # fmt: skip
        for name, (low, high) in limits.items():
            self.fields[name].min_value = low
            self.fields[name].max_value = high
            self.fields[name].validators += [
                validators.MinValueValidator(low), validators.MaxValueValidator(high)]  # fmt: skip
            self.fields[name].widget.attrs.update({"min": low, "max": high})

    def clean_stop_keyword(self):
        word = " ".join(self.cleaned_data["stop_keyword"].split()).upper()
        if not word or " " in word:
            raise forms.ValidationError(_("One word, e.g. TC."))
        return word


@login_required
@require_http_methods(["GET", "POST"])
def campaign_rules(request: HttpRequest) -> HttpResponse:
    return settings_page(
        request, allowed=access.can_manage_campaign_rules(request.user),
        instance=CampaignRules.current(), form_class=CampaignRulesForm,
        template="campaigns/rules.html", done="campaigns:rules",
    )  # fmt: skip
