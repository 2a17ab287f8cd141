"""Opting out writes the consent at once and a later campaign skips the client; the
voucher is only for its client; the control group has the right size and is never
sent; how a client is addressed; every text carries an opt-out."""

import pytest
from django.core import mail

from spa.campaigns import sending
from spa.campaigns.audience import campaign_enqueue
from spa.campaigns.models import Message, Recipient, RecipientStatus, SkipReason, Status
from spa.campaigns.texts import addressed_as, placeholders_unknown, recipient_text
from spa.catalog.models import Service, ServiceCategory
from spa.clients.models import ConsentMethod, ConsentRecord
from spa.sales.models import LineKind
from spa.sales.services import Checkout, CheckoutError, Line, checkout_quote

pytestmark = pytest.mark.django_db


def send(campaign):
    campaign_enqueue(campaign)
    type(campaign).objects.filter(pk=campaign.pk).update(status=Status.SENDING)
    sending.dispatch(campaign.pk)


def test_opt_out_writes_the_consent_at_once_and_a_later_campaign_skips(
    client, make_campaign, make_client, consent
):
    hoa = make_client(email="hoa@example.com")
    consent(hoa, "email")
    send(make_campaign(name="Một"))
    r = Recipient.objects.get(client=hoa)
    page = client.get(f"/m/{r.token}/stop/")
    assert page.status_code == 200 and "<form" in page.content.decode()
    assert not ConsentRecord.objects.filter(method=ConsentMethod.OPT_OUT).exists()
    assert client.post(f"/m/{r.token}/stop/").status_code == 200
    record = ConsentRecord.objects.get(method=ConsentMethod.OPT_OUT)
    assert record.client == hoa and record.channel == "email" and record.granted is False
    r.refresh_from_db()
    assert r.status == RecipientStatus.OPTED_OUT and r.opted_out_at and r.sent_at
    client.post(f"/m/{r.token}/stop/")  # twice: one record
    assert ConsentRecord.objects.filter(method=ConsentMethod.OPT_OUT).count() == 1
    send(make_campaign(name="Hai"))
    later = Recipient.objects.exclude(pk=r.pk).get(client=hoa)
    assert later.status == RecipientStatus.SKIPPED and later.reason == SkipReason.WITHDRAWN
    assert len(mail.outbox) == 1


def test_one_click_unsubscribe_from_the_mail_program(client, make_campaign, make_client, consent):
    hoa = make_client(email="hoa@example.com")
    consent(hoa, "email")
    send(make_campaign())
    r = Recipient.objects.get(client=hoa)
    response = client.post(f"/m/{r.token}/stop/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert ConsentRecord.objects.filter(client=hoa, granted=False, method="opt_out").exists()


def test_a_reply_with_the_stop_keyword_opts_the_phone_out(
    client, make_campaign, make_client, consent, gateway
):
    from spa.accounts.models import SpaSettings

    SpaSettings.objects.filter(pk=1).update(sms_gateway_token="s3cret")
    hoa = make_client(phone="0912345678")
    consent(hoa, "sms")
    send(make_campaign())
    body = {"from": "+84912345678", "text": " tc "}
    denied = client.post("/m/inbound/sms/", body, content_type="application/json")
    assert denied.status_code == 403
    ok = client.post(
        "/m/inbound/sms/", body, content_type="application/json",
        headers={"Authorization": "Bearer s3cret"},
    )  # fmt: skip
    assert ok.json() == {"opted_out": 1}
    assert ConsentRecord.objects.filter(client=hoa, channel="sms", granted=False).exists()
    assert Recipient.objects.get(client=hoa).status == RecipientStatus.OPTED_OUT


def test_the_click_link_counts_and_leads_on(client, make_campaign, make_client, consent):
    hoa = make_client(email="hoa@example.com")
    consent(hoa, "email")
    send(make_campaign(link_url="https://spa.example.com/noel"))
    r = Recipient.objects.get(client=hoa)
    response = client.get(f"/m/{r.token}/")
    assert response.status_code == 302 and response["Location"] == "https://spa.example.com/noel"
    client.get(f"/m/{r.token}/")
    r.refresh_from_db()
    assert r.clicks == 2 and r.clicked_at is not None
    assert client.get("/m/nope/").status_code == 404


def test_the_voucher_is_only_for_its_client(make_campaign, make_client, consent, branch_a):
    hoa = make_client(email="hoa@example.com")
    lan = make_client("Lê Thị Lan", email="lan@example.com")
    consent(hoa, "email")
    send(make_campaign(offer_percent=20, offer_valid_days=10, offer_uses=1))
    voucher = Recipient.objects.get(client=hoa).voucher
    assert voucher.client == hoa and voucher.percent == 20 and voucher.max_uses == 1
    assert voucher.code in mail.outbox[0].body
    service = Service.objects.create(
        name="Gội", category=ServiceCategory.objects.create(name="Tóc"), duration_minutes=15
    )
    line = Line(kind=LineKind.SERVICE, description="Gội", unit_price=100_000, service=service)

    def quote(who):
        return checkout_quote(data=Checkout(client=who, branch=branch_a, lines=[line], voucher_code=voucher.code))  # fmt: skip

    assert quote(hoa).voucher_discount == 20_000
    with pytest.raises(CheckoutError, match="khách khác|another client"):
        quote(lan)


def test_the_control_group_has_the_right_size_and_is_never_sent(
    make_campaign, make_client, consent
):
    clients = [make_client(f"Khách Số {n}", email=f"k{n}@example.com") for n in range(40)]
    for c in clients:
        consent(c, "email")
    campaign = make_campaign(control_percent=10)
    send(campaign)
    control = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.CONTROL)
    assert control.count() == 4
    held = set(control.values_list("client__email", flat=True))
    sent = {m.to[0] for m in mail.outbox}
    assert len(sent) == 36 and not (held & sent)
    assert all(r.sent_at is None and r.attempts == 0 for r in control)
    # The same clients are held out if the list is built again.
    Recipient.objects.filter(campaign=campaign).delete()
    campaign_enqueue(campaign)
    assert set(Recipient.objects.filter(campaign=campaign, status="control").values_list("client__email", flat=True)) == held  # fmt: skip


def test_how_a_client_is_addressed(make_client):
    hoa = make_client("Nguyễn Thị Hoa", gender="female")
    nam = make_client("Trần Văn Nam", gender="male")
    kim = make_client("Lý Kim", gender="")
    assert addressed_as(hoa, "vi") == "chị Hoa" and addressed_as(nam, "vi") == "anh Nam"
    assert addressed_as(kim, "vi") == "Kim" and addressed_as(hoa, "en") == "Hoa"
    assert (
        addressed_as(hoa, "zh-hans") == "Nguyễn女士" and addressed_as(nam, "zh-hans") == "Trần先生"
    )
    assert addressed_as(kim, "zh-hans") == "Lý Kim"


def test_every_text_carries_an_opt_out_and_unknown_placeholders_are_found(
    make_campaign, make_client
):
    assert placeholders_unknown("Chào {name} {ten} {") == ["ten", "{"]
    assert placeholders_unknown("{name} {voucher} {branch} {expiry} {link} {stop}") == []
    campaign = make_campaign(channels=("sms",), languages=("vi",))
    hoa = make_client(gender="female")
    r = Recipient(campaign=campaign, client=hoa, channel="sms", language="vi")
    _subject, text = recipient_text(r)
    assert "chị Hoa" in text and "TC" in text and f"/m/{r.token}/stop/" in text
    Message.objects.filter(campaign=campaign).update(body="Ưu đãi {stop}")
    campaign = type(campaign).objects.get(pk=campaign.pk)
    _subject, text = recipient_text(r, campaign=campaign)
    assert text.count("/stop/") == 1
    assert recipient_text(r, campaign=campaign, language="en") == ("", "")
