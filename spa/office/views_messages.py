"""Settings → Messages: when reminders go out, the SMS/Zalo gateways and the mail
server (each with a test button that sends now, through the reminders' own code),
and the live preview of a message template (the templates are a section,
spa/office/sections/messages.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from spa.accounts.models import SpaSettings
from spa.booking.messaging import template_placeholders_unknown
from spa.core import access
from spa.office.forms_messages import (
    GatewayForm,
    MailServerForm,
    ReminderTimesForm,
    TestEmailForm,
    TestPhoneForm,
)
from spa.office.services_messages import message_test_send, spa_messaging_update, template_preview


def _require_owner(request: HttpRequest) -> None:
    if not access.can_manage_message_settings(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def reminder_times(request: HttpRequest) -> HttpResponse:
    _require_owner(request)
    spa = SpaSettings.current()
    form = ReminderTimesForm(request.POST or None, offsets=spa.reminder_offsets or [])
    if request.method == "POST" and form.is_valid():
        spa_messaging_update(actor=request.user, values={
            "reminder_offsets": form.cleaned_data["offsets"]})  # fmt: skip
        messages.success(request, _("Saved."))
        return redirect("office:messages_reminders")
    return render(request, "office/messages/reminders.html", {"form": form})


def _channel_page(request, *, kind: str, form=None, test_form=None, result=None, status=200):
    spa = SpaSettings.current()
    if kind == "gateways":
        form = form or GatewayForm(spa=spa)
        test_form = test_form or TestPhoneForm()
        template = "office/messages/gateways.html"
    else:
        form = form or MailServerForm(spa=spa)
        test_form = test_form or TestEmailForm()
        template = "office/messages/email.html"
    return render(request, template, {
        "form": form, "test_form": test_form, "result": result, "spa": spa,
        "installed_mail": settings.EMAIL_HOST,
    }, status=status)  # fmt: skip


def _channel_save(request: HttpRequest, *, kind: str, form_class, url_name: str) -> HttpResponse:
    """The gateways page and the mail-server page: the same save, each its own form."""
    _require_owner(request)
    if request.method == "POST":
        spa = SpaSettings.current()
        form = form_class(request.POST, spa=spa)
        if form.is_valid():
            spa_messaging_update(actor=request.user, values=form.values(spa))
            messages.success(request, _("Saved."))
            return redirect(url_name)
        return _channel_page(request, kind=kind, form=form)
    return _channel_page(request, kind=kind)


@login_required
@require_http_methods(["GET", "POST"])
def gateways(request: HttpRequest) -> HttpResponse:
    return _channel_save(request, kind="gateways", form_class=GatewayForm,
                         url_name="office:messages_gateways")  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def mail_server(request: HttpRequest) -> HttpResponse:
    return _channel_save(request, kind="email", form_class=MailServerForm,
                         url_name="office:messages_email")  # fmt: skip


def _test_rate(group, request) -> str:
    """Test sends a minute per owner: each one is a real message someone may pay for."""
    return getattr(settings, "MESSAGE_TEST_RATE", "10/m")


@login_required
@require_POST
@ratelimit(key="user", rate=_test_rate, method="POST", block=False)
def send_test(request: HttpRequest, kind: str) -> HttpResponse:
    """Send one test message now and show what the gateway or server answered."""
    _require_owner(request)
    form = TestPhoneForm(request.POST) if kind == "gateways" else TestEmailForm(request.POST)
    if getattr(request, "limited", False):
        result = (False, _("Too many test messages: wait a minute and try again."))
        return _channel_page(request, kind=kind, test_form=form, result=result, status=429)
    if not form.is_valid():
        return _channel_page(request, kind=kind, test_form=form)
    if kind == "gateways":
        channel, to = form.cleaned_data["channel"], form.cleaned_data["phone"]
    else:
        channel, to = "email", form.cleaned_data["email"]
    result = message_test_send(actor=request.user, channel=channel, to=to)
    return _channel_page(request, kind=kind, test_form=form, result=result)


@login_required
@require_POST
def template_preview_part(request: HttpRequest) -> HttpResponse:
    """The template's text filled in for a made-up appointment (htmx, as it is typed)."""
    _require_owner(request)
    body = request.POST.get("body", "")[:5000]
    unknown = template_placeholders_unknown(body)
    return render(request, "office/messages/preview.html", {
        "text": template_preview(body) if body.strip() and not unknown else "",
        "unknown": [u if u in ("{", "}") else f"{{{u}}}" for u in unknown],
    })  # fmt: skip
