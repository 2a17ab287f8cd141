"""The client list: filters, sort orders and keyset pages that stay fast at a million
clients.

Every filter is a column of the profile or an EXISTS on one related table, so a row is
never multiplied by a join. A page is read by walking an index in the sort's order
("keyset": the next page starts after the last row shown, never at an OFFSET), and the
number of matches is counted only up to COUNT_CAP. A sort is made of *segments*, each
a filter plus an order on non-null columns that one index serves: "last visit" is the
clients who came (by date) then those who never did; "tier" is diamond, gold, silver,
bronze, each by name. A page reads at most one query per segment it crosses.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.core import signing
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.clients.models import Client, ConsentRecord, Tier
from spa.clients.selectors import clients_visible_to

# Matches are counted up to here; beyond, the page says "more than". Counting reads
# the matching rows, so the cap bounds that work on a big branch.
COUNT_CAP = 1_000
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
TIER_ORDER = [Tier.DIAMOND, Tier.GOLD, Tier.SILVER, Tier.BRONZE]  # highest first


@dataclass(frozen=True)
class ClientFilters:
    """What the list is narrowed to; None / False / empty means "any"."""

    branch_id: int | None = None
    tier: str = ""
    tag_id: int | None = None
    source_id: int | None = None
    group_id: int | None = None
    birth_month: int | None = None
    visit_after: date | None = None  # last visit on or after this day
    visit_before: date | None = None  # last visit on or before this day
    has_debt: bool = False
    has_package: bool = False  # an unused package: sessions left, not expired
    consent_channel: str = ""  # currently consents to marketing on this channel


# --- Filters ------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def consent_current_q(channel: str) -> Q:
    """The client's latest consent record on `channel` (latest wins, as on the profile)
    says yes: a granted record with no later record on that channel."""
    later = ConsentRecord.objects.filter(client_id=OuterRef("client_id"), channel=channel).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), id__gt=OuterRef("id"))
    )
    granted = ConsentRecord.objects.filter(
        client_id=OuterRef("pk"), channel=channel, granted=True
    ).filter(~Exists(later))
    return Q(Exists(granted))


def unused_package_q(today: date) -> Q:
    package = apps.get_model("treatments", "TreatmentPackage")
    live = package.objects.filter(
        client_id=OuterRef("pk"), status="active", used_sessions__lt=F("total_sessions")
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    return Q(Exists(live))


def debt_q() -> Q:
    balance = apps.get_model("sales", "Balance")
    return Q(Exists(balance.objects.filter(client_id=OuterRef("pk"), account="debt", amount__gt=0)))


def client_filters_q(filters: ClientFilters) -> Q:
    """`filters` as one Q on Client rows, without any access scope (clients_filtered adds
    it; the segments apply it inside a subquery of their own)."""
    f, where = filters, Q()
    if f.branch_id:
        where &= Q(branch_id=f.branch_id)
    if f.tier:
        where &= Q(tier=f.tier)
    if f.source_id:
        where &= Q(source_id=f.source_id)
    if f.group_id:
        where &= Q(group_id=f.group_id)
    if f.birth_month:
        where &= Q(birth_date__month=f.birth_month)
    if f.visit_after:
        where &= Q(last_visit_at__gte=_day_start(f.visit_after))
    if f.visit_before:
        where &= Q(last_visit_at__lt=_day_start(f.visit_before + timedelta(days=1)))
    if f.tag_id:
        through = Client.tags.through
        where &= Q(Exists(through.objects.filter(client_id=OuterRef("pk"), tag_id=f.tag_id)))
    if f.has_debt:
        where &= debt_q()
    if f.has_package:
        where &= unused_package_q(timezone.localdate())
    if f.consent_channel:
        where &= consent_current_q(f.consent_channel)
    return where


def clients_filtered(*, user, filters: ClientFilters) -> QuerySet[Client]:
    """The clients `user` may see that match `filters` (unordered)."""
    return clients_visible_to(user).filter(client_filters_q(filters))


# --- Sort orders as index-friendly segments ---------------------------------------------


@dataclass(frozen=True)
class Segment:
    where: Q  # which clients the segment holds
    keys: tuple[str, ...]  # non-null columns it is ordered by, ending with "id"
    descending: bool


@dataclass(frozen=True)
class Sort:
    code: str
    label: str
    segments: tuple[Segment, ...]

    def order_by(self) -> list:
        """One ORDER BY for the whole sort (the export reads every row in this order)."""
        if self.code in ("tier",):
            from django.db.models import Case, IntegerField, Value, When

            rank = Case(*[When(tier=t, then=Value(i)) for i, t in enumerate(TIER_ORDER)],
                        default=Value(len(TIER_ORDER)), output_field=IntegerField())  # fmt: skip
            return [rank, "name_search", "id"]
        if self.code == "-last_visit":
            return [F("last_visit_at").desc(nulls_last=True), "-id"]
        if self.code == "last_visit":
            return [F("last_visit_at").asc(nulls_last=True), "id"]
        first = self.segments[0]
        return [f"-{k}" if first.descending else k for k in first.keys]


ALL = Q()
SORTS = {
    s.code: s
    for s in [
        Sort("name", _("Name (A to Z)"), (Segment(ALL, ("name_search", "id"), False),)),
        Sort("-last_visit", _("Last visit (most recent first)"), (
            Segment(Q(last_visit_at__isnull=False), ("last_visit_at", "id"), True),
            Segment(Q(last_visit_at__isnull=True), ("id",), True),
        )),
        Sort("last_visit", _("Last visit (longest ago first)"), (
            Segment(Q(last_visit_at__isnull=False), ("last_visit_at", "id"), False),
            Segment(Q(last_visit_at__isnull=True), ("id",), False),
        )),
        Sort("-created", _("Created (newest first)"), (Segment(ALL, ("created_at", "id"), True),)),
        Sort("created", _("Created (oldest first)"), (Segment(ALL, ("created_at", "id"), False),)),
        Sort("tier", _("Tier (highest first), then name"), tuple(
            Segment(Q(tier=t), ("name_search", "id"), False) for t in TIER_ORDER
        )),
    ]
}  # fmt: skip
DEFAULT_SORT = "-last_visit"


def keyset_after(keys: tuple[str, ...], values: list, descending: bool) -> Q:
    """Rows strictly after `values` in the order of `keys` (a row comparison spelled
    out, with a plain bound on the first key so the index walk starts there)."""
    op = "lt" if descending else "gt"
    bound = "lte" if descending else "gte"
    rest = Q()
    for i in range(len(keys)):
        eq = dict(zip(keys[:i], values[:i], strict=True))
        step = Q(**eq, **{f"{keys[i]}__{op}": values[i]})
        rest = step if i == 0 else rest | step
    return Q(**{f"{keys[0]}__{bound}": values[0]}) & rest


# --- Cursors ------------------------------------------------------------------------

_SALT = "spa.clients.list.cursor"


def _encode(value):
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    return value


def _decode(value):
    if isinstance(value, list) and len(value) == 2 and value[0] in ("dt", "d"):
        parse = datetime.fromisoformat if value[0] == "dt" else date.fromisoformat
        return parse(str(value[1]))
    return value


def cursor_sign(tag: str, segment: int, values: list) -> str:
    """An opaque "next page" token: where the page ended, for which list and order."""
    payload = {"s": tag, "g": segment, "v": [_encode(v) for v in values]}
    return signing.dumps(payload, salt=_SALT, compress=True)


def cursor_unsign(tag: str, raw: str, lengths: list[int]) -> tuple[int, list] | None:
    """(segment, values) of a token made for `tag`, or None if it is not one (edited,
    stale, or of another order): the caller shows the first page."""
    if not raw:
        return None
    try:
        data = signing.loads(raw[:2000], salt=_SALT)
        segment, values = data["g"], [_decode(v) for v in data["v"]]
        if data["s"] != tag or not isinstance(segment, int) or not 0 <= segment < len(lengths):
            return None
        if len(values) != lengths[segment] or any(isinstance(v, dict | list) for v in values):
            return None
        return segment, values
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None


def cursor_make(sort: Sort, segment: int, row: Client) -> str:
    keys = sort.segments[segment].keys
    return cursor_sign(sort.code, segment, [getattr(row, k) for k in keys])


def cursor_read(sort: Sort, raw: str) -> tuple[int, list] | None:
    return cursor_unsign(sort.code, raw, [len(s.keys) for s in sort.segments])


# --- The page ------------------------------------------------------------------------

LIST_COLUMNS = (
    "id", "full_name", "given_name", "name_search", "primary_phone", "tier", "last_visit_at",
    "created_at", "branch__name", "birth_date",
)  # fmt: skip


@dataclass
class ClientPage:
    clients: list[Client]
    next_cursor: str = ""
    count: int = 0
    count_capped: bool = False  # more than COUNT_CAP match
    cursor_ignored: bool = False  # the "after" given was not a page of this sort
    money: dict[int, dict] = field(default_factory=dict)


def client_list_page(
    *, user, filters: ClientFilters, sort: Sort, cursor: str = "", size: int = DEFAULT_PAGE_SIZE
) -> ClientPage:
    """One page of the list, the capped count of matches, and each row's figures."""
    base = clients_filtered(user=user, filters=filters)
    start = cursor_read(sort, cursor) or (0, None)
    ignored = bool(cursor) and start[1] is None
    rows: list[tuple[int, Client]] = []
    for index in range(start[0], len(sort.segments)):
        segment = sort.segments[index]
        qs = base.filter(segment.where)
        if index == start[0] and start[1] is not None:
            qs = qs.filter(keyset_after(segment.keys, start[1], segment.descending))
        order = [f"-{k}" if segment.descending else k for k in segment.keys]
        want = size + 1 - len(rows)
        found = qs.select_related("branch").only(*LIST_COLUMNS).order_by(*order)[:want]
        rows.extend((index, c) for c in found)
        if len(rows) > size:
            break
    page = ClientPage(clients=[c for _i, c in rows[:size]], cursor_ignored=ignored)
    if len(rows) > size:
        last_index, last = rows[size - 1]
        page.next_cursor = cursor_make(sort, last_index, last)
    if start[1] is None and not page.next_cursor:
        page.count = len(page.clients)  # the whole list is on this page: nothing to count
    else:
        page.count = base.order_by()[: COUNT_CAP + 1].count()
        page.count_capped = page.count > COUNT_CAP
    page.money = clients_money(page.clients)
    _attach_tags(page.clients)
    return page


def clients_money(clients: list[Client]) -> dict[int, dict]:
    """Total spent and open debt of the clients shown: two grouped queries."""
    ids = [c.pk for c in clients]
    if not ids:
        return {}
    invoice = apps.get_model("sales", "Invoice")
    balance = apps.get_model("sales", "Balance")
    out = {pk: {"spent": 0, "debt": 0} for pk in ids}
    spent = invoice.objects.filter(client_id__in=ids).values("client_id").annotate(s=Sum("total"))
    for row in spent.order_by():
        out[row["client_id"]]["spent"] = row["s"] or 0
    debts = balance.objects.filter(client_id__in=ids, account="debt").values_list(
        "client_id", "amount"
    )
    for pk, amount in debts:
        out[pk]["debt"] = amount
    return out


def _attach_tags(clients: list[Client]) -> None:
    """Each client's tag names as `tag_names`, in one query."""
    through = Client.tags.through
    names: dict[int, list[str]] = {c.pk: [] for c in clients}
    if names:
        pairs = through.objects.filter(client_id__in=list(names)).values_list(
            "client_id", "tag__name"
        )
        for pk, name in pairs.order_by("tag__name"):
            names[pk].append(name)
    for c in clients:
        c.tag_names = names[c.pk]
