"""The care settings page (owner): survey delay and expiry, low-score thresholds, lapsed
days. Every change is in the settings history."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from spa.care.forms import CareSettingsForm
from spa.care.models import CareSettings
from spa.core import access
from spa.office.settings_page import settings_page


@login_required
@require_http_methods(["GET", "POST"])
def care_settings(request: HttpRequest) -> HttpResponse:
    return settings_page(
        request, allowed=access.can_manage_care_settings(request.user),
        instance=CareSettings.current(), form_class=CareSettingsForm,
        template="care/settings.html", done="care:settings",
    )  # fmt: skip
