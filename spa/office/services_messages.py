"""Writes of the message settings, and the test-message sends. A change of a secret
(gateway token, SMTP password) is in the history as "changed", never its value."""

import smtplib
import socket
from datetime import timedelta

import requests
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.booking.messaging import (
    DeliveryFailed,
    NotConfigured,
    send_email,
    send_gateway,
    template_render,
)
from spa.booking.models import ReminderReason
from spa.office.audit import record_settings_change, snapshot


def spa_messaging_update(*, actor, values: dict) -> SpaSettings:
    """Set some of the spa's message settings (reminder times, gateways, mail server)."""
    fields = list(values)
    with transaction.atomic():
        SpaSettings.current()
        spa = SpaSettings.objects.select_for_update().get(pk=1)
        before = snapshot(spa, fields=fields)
        for name, value in values.items():
            setattr(spa, name, value)
        spa.save(update_fields=fields)
        record_settings_change(
            actor=actor, obj=spa, before=before, after=snapshot(spa, fields=fields)
        )
    return spa


def sample_context() -> dict:
    """A made-up appointment for previews: tomorrow at 10:00, the first active service
    and branch (no real client's name on a settings page)."""
    from spa.accounts.models import Branch
    from spa.catalog.models import Service

    start = timezone.localtime().replace(hour=10, minute=0) + timedelta(days=1)
    branch = Branch.objects.filter(is_active=True).order_by("name").first()
    service = Service.objects.filter(is_active=True).order_by("name").first()
    return {
        "name": "Lan", "time": start.strftime("%H:%M %d/%m/%Y"), "date": start.strftime("%d/%m/%Y"),
        "service": service.name if service else _("Facial"),
        "branch": branch.name if branch else _("Main branch"),
        "address": branch.address if branch else "",
    }  # fmt: skip


def template_preview(body: str) -> str:
    return template_render(body, sample_context())


def _explain(exc: Exception) -> str:
    """Why a test message did not go out, in the reader's language."""
    if isinstance(exc, NotConfigured):
        if exc.reason == "no_gateway":
            return _("No gateway is set up for this channel: save its URL first.")
        return str(dict(ReminderReason.choices).get(exc.reason, exc.reason))
    cause = exc.__cause__
    if isinstance(exc, DeliveryFailed) and exc.status is not None:
        return _("The gateway refused the message (answer %(status)s): %(answer)s") % {
            "status": exc.status, "answer": exc.answer or "—"}  # fmt: skip
    if isinstance(cause, requests.Timeout | socket.timeout | TimeoutError):
        return _("No answer in time: check the address and that the server is running.")
    if isinstance(cause, requests.ConnectionError | ConnectionError | socket.gaierror):
        return _("Could not connect: check the address and port.")
    if isinstance(cause, smtplib.SMTPAuthenticationError):
        return _("The mail server refused the user name or password.")
    if isinstance(cause, smtplib.SMTPRecipientsRefused):
        return _("The mail server refused this address.")
    if isinstance(cause, smtplib.SMTPException | OSError):
        return _("The mail server answered: %(answer)s") % {"answer": str(cause)[:300]}
    return _("Not sent: %(answer)s") % {"answer": str(exc)[:300]}


def message_test_send(*, actor, channel: str, to: str) -> tuple[bool, str]:
    """Send one test message now, through the code the reminders use. (sent?, what the
    gateway or server answered, in the reader's language)."""
    spa = SpaSettings.current()
    text = _("Test message from %(spa)s: reminders will reach clients like this.") % {
        "spa": spa.name}  # fmt: skip
    try:
        if channel == "email":
            send_email(to, _("Test message"), text, spa=spa)
            return True, _("Sent to %(to)s. Check that it arrived.") % {"to": to}
        answer = send_gateway(channel, to, text, spa)
    except (NotConfigured, DeliveryFailed) as exc:
        return False, _explain(exc)
    return True, _("Sent to %(to)s. The gateway answered %(status)s: %(answer)s") % {
        "to": to, "status": answer.status, "answer": answer.answer or "—"}  # fmt: skip
