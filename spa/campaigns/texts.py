"""The words of a campaign's message for one recipient: the placeholders, how the
client is addressed, and the opt-out every marketing message carries."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

PLACEHOLDERS = ("name", "voucher", "branch", "expiry", "link", "stop")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Shown in a preview where the real code is made only when the message goes out.
SAMPLE_VOUCHER = "ABCD-2345"


def placeholders_unknown(body: str) -> list[str]:
    """The {words} of `body` that are not placeholders (a stray brace counts too)."""
    unknown = [m for m in _PLACEHOLDER.findall(body) if m.strip() not in PLACEHOLDERS]
    unpaired = _PLACEHOLDER.sub("", body)
    if "{" in unpaired or "}" in unpaired:
        unknown.append("{" if "{" in unpaired else "}")
    return unknown


def _render(body: str, context: dict) -> str:
    return _PLACEHOLDER.sub(lambda m: str(context.get(m.group(1).strip(), m.group(0))), body)


def _surname(full_name: str) -> str:
    name = full_name.strip()
    if " " in name:
        return name.split()[0]
    return name[:1]  # a Chinese name written without spaces: the surname is its first sign


def addressed_as(client, language: str) -> str:
    """How a message greets the client, by the customs of the message's language:
    Vietnamese "chị Hoa" / "anh Nam" (else the given name), English the given name,
    Chinese the surname and 女士 / 先生 (else the full name). These forms belong to each
    language, so they are written here rather than translated."""
    given = client.given_name or client.full_name
    gender = client.gender or ""
    if language.startswith("zh"):
        suffix = {"female": "女士", "male": "先生"}.get(gender)
        return _surname(client.full_name) + suffix if suffix else client.full_name
    if language == "vi":
        prefix = {"female": "chị", "male": "anh"}.get(gender)
        return f"{prefix} {given}" if prefix else given
    return given


def public_url(path: str) -> str:
    return settings.SITE_URL + path


def click_url(token: str) -> str:
    return public_url(reverse("campaign_public:click", args=[token]))


def stop_url(token: str) -> str:
    return public_url(reverse("campaign_public:stop", args=[token]))


def message_for(campaign, channel: str, language: str):
    """The campaign's text for this channel and language, or None."""
    cache = getattr(campaign, "_texts", None)
    if cache is None:
        cache = {(m.channel, m.language): m for m in campaign.messages.all()}
        campaign._texts = cache
    return cache.get((channel, language))


def stop_words(channel: str, token: str, keyword: str) -> str:
    """{stop}: the opt-out link (email), or the keyword to reply and the link (SMS, Zalo).
    Call inside the message's language."""
    if channel == "email":
        return stop_url(token)
    return _("Reply %(keyword)s to stop: %(url)s") % {"keyword": keyword, "url": stop_url(token)}


def recipient_text(recipient, *, campaign=None, client=None, channel=None, language=None):
    """(subject, text) of the recipient's message, in the client's language, for the
    recipient's channel; works on an unsaved Recipient (the preview). ("", "") when the
    campaign has no text for that channel and language. The text always ends with an
    opt-out, even when the template forgot {stop}."""
    from spa.campaigns.models import CampaignRules

    campaign = campaign or recipient.campaign
    client = client or recipient.client
    language = language or recipient.language or getattr(client, "language", "") or "vi"
    channel = channel or recipient.channel or getattr(client, "preferred_channel", "") or "email"
    message = message_for(campaign, channel, language)
    if message is None or client is None:
        return "", ""
    rules = getattr(campaign, "_rules", None) or CampaignRules.current()
    voucher = recipient.voucher if recipient.voucher_id else None
    branch = campaign.branch if campaign.branch_id else client.branch
    with translation.override(language):
        if voucher is not None:
            code, until = voucher.code, voucher.valid_until
        elif campaign.has_offer:
            code, until = SAMPLE_VOUCHER, None
        else:
            code, until = "", None
        context = {
            "name": addressed_as(client, language),
            "voucher": code,
            "branch": branch.name,
            "expiry": until.strftime("%d/%m/%Y") if until else "",
            "link": click_url(recipient.token),
            "stop": stop_words(channel, recipient.token, rules.stop_keyword),
        }
        text = _render(message.body, context).strip()
        if "{stop}" not in message.body.replace(" ", ""):
            if channel == "email":
                ending = _("To stop receiving these messages: %(url)s") % {
                    "url": stop_url(recipient.token)
                }
            else:
                ending = context["stop"]
            text = f"{text}\n\n{ending}" if channel == "email" else f"{text}\n{ending}"
        subject = _render(message.subject, context).strip() if message.subject else campaign.name
    return subject, text
