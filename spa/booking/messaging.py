"""Sending a message to a client: email through Django's mail backend (SMTP in
production), SMS and Zalo through an HTTP gateway configured per spa."""

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.clients.models import Channel


class DeliveryFailed(Exception):
    """The message did not go out; worth trying again later."""


class NotConfigured(Exception):
    """The channel cannot be used (no gateway, no address); retrying will not help."""


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


def send_email(to: str, subject: str, text: str) -> str:
    try:
        EmailMessage(subject=subject, body=text, to=[to]).send(fail_silently=False)
    except Exception as exc:  # SMTP errors, refused connections, timeouts
        raise DeliveryFailed(f"email: {exc}") from exc
    return f"email to {to}"


def send_gateway(channel: str, to: str, text: str, spa: SpaSettings) -> str:
    url = spa.sms_gateway_url if channel == Channel.SMS else spa.zalo_gateway_url
    token = spa.sms_gateway_token if channel == Channel.SMS else spa.zalo_gateway_token
    if not url:
        raise NotConfigured(f"no {channel} gateway configured")
    try:
        response = requests.post(
            url,
            json={"channel": channel, "to": to, "message": text},
            headers={"Authorization": f"Bearer {token}"} if token else {},
            timeout=10,
        )
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{channel}: {exc}") from exc
    if response.status_code >= 300:
        raise DeliveryFailed(
            f"{channel}: gateway answered {response.status_code} {response.text[:200]}"
        )
    return f"{channel} to {to}: {response.status_code}"
