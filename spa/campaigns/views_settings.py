"""The spa's campaign rules (owner): quiet hours, the frequency cap, sending speed, the
stop keyword, the default control group and the results window. Every change is in the
settings history."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import validators
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from spa.campaigns.models import CampaignRules
from spa.core import access
from spa.office.audit import record_settings_change, snapshot


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


FIELDS = list(CampaignRulesForm.Meta.fields)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_rules(request: HttpRequest) -> HttpResponse:
    if not access.can_manage_campaign_rules(request.user):
        raise PermissionDenied
    current = CampaignRules.current()
    before = snapshot(current, FIELDS)
    form = CampaignRulesForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            record_settings_change(actor=request.user, obj=saved, before=before,
                                   after=snapshot(saved, FIELDS))  # fmt: skip
        messages.success(request, _("Saved."))
        return redirect("campaigns:rules")
    return render(request, "campaigns/rules.html", {"form": form},
                  status=400 if form.errors else 200)  # fmt: skip
