"""A campaign from start to sent, through the public functions the pages call."""

import pytest
from django.core import mail

from spa.campaigns import sending
from spa.campaigns.models import RecipientStatus, SkipReason, Status
from spa.campaigns.services import campaign_start

pytestmark = pytest.mark.django_db


def test_a_campaign_reaches_the_consenting_client_and_skips_the_other(
    make_campaign, make_client, consent, owner
):
    hoa = make_client(
        "Nguyễn Thị Hoa", email="hoa@example.com", gender="female", preferred_channel="email"
    )
    nam = make_client("Trần Văn Nam", email="nam@example.com", gender="male")
    consent(hoa, "email")
    campaign = make_campaign()
    assert campaign_start(actor=owner, campaign=campaign) == 2
    sending.dispatch(campaign.pk)
    hoa_r = campaign.recipients.get(client=hoa)
    nam_r = campaign.recipients.get(client=nam)
    assert hoa_r.status == RecipientStatus.SENT and hoa_r.channel == "email"
    assert nam_r.status == RecipientStatus.SKIPPED and nam_r.reason == SkipReason.NO_CONSENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hoa@example.com"] and "chị Hoa" in message.body
    assert f"/m/{hoa_r.token}/stop/" in message.body
    assert message.extra_headers["List-Unsubscribe"].endswith(f"/m/{hoa_r.token}/stop/>")
    campaign.refresh_from_db()
    assert campaign.status == Status.DONE


def test_a_campaign_paused_before_its_time_sends_to_its_list_when_resumed(
    make_campaign, make_client, consent, owner
):
    from datetime import timedelta

    from django.utils import timezone

    from spa.campaigns.services import campaign_pause

    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", preferred_channel="email")
    consent(hoa, "email")
    campaign = make_campaign(scheduled_at=timezone.now() + timedelta(days=1))
    campaign_start(actor=owner, campaign=campaign)
    assert campaign.status == Status.SCHEDULED
    campaign_pause(actor=owner, campaign=campaign)
    campaign.scheduled_at = None
    campaign.save(update_fields=["scheduled_at"])
    assert campaign_start(actor=owner, campaign=campaign) == 1  # the list is built now
    sending.dispatch(campaign.pk)
    assert campaign.recipients.get(client=hoa).status == RecipientStatus.SENT
    assert len(mail.outbox) == 1
