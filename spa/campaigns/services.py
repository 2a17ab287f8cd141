"""Starting, pausing and cancelling a campaign, and a test send to oneself. Each
change is in the settings history (spa.office.audit)."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.booking.messaging import DeliveryFailed, NotConfigured, send_email, send_gateway
from spa.booking.models import MessageChannel
from spa.campaigns.audience import campaign_enqueue
from spa.campaigns.models import Campaign, Kind, Recipient, RecipientStatus, SkipReason, Status
from spa.campaigns.texts import recipient_text
from spa.clients.models import Client
from spa.core.phone import InvalidPhone, parse_phone
from spa.office.audit import record_settings_change, snapshot


class CampaignError(Exception):
    """What staff must be told (already translated)."""


def _dispatch_later(campaign_id: int) -> None:
    from spa.campaigns.tasks import campaign_dispatch

    transaction.on_commit(lambda: campaign_dispatch(campaign_id))


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def campaign_start(*, actor, campaign: Campaign) -> int:
    """Send now, or at `scheduled_at` if that is still to come (status scheduled); an
    automation is switched on. Returns how many recipients were put on the list."""
    now = timezone.now()
    with transaction.atomic():
        c = _locked(campaign)
        before = snapshot(c)
        if c.kind == Kind.AUTOMATION:
            if c.status != Status.ACTIVE:
                c.status, c.started_at = Status.ACTIVE, c.started_at or now
                c.save(update_fields=["status", "started_at", "updated_at"])
                record_settings_change(actor=actor, obj=c, before=before)
            campaign.status, campaign.started_at = c.status, c.started_at
            return 0
        if c.status == Status.PAUSED and c.started_at:  # resume where it stopped
            c.status = Status.SENDING
            c.save(update_fields=["status", "updated_at"])
            record_settings_change(actor=actor, obj=c, before=before)
            _dispatch_later(c.pk)
            campaign.status = c.status
            return 0
        # A campaign paused while still scheduled has no list yet: it starts afresh.
        if c.status not in (Status.DRAFT, Status.SCHEDULED, Status.PAUSED):
            raise CampaignError(_("This campaign has already been sent or cancelled."))
        if not c.messages.exists():
            raise CampaignError(_("Write at least one text before sending."))
        if c.scheduled_at and c.scheduled_at > now:
            c.status = Status.SCHEDULED
            c.save(update_fields=["status", "updated_at"])
            record_settings_change(actor=actor, obj=c, before=before)
            campaign.status = c.status
            return 0
        added = _launch(c)
        record_settings_change(actor=actor, obj=c, before=before)
    campaign.status, campaign.started_at = c.status, c.started_at
    return added


def _launch(c: Campaign) -> int:
    """Put the audience on the list and start sending (inside the caller's transaction)."""
    added = campaign_enqueue(c)
    c.status, c.started_at = Status.SENDING, timezone.now()
    c.save(update_fields=["status", "started_at", "updated_at"])
    _dispatch_later(c.pk)
    return added


def campaigns_launch_due() -> int:
    """The sweep: scheduled campaigns whose time has come start sending."""
    launched = 0
    due = Campaign.objects.filter(
        kind=Kind.ONCE, status=Status.SCHEDULED, scheduled_at__lte=timezone.now()
    )
    for campaign_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            c = Campaign.objects.select_for_update().get(pk=campaign_id)
            if c.status == Status.SCHEDULED:
                _launch(c)
                launched += 1
    return launched


def campaign_pause(*, actor, campaign: Campaign) -> None:
    """Stop sending (what is queued stays queued) or switch an automation off."""
    with transaction.atomic():
        c = _locked(campaign)
        if c.status not in (Status.SENDING, Status.SCHEDULED, Status.ACTIVE):
            raise CampaignError(_("Only a campaign being sent or switched on can be paused."))
        before = snapshot(c)
        c.status = Status.PAUSED
        c.save(update_fields=["status", "updated_at"])
        record_settings_change(actor=actor, obj=c, before=before)
    campaign.status = c.status


def campaign_cancel(*, actor, campaign: Campaign) -> int:
    """Stop for good: recipients still queued are not sent (reason: cancelled). Messages
    already handed to a provider keep their outcome. Returns how many were cancelled."""
    with transaction.atomic():
        c = _locked(campaign)
        if c.status in (Status.DONE, Status.CANCELLED):
            raise CampaignError(_("This campaign has already been sent or cancelled."))
        before = snapshot(c)
        c.status, c.finished_at = Status.CANCELLED, timezone.now()
        c.save(update_fields=["status", "finished_at", "updated_at"])
        cancelled = Recipient.objects.filter(campaign=c, status=RecipientStatus.QUEUED).update(
            status=RecipientStatus.SKIPPED, reason=SkipReason.CANCELLED, claimed_until=None
        )
        record_settings_change(actor=actor, obj=c, before=before)
    campaign.status = c.status
    return cancelled


def campaign_test_send(
    *, actor, campaign: Campaign, channel: str, language: str, phone: str = ""
) -> str:
    """Send the campaign's text for `channel` and `language` to the actor (their e-mail,
    or the phone given), marked as a test; it counts nowhere (no recipient row)."""
    stand_in = Client(
        full_name=actor.get_full_name() or actor.username, given_name=actor.first_name or actor.username,
        language=language, preferred_channel=channel, branch=campaign.branch or actor.branch,
    )  # fmt: skip
    if stand_in.branch_id is None:
        from spa.accounts.models import Branch

        stand_in.branch = Branch.objects.order_by("pk").first()
    recipient = Recipient(campaign=campaign, channel=channel, language=language)
    subject, text = recipient_text(
        recipient, campaign=campaign, client=stand_in, channel=channel, language=language
    )
    if not text:
        raise CampaignError(_("This campaign has no text for that channel and language."))
    spa = SpaSettings.current()
    with translation.override(language):
        marked_subject = _("[Test] %(subject)s") % {"subject": subject}
        marked_text = _("[Test]") + " " + text
    try:
        if channel == MessageChannel.EMAIL:
            if not actor.email:
                raise CampaignError(_("Your account has no e-mail address for the test."))
            return send_email(actor.email, marked_subject, marked_text, spa=spa)
        try:
            number = parse_phone(phone).e164
        except InvalidPhone as exc:
            raise CampaignError(_("Enter the phone number to send the test to.")) from exc
        return send_gateway(channel, number, marked_text, spa)
    except NotConfigured as exc:
        raise CampaignError(_("This channel is not set up yet (Settings → Messages).")) from exc
    except DeliveryFailed as exc:
        raise CampaignError(_("The test could not be sent: %(detail)s") % {"detail": exc}) from exc
