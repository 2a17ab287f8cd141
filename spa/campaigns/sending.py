"""Sending a campaign: the worker claims its recipients in batches, decides each one
with the rules (spa/campaigns/rules.py), and delivers, with the lease and idempotency
discipline of reminders (spa/booking/reminders.py):

- a claim moves a batch queued → sending with `claimed_until = now + lease`, and writes
  each recipient's attempt row in the same transaction (no send without a record); the
  rules are decided inside that transaction too, with the clients' rows locked, so two
  campaigns sending at once cannot both pass the frequency cap for one client;
- PostgreSQL hands each worker different rows (FOR UPDATE SKIP LOCKED); SQLite runs
  one write transaction at a time (IMMEDIATE), which serialises claims;
- the outcome is written only while we still hold the claim (status sending and our
  attempt number, checked with the rows locked), so a worker whose lease ran out cannot
  overwrite the next one; each outcome is written as soon as its send returns (those
  that return together, in one transaction), before the next message of that sender goes;
- a killed worker's recipients stay `sending` until their lease runs out; the next
  claim takes them back (the unfinished attempt is marked interrupted) and sends them
  again with the same idempotency key (Recipient.token) and Message-ID, which a
  provider drops as a repeat: the one window left is a crash between the provider
  accepting and the outcome being written, as for reminders (here: the messages of
  the messages in flight, at most SENDERS per worker thread).
A campaign is done when none of its recipients is queued or sending."""

import contextlib
import itertools
import queue
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from spa.accounts.models import Branch, SpaSettings
from spa.booking.messaging import (
    DeliveryFailed,
    NotConfigured,
    mail_connection,
    send_email,
    send_gateway,
)
from spa.booking.models import MessageChannel
from spa.campaigns import rules as send_rules
from spa.campaigns.models import (
    Attempt,
    Campaign,
    CampaignRules,
    Kind,
    Recipient,
    RecipientStatus,
    SkipReason,
    Status,
)
from spa.campaigns.texts import message_for, recipient_text, stop_url
from spa.campaigns.vouchers import vouchers_issue
from spa.clients.models import Client
from spa.sales.models import Voucher

MAX_ATTEMPTS = 4
RETRY_SECONDS = 60
# Messages of one batch in flight at once (one worker thread's senders).
SENDERS = 4
INTERRUPTED = "interrupted"
CLIENT_COLUMNS = (
    "id", "full_name", "given_name", "gender", "language", "preferred_channel", "email",
    "merged_into_id", "branch_id", "birth_date",
)  # fmt: skip


def claimable_q(now) -> Q:
    """On the recipient's own columns only (no join: see reminders._claimable_own)."""
    expired = Q(claimed_until__lt=now) | Q(claimed_until__isnull=True)
    waiting = Q(status=RecipientStatus.QUEUED) & (
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    return waiting | (Q(status=RecipientStatus.SENDING) & expired)


@dataclass
class Claim:
    recipient: Recipient
    client: Client
    address: str  # the e-mail address or phone number it goes to
    number: int
    attempt_id: int


class RateLimit:
    """At most `rate` sends per second per channel in this process (all its threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.next_at: dict[str, float] = {}

    def wait(self, channel: str, rate: int) -> None:
        if rate <= 0:
            return
        with self.lock:
            now = time.monotonic()
            at = max(self.next_at.get(channel, now), now)
            self.next_at[channel] = at + 1 / rate
        if at > now:
            time.sleep(at - now)


LIMIT = RateLimit()


def _rate(rules: CampaignRules, channel: str) -> int:
    return {
        MessageChannel.EMAIL: rules.email_per_second,
        MessageChannel.SMS: rules.sms_per_second,
        MessageChannel.ZALO: rules.zalo_per_second,
    }.get(channel, 0)


def batch_claim(campaign: Campaign, rules: CampaignRules, limit: int) -> tuple[list[Claim], int]:
    """Decide and claim up to `limit` recipients of the campaign. Returns the claims to
    deliver, and how many recipients were handled (claimed, skipped or deferred)."""
    now = timezone.now()
    until = now + timedelta(seconds=settings.CAMPAIGN_LEASE_SECONDS)
    texts = {(m.channel, m.language) for m in campaign.messages.all()}
    with transaction.atomic():
        mine = Recipient.objects.filter(campaign=campaign).filter(claimable_q(now))
        ids = list(
            mine.order_by("id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return [], 0
        recipients = list(Recipient.objects.filter(pk__in=ids).order_by("id"))
        client_ids = sorted({r.client_id for r in recipients if r.client_id})
        # Lock the clients (in one order, so two batches never wait on each other in a
        # circle): the cap's count below then sees every other campaign's claims.
        clients = {
            c.pk: c
            for c in Client.objects.select_for_update()
            .only(*CLIENT_COLUMNS)
            .filter(pk__in=client_ids)
            .order_by("pk")
        }
        facts = send_rules.facts_for(client_ids, rules, now, exclude_ids=ids)
        skipped: dict[str, list[int]] = {}
        deferred: dict = {}
        sending: dict[tuple[str, str], list[int]] = {}
        for r in recipients:
            client = clients.get(r.client_id)
            decision = send_rules.decide(r, client, rules, now, facts=facts, texts=texts)
            if decision.channel is None:
                skipped.setdefault(decision.reason, []).append(r.pk)
            elif decision.not_before is not None:
                deferred.setdefault(decision.not_before, []).append(r.pk)
            else:
                sending.setdefault((decision.channel, client.language), []).append(r.pk)
                facts.recent[client.pk] += 1
        for reason, group in skipped.items():
            Recipient.objects.filter(pk__in=group).update(
                status=RecipientStatus.SKIPPED, reason=reason, claimed_until=None
            )
        for not_before, group in deferred.items():
            Recipient.objects.filter(pk__in=group).update(
                status=RecipientStatus.QUEUED, not_before=not_before, claimed_until=None
            )
        claimed_ids = []
        for (channel, language), group in sending.items():
            Recipient.objects.filter(pk__in=group).update(
                status=RecipientStatus.SENDING, attempts=F("attempts") + 1, claimed_until=until,
                channel=channel, language=language, reason="",
            )  # fmt: skip
            claimed_ids += group
        # An attempt still open was cut short by a dead worker.
        Attempt.objects.filter(recipient_id__in=ids, ok__isnull=True).update(
            ok=False, detail=INTERRUPTED
        )
        claimed = [r for r in Recipient.objects.filter(pk__in=claimed_ids).order_by("id")]
        made = vouchers_issue(campaign, claimed, clients)
        if made:
            for r in claimed:
                if r.pk in made:
                    r.voucher_id = made[r.pk]
            _update_rows(Recipient, ["voucher"], [(made[pk], pk) for pk in sorted(made)])
        attempts = Attempt.objects.bulk_create(
            [
                Attempt(recipient_id=r.pk, number=r.attempts, ok=None, detail="sending")
                for r in claimed
            ]
        )
    # What the texts read, loaded for the whole batch (not once per message).
    vouchers = Voucher.objects.in_bulk([r.voucher_id for r in claimed if r.voucher_id])
    for r in claimed:
        if r.voucher_id:
            r.voucher = vouchers[r.voucher_id]
    branches = Branch.objects.in_bulk({c.branch_id for c in clients.values()})
    for c in clients.values():
        c.branch = branches[c.branch_id]
    claims = [
        Claim(
            r,
            clients[r.client_id],
            send_rules.address_of(clients[r.client_id], r.channel, facts),
            r.attempts,
            a.pk,
        )  # fmt: skip
        for r, a in zip(claimed, attempts, strict=True)
    ]
    return claims, len(ids)


class Outbox:
    """The open connections of one batch: SMTP and HTTP kept alive between messages."""

    def __init__(self, spa: SpaSettings):
        self.spa = spa
        self.mail = None
        self.sender = None
        self.http = requests.Session()

    def email(self, to, subject, text, token):
        if self.mail is None:
            self.mail, self.sender = mail_connection(self.spa)
            self.mail.open()
        url = stop_url(token)
        headers = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        try:
            return send_email(
                to, subject, text, message_id=f"campaign-{token}", headers=headers,
                connection=self.mail, sender=self.sender,
            )  # fmt: skip
        except DeliveryFailed:
            self.close_mail()  # a broken connection: open a new one for the next message
            raise

    def close_mail(self):
        if self.mail is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.mail.close()
            self.mail = None

    def close(self):
        self.close_mail()
        self.http.close()


def deliver(claim: Claim, campaign: Campaign, rules: CampaignRules, outbox: Outbox) -> tuple:
    """Send one claimed message: (status, ok, detail, reason, not_before)."""
    r = claim.recipient
    r.campaign = campaign
    subject, text = recipient_text(r, campaign=campaign, client=claim.client)
    LIMIT.wait(r.channel, _rate(rules, r.channel))
    try:
        if not text:
            raise NotConfigured(SkipReason.NO_TEXT)
        if not claim.address:
            raise NotConfigured(SkipReason.NO_ADDRESS)
        if r.channel == MessageChannel.EMAIL:
            detail = outbox.email(claim.address, subject, text, r.token)
        else:
            detail = send_gateway(
                r.channel, claim.address, text, outbox.spa, key=r.token, attempt=claim.number,
                session=outbox.http,
            )  # fmt: skip
    except NotConfigured as exc:
        reason = exc.reason if exc.reason in SkipReason.values else SkipReason.GATEWAY
        if exc.reason == "no_email":
            reason = SkipReason.NO_ADDRESS
        return RecipientStatus.SKIPPED, False, str(exc), reason, None
    except DeliveryFailed as exc:
        if claim.number < MAX_ATTEMPTS:
            later = timezone.now() + timedelta(seconds=RETRY_SECONDS * claim.number)
            return RecipientStatus.QUEUED, False, str(exc), "", later
        return RecipientStatus.FAILED, False, str(exc), SkipReason.FAILED, None
    return RecipientStatus.SENT, True, str(detail), "", None


def _update_rows(model, fields: list[str], rows: list[tuple], where: str = "id = %s") -> int:
    """UPDATE model SET fields WHERE `where`, once per row of values (fields' values,
    then the where's), in one executemany: what bulk_update does, without building a
    CASE expression per row and field (most of a send's time when it was used here)."""
    if not rows:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(
        f"{connection.ops.quote_name(model._meta.get_field(f).column)} = %s" for f in fields
    )
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE {where}", rows)
        return cursor.rowcount


def _when(value):
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None


def finish(done: list[tuple[Claim, tuple, object]]) -> int:
    """Write the outcomes of our attempts (claim, outcome, when it was sent) in one
    transaction, for the recipients we still hold: status sending and our attempt
    number, read with their rows locked. Returns how many were still ours."""
    if not done:
        return 0
    with transaction.atomic():
        held = dict(
            Recipient.objects.select_for_update()
            .filter(pk__in=[claim.recipient.pk for claim, _o, _at in done])
            .filter(status=RecipientStatus.SENDING)
            .values_list("pk", "attempts")
        )
        rows, attempts = [], []
        for claim, (status, ok, detail, reason, not_before), at in done:
            ours = held.get(claim.recipient.pk) == claim.number
            if ours:
                rows.append((
                    status, _when(at if ok else None), detail[:255], reason, None,
                    _when(not_before), claim.recipient.pk,
                ))  # fmt: skip
            note = detail if ours else f"{detail} (after the lease ran out)"
            attempts.append((ok, note[:500], claim.attempt_id))
        fields = ["status", "sent_at", "note", "reason", "claimed_until", "not_before"]
        _update_rows(Recipient, fields, rows)
        _update_rows(Attempt, ["ok", "detail"], attempts)
    return len(rows)


def send_batch(claims: list[Claim], campaign: Campaign, rules: CampaignRules, spa) -> None:
    """Deliver a batch's claims, SENDERS at a time (each sender its own SMTP and HTTP
    connections: a send mostly waits for the other end). What came back is written at
    once (those that finished together, in one transaction) before the next message
    goes: so at any moment at most SENDERS messages of this thread are on the wire or
    sent and not yet written, the most a kill -9 can leave to be sent again. The senders
    touch no database: everything the texts need was loaded with the claim."""
    for channel, language in {(c.recipient.channel, c.recipient.language) for c in claims}:
        message_for(campaign, channel, language)  # fill the campaign's cache of texts here
    outboxes: queue.SimpleQueue = queue.SimpleQueue()
    made: list[Outbox] = []

    def send(claim: Claim):
        try:
            outbox = outboxes.get_nowait()
        except queue.Empty:
            outbox = Outbox(spa)
            made.append(outbox)
        try:
            return claim, deliver(claim, campaign, rules, outbox), timezone.now()
        finally:
            outboxes.put(outbox)

    waiting = iter(claims)
    failure = None
    try:
        with ThreadPoolExecutor(SENDERS, thread_name_prefix="campaign-send") as pool:
            running = {pool.submit(send, c) for c in itertools.islice(waiting, SENDERS)}
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                done = []
                for future in finished:
                    try:
                        done.append(future.result())
                    except Exception as exc:  # noqa: BLE001 (re-raised once the others are written)
                        failure = failure or exc
                finish(done)
                running |= {pool.submit(send, c) for c in itertools.islice(waiting, len(finished))}
    finally:
        for outbox in made:
            outbox.close()
    if failure is not None:
        raise failure


def dispatch(campaign_id: int, *, seconds: float = 30.0, batch: int | None = None) -> bool:
    """Send the campaign's due recipients for up to `seconds`; True if some are left
    that could go now (the caller runs it again). Safe to run in several workers."""
    deadline = time.monotonic() + seconds
    batch = batch or settings.CAMPAIGN_BATCH
    spa = SpaSettings.current()
    while True:
        campaign = Campaign.objects.select_related("branch").filter(pk=campaign_id).first()
        if campaign is None or campaign.status not in (Status.SENDING, Status.ACTIVE):
            return False
        rules = CampaignRules.current()
        campaign._rules = rules
        claims, handled = batch_claim(campaign, rules, batch)
        if not handled:
            campaign_close_if_done(campaign_id)
            return False
        send_batch(claims, campaign, rules, spa)
        if time.monotonic() > deadline:
            return True


def campaign_close_if_done(campaign_id: int) -> bool:
    """A one-off campaign being sent is done once nothing is queued or sending."""
    left = Recipient.objects.filter(
        campaign_id=campaign_id, status__in=[RecipientStatus.QUEUED, RecipientStatus.SENDING]
    )
    if left.exists():
        return False
    return bool(
        Campaign.objects.filter(pk=campaign_id, kind=Kind.ONCE, status=Status.SENDING).update(
            status=Status.DONE, finished_at=timezone.now()
        )
    )


def campaigns_due(now=None) -> list[int]:
    """The sweep's list: campaigns being sent (or automations on) with a recipient that
    could go now: waiting and due (quiet hours over), or held past its lease."""
    now = now or timezone.now()
    live = Campaign.objects.filter(status__in=[Status.SENDING, Status.ACTIVE])
    due = Recipient.objects.filter(campaign__in=live).filter(claimable_q(now))
    ids = set(due.values_list("campaign_id", flat=True).distinct())
    for campaign_id in live.filter(kind=Kind.ONCE).exclude(pk__in=ids).values_list("pk", flat=True):
        campaign_close_if_done(campaign_id)
    return sorted(ids)
