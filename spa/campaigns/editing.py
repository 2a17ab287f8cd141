"""Writing a campaign from the staff pages: create, change, its texts, delete. Only a
draft is changed or deleted (an automation's texts and offer change while it runs: each
message is written when it goes out); a campaign being sent or finished is read-only.
Every write is checked whole before anything is saved, runs in one transaction and
leaves its entry in the settings history."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.accounts.models import Branch
from spa.campaigns.models import Campaign, CampaignRules, Kind, Message, Status, Trigger
from spa.campaigns.texts import placeholders_unknown
from spa.core import access
from spa.office.audit import record_settings_change, snapshot

MAX_VALID_DAYS = 365
MAX_USES = 100
MAX_ATTRIBUTION_DAYS = 180
EDITABLE = (Status.DRAFT, Status.SCHEDULED)
# Channels and languages a text may be written for (the engine's codes).
CHANNELS = ("email", "sms", "zalo")
LANGUAGES = ("vi", "en", "zh-hans")
SMS_MAX = 480  # three SMS parts of Vietnamese without accents


class EditError(Exception):
    """A refusal to tell staff (translated), and the field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass
class CampaignInput:
    name: str
    segment: object = None  # a reports.Segment the actor may use, or None
    definition: dict = field(default_factory=dict)  # filters when there is no segment
    branch: Branch | None = None
    offer_percent: int = 0
    offer_amount: int = 0
    offer_valid_days: int = 30
    offer_uses: int = 1
    control_percent: int | None = None  # None: the spa's default (CampaignRules)
    scheduled_at: datetime | None = None
    link_url: str = ""
    trigger_days: int | None = None  # automations only
    trigger_tier: str = ""
    trigger_service: object = None


@dataclass
class TextInput:
    channel: str
    language: str
    body: str
    subject: str = ""


def is_editable(campaign: Campaign) -> bool:
    if campaign.kind == Kind.AUTOMATION:
        return campaign.status != Status.CANCELLED
    return campaign.status in EDITABLE


def is_deletable(campaign: Campaign) -> bool:
    return campaign.status == Status.DRAFT and not campaign.recipients.exists()


def _check(actor, data: CampaignInput, *, campaign: Campaign | None) -> None:
    if not " ".join(data.name.split()):
        raise EditError(_("Give the campaign a name."), "name")
    allowed = access.campaign_branch_ids(actor)
    if allowed is not None and (data.branch is None or data.branch.pk not in allowed):
        raise EditError(_("You may only run campaigns for your own branch."), "branch")
    if data.segment is not None:
        from spa.reports.segments import segment_get_for_user

        if segment_get_for_user(actor, data.segment.pk) is None:
            raise EditError(_("Choose one of your saved segments."), "segment")
    if data.offer_percent and data.offer_amount:
        raise EditError(_("The offer is a percentage or an amount, not both."), "offer_percent")
    if not 0 <= data.offer_percent <= 100:
        raise EditError(_("A discount is between 0 and 100 %."), "offer_percent")
    if data.offer_amount < 0:
        raise EditError(_("The discount amount cannot be negative."), "offer_amount")
    if not 1 <= data.offer_valid_days <= MAX_VALID_DAYS:
        raise EditError(
            _("The voucher is valid from 1 to %(max)s days.") % {"max": MAX_VALID_DAYS},
            "offer_valid_days",
        )
    if not 1 <= data.offer_uses <= MAX_USES:
        raise EditError(
            _("A voucher may be used from 1 to %(max)s times.") % {"max": MAX_USES}, "offer_uses"
        )
    if data.control_percent is not None and not 0 <= data.control_percent <= 50:
        raise EditError(_("The control group is between 0 and 50 %."), "control_percent")
    kind = campaign.kind if campaign else Kind.ONCE
    if kind == Kind.ONCE and data.scheduled_at is not None:
        unchanged = campaign is not None and campaign.scheduled_at == data.scheduled_at
        if data.scheduled_at <= timezone.now() and not unchanged:
            raise EditError(_("Choose a time still to come, or send now."), "scheduled_at")
    days = data.trigger_days
    if kind == Kind.AUTOMATION and days is not None and not 0 <= days <= 365:
        raise EditError(_("From 0 to 365 days."), "trigger_days")


def _apply(c: Campaign, data: CampaignInput) -> None:
    c.name = " ".join(data.name.split())
    c.segment = data.segment
    c.definition = {} if data.segment is not None else dict(data.definition)
    c.branch = data.branch
    c.offer_percent, c.offer_amount = data.offer_percent, data.offer_amount
    c.offer_valid_days, c.offer_uses = data.offer_valid_days, data.offer_uses
    if data.control_percent is not None:
        c.control_percent = data.control_percent
    c.link_url = data.link_url
    if c.kind == Kind.ONCE:
        c.scheduled_at = data.scheduled_at
    else:
        if data.trigger_days is not None:
            c.trigger_days = data.trigger_days
        c.trigger_tier = data.trigger_tier or ""
        c.trigger_service = data.trigger_service


def _check_texts(campaign_kind: str, texts: list[TextInput]) -> None:
    if not any(t.body.strip() for t in texts):
        raise EditError(_("Write at least one text (any channel, any language)."), "texts")
    for t in texts:
        if t.channel not in CHANNELS or t.language not in LANGUAGES:
            raise EditError(_("Unknown channel or language."), "texts")
        key = f"{t.channel}_{t.language}"
        for part, value in (("body", t.body), ("subject", t.subject)):
            unknown = placeholders_unknown(value)
            if unknown:
                raise EditError(
                    _("Unknown placeholder: %(words)s. Use only the ones listed.")
                    % {"words": ", ".join(f"{{{w}}}" if w not in "{}" else w for w in unknown)},
                    f"{key}_{part}",
                )
        if t.channel != "email" and len(t.body) > SMS_MAX:
            raise EditError(
                _("At most %(n)s characters for SMS and Zalo.") % {"n": SMS_MAX}, f"{key}_body"
            )


def _write_texts(c: Campaign, texts: list[TextInput]) -> None:
    kept = {(t.channel, t.language): t for t in texts if t.body.strip()}
    c.messages.exclude(
        pk__in=[m.pk for m in c.messages.all() if (m.channel, m.language) in kept]
    ).delete()
    for (channel, language), t in kept.items():
        Message.objects.update_or_create(
            campaign=c, channel=channel, language=language,
            defaults={"body": t.body.strip(), "subject": t.subject.strip()[:150]},
        )  # fmt: skip


def _texts_state(c: Campaign) -> dict:
    return {
        f"text_{m.channel}_{m.language}": f"{m.subject} | {m.body}" if m.subject else m.body
        for m in c.messages.all()
    }


def campaign_create(*, actor, data: CampaignInput, texts: list[TextInput]) -> Campaign:
    """A new one-off campaign (a draft) with its texts."""
    if not access.can_manage_campaigns(actor):
        raise EditError(_("You may not run campaigns."))
    _check(actor, data, campaign=None)
    _check_texts(Kind.ONCE, texts)
    with transaction.atomic():
        c = Campaign(kind=Kind.ONCE, created_by=actor,
                     control_percent=CampaignRules.current().control_percent,
                     attribution_days=CampaignRules.current().attribution_days)  # fmt: skip
        _apply(c, data)
        c.save()
        _write_texts(c, texts)
        record_settings_change(actor=actor, obj=c, before={},
                               after={**snapshot(c), **_texts_state(c)})  # fmt: skip
    return c


def campaign_update(*, actor, campaign: Campaign, data: CampaignInput,
                    texts: list[TextInput] | None = None) -> Campaign:  # fmt: skip
    """Change a draft (or an automation), and its texts when given."""
    with transaction.atomic():
        c = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not is_editable(c):
            raise EditError(_("This campaign is being sent or has finished: it can no longer "
                              "be changed."))  # fmt: skip
        _check(actor, data, campaign=c)
        if texts is not None:
            _check_texts(c.kind, texts)
        before = {**snapshot(c), **_texts_state(c)}
        _apply(c, data)
        c.save()
        if texts is not None:
            _write_texts(c, texts)
        record_settings_change(actor=actor, obj=c, before=before,
                               after={**snapshot(c), **_texts_state(c)})  # fmt: skip
    return c


def campaign_messages_set(*, actor, campaign: Campaign, texts: list[TextInput]) -> Campaign:
    """Replace the campaign's texts (an empty text removes that channel and language)."""
    with transaction.atomic():
        c = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not is_editable(c):
            raise EditError(_("This campaign is being sent or has finished: it can no longer "
                              "be changed."))  # fmt: skip
        _check_texts(c.kind, texts)
        before = _texts_state(c)
        _write_texts(c, texts)
        record_settings_change(actor=actor, obj=c, before=before, after=_texts_state(c))
    return c


def campaign_delete(*, actor, campaign: Campaign) -> None:
    """Delete a draft nobody was sent anything of."""
    with transaction.atomic():
        c = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not is_deletable(c):
            raise EditError(_("Only a draft can be deleted."))
        before = {**snapshot(c), **_texts_state(c)}
        record_settings_change(actor=actor, obj=c, before=before, after={"status": "deleted"})
        c.delete()


def automation_for(actor, trigger: str) -> Campaign | None:
    """The automation of `trigger` in the actor's scope (the owner's is chain-wide, a
    manager's their branch's), or None before it is first saved."""
    branches = access.campaign_branch_ids(actor)
    if branches == []:
        return None
    branch_id = None if branches is None else branches[0]
    found = Campaign.objects.filter(kind=Kind.AUTOMATION, trigger=trigger, branch_id=branch_id)
    return found.exclude(status=Status.CANCELLED).order_by("pk").first()


def automation_save(*, actor, trigger: str, data: CampaignInput, texts: list[TextInput],
                    switched_on: bool) -> Campaign:  # fmt: skip
    """Create or change the automation of `trigger` (texts, offer, days), on or off."""
    if trigger not in Trigger.values or not access.can_manage_campaigns(actor):
        raise EditError(_("Unknown automation."))
    if trigger == Trigger.TIER and not data.trigger_tier:
        raise EditError(_("Choose the tier."), "trigger_tier")
    if trigger == Trigger.CARE_TIPS and data.trigger_service is None:
        raise EditError(_("Choose the service."), "trigger_service")
    if trigger == Trigger.WINBACK and not data.trigger_days:
        raise EditError(_("From 1 to 365 days."), "trigger_days")
    existing = automation_for(actor, trigger)
    branches = access.campaign_branch_ids(actor)
    data.branch = None if branches is None else Branch.objects.get(pk=branches[0])
    with transaction.atomic():
        if existing is None:
            rules = CampaignRules.current()
            c = Campaign(kind=Kind.AUTOMATION, trigger=trigger, status=Status.PAUSED,
                         created_by=actor, control_percent=rules.control_percent,
                         attribution_days=rules.attribution_days)  # fmt: skip
            _check(actor, data, campaign=c)
            _check_texts(c.kind, texts)
            _apply(c, data)
            c.save()
            _write_texts(c, texts)
            record_settings_change(actor=actor, obj=c, before={},
                                   after={**snapshot(c), **_texts_state(c)})  # fmt: skip
        else:
            c = campaign_update(actor=actor, campaign=existing, data=data, texts=texts)
        from spa.campaigns.services import campaign_pause, campaign_start

        if switched_on and c.status != Status.ACTIVE:
            campaign_start(actor=actor, campaign=c)
        elif not switched_on and c.status == Status.ACTIVE:
            campaign_pause(actor=actor, campaign=c)
    return c
