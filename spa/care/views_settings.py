"""The care settings page (owner): survey delay and expiry, low-score thresholds, lapsed
days. Every change is in the settings history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from spa.care.forms import CareSettingsForm
from spa.care.models import CareSettings
from spa.core import access
from spa.office.audit import record_settings_change, snapshot

FIELDS = list(CareSettingsForm.Meta.fields)


@login_required
@require_http_methods(["GET", "POST"])
def care_settings(request: HttpRequest) -> HttpResponse:
    if not access.can_manage_care_settings(request.user):
        raise PermissionDenied
    current = CareSettings.current()
    before = snapshot(current, FIELDS)
    form = CareSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            record_settings_change(actor=request.user, obj=saved, before=before,
                                   after=snapshot(saved, FIELDS))  # fmt: skip
        messages.success(request, _("Saved."))
        return redirect("care:settings")
    return render(request, "care/settings.html", {"form": form},
                  status=400 if form.errors else 200)  # fmt: skip
