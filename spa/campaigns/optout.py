"""Opting out of marketing: the consent record is written at once (method opt_out), so
the next claim of any campaign sees the withdrawal."""

from django.db import transaction
from django.utils import timezone

from spa.campaigns.models import CampaignRules, Recipient, RecipientStatus
from spa.clients.models import ClientPhone, ConsentMethod
from spa.clients.services import client_consent_record
from spa.core.phone import InvalidPhone, parse_phone


def recipient_opt_out(recipient: Recipient) -> bool:
    """The client of this message opts out of its channel (email if none was chosen).
    Repeating it changes nothing; True if it was recorded now."""
    with transaction.atomic():
        r = Recipient.objects.select_for_update(of=("self",)).select_related("client").get(pk=recipient.pk)
        if r.opted_out_at is not None:
            return False
        channel = r.channel or "email"
        if r.client is not None:
            client_consent_record(
                actor=None, client=r.client, channel=channel, granted=False,
                method=ConsentMethod.OPT_OUT, note=f"campaign {r.campaign_id}",
            )  # fmt: skip
        Recipient.objects.filter(pk=r.pk).update(
            status=RecipientStatus.OPTED_OUT, opted_out_at=timezone.now()
        )
    return True


def phone_reply(channel: str, sender: str, text: str) -> int:
    """A reply to an SMS/Zalo message: the stop keyword opts out every client with that
    phone number from marketing on the channel. How many clients were opted out."""
    keyword = CampaignRules.current().stop_keyword.strip().casefold()
    if not keyword or text.strip().casefold() != keyword:
        return 0
    try:
        e164 = parse_phone(sender).e164
    except InvalidPhone:
        return 0
    stopped = 0
    phones = ClientPhone.objects.filter(e164=e164).select_related("client")
    for phone in phones:
        client = phone.client
        with transaction.atomic():
            client_consent_record(
                actor=None, client=client, channel=channel, granted=False,
                method=ConsentMethod.OPT_OUT, note=f"replied {text.strip()[:20]}",
            )  # fmt: skip
            # Their latest message on the channel is the one they answered.
            last = (
                Recipient.objects.filter(client=client, channel=channel, sent_at__isnull=False)
                .order_by("-sent_at").first()
            )  # fmt: skip
            if last is not None and last.opted_out_at is None:
                Recipient.objects.filter(pk=last.pk).update(
                    status=RecipientStatus.OPTED_OUT, opted_out_at=timezone.now()
                )
        stopped += 1
    return stopped
