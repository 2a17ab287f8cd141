"""Client segments: a definition made of filters, and THE query that turns it into the
clients a user may reach (what the campaigns send to).

A definition is data (`SegmentDefinition`, stored as JSON in `Segment.definition`), so
a segment is re-run each time and its members are always current. The filters are
applied to the rollups of spa.reports.models: `ClientStats` (one narrow row per live
client, keyed by the client's id: scores, spend, consent, year of birth, branch) and
`ClientService` (a client's history with a service), with EXISTS on the tables keyed by
client (tags, debts, packages: the client list's own `debt_q` / `unused_package_q`) and,
only when a profile filter asks for it, an IN on the profile table built from the
client list's `client_filters_q`. No filter joins, so a client is never counted twice.
`segment_clients` is that set within `clients_visible_to(user)`; `segment_count` counts
the rollup rows themselves, which is what keeps a count at a million clients fast.
The built-in segments (the six RFM groups, the spend bands) are ready-made definitions.
"""

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.clients.models import Channel, Client, Gender, Tier
from spa.clients.selectors import clients_visible_to
from spa.clients.selectors_lists import (
    ClientFilters,
    client_filters_q,
    debt_q,
    unused_package_q,
)
from spa.core import access
from spa.core.params import FIRST_DAY, LAST_DAY, MAX_ID
from spa.office.audit import record_settings_change, snapshot
from spa.reports.models import ClientService, ClientStats, Segment
from spa.reports.rollups import CONSENT_CHANNELS, RFM_GROUPS, rollups_refresh

DEFINITION_VERSION = 1
MAX_AMOUNT = 10**15  # more đồng than any client spends: a bound for typed amounts
MAX_DAYS = 36_500
MAX_VISITS = 100_000
OCCUPATION_MAX = 120


# --- Bands and groups, as data -------------------------------------------------------


@dataclass(frozen=True)
class SpendBand:
    """Money spent in [low, high) in VND (invoices less credit notes); high None: no top."""

    code: str
    label: str
    low: int
    high: int | None

    def q(self) -> Q:
        where = Q(spend__gte=self.low)
        return where & Q(spend__lt=self.high) if self.high is not None else where


# A client who has spent nothing is in no band: the bands sort paying clients.
SPEND_BANDS = (
    SpendBand("u1m", _("Under 1 million ₫"), 1, 1_000_000),
    SpendBand("1m", _("1 to 5 million ₫"), 1_000_000, 5_000_000),
    SpendBand("5m", _("5 to 20 million ₫"), 5_000_000, 20_000_000),
    SpendBand("20m", _("20 to 50 million ₫"), 20_000_000, 50_000_000),
    SpendBand("50m", _("50 million ₫ and more"), 50_000_000, None),
)
SPEND_BAND = {b.code: b for b in SPEND_BANDS}

# spa.reports.rollups.age_band's bands: (code, label, youngest, oldest) in years, the
# age being this year less the year of birth (as the reports count it).
AGE_BANDS = (
    ("u25", _("Under 25"), 0, 24),
    ("25", _("25 to 34"), 25, 34),
    ("35", _("35 to 44"), 35, 44),
    ("45", _("45 to 54"), 45, 54),
    ("55", _("55 and over"), 55, 110),
)
AGE_BAND = {code: (low, high) for code, _label, low, high in AGE_BANDS}

RFM_GROUP_LABELS = {
    "vip": (_("VIP clients"), _("Came recently, come often and spend the most.")),
    "loyal": (_("Loyal clients"), _("Come back regularly.")),
    "potential": (_("Promising clients"), _("Came recently, could come more often.")),
    "new": (_("New clients"), _("First visit in the last 90 days, at most two visits.")),
    "at_risk": (_("Clients at risk"), _("Used to come or spend a lot, not seen for a while.")),
    "lapsed": (_("Lapsed clients"), _("Not seen for a long time.")),
}
assert set(RFM_GROUP_LABELS) == set(RFM_GROUPS)
# The same choices as the profile's marketing consent, in the rollups' columns.
CONSENT_CHOICES = [(c, label) for c, label in Channel.choices if c in CONSENT_CHANNELS]


# --- The definition ------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentDefinition:
    """Which clients a segment holds; None / False / empty means "any". Several values
    in one filter (tiers, tags, age bands, groups) mean any of them; filters add up."""

    # the client list's filters
    branch_id: int | None = None
    tiers: tuple[str, ...] = ()
    tag_ids: tuple[int, ...] = ()  # has any of these tags
    source_id: int | None = None
    group_id: int | None = None
    birth_month: int | None = None
    visit_after: date | None = None  # last visit on or after this day
    visit_before: date | None = None  # last visit on or before this day
    has_debt: bool = False
    has_package: bool = False  # an unused package: sessions left, not expired
    consent_channel: str = ""  # currently consents to marketing on this channel
    # the profile
    gender: str = ""
    age_bands: tuple[str, ...] = ()
    occupation: str = ""  # the occupation contains this (case aside)
    # visits and money (the rollups)
    rfm_groups: tuple[str, ...] = ()
    spend_band: str = ""
    spend_min: int | None = None
    spend_max: int | None = None
    visits_min: int | None = None
    # service history: had the service (or one of the category) within the last N days
    # (any time if None); never had a service
    had_service_id: int | None = None
    had_category_id: int | None = None
    had_within_days: int | None = None
    never_service_id: int | None = None

    def to_json(self) -> dict:
        """The JSON kept in Segment.definition: only the filters that are set."""
        out: dict = {"v": DEFINITION_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, False, "", ()):
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data) -> "SegmentDefinition":
        """A definition from stored JSON; an unknown key or a value that does not fit is
        left out (a segment saved by an older version still opens)."""
        if not isinstance(data, dict):
            return cls()
        data = {OLD_KEYS.get(k, k): v for k, v in data.items()}
        values = {}
        for f in fields(cls):
            if f.name in data:
                value = READERS[f.name](data[f.name])
                if value is not None:
                    values[f.name] = value
        return cls(**values)

    def is_empty(self) -> bool:
        return self == SegmentDefinition()

    def client_list_filters(self) -> ClientFilters | None:
        """The same clients as the client list's filters, if the list can say it."""
        others = {f.name for f in fields(self)} - set(LIST_FIELDS)
        if any(getattr(self, n) != getattr(EMPTY, n) for n in others):
            return None
        if len(self.tiers) > 1 or len(self.tag_ids) > 1:
            return None
        return ClientFilters(
            branch_id=self.branch_id, tier=self.tiers[0] if self.tiers else "",
            tag_id=self.tag_ids[0] if self.tag_ids else None, source_id=self.source_id,
            group_id=self.group_id, birth_month=self.birth_month, visit_after=self.visit_after,
            visit_before=self.visit_before, has_debt=self.has_debt, has_package=self.has_package,
            consent_channel=self.consent_channel,
        )  # fmt: skip


EMPTY = SegmentDefinition()
LIST_FIELDS = (
    "branch_id", "tiers", "tag_ids", "source_id", "group_id", "birth_month", "visit_after",
    "visit_before", "has_debt", "has_package", "consent_channel",
)  # fmt: skip
# Keys an earlier shape of the JSON used (one value where there are now several).
OLD_KEYS = {"branch": "branch_id", "tier": "tiers", "tag_id": "tag_ids", "tags": "tag_ids",
            "tag": "tag_ids", "source": "source_id", "group": "group_id",
            "rfm_group": "rfm_groups", "age_band": "age_bands", "consent": "consent_channel",
            "channel": "consent_channel", "had_service": "had_service_id",
            "never_service": "never_service_id"}  # fmt: skip


def _read_id(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 1 <= number <= MAX_ID else None


def _read_int(low: int, high: int):
    def read(value) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            number = int(value)
        except ValueError:
            return None
        return number if low <= number <= high else None

    return read


def _read_choice(allowed):
    def read(value) -> str | None:
        return value if isinstance(value, str) and value in allowed else None

    return read


def _read_choices(allowed):
    def read(value) -> tuple[str, ...] | None:
        items = value if isinstance(value, list | tuple) else [value]
        kept = sorted({v for v in items if isinstance(v, str) and v in allowed})
        return tuple(kept) or None

    return read


def _read_ids(value) -> tuple[int, ...] | None:
    items = value if isinstance(value, list | tuple) else [value]
    kept = sorted({i for i in (_read_id(v) for v in items) if i is not None})
    return tuple(kept) or None


def _read_day(value) -> date | None:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def _read_bool(value) -> bool | None:
    return True if value is True else None


def _read_text(value) -> str | None:
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip()[:OCCUPATION_MAX] or None


READERS = {
    "branch_id": _read_id, "tiers": _read_choices(Tier.values), "tag_ids": _read_ids,
    "source_id": _read_id, "group_id": _read_id, "birth_month": _read_int(1, 12),
    "visit_after": _read_day, "visit_before": _read_day, "has_debt": _read_bool,
    "has_package": _read_bool, "consent_channel": _read_choice(CONSENT_CHANNELS),
    "gender": _read_choice(Gender.values), "age_bands": _read_choices(AGE_BAND),
    "occupation": _read_text, "rfm_groups": _read_choices(RFM_GROUPS),
    "spend_band": _read_choice(SPEND_BAND), "spend_min": _read_int(0, MAX_AMOUNT),
    "spend_max": _read_int(0, MAX_AMOUNT), "visits_min": _read_int(1, MAX_VISITS),
    "had_service_id": _read_id, "had_category_id": _read_id,
    "had_within_days": _read_int(1, MAX_DAYS), "never_service_id": _read_id,
}  # fmt: skip
assert set(READERS) == {f.name for f in fields(SegmentDefinition)}


# --- The query -----------------------------------------------------------------------


def _birth_years(bands: tuple[str, ...], today: date) -> Q:
    where = Q(pk__in=[])
    for code in bands:
        youngest, oldest = AGE_BAND[code]
        where |= Q(birth_year__gte=today.year - oldest, birth_year__lte=today.year - youngest)
    return where


def stats_q(definition: SegmentDefinition, *, today: date | None = None) -> Q:
    """The part of `definition` that ClientStats' own columns answer (Q() if none)."""
    d, today = definition, today or timezone.localdate()
    where = Q()
    if d.source_id:
        where &= Q(source_id=d.source_id)
    if d.gender:
        where &= Q(gender=d.gender)
    if d.rfm_groups:
        where &= Q(rfm_group__in=d.rfm_groups)
    if d.spend_band:
        where &= SPEND_BAND[d.spend_band].q()
    if d.spend_min is not None:
        where &= Q(spend__gte=d.spend_min)
    if d.spend_max is not None:
        where &= Q(spend__lte=d.spend_max)
    if d.visits_min is not None:
        where &= Q(visits__gte=d.visits_min)
    if d.age_bands:
        where &= _birth_years(d.age_bands, today)
    if d.consent_channel:
        where &= Q(**{f"consent_{d.consent_channel}": True})
    return where


def _profile_q(d: SegmentDefinition) -> Q:
    """The part only the profile answers: the client list's own filters (group, birthday,
    last visit), the occupation, and the tier (read from the profile: the nightly tier
    review changes it without marking the client for the rollups)."""
    where = client_filters_q(ClientFilters(
        group_id=d.group_id, birth_month=d.birth_month, visit_after=d.visit_after,
        visit_before=d.visit_before,
    ))  # fmt: skip
    if d.tiers:
        where &= Q(tier__in=d.tiers)
    if d.occupation:
        where &= Q(occupation__icontains=d.occupation)
    return where


def _history_q(d: SegmentDefinition, today: date) -> Q:
    """Tags, money owed, packages and service history: EXISTS on a table keyed by client."""
    where = Q()
    if d.tag_ids:
        through = Client.tags.through
        where &= Q(Exists(through.objects.filter(client_id=OuterRef("pk"), tag_id__in=d.tag_ids)))
    if d.has_debt:
        where &= debt_q()
    if d.has_package:
        where &= unused_package_q(today)
    if d.had_service_id or d.had_category_id or d.had_within_days:
        history = ClientService.objects.filter(client_id=OuterRef("pk"))
        if d.had_service_id:
            history = history.filter(service_id=d.had_service_id)
        elif d.had_category_id:
            from spa.catalog.models import Service

            in_category = Service.objects.filter(category_id=d.had_category_id).values("pk")
            history = history.filter(service_id__in=in_category)
        if d.had_within_days:
            history = history.filter(last_on__gte=today - timedelta(days=d.had_within_days))
        where &= Q(Exists(history))
    if d.never_service_id:
        never = ClientService.objects.filter(
            client_id=OuterRef("pk"), service_id=d.never_service_id
        )
        where &= ~Q(Exists(never))
    return where


def _branches(user, d: SegmentDefinition) -> list[int] | None:
    """The branches counted: those `user` may reach (None: all), narrowed to the
    definition's branch."""
    allowed = access.client_list_branch_ids(user)
    if not d.branch_id:
        return allowed
    return [d.branch_id] if allowed is None or d.branch_id in allowed else []


def segment_stats(*, user, definition: SegmentDefinition) -> QuerySet[ClientStats]:
    """The rollup rows of the clients `definition` holds in the branches `user` may reach:
    one row per live client, so counting them is counting clients. Every filter is a
    column of that narrow table or an EXISTS / IN keyed by the client (its primary key),
    so a count never reads the wide profile table unless a profile filter asks for it."""
    if not access.can_manage_segments(user):
        return ClientStats.objects.none()
    d, today = definition, timezone.localdate()
    qs = ClientStats.objects.all()
    branches = _branches(user, d)
    if branches is not None:
        qs = qs.filter(branch_id__in=branches)
    qs = qs.filter(stats_q(d, today=today) & _history_q(d, today))
    profile = _profile_q(d)
    if profile:
        # The branch again on the profile side: its (branch, …) indexes then serve alone.
        if branches is not None:
            profile &= Q(branch_id__in=branches)
        qs = qs.filter(client_id__in=Client.objects.filter(profile).values("pk"))
    return qs


def segment_clients(
    *, user, definition: SegmentDefinition, refresh: bool = True
) -> QuerySet[Client]:
    """THE query of a segment: the clients `user` may see (clients_visible_to) that
    `definition` holds, each once, unordered. The rollups are refreshed first (pass
    refresh=False only right after refreshing them)."""
    if not access.can_manage_segments(user):
        return Client.objects.none()
    if refresh:
        rollups_refresh()
    members = segment_stats(user=user, definition=definition).values("client_id")
    return clients_visible_to(user).filter(pk__in=members)


def segment_count(*, user, definition: SegmentDefinition) -> int:
    """How many clients `segment_clients` holds now, counted on the rollup rows (the
    branches of the owner or a manager are their whole client scope, and every live
    client has exactly one row once the rollups are refreshed, as they are here)."""
    if not access.can_manage_segments(user):
        return 0
    rollups_refresh()
    return segment_stats(user=user, definition=definition).count()


@dataclass(frozen=True)
class SegmentMember:
    client: Client
    spend: int
    last_visit: date | None


MEMBER_COLUMNS = ("id", "full_name", "primary_phone", "branch__name")


def segment_members(*, user, definition: SegmentDefinition, limit: int = 50) -> list:
    """The first members, most recent visit first, with what they spent: three queries.

    The first `limit` rollup rows are picked by a top-N sort of the matches: no index
    serves "last visit, latest first, never-came last", and none should, since walking
    one would read most of the chain for a segment of clients who stopped coming."""
    rollups_refresh()
    first = list(
        segment_stats(user=user, definition=definition)
        .order_by(F("last_visit").desc(nulls_last=True), "-client_id")
        .values_list("client_id", "last_visit", "spend")[:limit]
    )  # fmt: skip
    shown = {
        c.pk: c
        for c in clients_visible_to(user).filter(pk__in=[row[0] for row in first])
        .select_related("branch").only(*MEMBER_COLUMNS)
    }  # fmt: skip
    return [
        SegmentMember(client=shown[pk], spend=spend, last_visit=last)
        for pk, last, spend in first
        if pk in shown
    ]


# --- Built-in segments ------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltinSegment:
    code: str  # "vip", …, "spend-1m"
    kind: str  # "rfm" or "spend"
    name: str
    description: str
    definition: SegmentDefinition


def builtin_segments() -> tuple[BuiltinSegment, ...]:
    """The six RFM groups and the spend bands, as ready definitions."""
    groups = [
        BuiltinSegment(code, "rfm", name, about, SegmentDefinition(rfm_groups=(code,)))
        for code, (name, about) in RFM_GROUP_LABELS.items()
    ]
    bands = [
        BuiltinSegment(
            f"spend-{b.code}",
            "spend",
            b.label,
            "",
            SegmentDefinition(spend_band=b.code),
        )
        for b in SPEND_BANDS
    ]
    return (*groups, *bands)


def builtin_segment(code: str) -> BuiltinSegment | None:
    return next((b for b in builtin_segments() if b.code == code), None)


def builtin_counts(*, user, branch_id: int | None = None) -> dict[str, int]:
    """Every built-in segment's count among the clients `user` may reach (one branch or
    all): one query over the rollups, after refreshing them."""
    if not access.can_manage_segments(user):
        return {b.code: 0 for b in builtin_segments()}
    rollups_refresh()
    stats = segment_stats(user=user, definition=SegmentDefinition(branch_id=branch_id))
    today = timezone.localdate()
    counts = stats.aggregate(**{
        b.code.replace("-", "_"): Count("pk", filter=stats_q(b.definition, today=today))
        for b in builtin_segments()
    })  # fmt: skip
    return {b.code: counts[b.code.replace("-", "_")] or 0 for b in builtin_segments()}


# --- Saved segments: reads ------------------------------------------------------------------


def segments_visible_to(user) -> QuerySet[Segment]:
    """The saved segments `user` may use: the owner every one, a manager their branch's."""
    if not access.can_manage_segments(user):
        return Segment.objects.none()
    branches = access.client_list_branch_ids(user)
    qs = Segment.objects.select_related("branch")
    if branches is None:
        return qs
    return qs.filter(branch_id__in=branches)


def segment_get_for_user(user, segment_id: int) -> Segment | None:
    """One saved segment if `user` may use it, else None (callers answer 404)."""
    return segments_visible_to(user).filter(pk=segment_id).first()


def segment_definition(segment: Segment) -> SegmentDefinition:
    """A saved segment's definition, held to the segment's branch if it has one."""
    definition = SegmentDefinition.from_json(segment.definition)
    if segment.branch_id:
        definition = replace(definition, branch_id=segment.branch_id)
    return definition


# --- Saved segments: writes ------------------------------------------------------------------


class SegmentError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def _bound(*, actor, definition: SegmentDefinition) -> tuple[SegmentDefinition, int | None]:
    """(definition, branch id) as they will be saved: a manager's segment is their
    branch's; an owner's is the branch it filters on, or every branch."""
    if not access.can_manage_segments(actor):
        raise SegmentError(_("You may not change segments."))
    branches = access.client_list_branch_ids(actor)
    if branches is not None:
        if not branches:
            raise SegmentError(_("Your account has no branch: ask the owner."))
        if definition.branch_id not in (None, branches[0]):
            raise SegmentError(_("You may only make segments of your own branch."), "branch")
        return replace(definition, branch_id=branches[0]), branches[0]
    if definition.branch_id and not Branch.objects.filter(pk=definition.branch_id).exists():
        raise SegmentError(_("That branch no longer exists."), "branch")
    return definition, definition.branch_id


def _clean_name(name: str) -> str:
    name = " ".join((name or "").replace("\x00", "").split())
    if not name:
        raise SegmentError(_("Give the segment a name."), "name")
    if len(name) > 120:
        raise SegmentError(_("A name is at most 120 characters."), "name")
    return name


def _save(segment: Segment) -> Segment:
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise SegmentError(_("Another segment already has this name."), "name") from None
    return segment


def _audited(segment: Segment) -> dict:
    # The filters are JSON codes: the history names the segment, its branch and its note.
    return snapshot(segment, fields=["name", "description", "branch"])


@transaction.atomic
def segment_create(
    *, actor, name: str, definition: SegmentDefinition, description: str = ""
) -> Segment:
    """Save a new segment (a manager's is bound to their branch)."""
    definition, branch_id = _bound(actor=actor, definition=definition)
    segment = _save(Segment(
        name=_clean_name(name), description=(description or "").replace("\x00", "").strip()[:255],
        definition=definition.to_json(), branch_id=branch_id, created_by=actor,
    ))  # fmt: skip
    record_settings_change(actor=actor, obj=segment, before={}, after=_audited(segment))
    return segment


@transaction.atomic
def segment_update(
    *, actor, segment: Segment, name: str | None = None, description: str | None = None,
    definition: SegmentDefinition | None = None,
) -> Segment:  # fmt: skip
    """Rename a saved segment, or change its filters (only one `actor` may use)."""
    if segment_get_for_user(actor, segment.pk) is None:
        raise SegmentError(_("You may not change this segment."))
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    before = _audited(locked)
    if name is not None:
        locked.name = _clean_name(name)
    if description is not None:
        locked.description = description.replace("\x00", "").strip()[:255]
    if definition is not None:
        bound, locked.branch_id = _bound(actor=actor, definition=definition)
        locked.definition = bound.to_json()
    _save(locked)
    record_settings_change(actor=actor, obj=locked, before=before, after=_audited(locked))
    return locked


@transaction.atomic
def segment_delete(*, actor, segment: Segment) -> None:
    """Delete a saved segment (only one `actor` may use)."""
    if segment_get_for_user(actor, segment.pk) is None:
        raise SegmentError(_("You may not delete this segment."))
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    before = _audited(locked)
    Segment.objects.filter(pk=segment.pk).delete()
    record_settings_change(actor=actor, obj=locked, before=before, after={})
