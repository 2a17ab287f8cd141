"""Login throttling.

- Per account (django-axes): after AXES_FAILURE_LIMIT wrong passwords the account is
  locked for a while that doubles with every further round of failures (1 minute, 2,
  4 … up to an hour).
- Per address (django-ratelimit): at most LOGIN_RATE_PER_ADDRESS login attempts from
  one address, whatever the accounts. It is not a lockout after a few failures because
  a spa's desks share one internet address: one person's typos must not lock out the
  whole staff.

The page says how long to wait, in the visitor's language; every failed login is in the
audit history."""

import math
from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import ngettext
from django_ratelimit.decorators import ratelimit

from spa.audit.models import Action
from spa.audit.services import audit_record

FIRST_WAIT_MINUTES = 1
LONGEST_WAIT_MINUTES = 60


def cool_off(request=None) -> timedelta:
    """How long a lockout lasts: doubling with every failure past the limit."""
    limit = settings.AXES_FAILURE_LIMIT
    extra = max(0, _failures(request) - limit) // limit  # doubles every further `limit`
    return timedelta(minutes=min(LONGEST_WAIT_MINUTES, FIRST_WAIT_MINUTES * 2**extra))


def _failures(request) -> int:
    """The account's failures so far. Axes clears its own count on the request before it
    asks how long a lock lasts, so the stored attempts are read here."""
    limit = settings.AXES_FAILURE_LIMIT
    known = getattr(request, "axes_failures_since_start", None)
    if known:
        return known
    username = get_client_username(request) if request is not None else None
    if not username:
        return limit
    stored = AccessAttempt.objects.filter(username=username).aggregate(
        n=Max("failures_since_start")
    )
    return stored["n"] or limit


def locked_out(request, original_response=None, credentials=None, *, minutes=None):
    """The login page again, saying how many minutes to wait (HTTP 429)."""
    minutes = minutes or max(1, math.ceil(cool_off(request).total_seconds() / 60))
    message = ngettext(
        "Too many wrong passwords. Try again in %(n)d minute.",
        "Too many wrong passwords. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}
    return render(request, "accounts/login.html", {"locked": message}, status=429)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs):
    """Failed logins are part of the audit history (who tried which account, from where)."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None, action=Action.LOGIN_FAILED, client_id=None,
        summary=f"{username} ({address})", changes={"username": username, "address": address},
    )  # fmt: skip


def address_rate(group, request) -> str:
    return settings.LOGIN_RATE_PER_ADDRESS


class LoginView(auth_views.LoginView):
    """Django's login, refused (with how long to wait) once an address has made too many
    attempts in the window."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    @method_decorator(ratelimit(key="ip", rate=address_rate, method="POST", block=False))
    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            window = settings.LOGIN_RATE_PER_ADDRESS.split("/")[1]
            return locked_out(request, minutes=_window_minutes(window))
        return super().dispatch(request, *args, **kwargs)


def _window_minutes(period: str) -> int:
    """'15m' -> 15, 'h' -> 60: the longest wait of a fixed window."""
    unit = period[-1]
    count = int(period[:-1] or 1)
    return max(1, count * {"s": 1 / 60, "m": 1, "h": 60, "d": 1440}[unit])
