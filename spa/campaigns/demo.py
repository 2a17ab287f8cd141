"""The demo spa's campaigns (called by seed_demo): a finished birthday campaign of the
Quận 1 branch whose recipients went through the real send-time rules (some sent, some
not sent with their reason, a control group), and the birthday automation set up but
switched off, so the campaign pages are not empty on a fresh start."""

from datetime import timedelta

from django.utils import timezone

from spa.campaigns.audience import control_ids
from spa.campaigns.defaults import DEFAULT_DAYS, default_texts
from spa.campaigns.models import (
    Campaign,
    CampaignRules,
    Kind,
    Message,
    Recipient,
    RecipientStatus,
    Status,
    Trigger,
)
from spa.campaigns.rules import decide, facts_for
from spa.campaigns.vouchers import vouchers_issue
from spa.clients.models import Client

DEMO_RECIPIENTS = 60


def _texts(campaign: Campaign, trigger: str) -> None:
    Message.objects.bulk_create(
        Message(campaign=campaign, channel=channel, language=language, subject=subject, body=body)
        for (channel, language), (subject, body) in default_texts(trigger).items()
    )


def seed_campaigns(staff: dict) -> None:
    manager, owner = staff["quanly.q1"], staff["chu"]
    now = timezone.now()
    started = now - timedelta(days=12)
    campaign = Campaign.objects.create(
        name="Chúc mừng sinh nhật tháng này", kind=Kind.ONCE, status=Status.DONE,
        branch=manager.branch, created_by=manager, offer_percent=20, offer_valid_days=30,
        control_percent=10, started_at=started, finished_at=started + timedelta(minutes=5),
    )  # fmt: skip
    _texts(campaign, Trigger.BIRTHDAY)
    clients = list(
        Client.objects.filter(branch=manager.branch, merged_into__isnull=True).order_by("pk")[
            :DEMO_RECIPIENTS
        ]
    )
    ids = [c.pk for c in clients]
    held = control_ids(campaign, ids)
    rules = CampaignRules.current()
    facts = facts_for(ids, rules, started)
    texts = set(campaign.messages.values_list("channel", "language"))
    rows = []
    for client in clients:
        row = Recipient(campaign=campaign, client=client, language=client.language)
        if client.pk in held:
            row.status = RecipientStatus.CONTROL
        else:
            decision = decide(None, client, rules, started, facts=facts, texts=texts)
            if decision.channel is None:
                row.status, row.reason = RecipientStatus.SKIPPED, decision.reason
            else:
                row.status, row.channel, row.sent_at = (
                    RecipientStatus.SENT,
                    decision.channel,
                    started,
                )
        rows.append(row)
    Recipient.objects.bulk_create(rows)
    sent = list(Recipient.objects.filter(campaign=campaign, status=RecipientStatus.SENT))
    made = vouchers_issue(campaign, sent, {c.pk: c for c in clients})
    for recipient in sent:
        recipient.voucher_id = made.get(recipient.pk)
    Recipient.objects.bulk_update(sent, ["voucher"])
    Recipient.objects.filter(campaign=campaign).update(created_at=started)
    automation = Campaign.objects.create(
        name="Chúc mừng sinh nhật", kind=Kind.AUTOMATION, trigger=Trigger.BIRTHDAY,
        status=Status.PAUSED, created_by=owner, offer_percent=15,
        trigger_days=DEFAULT_DAYS[Trigger.BIRTHDAY], control_percent=10,
    )  # fmt: skip
    _texts(automation, Trigger.BIRTHDAY)
