"""The real worker (`manage.py run_huey`, a separate process) sends campaigns: to a real
SMTP server and a real HTTP SMS/Zalo gateway started here. What the sinks received is
compared with what the database says of each recipient:

- a campaign to a segment with mixed consent and channels: every consenting client
  outside the control group gets exactly one message on their channel, addressed by
  name, with an opt-out (link and List-Unsubscribe header in e-mail); the others get
  nothing and keep the reason;
- opting out end to end: the link of a received e-mail, and a reply with the stop
  keyword through the gateway's webhook, both stop the next campaign;
- `kill -9` of the worker mid-campaign, then a restart: each recipient is delivered
  exactly once (the provider keeps each idempotency key / Message-ID once, as the
  design relies on), none is missing, and nothing stays `sending`."""

import os
import signal
import time
from collections import Counter
from datetime import time as clock

import pytest
import requests
from aiosmtpd.controller import Controller
from django.db.models import Count

from spa.accounts.models import SpaSettings
from spa.campaigns import services
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
from spa.campaigns.sending import INTERRUPTED, SENDERS
from spa.campaigns.texts import addressed_as, stop_url
from spa.clients.models import Client, ConsentMethod, ConsentRecord
from spa.clients.services import client_consent_record
from spa.reports.models import Segment
from spa.reports.segments import SegmentDefinition
from tests.worker.helpers import (
    Gateway,
    Inbox,
    free_port,
    parsed,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True)
LEASE_SECONDS = 3
GATEWAY_TOKEN = "gw-secret"


@pytest.fixture
def sinks(settings):
    """A real SMTP server and a real SMS/Zalo gateway; the spa's settings point at them;
    the spa's care rules let the campaign out now (no quiet hours, no cap)."""
    from huey.contrib.djhuey import HUEY

    inbox, smtp_port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    gateway = Gateway().start()
    SpaSettings.objects.update_or_create(pk=1, defaults={
        "sms_gateway_url": gateway.url, "zalo_gateway_url": gateway.url,
        "sms_gateway_token": GATEWAY_TOKEN, "zalo_gateway_token": GATEWAY_TOKEN,
    })  # fmt: skip
    rules = CampaignRules.current()
    rules.quiet_from = rules.quiet_until = clock(0)
    rules.cap_messages = 50
    rules.save()
    try:
        yield inbox, gateway, smtp_port, settings.HUEY["filename"]
    finally:
        HUEY.immediate = True
        smtp.stop()
        gateway.stop()


def real_queue() -> None:
    """From here on tasks go to the real queue, for the real worker (the setup before
    ran its own tasks inline, so the worker does not start behind hundreds of them)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False


def campaign_for(owner, *, name, segment=None, control_percent=0, **fields):
    campaign = Campaign.objects.create(
        name=name, created_by=owner, segment=segment, control_percent=control_percent, **fields
    )
    for channel in ("email", "sms", "zalo"):
        for language in ("vi", "en", "zh-hans"):
            Message.objects.create(
                campaign=campaign, channel=channel, language=language,
                subject="Quà cho {name}", body="Chào {name}, ưu đãi tại {branch}. {link}",
            )  # fmt: skip
    return campaign


def done(campaign) -> bool:
    return Campaign.objects.get(pk=campaign.pk).status == Status.DONE


def emails_by_address(inbox) -> dict[str, list]:
    out: dict[str, list] = {}
    for to, message in parsed(inbox):
        for address in to:
            out.setdefault(address, []).append(message)
    return out


def test_a_campaign_to_a_segment_reaches_each_consenting_client_once_on_their_channel(
    sinks, owner, make_client, receptionist_a, branch_a, branch_b
):
    inbox, gateway, smtp_port, queue = sinks
    segment = Segment.objects.create(
        name="Chi nhánh A", definition=SegmentDefinition(branch_id=branch_a.pk).to_json()
    )
    people = [  # (name, gender, language, channel consented to, or None)
        ("Nguyễn Thị Hoa", "female", "vi", "email"),
        ("Trần Văn Nam", "male", "vi", "email"),
        ("Emily Tran", "female", "en", "email"),
        ("Lê Thị Thu", "female", "vi", "sms"),
        ("Phạm Văn Hùng", "male", "vi", "sms"),
        ("David Le", "male", "en", "sms"),
        ("王美丽", "female", "zh-hans", "zalo"),
        ("Võ Thị Mai", "female", "vi", "zalo"),
        ("Đỗ Văn Long", "male", "vi", "zalo"),
        ("Bùi Thị Lan", "female", "vi", None),
        ("Hồ Văn Phúc", "male", "vi", None),
        ("Cao Thị Hằng", "female", "vi", None),  # three: two held out leave one skipped
    ]
    clients = {}
    for n, (name, gender, language, channel) in enumerate(people):
        client = make_client(
            name, email=f"c{n}@example.com", gender=gender, language=language,
            preferred_channel=channel or "email",
        )  # fmt: skip
        if channel:
            client_consent_record(actor=receptionist_a, client=client, channel=channel,
                                  granted=True, method="paper")  # fmt: skip
        clients[client.pk] = client
    # Outside the segment (another branch): consents, yet is not on the list.
    other = make_client("Ngô Thị Yến", email="yen@example.com", branch=branch_b,
                        preferred_channel="email")  # fmt: skip
    client_consent_record(actor=receptionist_a, client=other, channel="email", granted=True,
                          method="paper")  # fmt: skip
    campaign = campaign_for(owner, name="Ưu đãi tháng 12", segment=segment, control_percent=20)

    real_queue()
    added = services.campaign_start(actor=owner, campaign=campaign)
    assert added == len(people)
    worker = start_worker(worker_env(smtp_port, queue))
    output = ""
    try:
        assert wait_for(lambda: done(campaign), 90), "the campaign did not finish"
        time.sleep(2)  # room for a duplicate to show up, if there were one
    finally:
        output = stop_worker(worker)

    recipients = {r.client_id: r for r in Recipient.objects.filter(campaign=campaign)}
    assert set(recipients) == set(clients), output
    control = [r for r in recipients.values() if r.status == RecipientStatus.CONTROL]
    assert len(control) == round(len(people) * 0.2)
    mails = emails_by_address(inbox)
    texts = Counter((m["to"], m["channel"]) for m in gateway.requests())
    assert "yen@example.com" not in mails
    for client_id, r in recipients.items():
        client = clients[client_id]
        phone = client.phones.get().e164
        wanted = next(p[3] for p in people if p[0] == client.full_name)
        if r.status == RecipientStatus.CONTROL or wanted is None:
            # Nothing at any sink: no e-mail to the address, no text to the phone.
            assert client.email not in mails, client.full_name
            assert not [k for k in texts if k[0] == phone], client.full_name
            if wanted is None and r.status != RecipientStatus.CONTROL:  # (control comes first)
                assert r.status == RecipientStatus.SKIPPED and r.reason == SkipReason.NO_CONSENT
            assert r.sent_at is None and not r.attempt_log.exists()
            continue
        assert r.status == RecipientStatus.SENT and r.channel == wanted, (client.full_name, r)
        assert [a.ok for a in r.attempt_log.all()] == [True]
        greeting = addressed_as(client, client.language)
        if wanted == "email":
            assert len(mails[client.email]) == 1, client.full_name
            message = mails[client.email][0]
            body = message.get_content()
            assert message["Subject"] == f"Quà cho {greeting}"
            assert body.startswith(f"Chào {greeting},")
            assert stop_url(r.token) in body
            assert message["List-Unsubscribe"] == f"<{stop_url(r.token)}>"
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert f"campaign-{r.token}@" in message["Message-ID"]
            assert not [k for k in texts if k[0] == phone]
        else:
            assert [k for k in texts if k[0] == phone] == [(phone, wanted)]
            assert texts[(phone, wanted)] == 1
            sent = next(m for m in gateway.requests() if m["to"] == phone)
            assert sent["key"] == r.token and sent["auth"] == f"Bearer {GATEWAY_TOKEN}"
            assert sent["message"].startswith(f"Chào {greeting},")
            assert "TC" in sent["message"] and stop_url(r.token) in sent["message"]
            assert client.email not in mails
    # Exactly the sent recipients arrived, no more.
    skipped = {r.client_id for r in recipients.values() if r.status == RecipientStatus.SKIPPED}
    silent = {pk for pk, c in clients.items() if c.full_name in {p[0] for p in people if not p[3]}}
    assert skipped and skipped == silent - {r.client_id for r in control}
    consenting = {
        pk for pk, c in clients.items() if dict((p[0], p[3]) for p in people)[c.full_name]
    }
    sent = [r for r in recipients.values() if r.status == RecipientStatus.SENT]
    assert {r.client_id for r in sent} == consenting - {r.client_id for r in control}
    assert sum(len(v) for v in mails.values()) + len(gateway.requests()) == len(sent)


def test_opting_out_by_the_emails_link_or_by_sms_reply_stops_the_next_campaign(
    sinks, live_server, owner, make_client, receptionist_a
):
    inbox, gateway, smtp_port, queue = sinks
    hoa = make_client("Nguyễn Thị Hoa", email="hoa@example.com", gender="female",
                      preferred_channel="email")  # fmt: skip
    client_consent_record(actor=receptionist_a, client=hoa, channel="email", granted=True,
                          method="paper")  # fmt: skip
    nam = make_client("Trần Văn Nam", gender="male", preferred_channel="sms")
    client_consent_record(actor=receptionist_a, client=nam, channel="sms", granted=True,
                          method="paper")  # fmt: skip
    nam_phone = nam.phones.get().e164
    first = campaign_for(owner, name="Một")
    real_queue()
    worker = start_worker(worker_env(smtp_port, queue, SITE_URL=live_server.url))
    output = ""
    try:
        services.campaign_start(actor=owner, campaign=first)
        assert wait_for(lambda: done(first), 90), "the first campaign did not finish"
        assert len(inbox.messages) == 1 and len(gateway.requests()) == 1

        # Hoa follows the opt-out link of the e-mail she received: a page, then the button.
        ((_to, message),) = parsed(inbox)
        link = message["List-Unsubscribe"].strip("<>")
        assert link.startswith(live_server.url) and link in message.get_content()
        page = requests.get(link, timeout=10)
        assert page.status_code == 200 and "<form" in page.text
        assert not ConsentRecord.objects.filter(client=hoa, granted=False).exists()
        assert requests.post(link, timeout=10).status_code == 200
        # Nam answers the SMS with the stop keyword; the gateway posts it to the webhook.
        reply = requests.post(
            f"{live_server.url}/m/inbound/sms/", json={"from": nam_phone, "text": "tc"},
            headers={"Authorization": f"Bearer {GATEWAY_TOKEN}"}, timeout=10,
        )  # fmt: skip
        assert reply.status_code == 200 and reply.json() == {"opted_out": 1}

        second = campaign_for(owner, name="Hai")
        services.campaign_start(actor=owner, campaign=second)
        assert wait_for(lambda: done(second), 90), "the second campaign did not finish"
        time.sleep(2)  # room for a late message to show up, if there were one
    finally:
        output = stop_worker(worker)

    for client, channel in ((hoa, "email"), (nam, "sms")):
        record = ConsentRecord.objects.filter(client=client, channel=channel).latest("id")
        assert record.granted is False and record.method == ConsentMethod.OPT_OUT
        answered = Recipient.objects.get(campaign=first, client=client)
        assert answered.status == RecipientStatus.OPTED_OUT and answered.opted_out_at
        later = Recipient.objects.get(campaign=second, client=client)
        assert later.status == RecipientStatus.SKIPPED, output
        assert later.reason == SkipReason.WITHDRAWN and later.sent_at is None
    # Nothing more reached either of them.
    assert len(inbox.messages) == 1 and len(gateway.requests()) == 1


def test_a_worker_killed_mid_campaign_and_restarted_sends_each_recipient_exactly_once(
    sinks, owner, make_client, receptionist_a
):
    inbox, gateway, smtp_port, queue = sinks
    gateway.delay = 0.01
    rules = CampaignRules.current()
    rules.email_per_second = rules.sms_per_second = rules.zalo_per_second = 40
    rules.save()
    channels = ("email", "sms", "zalo")
    for n in range(330):
        channel = channels[n % 3]
        client = make_client(f"Khách Số {n}", email=f"k{n}@example.com", preferred_channel=channel)
        client_consent_record(actor=receptionist_a, client=client, channel=channel,
                              granted=True, method="paper")  # fmt: skip
    campaign = campaign_for(owner, name="Ưu đãi lớn", control_percent=10)
    real_queue()
    assert services.campaign_start(actor=owner, campaign=campaign) == 330
    expected = {  # address -> token, for every recipient outside the control group
        (
            r.client.email if r.client.preferred_channel == "email" else r.client.phones.get().e164
        ): r.token
        for r in Recipient.objects.filter(campaign=campaign)
        .exclude(status=RecipientStatus.CONTROL)
        .select_related("client")
    }
    assert len(expected) == 297

    env = worker_env(smtp_port, queue, CAMPAIGN_LEASE_SECONDS=str(LEASE_SECONDS),
                     CAMPAIGN_BATCH="40")  # fmt: skip
    first = start_worker(env, own_group=True)
    second = None
    output = ""
    try:

        def arrived() -> int:
            return len(inbox.messages) + len(gateway.requests())

        if not wait_for(lambda: arrived() >= 100, 120):
            statuses = list(Recipient.objects.values_list("status").annotate(n=Count("id")))
            pytest.fail(f"{arrived()} arrived; {statuses}\n{stop_worker(first)}")
        os.killpg(first.pid, signal.SIGKILL)  # the worker's whole process group
        first.wait(timeout=10)
        at_kill = arrived()
        assert at_kill < len(expected), "the worker finished before the kill"
        assert Recipient.objects.filter(campaign=campaign, status=RecipientStatus.SENDING).exists()
        assert not done(campaign)

        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's claims run out
        second = start_worker(env, own_group=True)
        assert wait_for(lambda: done(campaign), 180), list(
            Recipient.objects.filter(campaign=campaign).values_list("status").annotate()
        )
        time.sleep(2)  # room for a duplicate to show up, if there were one
    finally:
        output = stop_worker(first) + stop_worker(second)

    # The provider's view: each address got the campaign once (one Message-ID, one key).
    mails = emails_by_address(inbox)
    delivered = Counter(m["to"] for m in gateway.delivered())
    got = {a: len({m["Message-ID"] for m in msgs}) for a, msgs in mails.items()} | delivered
    assert set(got) == set(expected), output
    assert set(got.values()) == {1}
    for address, messages in mails.items():
        assert {m["Message-ID"].strip("<>").split("@")[0] for m in messages} == {
            f"campaign-{expected[address]}"
        }
    assert {m["key"]: m["to"] for m in gateway.delivered()} == {
        t: a for a, t in expected.items() if "@" not in a
    }
    # A message sent twice on the wire is only ever one a dead worker left mid-send,
    # sent again with the same key.
    wire = Counter(a for a, msgs in mails.items() for _m in msgs) + Counter(
        m["to"] for m in gateway.requests()
    )
    repeated = {a for a, n in wire.items() if n > 1}
    # (The claim writes an open attempt for its whole batch, so every recipient of the
    # dead worker's batches is marked interrupted; at most SENDERS per worker thread
    # (two threads) were on the wire or sent and not yet written.)
    interrupted = Recipient.objects.filter(campaign=campaign, attempt_log__detail=INTERRUPTED)
    tokens = set(interrupted.values_list("token", flat=True))
    assert 0 < len(tokens) <= 2 * 40
    assert len(repeated) <= 2 * SENDERS
    assert {expected[a] for a in repeated} <= tokens
    # The database agrees: every one sent, with exactly one successful attempt.
    statuses = Counter(Recipient.objects.filter(campaign=campaign).values_list("status", flat=True))  # noqa: E501
    assert statuses == {RecipientStatus.SENT: 297, RecipientStatus.CONTROL: 33}
    for r in Recipient.objects.filter(campaign=campaign, status=RecipientStatus.SENT):
        outcomes = [a.ok for a in r.attempt_log.all()]
        assert outcomes.count(True) == 1 and None not in outcomes, (r.pk, outcomes)
    assert not Attempt.objects.filter(recipient__campaign=campaign, ok__isnull=True).exists()
    assert Client.objects.count() == 330
