"""Sending a message to a client: email through Django's mail backend (SMTP in
production), SMS and Zalo through an HTTP gateway configured per spa."""

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.clients.models import Channel


class DeliveryFailed(Exception):
    """The message did not go out; worth trying again later."""


class NotConfigured(Exception):
    """The channel cannot be used (no gateway, no address); retrying will not help.
    `reason` is a ReminderReason code, shown to staff in their language."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


def reminder_text(appointment, spa: SpaSettings) -> tuple[str, str]:
    """(subject, text) in the client's own language."""
    client = appointment.client
    local = timezone.localtime(appointment.start)
    context = {
        "name": client.given_name,
        "time": local.strftime("%H:%M %d/%m/%Y"),
        "services": ", ".join(s.name for s in appointment.services.all()),
        "branch": appointment.branch.name,
        "address": appointment.branch.address,
    }
    with translation.override(client.language or settings.LANGUAGE_CODE):
        subject = _("Appointment reminder: %(time)s") % context
        if spa.message_template.strip():
            text = Template(spa.message_template).render(Context(context, autoescape=False))
        else:
            text = (
                _(
                    "Hello %(name)s, this is a reminder of your appointment at %(time)s for "
                    "%(services)s at %(branch)s (%(address)s). See you soon!"
                )
                % context
            )
    return subject, text


def send_email(to: str, subject: str, text: str, *, message_id: str = "") -> str:
    """Send through Django's mail backend. A stable Message-ID lets the receiving side
    recognise a repeat of the same reminder."""
    headers = {"Message-ID": f"<{message_id}@{DNS_NAME.get_fqdn()}>"} if message_id else {}
    try:
        EmailMessage(subject=subject, body=text, to=[to], headers=headers).send(fail_silently=False)
    except Exception as exc:  # SMTP errors, refused connections, timeouts
        raise DeliveryFailed(f"email: {exc}") from exc
    return f"email to {to}"


def send_gateway(
    channel: str, to: str, text: str, spa: SpaSettings, *, key: str = "", attempt: int = 1
) -> str:
    """POST the message to the spa's SMS/Zalo gateway. `key` is the same for every
    attempt of one message (header Idempotency-Key and field idempotency_key), so the
    gateway can drop a repeat sent after a crash; `attempt` counts the tries."""
    url = spa.sms_gateway_url if channel == Channel.SMS else spa.zalo_gateway_url
    token = spa.sms_gateway_token if channel == Channel.SMS else spa.zalo_gateway_token
    if not url:
        raise NotConfigured("no_gateway", f"no {channel} gateway configured")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if key:
        headers["Idempotency-Key"] = key
    try:
        response = requests.post(
            url,
            json={"channel": channel, "to": to, "message": text, "idempotency_key": key,
                  "attempt": attempt},
            headers=headers,
            timeout=10,
        )  # fmt: skip
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{channel}: {exc}") from exc
    if response.status_code >= 300:
        raise DeliveryFailed(
            f"{channel}: gateway answered {response.status_code} {response.text[:200]}"
        )
    return f"{channel} to {to}: {response.status_code}"
