"""Sending a message to a client: email through the spa's SMTP server (set in
Settings, else the one configured at installation), SMS and Zalo through an HTTP
gateway configured per spa. The settings pages' test buttons call these same
functions, so a test that passes means reminders will go out."""

import re

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.clients.models import Channel


class DeliveryFailed(Exception):
    """The message did not go out; worth trying again later. `status` and `answer` are
    the gateway's HTTP status and text when it answered at all."""

    def __init__(self, detail: str, *, status: int | None = None, answer: str = ""):
        super().__init__(detail)
        self.status = status
        self.answer = answer


class Delivered(str):
    """What a send returns: the line kept on the delivery attempt, plus the gateway's
    status and text for the settings pages' test buttons."""

    status: int | None = None
    answer: str = ""

    def __new__(cls, detail: str, *, status: int | None = None, answer: str = ""):
        obj = super().__new__(cls, detail)
        obj.status, obj.answer = status, answer
        return obj


class NotConfigured(Exception):
    """The channel cannot be used (no gateway, no address); retrying will not help.
    `reason` is a ReminderReason code, shown to staff in their language."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


# The placeholders a message template may use, in {braces}.
PLACEHOLDERS = ("name", "time", "date", "service", "branch", "address")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def template_placeholders_unknown(body: str) -> list[str]:
    """The {words} of `body` that are not placeholders (a stray brace counts too)."""
    unknown = [m for m in _PLACEHOLDER.findall(body) if m.strip() not in PLACEHOLDERS]
    unpaired = _PLACEHOLDER.sub("", body)
    if "{" in unpaired or "}" in unpaired:
        unknown.append("{" if "{" in unpaired else "}")
    return unknown


def template_render(body: str, context: dict) -> str:
    """Fill the placeholders; anything else is left as typed."""
    return _PLACEHOLDER.sub(lambda m: str(context.get(m.group(1).strip(), m.group(0))), body)


def appointment_context(appointment) -> dict:
    local = timezone.localtime(appointment.start)
    services = ", ".join(s.name for s in appointment.services.all())
    return {
        "name": appointment.client.given_name,
        "time": local.strftime("%H:%M %d/%m/%Y"),
        "date": local.strftime("%d/%m/%Y"),
        "service": services,
        "services": services,
        "branch": appointment.branch.name,
        "address": appointment.branch.address,
    }


def message_template_for(kind: str, channel: str, language: str):
    from spa.booking.models import MessageTemplate

    return MessageTemplate.objects.filter(
        kind=kind, channel=channel, language=language, is_active=True
    ).first()


def reminder_text(appointment, spa: SpaSettings, channel: str = "") -> tuple[str, str]:
    """(subject, text) in the client's own language: the owner's template for that
    language and channel, else the spa's reminder text, else the built-in text."""
    client = appointment.client
    context = appointment_context(appointment)
    language = client.language or settings.LANGUAGE_CODE
    template = message_template_for("reminder", channel, language) if channel else None
    with translation.override(language):
        subject = _("Appointment reminder: %(time)s") % context
        if template is not None:
            text = template_render(template.body, context)
        elif spa.message_template.strip():
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


def _mail_connection(spa: SpaSettings | None):
    """The spa's own SMTP server when the owner set one; else Django's mail backend."""
    if spa is None or not spa.smtp_host:
        return None, None
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=spa.smtp_host, port=spa.smtp_port, username=spa.smtp_user or None,
        password=spa.smtp_password or None, use_tls=spa.smtp_use_tls, timeout=15,
    )  # fmt: skip
    return connection, spa.smtp_from or None


def mail_connection(spa: SpaSettings | None):
    """An open-able connection to the spa's SMTP server (or Django's mail backend), to
    send many messages over one connection (campaigns), and the sender address."""
    connection, sender = _mail_connection(spa)
    return connection or get_connection(), sender


def send_email(
    to: str, subject: str, text: str, *, message_id: str = "", spa: SpaSettings | None = None,
    headers: dict | None = None, connection=None, sender: str | None = None,
) -> str:  # fmt: skip
    """Send through the spa's SMTP server (or Django's mail backend). A stable
    Message-ID lets the receiving side recognise a repeat of the same reminder. A
    campaign passes its own open `connection` (and `sender`) and extra `headers`."""
    if not to:
        raise NotConfigured("no_email", "no e-mail address")
    headers = dict(headers or {})
    if message_id:
        headers["Message-ID"] = f"<{message_id}@{DNS_NAME.get_fqdn()}>"
    try:
        if connection is None:
            connection, sender = _mail_connection(spa)
        EmailMessage(
            subject=subject, body=text, to=[to], headers=headers, from_email=sender,
            connection=connection,
        ).send(fail_silently=False)  # fmt: skip
    except Exception as exc:  # SMTP errors, refused connections, timeouts
        raise DeliveryFailed(f"email: {exc}") from exc
    return Delivered(f"email to {to}")


def send_gateway(
    channel: str, to: str, text: str, spa: SpaSettings, *, key: str = "", attempt: int = 1,
    session: requests.Session | None = None,
) -> str:  # fmt: skip
    """POST the message to the spa's SMS/Zalo gateway. `key` is the same for every
    attempt of one message (header Idempotency-Key and field idempotency_key), so the
    gateway can drop a repeat sent after a crash; `attempt` counts the tries. A
    campaign passes a `session` to keep the connection open between messages."""
    url = spa.sms_gateway_url if channel == Channel.SMS else spa.zalo_gateway_url
    token = spa.sms_gateway_token if channel == Channel.SMS else spa.zalo_gateway_token
    if not url:
        raise NotConfigured("no_gateway", f"no {channel} gateway configured")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if key:
        headers["Idempotency-Key"] = key
    try:
        response = (session or requests).post(
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
            f"{channel}: gateway answered {response.status_code} {response.text[:200]}",
            status=response.status_code, answer=response.text[:500],
        )  # fmt: skip
    return Delivered(
        f"{channel} to {to}: {response.status_code}",
        status=response.status_code, answer=response.text[:500],
    )  # fmt: skip
