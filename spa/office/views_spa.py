"""The spa's own policies (owner): its name, what technicians see, the allergy block,
online booking, two-factor login, the agenda hour, the health re-confirmation period."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from spa.accounts.models import SpaSettings
from spa.core import access
from spa.office.settings_page import settings_page

POLICY_FIELDS = [
    "name", "technicians_see_minimum", "allergen_conflict_blocks", "online_booking",
    "require_two_factor", "agenda_hour", "health_reconfirm_days",
]  # fmt: skip


class SpaPolicyForm(forms.ModelForm):
    class Meta:
        model = SpaSettings
        fields = POLICY_FIELDS

    def clean_agenda_hour(self):
        hour = self.cleaned_data["agenda_hour"]
        if not 0 <= hour <= 23:
            raise forms.ValidationError(_("An hour of the day: 0 to 23."))
        return hour


@login_required
@require_http_methods(["GET", "POST"])
def spa_policies(request: HttpRequest) -> HttpResponse:
    return settings_page(
        request, allowed=access.can_manage_spa(request.user), instance=SpaSettings.current(),
        form_class=SpaPolicyForm, template="office/spa.html", done="office:spa",
    )  # fmt: skip
