"""The send-time rules, through the real dispatcher: consent per channel (the latest
record wins, a withdrawal wins), the preferred channel first and the fallback, quiet
hours defer, the cap counts every campaign, erased and merged profiles, no text for the
client's language."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from spa.campaigns import rules as send_rules
from spa.campaigns import sending
from spa.campaigns.audience import campaign_enqueue
from spa.campaigns.models import Recipient, RecipientStatus, SkipReason, Status
from spa.clients.services import client_delete, client_merge

pytestmark = pytest.mark.django_db


def send(campaign, client_ids=None):
    campaign_enqueue(campaign, client_ids=client_ids)
    type(campaign).objects.filter(pk=campaign.pk).update(status=Status.SENDING)
    sending.dispatch(campaign.pk)
    return {r.client_id: r for r in Recipient.objects.filter(campaign=campaign)}


def test_consent_is_per_channel(make_campaign, make_client, consent, gateway):
    hoa = make_client(email="hoa@example.com", preferred_channel="email")
    consent(hoa, "sms")  # agreed to SMS only: e-mail is not used although preferred
    got = send(make_campaign())
    assert got[hoa.pk].status == RecipientStatus.SENT and got[hoa.pk].channel == "sms"
    assert mail.outbox == [] and len(gateway) == 1


def test_a_withdrawal_after_consent_wins(make_campaign, make_client, consent):
    hoa = make_client(email="hoa@example.com")
    consent(hoa, "email")
    consent(hoa, "email", granted=False)
    got = send(make_campaign())
    assert got[hoa.pk].status == RecipientStatus.SKIPPED
    assert got[hoa.pk].reason == SkipReason.WITHDRAWN and mail.outbox == []


def test_consent_again_after_a_withdrawal_counts(make_campaign, make_client, consent):
    hoa = make_client(email="hoa@example.com")
    consent(hoa, "email", granted=False)
    consent(hoa, "email")
    assert send(make_campaign())[hoa.pk].status == RecipientStatus.SENT


def test_the_preferred_channel_comes_first(make_campaign, make_client, consent, gateway):
    hoa = make_client(email="hoa@example.com", preferred_channel="sms")
    consent(hoa, "email")
    consent(hoa, "sms")
    assert send(make_campaign())[hoa.pk].channel == "sms"
    assert mail.outbox == []


def test_without_consent_on_the_preferred_channel_another_is_used(
    make_campaign, make_client, consent
):
    hoa = make_client(email="hoa@example.com", preferred_channel="zalo")
    consent(hoa, "email")
    r = send(make_campaign())[hoa.pk]
    assert r.status == RecipientStatus.SENT and r.channel == "email"


def test_a_channel_without_an_address_falls_back(make_campaign, make_client, consent, gateway):
    hoa = make_client(email="", preferred_channel="email")
    consent(hoa, "email")
    consent(hoa, "sms")
    assert send(make_campaign())[hoa.pk].channel == "sms"
    lan = make_client("Lê Thị Lan", email="")
    consent(lan, "email")
    assert send(make_campaign())[lan.pk].reason == SkipReason.NO_ADDRESS


def test_no_text_for_the_clients_language_is_skipped_with_the_reason(
    make_campaign, make_client, consent
):
    anna = make_client("Anna Smith", email="anna@example.com", language="en")
    consent(anna, "email")
    r = send(make_campaign(languages=("vi",)))[anna.pk]
    assert r.status == RecipientStatus.SKIPPED and r.reason == SkipReason.NO_TEXT


def test_quiet_hours_defer_and_do_not_skip(make_campaign, make_client, consent, rules):
    rules.quiet_from, rules.quiet_until = time(21), time(8)
    rules.save()
    hoa = make_client(email="hoa@example.com")
    consent(hoa, "email")
    late = timezone.make_aware(datetime.combine(timezone.localdate(), time(22, 30)))
    decision = send_rules.decide(None, hoa, rules, late, texts={("email", "vi")})
    assert decision.channel == "email" and decision.reason is None
    assert timezone.localtime(decision.not_before).time() == time(8)
    assert timezone.localdate(decision.not_before) == timezone.localdate() + timedelta(days=1)
    early = timezone.make_aware(datetime.combine(timezone.localdate(), time(6)))
    assert timezone.localdate(send_rules.decide(None, hoa, rules, early, texts={("email", "vi")}).not_before) == timezone.localdate()  # fmt: skip
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    assert send_rules.decide(None, hoa, rules, noon, texts={("email", "vi")}).send_now
    # Through the dispatcher, inside quiet hours all day: queued with a time, not sent.
    rules.quiet_from, rules.quiet_until = time(0), time(23, 59, 59)
    rules.save()
    r = send(make_campaign())[hoa.pk]
    assert r.status == RecipientStatus.QUEUED and r.not_before is not None and r.reason == ""
    assert mail.outbox == []


def test_the_cap_counts_messages_of_every_campaign(make_campaign, make_client, consent, rules):
    rules.cap_messages, rules.cap_days = 1, 7
    rules.save()
    hoa = make_client(email="hoa@example.com")
    consent(hoa, "email")
    assert send(make_campaign(name="Một"))[hoa.pk].status == RecipientStatus.SENT
    second = send(make_campaign(name="Hai"))[hoa.pk]
    assert second.status == RecipientStatus.SKIPPED and second.reason == SkipReason.CAP
    # Older than the window: no longer counted.
    Recipient.objects.filter(status=RecipientStatus.SENT).update(
        sent_at=timezone.now() - timedelta(days=8)
    )
    assert send(make_campaign(name="Ba"))[hoa.pk].status == RecipientStatus.SENT
    assert len(mail.outbox) == 2


def test_erased_and_merged_profiles_are_skipped(make_campaign, make_client, consent, owner):
    gone = make_client("Phạm Thị Mai", email="mai@example.com")
    keep = make_client("Võ Thị Lan", email="lan@example.com")
    dup = make_client("Vo Thi Lan", email="lan2@example.com")
    for c in (gone, keep, dup):
        consent(c, "email")
    campaign = make_campaign()
    campaign_enqueue(campaign)
    client_delete(actor=owner, client=gone, reason="Khách yêu cầu")
    client_merge(actor=owner, survivor=keep, absorbed=dup)
    type(campaign).objects.filter(pk=campaign.pk).update(status=Status.SENDING)
    sending.dispatch(campaign.pk)
    erased = Recipient.objects.get(campaign=campaign, client__isnull=True)
    assert erased.status == RecipientStatus.SKIPPED and erased.reason == SkipReason.ERASED
    merged = Recipient.objects.get(campaign=campaign, client=dup)
    assert merged.reason == SkipReason.MERGED
    assert [m.to for m in mail.outbox] == [["lan@example.com"]]


def test_the_screen_counts_what_would_happen_without_writing(make_campaign, make_client, consent):
    hoa = make_client(email="hoa@example.com")
    make_client("Trần Văn Nam", email="nam@example.com")
    consent(hoa, "email")
    campaign = make_campaign()
    campaign_enqueue(campaign)
    outcome = send_rules.screen(campaign)
    assert outcome == {"email": 1, SkipReason.NO_CONSENT: 1}
    assert Recipient.objects.filter(status=RecipientStatus.QUEUED).count() == 2
