from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from spa.accounts import two_factor
from spa.accounts.models import SpaSettings


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Code from the authenticator app"), regex=r"^[0-9]{6}$",
        error_messages={"invalid": gettext_lazy("Type the 6 digits the app shows.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "autofocus": True, "maxlength": 6}),
    )  # fmt: skip


def _local_path(request: HttpRequest, target) -> str:
    """A path of this site to go back to; anything else (another site, a view name,
    words) goes to the start page."""
    target = str(target or "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return "/"
    return target


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: saved on the staff member's account, and in a
    cookie for the login page."""
    code = request.POST.get("language", "")
    supported = {c for c, _name in settings.LANGUAGES}
    response = HttpResponseRedirect(_local_path(request, request.POST.get("next")))
    if code in supported:
        if request.user.is_authenticated:
            request.user.language = code
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in member of staff's own settings: password and two-factor login."""
    return render(request, "accounts/account.html", {
        "may_use_two_factor": two_factor.may_use_two_factor(request.user),
        "has_device": two_factor.has_device(request.user),
        "required": SpaSettings.current().require_two_factor,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code with an authenticator app, then type a first code to confirm."""
    if not two_factor.may_use_two_factor(request.user):
        raise PermissionDenied
    if two_factor.has_device(request.user):
        return redirect("accounts:account")
    device = two_factor.setup_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Two-factor login is on."))
            return redirect("accounts:account")
        form.add_error("token", _("This code is not right. Type the code the app shows now."))
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr": two_factor.qr_data_uri(device), "secret": two_factor.secret_for_typing(device),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the code from the authenticator app."""
    devices = list(devices_for_user(request.user, confirmed=True))
    target = _local_path(request, request.GET.get("next") or request.POST.get("next"))
    if not devices or request.user.is_verified():
        return redirect(target)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = next((d for d in devices if d.verify_token(form.cleaned_data["token"])), None)
        if device is not None:
            otp_login(request, device)
            return redirect(target)
        form.add_error("token", _("This code is not right. Type the code the app shows now."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": target})


@login_required
@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """Turn two-factor login off (not when the spa requires it for this role)."""
    if SpaSettings.current().require_two_factor and two_factor.may_use_two_factor(request.user):
        messages.error(request, _("The spa requires two-factor login for your role."))
    else:
        for device in devices_for_user(request.user, confirmed=None):
            device.delete()
        messages.success(request, _("Two-factor login is off."))
    return redirect("accounts:account")
