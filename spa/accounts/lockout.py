"""Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
account, or from one address, logins are refused for a while that doubles with every
further failure (1 minute, 2, 4 … up to an hour). The page says how long, in the
visitor's language; every failed login is in the audit history."""

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import ngettext

from spa.audit.models import Action
from spa.audit.services import audit_record

FIRST_WAIT_MINUTES = 1
LONGEST_WAIT_MINUTES = 60


def cool_off(request=None) -> timedelta:
    """How long a lockout lasts: doubling with every failure past the limit."""
    failures = getattr(request, "axes_failures_since_start", None) or settings.AXES_FAILURE_LIMIT
    extra = max(0, failures - settings.AXES_FAILURE_LIMIT)
    return timedelta(minutes=min(LONGEST_WAIT_MINUTES, FIRST_WAIT_MINUTES * 2**extra))


def locked_out(request, original_response=None, credentials=None):
    """The login page again, saying how many minutes to wait (HTTP 429)."""
    minutes = max(1, math.ceil(cool_off(request).total_seconds() / 60))
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
