"""Who a campaign is for, and putting them on its list of recipients.

The audience is the segment's current definition (or the filters kept on the campaign),
as its creator may see it, within the campaign's branch. Enqueueing writes one
Recipient per client and run in bulk; the unique (campaign, client, run) makes it safe
to repeat. A share of the clients (control_percent) is held out, picked by a hash of
(campaign, client), so the same client is always on the same side of a campaign."""

import hashlib

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from spa.campaigns.models import Campaign, Kind, Recipient, RecipientStatus, new_token
from spa.clients.models import Client
from spa.reports.segments import SegmentDefinition, segment_clients

INSERT_BATCH = 2000


def campaign_definition(campaign: Campaign) -> SegmentDefinition:
    data = campaign.segment.definition if campaign.segment_id else campaign.definition
    return SegmentDefinition.from_json(data or {})


def audience_clients(campaign: Campaign, *, refresh: bool = True) -> QuerySet[Client]:
    """The clients the campaign is for now (live profiles only: merged copies are out)."""
    if campaign.created_by is None:
        return Client.objects.none()
    clients = segment_clients(
        user=campaign.created_by, definition=campaign_definition(campaign), refresh=refresh
    )
    if campaign.branch_id:
        clients = clients.filter(branch_id=campaign.branch_id)
    return clients.filter(merged_into__isnull=True)


def audience_count(campaign: Campaign) -> int:
    return audience_clients(campaign).count()


def control_score(campaign_id: int, client_id: int) -> float:
    """A number in [0, 1) fixed for the pair: the control group is the lowest scores."""
    digest = hashlib.blake2b(f"{campaign_id}:{client_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def control_ids(campaign: Campaign, client_ids: list[int]) -> set[int]:
    """The clients held out. A one-off campaign holds out exactly control_percent % of
    its list (rounded); an automation's daily runs are small, so each client of a run is
    held out when its score is under control_percent %: the same share over time."""
    share = campaign.control_percent / 100
    if not share or not client_ids:
        return set()
    scores = {cid: control_score(campaign.pk, cid) for cid in client_ids}
    if campaign.kind == Kind.AUTOMATION:
        return {cid for cid, score in scores.items() if score < share}
    size = round(len(client_ids) * share)
    return set(sorted(client_ids, key=scores.__getitem__)[:size])


def campaign_enqueue(campaign: Campaign, *, run: str = "", client_ids=None) -> int:
    """Put the audience (or `client_ids`) on the campaign's list for `run`; clients
    already on it for that run are left as they are. Returns how many rows are new."""
    if client_ids is None:
        client_ids = list(audience_clients(campaign).values_list("pk", flat=True))
    client_ids = sorted(set(client_ids))
    held_out = control_ids(campaign, client_ids)
    before = Recipient.objects.filter(campaign=campaign, run=run).count()
    with transaction.atomic():
        for start in range(0, len(client_ids), INSERT_BATCH):
            _insert(campaign.pk, run, client_ids[start : start + INSERT_BATCH], held_out)
    return Recipient.objects.filter(campaign=campaign, run=run).count() - before


# The columns a new recipient needs; the others start empty (NULL).
_COLUMNS = ("campaign_id", "client_id", "run", "status", "reason", "channel", "language",
            "attempts", "note", "token", "clicks", "created_at")  # fmt: skip


def _insert(campaign_id: int, run: str, client_ids: list[int], held_out: set[int]) -> None:
    """Write one batch of new recipients, leaving out those already on the list for the
    run (the unique key). Plain SQL: Django's bulk_create spends most of a 100,000-client
    list preparing every field of every row (docs/benchmarks.md, Campaigns)."""
    now = timezone.now()
    rows = [
        (campaign_id, cid, run,
         RecipientStatus.CONTROL if cid in held_out else RecipientStatus.QUEUED,
         "", "", "", 0, "", new_token(), 0, now)
        for cid in client_ids
    ]  # fmt: skip
    table = connection.ops.quote_name(Recipient._meta.db_table)
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: the rows travel as arrays, one per column.
            types = ("bigint", "bigint", "text", "text", "text", "text", "text", "int",
                     "text", "text", "int", "timestamptz")  # fmt: skip
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "
                "ON CONFLICT DO NOTHING",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            marks = ", ".join(["%s"] * len(_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows
            )
