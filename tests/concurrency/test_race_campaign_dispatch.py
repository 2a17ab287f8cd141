"""Several dispatchers send the same campaign at once (the start's job, the minute sweep
and the next slice on different worker threads and processes): every recipient is
claimed and sent exactly once, and none of them fails on a lock (PostgreSQL hands each
dispatcher other rows with SKIP LOCKED; SQLite serialises the claims). Two campaigns
sent at once to the same clients lock the clients in one order (no deadlock), and the
frequency cap holds across them."""

import threading
from collections import Counter
from datetime import time

import pytest
from django.core import mail
from django.db import connection

from spa.accounts.models import SpaSettings
from spa.campaigns import sending
from spa.campaigns.audience import campaign_enqueue
from spa.campaigns.models import (
    Attempt,
    Campaign,
    CampaignRules,
    Message,
    Recipient,
    RecipientStatus,
    SkipReason,
    Status,
)
from spa.clients.services import client_consent_record
from tests.worker.helpers import Gateway

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(db):
    gateway = Gateway().start()
    SpaSettings.objects.update_or_create(
        pk=1, defaults={"sms_gateway_url": gateway.url, "zalo_gateway_url": gateway.url}
    )
    rules = CampaignRules.current()
    rules.quiet_from = rules.quiet_until = time(0)
    rules.save()
    yield gateway
    gateway.stop()


def sending_campaign(owner, name: str) -> Campaign:
    campaign = Campaign.objects.create(name=name, created_by=owner, control_percent=0)
    for channel in ("email", "sms", "zalo"):
        Message.objects.create(
            campaign=campaign, channel=channel, language="vi", subject="Quà", body="Chào {name}"
        )
    campaign_enqueue(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(status=Status.SENDING)
    return campaign


def together(jobs) -> list[BaseException]:
    """Run every job in its own thread (own database connection) at the same instant;
    the exceptions they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 (reported to the test)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a dispatcher never finished (a deadlock?)"
    return errors


def clients_with_consent(make_client, receptionist_a, count: int):
    channels = ("email", "sms", "zalo")
    made = []
    for n in range(count):
        channel = channels[n % 3]
        client = make_client(f"Khách {n}", email=f"k{n}@example.com", preferred_channel=channel)
        client_consent_record(
            actor=receptionist_a, client=client, channel=channel, granted=True, method="paper"
        )
        made.append(client)
    return made


def test_four_dispatchers_at_once_send_each_recipient_exactly_once(
    gateway, owner, make_client, receptionist_a
):
    clients_with_consent(make_client, receptionist_a, 60)
    campaign = sending_campaign(owner, "Ưu đãi")

    errors = together([lambda: sending.dispatch(campaign.pk, batch=5) for _ in range(4)])

    assert errors == []
    recipients = Recipient.objects.filter(campaign=campaign)
    assert Counter(recipients.values_list("status", flat=True)) == {RecipientStatus.SENT: 60}
    # One attempt each, successful, and one message each at the sinks.
    per_recipient = Counter(
        Attempt.objects.filter(recipient__campaign=campaign).values_list("recipient_id", flat=True)
    )
    assert len(per_recipient) == 60 and set(per_recipient.values()) == {1}
    assert not Attempt.objects.filter(recipient__campaign=campaign).exclude(ok=True).exists()
    keys = Counter(m["key"] for m in gateway.requests())
    assert set(keys.values()) == {1} and len(keys) == 40
    assert set(keys) == set(recipients.exclude(channel="email").values_list("token", flat=True))
    to = Counter(m.to[0] for m in mail.outbox)
    assert set(to.values()) == {1} and len(to) == 20
    assert Campaign.objects.get(pk=campaign.pk).status == Status.DONE


def test_two_campaigns_sent_at_once_to_the_same_clients_keep_the_cap_and_never_deadlock(
    gateway, owner, make_client, receptionist_a
):
    rules = CampaignRules.current()
    rules.cap_messages, rules.cap_days = 1, 7
    rules.save()
    clients = clients_with_consent(make_client, receptionist_a, 30)
    one, two = sending_campaign(owner, "Một"), sending_campaign(owner, "Hai")

    errors = together([lambda c=c: sending.dispatch(c.pk, batch=4) for c in (one, two, one, two)])

    assert errors == []
    for client in clients:
        mine = Recipient.objects.filter(client=client)
        statuses = sorted(mine.values_list("status", "reason"))
        # Exactly one of the two campaigns reached the client; the other hit the cap.
        assert statuses == [(RecipientStatus.SENT, ""), (RecipientStatus.SKIPPED, SkipReason.CAP)]
    assert Attempt.objects.count() == 30
    assert len(mail.outbox) + len(gateway.requests()) == 30
