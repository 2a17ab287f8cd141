"""The send-time decision for each recipient: may this client get this campaign now,
on which channel, and if not, why.

- erased (no client) and merged profiles are skipped;
- marketing consent per channel: the latest ConsentRecord of the channel wins, so a
  withdrawal after a consent stops the channel;
- the client's preferred channel first, then the other channels the campaign has a
  text for in the client's language and the client agreed to, with an address for it;
- the frequency cap: no more than `cap_messages` marketing messages in `cap_days`
  across every campaign (counted from Recipient.sent_at, plus messages going out now);
- quiet hours defer the message (not_before), they never skip it.

`decide` takes what it needs ready-loaded (a `Facts`), so the dispatcher decides a
whole batch with a handful of queries (`facts_for`), and a 100,000-client list is
screened in seconds (`screen`)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from spa.booking.models import MessageChannel
from spa.campaigns.models import CampaignRules, Recipient, RecipientStatus, SkipReason
from spa.clients.models import Client, ClientPhone, ConsentRecord

CHANNEL_ORDER = (MessageChannel.ZALO, MessageChannel.SMS, MessageChannel.EMAIL)


@dataclass(frozen=True)
class Decision:
    channel: str | None
    reason: str | None = None
    not_before: datetime | None = None

    @property
    def send_now(self) -> bool:
        return self.channel is not None and self.not_before is None


@dataclass
class Facts:
    """What the rules read about a set of clients, loaded in a few queries."""

    consents: dict[int, dict[str, bool]] = field(default_factory=dict)  # latest per channel
    phones: dict[int, str] = field(default_factory=dict)  # the primary number, E.164
    recent: Counter = field(default_factory=Counter)  # marketing messages within the cap


def facts_for(client_ids, rules: CampaignRules, now: datetime, *, exclude_ids=()) -> Facts:
    """Consents, phones and recent-message counts of `client_ids` (not counting the
    recipients `exclude_ids`: the ones being decided)."""
    ids = list(client_ids)
    facts = Facts()
    if not ids:
        return facts
    # Latest record per (client, channel): read in order, later rows overwrite.
    rows = (
        ConsentRecord.objects.filter(client_id__in=ids)
        .order_by("recorded_at", "id")
        .values_list("client_id", "channel", "granted")
    )
    for client_id, channel, granted in rows.iterator(chunk_size=5000):
        facts.consents.setdefault(client_id, {})[channel] = granted
    phones = (
        ClientPhone.objects.filter(client_id__in=ids)
        .order_by("client_id", "-is_primary", "id")
        .values_list("client_id", "e164")
    )
    for client_id, e164 in phones.iterator(chunk_size=5000):
        facts.phones.setdefault(client_id, e164)
    since = now - timedelta(days=rules.cap_days)
    counted = Recipient.objects.filter(client_id__in=ids).filter(
        Q(sent_at__gte=since) | Q(status=RecipientStatus.SENDING)
    )
    if exclude_ids:
        counted = counted.exclude(pk__in=list(exclude_ids))
    for row in counted.values("client_id").annotate(n=Count("id")):
        facts.recent[row["client_id"]] = row["n"]
    return facts


def quiet_until(rules: CampaignRules, now: datetime) -> datetime | None:
    """The end of the quiet hours if `now` is inside them (local time), else None."""
    local = timezone.localtime(now)
    start, end, clock = rules.quiet_from, rules.quiet_until, local.time()
    if start == end:
        return None
    inside = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), local.tzinfo)


def address_of(client: Client, channel: str, facts: Facts) -> str:
    if channel == MessageChannel.EMAIL:
        return client.email
    return facts.phones.get(client.pk, "")


def choose_channel(client: Client, texts: set, facts: Facts) -> tuple[str | None, str | None]:
    """(channel, None) or (None, reason): the preferred channel first, then the others."""
    consents = facts.consents.get(client.pk, {})
    language = client.language
    order = sorted(CHANNEL_ORDER, key=lambda c: c != client.preferred_channel)
    agreed = [c for c in order if consents.get(c)]
    if not agreed:
        withdrawn = any(consents.get(c) is False for c in CHANNEL_ORDER)
        return None, SkipReason.WITHDRAWN if withdrawn else SkipReason.NO_CONSENT
    with_address = [c for c in agreed if address_of(client, c, facts)]
    if not with_address:
        return None, SkipReason.NO_ADDRESS
    for channel in with_address:
        if (channel, language) in texts:
            return channel, None
    return None, SkipReason.NO_TEXT


def decide(recipient, client, rules: CampaignRules, now: datetime, *, facts=None, texts=None):
    """The Decision for one recipient now. `facts` and `texts` (the campaign's (channel,
    language) pairs) are loaded when not given."""
    if client is None:
        return Decision(None, SkipReason.ERASED)
    if client.merged_into_id:
        return Decision(None, SkipReason.MERGED)
    if facts is None:
        facts = facts_for(
            [client.pk],
            rules,
            now,
            exclude_ids=[recipient.pk] if getattr(recipient, "pk", None) else (),
        )
    if texts is None:
        texts = set(recipient.campaign.messages.values_list("channel", "language"))
    channel, reason = choose_channel(client, texts, facts)
    if channel is None:
        return Decision(None, reason)
    if facts.recent[client.pk] >= rules.cap_messages:
        return Decision(None, SkipReason.CAP)
    return Decision(channel, None, quiet_until(rules, now))


def screen(campaign, *, now=None, chunk: int = 5000) -> Counter:
    """A dry run over the campaign's queued recipients: how many would go out now on each
    channel, be deferred by quiet hours, or be skipped for each reason. Writes nothing."""
    now = now or timezone.now()
    rules = CampaignRules.current()
    texts = set(campaign.messages.values_list("channel", "language"))
    outcome: Counter = Counter()
    queued = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.QUEUED)
    ids = list(queued.order_by("id").values_list("id", "client_id"))
    columns = ("id", "language", "preferred_channel", "email", "merged_into_id")
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        client_ids = [cid for _rid, cid in part if cid is not None]
        clients = Client.objects.only(*columns).in_bulk(client_ids)
        facts = facts_for(client_ids, rules, now)
        for _rid, cid in part:
            decision = decide(None, clients.get(cid), rules, now, facts=facts, texts=texts)
            if decision.channel is None:
                outcome[decision.reason] += 1
            else:
                outcome["deferred" if decision.not_before else decision.channel] += 1
                facts.recent[cid] += 1
    return outcome
