"""The campaigns' staff pages: who may open each (every role, anonymous included, and
another branch's campaign), the builder refusing bad input whole, the preview's
decision in words, the test send, the send / pause / cancel buttons, and the query
counts of the recipients and results pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import statuses
from spa.audit.models import Action, AuditEntry
from spa.campaigns import editing
from spa.campaigns.models import (
    Campaign,
    CampaignRules,
    Kind,
    Message,
    Recipient,
    RecipientStatus,
    SkipReason,
    Status,
    Trigger,
)
from spa.core import access
from spa.reports.segments import SegmentDefinition, segment_create

pytestmark = pytest.mark.django_db

ANON = 302


@pytest.fixture
def campaign_a(make_campaign, manager_a, branch_a):
    return make_campaign(name="Sinh nhật tháng 12", branch=branch_a, created_by=manager_a)


@pytest.fixture
def chain_campaign(make_campaign, owner):
    return make_campaign(name="Toàn chuỗi", branch=None, created_by=owner)


# --- access ---


def test_only_the_owner_and_managers_with_a_branch_manage_campaigns(people):
    got = [access.can_manage_campaigns(people[r]) for r in people]
    assert got == [False, True, True, True, False, False, False, False]
    assert [access.can_manage_campaign_rules(people[r]) for r in people] == [
        False, True, False, False, False, False, False, False]  # fmt: skip


def test_a_manager_sees_only_their_branch_campaigns(campaign_a, chain_campaign, manager_a,
                                                    manager_b, owner):  # fmt: skip
    from spa.campaigns.selectors import campaigns_visible_to

    assert set(campaigns_visible_to(owner)) == {campaign_a, chain_campaign}
    assert list(campaigns_visible_to(manager_a)) == [campaign_a]
    assert list(campaigns_visible_to(manager_b)) == []


@pytest.mark.parametrize("name", ["campaigns:list", "campaigns:new", "campaigns:automations"])
def test_campaign_pages_access(client, people, name):
    assert statuses(client, people, reverse(name)) == [
        ANON, 200, 200, 200, 403, 403, 403, 403]  # fmt: skip


@pytest.mark.parametrize("name", ["campaigns:detail", "campaigns:recipients",
                                  "campaigns:results", "campaigns:edit"])  # fmt: skip
def test_a_campaign_is_a_404_for_another_branch_manager(client, people, campaign_a, name):
    assert statuses(client, people, reverse(name, args=[campaign_a.pk])) == [
        ANON, 200, 200, 404, 403, 403, 403, 403]  # fmt: skip


def test_a_chain_wide_campaign_is_the_owners_alone(client, people, chain_campaign):
    assert statuses(client, people, reverse("campaigns:detail", args=[chain_campaign.pk])) == [
        ANON, 200, 404, 404, 403, 403, 403, 403]  # fmt: skip


def test_campaign_rules_are_the_owners(client, people):
    assert statuses(client, people, reverse("campaigns:rules")) == [
        ANON, 200, 403, 403, 403, 403, 403, 403]  # fmt: skip


def test_another_branch_manager_cannot_send_it(client, manager_b, campaign_a):
    client.force_login(manager_b)
    url = reverse("campaigns:action", args=[campaign_a.pk, "send"])
    assert client.post(url, {"confirmed": "yes"}).status_code == 404
    campaign_a.refresh_from_db()
    assert campaign_a.status == Status.DRAFT


# --- the builder ---


def _builder_post(**extra):
    data = {
        "name": "Ưu đãi Tết", "audience": "filters", "offer": "none", "offer_valid_days": "30",
        "offer_uses": "1", "control_percent": "10", "when": "now",
        "zalo_vi_body": "Chào {name}, {branch} có quà Tết cho bạn! {link}",
    }  # fmt: skip
    data.update(extra)
    return data


def test_a_manager_builds_a_draft_for_their_branch(client, manager_a, branch_a, make_client):
    make_client("Trần Thị Mai")
    client.force_login(manager_a)
    response = client.post(reverse("campaigns:new"), _builder_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    c = Campaign.objects.get()
    assert (c.status, c.branch, c.kind, c.control_percent) == (
        Status.DRAFT,
        branch_a,
        Kind.ONCE,
        10,
    )
    assert list(c.messages.values_list("channel", "language")) == [("zalo", "vi")]
    entry = AuditEntry.objects.filter(action=Action.SETTINGS, subject=f"campaigns.campaign:{c.pk}")
    assert entry.exists()


def test_an_unknown_placeholder_is_refused_in_vietnamese_and_saves_nothing(client, manager_a):
    client.force_login(manager_a)
    response = client.post(reverse("campaigns:new"),
                           _builder_post(zalo_vi_body="Chào {ten}, quà cho bạn"))  # fmt: skip
    assert response.status_code == 400
    assert "Không có chỗ điền" in response.content.decode() or "{ten}" in response.content.decode()
    assert "Nothing was saved" not in response.content.decode()
    assert not Campaign.objects.exists() and not Message.objects.exists()


def test_a_percent_offer_above_100_or_a_past_time_is_refused(client, owner):
    client.force_login(owner)
    bad = client.post(reverse("campaigns:new"), _builder_post(offer="percent", offer_percent="150"))
    assert bad.status_code == 400
    past = (timezone.localtime() - timedelta(days=1)).strftime("%d/%m/%Y")
    late = client.post(reverse("campaigns:new"),
                       _builder_post(when="later", send_date=past, send_time="09:00"))  # fmt: skip
    assert late.status_code == 400
    assert not Campaign.objects.exists()


def test_the_live_count_says_how_many_and_how_many_held_out(client, manager_a, make_client):
    for n in range(10):
        make_client(f"Khách {n}")
    client.force_login(manager_a)
    response = client.get(reverse("campaigns:count"),
                          {"audience": "filters", "control_percent": "20"})  # fmt: skip
    text = response.content.decode()
    assert response.status_code == 200 and "10" in text and "2" in text


def test_a_sent_campaign_cannot_be_changed_or_deleted(campaign_a, manager_a):
    Campaign.objects.filter(pk=campaign_a.pk).update(status=Status.SENDING)
    with pytest.raises(editing.EditError):
        editing.campaign_update(actor=manager_a, campaign=campaign_a,
                                data=editing.CampaignInput(name="x", branch=campaign_a.branch))  # fmt: skip
    with pytest.raises(editing.EditError):
        editing.campaign_delete(actor=manager_a, campaign=campaign_a)
    campaign_a.refresh_from_db()
    assert campaign_a.name == "Sinh nhật tháng 12"


def test_a_draft_is_deleted_after_confirming(client, manager_a, campaign_a):
    client.force_login(manager_a)
    url = reverse("campaigns:delete", args=[campaign_a.pk])
    assert client.post(url).status_code == 200  # the confirmation
    assert Campaign.objects.filter(pk=campaign_a.pk).exists()
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    assert not Campaign.objects.filter(pk=campaign_a.pk).exists()


# --- the preview, the test send, the buttons ---


def test_the_preview_says_why_a_client_will_not_get_it(client, manager_a, campaign_a,
                                                       make_client):  # fmt: skip
    lan = make_client("Lê Thị Lan")
    client.force_login(manager_a)
    response = client.get(reverse("campaigns:detail", args=[campaign_a.pk]), {"client": lan.pk})
    text = response.content.decode()
    assert response.status_code == 200
    assert str(SkipReason.NO_CONSENT.label) in text
    assert "no_consent" not in text


def test_the_preview_shows_the_message_and_the_channel(client, manager_a, campaign_a,
                                                       make_client, consent):  # fmt: skip
    hoa = make_client("Nguyễn Thị Hoa", gender="female", given_name="Hoa", preferred_channel="zalo")
    consent(hoa, "zalo")
    client.force_login(manager_a)
    response = client.get(reverse("campaigns:detail", args=[campaign_a.pk]), {"client": hoa.pk})
    text = response.content.decode()
    assert "Chào chị Hoa" in text and "Zalo" in text


def test_a_test_send_reaches_the_staff_phone_and_counts_nowhere(client, manager_a, campaign_a,
                                                               gateway):  # fmt: skip
    client.force_login(manager_a)
    response = client.post(reverse("campaigns:test", args=[campaign_a.pk]),
                           {"channel": "sms", "language": "vi", "phone": "0912 345 678"},
                           follow=True)  # fmt: skip
    assert response.status_code == 200
    assert len(gateway) == 1
    assert not Recipient.objects.exists()


def test_a_test_send_without_a_gateway_shows_why(client, manager_a, campaign_a):
    client.force_login(manager_a)
    response = client.post(reverse("campaigns:test", args=[campaign_a.pk]),
                           {"channel": "sms", "language": "vi", "phone": "0912345678"},
                           follow=True)  # fmt: skip
    assert "Cài đặt" in response.content.decode() or "Settings" not in response.content.decode()


def test_send_asks_first_then_sends_pause_and_cancel(client, manager_a, campaign_a, make_client,
                                                     django_capture_on_commit_callbacks):  # fmt: skip
    for n in range(3):
        make_client(f"Khách {n}")
    client.force_login(manager_a)
    url = reverse("campaigns:action", args=[campaign_a.pk, "send"])
    assert client.get(url).status_code == 405
    asked = client.post(url)
    assert asked.status_code == 200 and 'name="confirmed"' in asked.content.decode()
    campaign_a.refresh_from_db()
    assert campaign_a.status == Status.DRAFT
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(url, {"confirmed": "yes"}).status_code == 302
    campaign_a.refresh_from_db()
    assert campaign_a.status == Status.SENDING
    assert Recipient.objects.filter(campaign=campaign_a).count() == 3
    pause = reverse("campaigns:action", args=[campaign_a.pk, "pause"])
    client.post(pause, {"confirmed": "yes"})
    campaign_a.refresh_from_db()
    assert campaign_a.status == Status.PAUSED
    cancel = reverse("campaigns:action", args=[campaign_a.pk, "cancel"])
    client.post(cancel, {"confirmed": "yes"})
    campaign_a.refresh_from_db()
    assert campaign_a.status == Status.CANCELLED
    assert not Recipient.objects.filter(campaign=campaign_a, status=RecipientStatus.QUEUED).exists()
    # sending a cancelled campaign is refused with a message, nothing changes
    response = client.post(url, {"confirmed": "yes"}, follow=True)
    assert response.status_code == 200
    campaign_a.refresh_from_db()
    assert campaign_a.status == Status.CANCELLED


# --- recipients and results: the same number of queries whatever the size ---


def _with_recipients(campaign, make_client, n):
    statuses_cycle = [RecipientStatus.SENT, RecipientStatus.SKIPPED, RecipientStatus.CONTROL,
                      RecipientStatus.FAILED, RecipientStatus.OPTED_OUT]  # fmt: skip
    for i in range(n):
        status = statuses_cycle[i % len(statuses_cycle)]
        Recipient.objects.create(
            campaign=campaign, client=make_client(f"Khách {campaign.pk}-{i}"), status=status,
            reason=SkipReason.NO_CONSENT if status == RecipientStatus.SKIPPED else "",
            channel="zalo" if status == RecipientStatus.SENT else "",
            sent_at=timezone.now() if status == RecipientStatus.SENT else None,
        )  # fmt: skip


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["campaigns:recipients", "campaigns:results"])
def test_recipients_and_results_cost_the_same_for_5_or_50(client, owner, make_campaign,
                                                          make_client, page):  # fmt: skip
    small, big = make_campaign(name="Nhỏ"), make_campaign(name="Lớn")
    _with_recipients(small, make_client, 5)
    _with_recipients(big, make_client, 50)
    client.force_login(owner)
    _queries(client, reverse(page, args=[small.pk]))  # warm: sessions, settings
    assert _queries(client, reverse(page, args=[small.pk])) == _queries(
        client, reverse(page, args=[big.pk]))  # fmt: skip


def test_the_recipients_page_shows_the_reason_in_words_and_filters(client, owner, make_campaign,
                                                                   make_client):  # fmt: skip
    c = make_campaign()
    _with_recipients(c, make_client, 10)
    client.force_login(owner)
    text = client.get(reverse("campaigns:recipients", args=[c.pk]),
                      {"status": "skipped"}).content.decode()  # fmt: skip
    assert str(SkipReason.NO_CONSENT.label) in text and "no_consent" not in text
    assert text.count('data-testid="recipient"') == 2


def test_results_compare_the_sent_group_with_the_control_group(owner, make_campaign, make_client):
    from spa.campaigns.results import campaign_results

    c = make_campaign()
    _with_recipients(c, make_client, 10)
    r = campaign_results(c)
    assert (r.sent.clients, r.control.clients, r.sent.delivered) == (8, 2, 2)
    assert not r.enough and "Not enough" in r.verdict or "Chưa đủ" in r.verdict


# --- automations and rules ---


def test_a_manager_sets_up_the_birthday_automation_for_their_branch(client, manager_a, branch_a):
    client.force_login(manager_a)
    response = client.post(reverse("campaigns:automation", args=["birthday"]), {
        "name": "Chúc mừng sinh nhật", "trigger_days": "7", "offer": "percent",
        "offer_percent": "20", "offer_valid_days": "30", "offer_uses": "1",
        "control_percent": "10", "switched_on": "on",
        "zalo_vi_body": "Chúc mừng sinh nhật {name}! Mã {voucher} đến {expiry}.",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:1500]
    c = Campaign.objects.get(kind=Kind.AUTOMATION)
    assert (c.trigger, c.branch, c.status, c.offer_percent) == (Trigger.BIRTHDAY, branch_a,
                                                               Status.ACTIVE, 20)  # fmt: skip
    client.post(reverse("campaigns:automation_switch", args=["birthday"]))
    c.refresh_from_db()
    assert c.status == Status.PAUSED


def test_the_owner_changes_the_campaign_rules_with_history(client, owner):
    client.force_login(owner)
    rules = CampaignRules.current()
    data = {"quiet_from": "21:30", "quiet_until": "08:00", "cap_messages": "3", "cap_days": "7",
            "control_percent": "15", "attribution_days": "30", "stop_keyword": "tc",
            "email_per_second": "300", "sms_per_second": "200", "zalo_per_second": "200"}  # fmt: skip
    assert client.post(reverse("campaigns:rules"), data).status_code == 302
    rules.refresh_from_db()
    assert (rules.cap_messages, rules.control_percent, rules.stop_keyword) == (3, 15, "TC")
    assert AuditEntry.objects.filter(subject=f"campaigns.campaignrules:{rules.pk}").exists()
    data["control_percent"] = "80"
    assert client.post(reverse("campaigns:rules"), data).status_code == 400
    rules.refresh_from_db()
    assert rules.control_percent == 15


def test_segments_saved_by_a_manager_can_be_picked(client, manager_a, make_client):
    segment = segment_create(actor=manager_a, name="Zalo", definition=SegmentDefinition())
    make_client("Phạm Thị Thu")
    client.force_login(manager_a)
    response = client.post(reverse("campaigns:new"),
                           _builder_post(audience="segment", segment=str(segment.pk)))  # fmt: skip
    assert response.status_code == 302
    assert Campaign.objects.get().segment == segment


def test_a_saved_segment_leads_to_a_campaign_for_it(client, manager_a):
    segment = segment_create(actor=manager_a, name="Zalo", definition=SegmentDefinition())
    client.force_login(manager_a)
    page = client.get(reverse("reports:segment", args=[segment.pk])).content.decode()
    assert f"/campaigns/new/?segment={segment.pk}" in page
    form = client.get(reverse("campaigns:new"), {"segment": segment.pk}).content.decode()
    assert f'<option value="{segment.pk}" selected>' in form


def test_the_verdict_reads_the_interval():
    from spa.campaigns.results import Group, _verdict

    g = Group(clients=4, revenue=400, sum_sq=4 * 100**2)
    assert g.revenue_per_client == 100 and g.variance == 0
    h = Group(clients=3, revenue=6, sum_sq=1 + 4 + 9)  # 1, 2, 3
    assert h.variance == pytest.approx(1.0)
    assert "Not enough" in _verdict(False, 500, 100, 900) or "Chưa đủ" in _verdict(
        False, 500, 100, 900
    )
    assert "500" in _verdict(True, 500, 100, 900)
    assert _verdict(True, 500, -100, 900) == _verdict(False, 0, 0, 0)
