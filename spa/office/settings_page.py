"""A page that edits one row of settings (the spa's policies, the care and campaign
rules): the form, and on a valid POST the row saved with its change in the settings
history, in one transaction. Invalid input is shown again with a 400."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from spa.office.audit import record_settings_change, snapshot


def settings_page(
    request: HttpRequest,
    *,
    allowed: bool,
    instance,
    form_class,
    template: str,
    done: str,
    context: dict | None = None,
) -> HttpResponse:
    if not allowed:
        raise PermissionDenied
    fields = list(form_class.Meta.fields)
    before = snapshot(instance, fields)
    form = form_class(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            record_settings_change(actor=request.user, obj=saved, before=before,
                                   after=snapshot(saved, fields))  # fmt: skip
        messages.success(request, _("Saved."))
        return redirect(done)
    return render(request, template, {"form": form, **(context or {})},
                  status=400 if form.errors else 200)  # fmt: skip
