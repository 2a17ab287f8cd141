"""Two-factor login for the owner and managers (django-otp, TOTP: any authenticator
app). Once a member of staff has a confirmed device, every login asks for its code
after the password; the spa can require it of the owner and managers."""

import base64
import io

import segno
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from spa.accounts.models import Role, SpaSettings, User

ROLES_WITH_TWO_FACTOR = (Role.OWNER, Role.MANAGER)
# Pages open to a signed-in user who has not given the code yet.
OPEN_PAGES = {"two_factor_verify", "two_factor_setup", "logout", "language", "login"}


def may_use_two_factor(user) -> bool:
    return user.is_authenticated and user.role in ROLES_WITH_TWO_FACTOR


def has_device(user) -> bool:
    return any(devices_for_user(user, confirmed=True))


def setup_device(user) -> TOTPDevice:
    """The user's device being set up (unconfirmed until a first code is given)."""
    with transaction.atomic():
        # Two tabs (or a double click) must not make two devices: lock the user first.
        User.objects.select_for_update().filter(pk=user.pk).first()
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id")
        device = pending.first()
        if device is None:
            return TOTPDevice.objects.create(user=user, confirmed=False, name="spa", tolerance=1)
        pending.exclude(pk=device.pk).delete()
        return device


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code, inline (no request leaves the spa)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for apps without a camera."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


class TwoFactorMiddleware:
    """A user with a device must give its code before any page; an owner or manager
    whom the spa requires to use two-factor must set it up first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        # Only the owner and managers can have a device (setup is theirs alone), so other
        # roles cost no query here.
        if user is None or not may_use_two_factor(user) or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_PAGES:
            return None
        if has_device(user):
            return redirect(reverse("accounts:two_factor_verify") + f"?next={request.path}")
        if may_use_two_factor(user) and SpaSettings.current().require_two_factor:
            return redirect("accounts:two_factor_setup")
        return None
