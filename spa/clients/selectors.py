"""Reads of client data. `clients_visible_to` is the only way to get clients."""

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import F, QuerySet

from spa.accounts.models import Role
from spa.clients.models import Allergen, CareLink, Client, ClientPhone, ConsentRecord
from spa.core import access
from spa.core.phone import InvalidPhone, digits_only, parse_phone
from spa.core.text import PAIR, fold, lower_exact, normalise_name, sorted_key, tokens

MAX_CHAR = "\U0010ffff"  # sorts after every other character, bytewise


def clients_visible_to(user, *, include_merged: bool = False) -> QuerySet[Client]:
    """Clients `user` may see at all (rules in spa.core.access)."""
    qs = Client.objects.filter(access.client_scope(user, CareLink))
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    return qs


def client_get_for_user(user, client_id: int) -> Client | None:
    """One client if `user` may see them, else None (callers answer 404)."""
    return (
        clients_visible_to(user, include_merged=True)
        .select_related("branch", "staff_in_charge", "source", "group", "referrer")
        .filter(pk=client_id)
        .first()
    )


# --- Search ---------------------------------------------------------------------


@dataclass
class SearchResult:
    kind: str  # "phone", "email", "name" or "empty"
    clients: list[Client] = field(default_factory=list)
    more: bool = False  # more matches than shown: refine the query
    whole_number_needed: bool = False  # a role that sees phones masked typed part of one


RESULT_COLUMNS = (
    "id",
    "full_name",
    "given_name",
    "name_exact_key",
    "name_search",
    "primary_phone",
    "tier",
    "last_visit_at",
    "photo_thumb",
    "branch__name",
)


def _looks_like_phone(q: str) -> bool:
    digits = digits_only(q)
    others = [ch for ch in q if not ch.isdigit() and ch not in " +-.()"]
    return len(digits) >= 4 and not others


def client_search(*, user, q: str, limit: int = 20) -> SearchResult:
    """Find clients by phone (any format, or its last 4+ digits), email or name."""
    q = (q or "").strip()[:100]
    if not q:
        return SearchResult(kind="empty")
    if _looks_like_phone(q):
        return _search_phone(user, q, limit)
    if "@" in q:
        qs = clients_visible_to(user).filter(email_normalised=q.lower())
        rows = list(_result_queryset(qs)[: limit + 1])
        return SearchResult(kind="email", clients=rows[:limit], more=len(rows) > limit)
    return _search_name(user, q, limit)


def _result_queryset(qs: QuerySet[Client]) -> QuerySet[Client]:
    return qs.select_related("branch").only(*RESULT_COLUMNS)


def _search_phone(user, q: str, limit: int) -> SearchResult:
    visible = clients_visible_to(user)
    found: list[Client] = []
    seen: set[int] = set()
    try:
        phone = parse_phone(q)
    except InvalidPhone:
        phone = None
    if phone is not None:
        exact = visible.filter(
            pk__in=ClientPhone.objects.filter(e164=phone.e164).values("client_id")
        )
        for c in _result_queryset(exact).order_by("-last_visit_at", "-id")[:limit]:
            found.append(c)
            seen.add(c.pk)
    digits = digits_only(q)
    if phone is not None and found:
        return SearchResult(kind="phone", clients=found)  # a whole number, and it is known
    if not access.can_see_full_phone(user):
        # Phones are masked for this role: searching by the last digits would reveal the
        # hidden ones a digit at a time. Only a whole number finds a client.
        return SearchResult(kind="phone", clients=found, whole_number_needed=phone is None)
    if len(digits) <= 10:  # no whole number matched: read it as "last digits"
        rev = digits.lstrip("0")[::-1] if len(digits) >= 9 else digits[::-1]
        suffix_ids = ClientPhone.objects.filter(
            digits_reversed__gte=rev, digits_reversed__lt=rev + MAX_CHAR
        ).values("client_id")
        partial = visible.filter(pk__in=suffix_ids).exclude(pk__in=seen)
        rows = list(_result_queryset(partial).order_by("-last_visit_at", "-id")[: limit + 1])
        room = limit - len(found)
        found.extend(rows[:room])
        return SearchResult(kind="phone", clients=found, more=len(rows) > room)
    return SearchResult(kind="phone", clients=found)


def _scope_sql(user) -> tuple[str, list]:
    """Narrow the key table to the user's branch: only an optimisation, since the
    candidates are then filtered through clients_visible_to like everything else."""
    if user.role in (Role.MANAGER, Role.RECEPTIONIST):
        return " AND k.branch_id = %s", [user.branch_id]
    return "", []


def _key_ranges(q_tokens: list[str]) -> list[tuple[str, str]]:
    """Index ranges that every match of the query must have a key in.

    All tokens but the last are whole words; the last may still be being typed, so
    it matches as a prefix. Single tokens and ordered pairs are both candidates.
    """
    *whole, last = q_tokens
    ranges = [(f"{PAIR}{w} {last}", f"{PAIR}{w} {last}{MAX_CHAR}") for w in whole]
    ranges += [
        (f"{PAIR}{a} {b}", f"{PAIR}{a} {b} ") for i, a in enumerate(whole) for b in whole[i + 1 :]
    ]
    ranges += [(w, f"{w} ") for w in whole]
    ranges.append((last, last + MAX_CHAR))
    return ranges[:8]


PROBE_CAP = 500  # counting stops here: a key this common is never the best driver
CANDIDATE_CAP = 3000  # index entries read for one query, whatever the data


def _search_name(user, q: str, limit: int) -> SearchResult:
    folded = tokens(fold(q))
    if not folded:
        return SearchResult(kind="name")
    exact_key = sorted_key(tokens(lower_exact(q)))
    visible = clients_visible_to(user)

    # 1. Whole-name matches, any word order: equality on indexed keys, most recent
    #    visit first. The same spelling (diacritics included) comes before the same
    #    letters without diacritics; each part is read in index order up to the limit,
    #    so a common name with thousands of namesakes costs no more than a rare one.
    base = _result_queryset(visible.filter(name_folded_key=sorted_key(folded)))
    recent = (F("last_visit_at").desc(nulls_last=True), F("id").desc())
    whole = list(base.filter(name_exact_key=exact_key).order_by(*recent)[: limit + 1])
    if len(whole) <= limit:
        whole += list(
            base.exclude(name_exact_key=exact_key).order_by(*recent)[: limit + 1 - len(whole)]
        )
    typed = normalise_name(q)
    for c in whole:
        c.exact_rank = 0 if c.full_name == typed else (1 if c.name_exact_key == exact_key else 2)
    exact_tokens = tokens(lower_exact(q))

    def spelled_alike(c: Client) -> int:
        # Among same-letter matches, the more words spelled exactly as typed, the better:
        # "nguyen thi hoa" puts Nguyễn Thị Hoa before Nguyễn Thị Hòa.
        name_tokens = set(c.name_exact_key.split(" "))
        return -sum(1 for t in exact_tokens if t in name_tokens)

    whole.sort(key=lambda c: (c.exact_rank, spelled_alike(c)))  # stable: last visit stays
    if len(whole) > limit:
        return SearchResult(kind="name", clients=whole[:limit], more=True)

    # 2. Partial matches (fragments, first letters of the last word): driven by the
    #    most selective key range, verified against the folded name.
    seen = {c.pk for c in whole}
    if user.role == Role.TECHNICIAN:
        # A technician sees only the clients linked to them: few enough to filter directly.
        *first, last = folded
        qs = visible.filter(name_search__contains=f" {last}")
        for w in first:
            qs = qs.filter(name_search__contains=f" {w} ")
        partial = list(_result_queryset(qs.exclude(pk__in=seen))[: limit * 5 + 1])
        more = len(partial) > limit * 5
    else:
        candidate_ids, more = _partial_candidates(user, folded, want=limit * 5)
        candidate_ids = [i for i in candidate_ids if i not in seen]
        partial = list(_result_queryset(visible.filter(pk__in=candidate_ids)))

    def rank(c: Client):
        name_tokens = c.name_exact_key.split(" ")
        spelled = all(any(t.startswith(e) for t in name_tokens) for e in exact_tokens)
        return (not spelled, -(c.last_visit_at.timestamp() if c.last_visit_at else 0), -c.pk)

    partial.sort(key=rank)
    room = limit - len(whole)
    return SearchResult(
        kind="name", clients=whole + partial[:room], more=more or len(partial) > room
    )


def _partial_candidates(user, q_tokens: list[str], want: int) -> tuple[list[int], bool]:
    scope_sql, scope_params = _scope_sql(user)
    ranges = _key_ranges(q_tokens)
    probes = ", ".join(
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM clients_clientnamekey k "
        f"WHERE k.key >= %s AND k.key < %s{scope_sql} LIMIT {PROBE_CAP}) p{i})"
        for i in range(len(ranges))
    )
    params: list = []
    for lo, hi in ranges:
        params += [lo, hi, *scope_params]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {probes}", params)
        counts = cur.fetchone()
        lo, hi = ranges[min(range(len(ranges)), key=lambda i: counts[i])]
        *whole, last = q_tokens
        checks = " AND c.name_search LIKE %s" * len(q_tokens)
        check_params = [f"% {w} %" for w in whole] + [f"% {last}%"]
        # Newest profiles first: the index is walked backwards from the end of the range.
        order = "ORDER BY k.key DESC, k.client_id DESC"
        if connection.vendor == "postgresql":
            # Two steps the planner cannot merge into a scan of the whole client table:
            # read at most CANDIDATE_CAP entries of the driving key in index order, then
            # check each by primary key. The work is bounded whatever the names.
            sql = (
                "SELECT k.client_id FROM (SELECT client_id, key FROM clients_clientnamekey k "
                f"WHERE k.key >= %s AND k.key < %s{scope_sql} {order} LIMIT {CANDIDATE_CAP}) k "
                "JOIN clients_client c ON c.id = k.client_id "
                f"WHERE c.merged_into_id IS NULL{checks} {order} LIMIT %s"
            )
        else:
            # SQLite would materialise and sort the sub-select; its planner already walks
            # the index and stops at the LIMIT with a plain join.
            sql = (
                "SELECT k.client_id FROM clients_clientnamekey k "
                "JOIN clients_client c ON c.id = k.client_id "
                f"WHERE k.key >= %s AND k.key < %s{scope_sql} AND c.merged_into_id IS NULL"
                f"{checks} {order} LIMIT %s"
            )
        cur.execute(sql, [lo, hi, *scope_params, *check_params, want + 1])
        ids = list(dict.fromkeys(row[0] for row in cur.fetchall()))
    return ids[:want], len(ids) > want


# --- Profile ----------------------------------------------------------------------


def allergens_by_id() -> dict[int, Allergen]:
    return {a.pk: a for a in Allergen.objects.all()}


def client_allergy_labels(client: Client) -> list[str]:
    """The allergy alert: managed allergens by name, then the free-text note."""
    health = getattr(client, "health", None)
    if health is None:
        return []
    values = health.values()
    names = [a.label for a in Allergen.objects.filter(pk__in=values["allergen_ids"])]
    if values["allergy_notes"]:
        names.append(values["allergy_notes"])
    return names


def client_current_consents(client: Client) -> dict[str, ConsentRecord]:
    """The latest consent record per channel."""
    latest: dict[str, ConsentRecord] = {}
    for record in client.consents.select_related("recorded_by").order_by("recorded_at", "id"):
        latest[record.channel] = record
    return latest


@dataclass
class Completeness:
    percent: int
    ask_next: list[str]


def client_completeness(client: Client, *, health_reconfirm_days: int) -> Completeness:
    """How complete a profile is, and the next things to ask (progressive profiling)."""
    from django.utils.translation import gettext as _

    health = getattr(client, "health", None)
    stale = (
        health is None
        or health.confirmed_at is None
        or (date.today() - health.confirmed_at).days > health_reconfirm_days
    )
    checks = [
        (not stale, _("Ask about allergies and health, and confirm the health questionnaire")),
        (client.birth_date is not None, _("Ask for the date of birth")),
        (bool(client.preferred_channel), _("Ask how they prefer to be contacted")),
        (client.consents.exists(), _("Ask for marketing consent per channel")),
        (bool(client.gender), _("Record the gender")),
        (bool(client.email), _("Ask for an email address")),
        (bool(health and health.values()["skin_type"]), _("Assess the skin type")),
        (bool(client.photo), _("Take a profile photo")),
        (bool(client.address), _("Ask for the address")),
        (bool(client.occupation), _("Ask about occupation and lifestyle")),
        (client.source_id is not None, _("Ask how they heard of us")),
        (bool(client.notes_preferences), _("Note their preferences (room, music, drinks)")),
    ]
    done = 2 + sum(1 for ok, _label in checks if ok)  # name and phone are always there
    total = 2 + len(checks)
    return Completeness(
        percent=round(100 * done / total), ask_next=[label for ok, label in checks if not ok][:3]
    )
