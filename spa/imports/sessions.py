"""The treatment-log sheet (sổ liệu trình: one row per visit) and the price-list sheet,
read in the dry run.

A price row names a service: it is either in the catalogue already (matched by its
folded name) or will be created. A visit row is linked to its client — by phone among
the file's client rows and the stored clients the importer may see, else by the old
system's client code, else by a name only one client has — and to its service (the
catalogue or the price list, exact or a close spelling). A visitor found nowhere is a
walk-in: the first of their rows will create the client, the later ones point at it.
Nothing is written outside the import's own tables here; see `session_write` for the
commit.
"""

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from spa.core.text import fold, lower_exact, tokens
from spa.imports import layout, matching, values
from spa.imports import services as core
from spa.imports.models import Decision, ImportedKey, ImportRow, Outcome
from spa.imports.problems import Problem, ProblemError
from spa.imports.records import row_key
from spa.imports.session_cells import (
    is_complimentary,
    parse_paid,
    parse_progress,
    parse_time,
    split_progress,
)
from spa.imports.session_write import after_commit, undo, write
from spa.imports.targets import SheetKind

__all__ = ["after_commit", "analyse_sheet", "undo", "write"]

FUZZY_CUTOFF = 90
RULE_PHONE, RULE_SOURCE_ID, RULE_NAME = "phone", "source_id", "name"
RULE_CATALOGUE = "catalogue"


# --- what the sheets share ---------------------------------------------------------------
@dataclass
class _Candidate:
    """Someone a visit row may belong to: a client row of the file, a stored client,
    or the first row of a walk-in."""

    identity: tuple
    tokens: list[str]
    row: ImportRow | None = None
    client_id: int | None = None
    phones: list[str] = field(default_factory=list)


@dataclass
class _State:
    """What the dry run of a job's price and visit sheets keeps between batches."""

    catalogue: dict[str, int]  # folded name -> Service id
    products: dict[str, int]  # folded name or code -> Product id
    technicians: dict[str, set[int]]  # folded name -> User ids of the branch
    fuzzy: dict[str, str | None] = field(default_factory=dict)
    file_clients: list[_Candidate] | None = None
    by_source_id: dict[str, list[_Candidate]] = field(default_factory=dict)
    by_name: dict[str, list[_Candidate]] = field(default_factory=dict)
    walk_ins_by_phone: dict[str, list[_Candidate]] = field(default_factory=dict)
    walk_ins_by_name: dict[str, list[_Candidate]] = field(default_factory=dict)
    price_dups: dict[int, ImportRow] = field(default_factory=dict)  # id(row) -> first row


def _state(context) -> _State:
    state = getattr(context, "sessions_state", None)
    if state is None:
        from spa.accounts.models import User
        from spa.catalog.models import Product, Service

        technicians: dict[str, set[int]] = {}
        for user in User.objects.filter(branch=context.job.branch, is_active=True):
            for name in {user.get_full_name(), user.first_name, user.username,
                         f"{user.last_name} {user.first_name}"}:  # fmt: skip
                if fold(name):
                    technicians.setdefault(fold(name), set()).add(user.pk)
        products: dict[str, int] = {}
        for pk, name, sku in Product.objects.values_list("pk", "name", "sku"):
            products.setdefault(fold(name), pk)
            products.setdefault(fold(sku), pk)
        state = _State(
            catalogue={fold(n): pk for pk, n in Service.objects.values_list("pk", "name")},
            products=products,
            technicians=technicians,
        )
        context.sessions_state = state
        context.price_services = {}  # folded name -> the price row that names it
    return state


def analyse_sheet(context, source, plan) -> None:
    """Every source row of a price or visit sheet as exactly one ImportRow."""
    state = _state(context)
    prices = plan["kind"] == SheetKind.PRICES
    batch: list[tuple[ImportRow, dict | None]] = []
    header_row = plan["header_row"]
    for position, row in enumerate(source.rows(plan["index"])):
        number = position + 1
        if header_row is None or position < header_row:
            blank = not any(values.text_of(c) for c in row)
            problem = Problem("row_blank" if blank else "row_title")
            batch.append((core._skip(context.job, plan, number, problem), None))
        elif position == header_row:
            batch.append((core._skip(context.job, plan, number, Problem("row_header")), None))
        else:
            not_data = layout.classify_row(row, plan["mapping"], header=plan["headers"])
            if not_data:
                batch.append((core._skip(context.job, plan, number, not_data), None))
            elif prices:
                batch.append(_price_row(context, state, plan, number, row))
            else:
                batch.append(_visit_row(context, state, plan, number, row))
        if len(batch) >= core.BATCH:
            _flush(context, state, batch, prices)
            batch = []
    if batch:
        _flush(context, state, batch, prices)


def _cells(row: list, mapping: list[str], headers: list[str]) -> dict[str, list[tuple]]:
    """target -> [(cell, text, header)] of the row's non-empty mapped cells."""
    found: dict[str, list[tuple]] = {}
    for position, target in enumerate(mapping):
        if not target or position >= len(row):
            continue
        text = values.text_of(row[position])
        if text:
            header = str(headers[position]) if position < len(headers) else ""
            found.setdefault(target, []).append((row[position], text, header))
    return found


def _first(cells: dict, target: str) -> tuple:
    return cells.get(target, [(None, "", "")])[0]


def _joined_text(cells: dict, target: str) -> str:
    return "\n".join(text for _, text, _ in cells.get(target, []))


def _new_row(context, plan: dict, number: int, outcome: str) -> ImportRow:
    return ImportRow(
        job=context.job, sheet_index=plan["index"], row_number=number, kind=plan["kind"],
        outcome=outcome,
    )  # fmt: skip


def _flush(context, state: _State, batch: list[tuple[ImportRow, dict | None]], prices) -> None:
    links: list[tuple[ImportRow, ImportRow]] = []
    if not prices:
        links = _link_visits(context, state, [(i, d) for i, d in batch if d])
    ImportRow.objects.bulk_create([item for item, _ in batch], batch_size=core.BATCH)
    for item, target in links:
        item.match_row_id = target.pk
    if links:
        ImportRow.objects.bulk_update([i for i, _ in links], ["match_row"], batch_size=core.BATCH)
    if prices:  # a service named twice: the later rows point at the first
        dups = [item for item, _ in batch if id(item) in state.price_dups]
        for item in dups:
            item.match_row_id = state.price_dups.pop(id(item)).pk
        if dups:
            ImportRow.objects.bulk_update(dups, ["match_row"], batch_size=core.BATCH)
    context.progress(len(batch))


# --- price list ----------------------------------------------------------------------------
def _price_row(context, state: _State, plan: dict, number: int, row: list):
    cells = _cells(row, plan["mapping"], plan["headers"])
    item = _new_row(context, plan, number, Outcome.SERVICE)
    name = " ".join(_first(cells, "service_name")[1].split())[:120]
    if not name:
        item.outcome, item.reason = Outcome.REJECTED, Problem("service_missing").as_json()
        return item, None
    warnings: list[Problem] = []
    price = minutes = None
    cell, text, _header = _first(cells, "service_price")
    if text:
        try:
            price = values.parse_money(cell)
        except ProblemError as exc:
            warnings.append(exc.problem)
    cell, text, _header = _first(cells, "service_minutes")
    if text:
        try:
            minutes = values.parse_int(cell)
        except ProblemError as exc:
            warnings.append(exc.problem)
        if minutes is not None and not 0 < minutes <= 24 * 60:
            warnings.append(Problem("number_invalid", {"text": text}))
            minutes = None
    category = " ".join(_first(cells, "service_category")[1].split())[:80]
    data = {"name": name, "price": price, "minutes": minutes, "category": category}
    key = fold(name)
    earlier = context.price_services.get(key)
    if earlier is not None:
        warnings.append(Problem("row_service_duplicate", {"row": earlier.row_number}))
        state.price_dups[id(item)] = earlier
    else:
        context.price_services[key] = item
    if key in state.catalogue:
        data["service_id"] = state.catalogue[key]
        item.match_rule = RULE_CATALOGUE
    item.warnings = [w.as_json() for w in warnings]
    item.data = data
    return item, data


# --- treatment log -------------------------------------------------------------------------
def _visit_row(context, state: _State, plan: dict, number: int, row: list):
    cells = _cells(row, plan["mapping"], plan["headers"])
    item = _new_row(context, plan, number, Outcome.SESSION)
    warnings: list[Problem] = []
    kept: list[str] = []

    def keep(problem: Problem, header: str, text: str) -> None:
        warnings.append(problem)
        kept.append(f"{header}: {text}" if header else text)

    cell, text, header = _first(cells, "session_date")
    parsed = values.parse_date(cell, day_first=context.job.options.get("day_first", True),
                               today=context.today) if text else None  # fmt: skip
    problem = None
    if parsed is None:
        problem = Problem("date_missing")
    elif parsed.problem or not parsed.date:
        problem = parsed.problem or Problem("date_invalid", {"text": text})
    elif parsed.date > context.today:
        problem = Problem("date_future", {"text": text})
    if problem:
        item.outcome, item.reason = Outcome.REJECTED, problem.as_json()
        return item, None
    data: dict = {"date": parsed.date.isoformat(), "time": None}
    time_cell, time_text, time_header = _first(cells, "session_time")
    try:
        visit_time = parse_time(time_cell) if time_text else None
    except ProblemError as exc:
        keep(exc.problem, time_header, time_text)
        visit_time = None
    if visit_time is None and hasattr(cell, "hour") and (cell.hour or cell.minute):
        visit_time = parse_time(cell)  # a date cell that carries the time too
    data["time"] = visit_time.strftime("%H:%M") if visit_time else None

    _read_client(cells, data, warnings, kept)
    _read_service(context, state, cells, data, warnings)
    _read_money(cells, data, keep)
    _read_progress(cells, data, keep)
    _read_people_and_products(state, cells, data, warnings)
    data["note"] = "\n".join([_joined_text(cells, "session_note"), *kept]).strip()
    # A note saying "KM" beside an amount is a discount, not a free visit.
    if data["amount"] is None and is_complimentary(_joined_text(cells, "session_note")):
        data["complimentary"] = True
    if data["complimentary"]:
        data["amount"] = 0
    item.warnings = [w.as_json() for w in warnings]
    item.data = data
    return item, data


def _read_client(cells: dict, data: dict, warnings: list[Problem], kept: list[str]) -> None:
    cell, text, header = _first(cells, "session_client")
    data["client_name"], data["name_tokens"] = "", []
    if text:
        name = values.clean_name(cell)
        if name.problem:
            warnings.append(name.problem)
            kept.append(f"{header}: {text}")
        else:
            data["client_name"] = _without_salutation(name.full_name)[:120]
            data["name_tokens"] = tokens(fold(data["client_name"]))
    data["phones"] = []
    for cell, text, header in cells.get("session_phone", []):
        parsed = values.parse_phones(cell)
        warnings.extend(parsed.problems)
        if parsed.problems or parsed.note:
            kept.append(f"{header}: {text}")
        for phone in parsed.phones:
            if phone.e164 not in [p[0] for p in data["phones"]]:
                data["phones"].append([phone.e164, phone.national, phone.significant])
    data["client_source_id"] = _first(cells, "session_client_id")[1][:60]


_SALUTATIONS = {
    "chị", "cô", "em", "bà", "bác", "ông", "anh", "c", "a", "c.", "a.", "ms", "ms.", "mrs",
    "mrs.", "mr", "mr.", "miss", "madam", "khách", "kh",
}  # fmt: skip


def _without_salutation(name: str) -> str:
    """A log names people as the desk calls them: "Chị Hoa", "a. Nam". The salutation
    is not part of the name (kept with its tone marks: "Chị" is not the name "Chi")."""
    words = name.split()
    while len(words) > 1 and lower_exact(words[0]) in _SALUTATIONS:
        words = words[1:]
    return " ".join(words)


def _read_service(context, state: _State, cells: dict, data: dict, warnings) -> None:
    raw = " ".join(_first(cells, "session_service")[1].split())
    name, progress = split_progress(raw)
    data["service"], data["_progress_in_name"] = name[:120], progress
    data["service_key"], data["service_from"] = _service_key(context, state, name)
    if name and not data["service_key"]:  # created, inactive, on commit: nothing is lost
        warnings.append(Problem("row_service_unknown", {"text": name}))


def _service_key(context, state: _State, name: str) -> tuple[str, str]:
    """The folded name of the catalogue or price-list service a visit names, exact or a
    close spelling ("Peel da AHA" for "peel da aha."); ("", "") when there is none."""
    key = fold(name)
    if not key:
        return "", ""
    if key in state.catalogue:
        return key, "catalogue"
    if key in context.price_services:
        return key, "price_list"
    if key not in state.fuzzy:
        choices = list(state.catalogue) + [
            k for k in context.price_services if k not in state.catalogue
        ]
        best = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        state.fuzzy[key] = best[0] if best else None
    found = state.fuzzy[key]
    if found is None:
        return "", ""
    return found, "catalogue" if found in state.catalogue else "price_list"


def _read_money(cells: dict, data: dict, keep) -> None:
    cell, text, header = _first(cells, "session_amount")
    paid_cell, paid_text, paid_header = _first(cells, "session_paid")
    data["amount"] = None
    data["complimentary"] = is_complimentary(text) or is_complimentary(paid_text)
    if text and not data["complimentary"]:
        try:
            data["amount"] = values.parse_money(cell)
        except ProblemError as exc:
            keep(exc.problem, header, text)
    data["paid"] = None
    if paid_text and not data["complimentary"]:
        try:
            data["paid"] = parse_paid(paid_cell)
        except ProblemError as exc:
            keep(exc.problem, paid_header, paid_text)


def _read_progress(cells: dict, data: dict, keep) -> None:
    cell, text, header = _first(cells, "session_progress")
    progress = data.pop("_progress_in_name")
    if text:
        try:
            progress = parse_progress(cell)
        except ProblemError as exc:
            keep(exc.problem, header, text)
    data["progress"] = list(progress) if progress else None


def _read_people_and_products(state: _State, cells: dict, data: dict, warnings) -> None:
    data["technician"] = _joined_text(cells, "session_technician")
    data["technician_ids"], unknown = [], []
    for name in values.split_list(data["technician"]):
        ids = state.technicians.get(fold(name), set())
        if len(ids) == 1:
            data["technician_ids"].append(next(iter(ids)))
        else:
            unknown.append(name)
            warnings.append(Problem("technician_unknown", {"text": name}))
    data["technician_unknown"] = unknown
    data["products"] = values.split_list(_joined_text(cells, "session_products"))
    data["product_ids"] = []
    for name in data["products"]:
        pk = state.products.get(fold(name))
        data["product_ids"].append(pk)
        if pk is None:
            warnings.append(Problem("product_unknown", {"text": name}))


# --- linking visits to clients -------------------------------------------------------------
def _file_clients(context, state: _State) -> None:
    """The client rows of this file, indexed by old-system code and by name (once)."""
    if state.file_clients is not None:
        return
    state.file_clients = []
    by_pk = {row.pk: row for row in context.rows_by_ref.values()}
    for row in context.rows_by_ref.values():
        candidate = _candidate_of_row(row, by_pk)
        state.file_clients.append(candidate)
        record = row.data or {}
        if record.get("source_id"):
            state.by_source_id.setdefault(fold(record["source_id"]), []).append(candidate)
        state.by_name.setdefault(" ".join(candidate.tokens), []).append(candidate)


def _candidate_of_row(row: ImportRow, by_pk: dict[int, ImportRow]) -> _Candidate:
    """A client row, known by who it will become: a row proposed as an existing client
    is that client; a row proposed as an earlier row is that row."""
    record = row.data or {}
    seen: set[int] = set()
    target = row
    while (
        target.outcome == Outcome.SAME_ROW and target.decision != Decision.SEPARATE
        and target.match_row_id in by_pk and target.pk not in seen
    ):  # fmt: skip
        seen.add(target.pk)
        target = by_pk[target.match_row_id]
    if target.outcome == Outcome.EXISTING and target.decision != Decision.SEPARATE:
        identity = ("client", target.match_client_id)
    else:
        identity = ("row", target.pk)
    return _Candidate(
        identity=identity, tokens=list(record.get("name_tokens") or []), row=row,
        phones=[p[0] for p in record.get("phones") or []],
    )  # fmt: skip


def _stored_candidates(context, batch: list[dict]) -> tuple[dict, dict, dict]:
    """Stored clients the importer may see that a batch of visits could name: by phone,
    by name, and by old-system code (a client imported before with that code)."""
    from spa.clients.models import ClientPhone

    phones = {p[0] for d in batch for p in d["phones"]}
    names = {f" {' '.join(d['name_tokens'])} " for d in batch if d["name_tokens"]}
    keys = {
        row_key({"source_id": d["client_source_id"], "name_tokens": d["name_tokens"]}): d
        for d in batch
        if d["client_source_id"] and d["name_tokens"]
    }
    holders: dict[int, list[str]] = {}
    for e164, client_id in ClientPhone.objects.filter(e164__in=phones).values_list(
        "e164", "client_id"
    ):
        holders.setdefault(client_id, []).append(e164)
    by_code = dict(ImportedKey.objects.filter(key__in=keys).values_list("key", "client_id"))
    ids = set(holders) | set(by_code.values())
    found = list(context.visible.filter(pk__in=ids).values_list("id", "name_search"))
    if names:
        found += list(
            context.visible.filter(name_search__in=names).values_list("id", "name_search")
        )
    by_phone: dict[str, list[_Candidate]] = {}
    by_name: dict[str, list[_Candidate]] = {}
    seen: set[int] = set()
    people: dict[int, _Candidate] = {}
    for client_id, name_search in found:
        if client_id in seen:
            continue
        seen.add(client_id)
        person = _Candidate(
            identity=("client", client_id), tokens=name_search.split(), client_id=client_id,
            phones=holders.get(client_id, []),
        )  # fmt: skip
        people[client_id] = person
        for e164 in person.phones:
            by_phone.setdefault(e164, []).append(person)
        by_name.setdefault(" ".join(person.tokens), []).append(person)
    by_source = {id(keys[k]): people[c] for k, c in by_code.items() if c in people}
    return by_phone, by_name, by_source


def _unique(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per person, a row of the file before a stored client."""
    chosen: dict[tuple, _Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: c.row is None):
        chosen.setdefault(candidate.identity, candidate)
    return list(chosen.values())


def _link_visits(context, state: _State, batch: list[tuple[ImportRow, dict]]):
    """Link each visit of a batch to its client; returns (row, row it points at) pairs
    whose pointer must be set once the rows have ids."""
    _file_clients(context, state)
    stored_phone, stored_name, stored_code = _stored_candidates(context, [d for _, d in batch])
    links: list[tuple[ImportRow, ImportRow]] = []
    for item, data in batch:
        found, rule, problem = _find_client(context, state, data, stored_phone, stored_name,
                                            stored_code.get(id(data)))  # fmt: skip
        if problem:
            item.outcome, item.reason = Outcome.REJECTED, problem.as_json()
            continue
        if found is None:
            _add_walk_in(state, item, data)
            continue
        item.match_rule = rule
        data["walk_in"] = False
        if found.row is not None:
            links.append((item, found.row))
        else:
            item.match_client_id = found.client_id
    return links


def _find_client(context, state, data, stored_phone, stored_name, stored_code):
    """(candidate, rule, None), (None, "", problem) when the row must be rejected, or
    (None, "", None) for a walk-in."""
    name = data["name_tokens"]
    label = data["client_name"] or (data["phones"][0][1] if data["phones"] else "")
    holders: list[_Candidate] = []
    for e164, *_rest in data["phones"]:
        for person in context.file_index.by_phone.get(e164, ()):
            row = context.rows_by_ref.get(person.ref)
            if row is not None:
                holders.append(_candidate_of_row(row, _rows_by_pk(context)))
        holders += stored_phone.get(e164, []) + state.walk_ins_by_phone.get(e164, [])
    if holders:
        agree = _unique([h for h in holders if not name or matching.names_agree(name, h.tokens)])
        if not agree and len(name) == 1:  # "Hoa" with Nguyễn Thị Hoa's phone: her
            agree = _unique([h for h in holders if h.tokens and h.tokens[-1] == name[0]])
        if len(agree) == 1:
            return agree[0], RULE_PHONE, None
        if len(agree) > 1:
            return None, "", Problem("row_client_ambiguous", {"text": label})
    code = fold(data["client_source_id"])
    if code:
        hits = [c for c in state.by_source_id.get(code, [])
                if not name or matching.names_agree(name, c.tokens)]  # fmt: skip
        if stored_code is not None:
            hits.append(stored_code)
        hits = _unique(hits)
        if len(hits) == 1:
            return hits[0], RULE_SOURCE_ID, None
    if not name:
        return None, "", Problem("row_client_unknown")
    key = " ".join(name)
    walk_ins = [w for w in state.walk_ins_by_name.get(key, [])
                if not data["phones"] or not w.phones]  # fmt: skip
    hits = _unique(state.by_name.get(key, []) + stored_name.get(key, []) + walk_ins)
    if len(hits) == 1:
        return hits[0], RULE_NAME, None
    if len(hits) > 1:
        return None, "", Problem("row_client_ambiguous", {"text": label})
    return None, "", None


def _rows_by_pk(context) -> dict[int, ImportRow]:
    cached = getattr(context, "_client_rows_by_pk", None)
    if cached is None:
        cached = {row.pk: row for row in context.rows_by_ref.values()}
        context._client_rows_by_pk = cached
    return cached


def _add_walk_in(state: _State, item: ImportRow, data: dict) -> None:
    """A visitor found nowhere: this row will create them; later rows with their phone
    (or their name, when neither gives a phone) point here."""
    data["walk_in"] = True
    person = _Candidate(
        identity=("walk_in", id(item)), tokens=data["name_tokens"], row=item,
        phones=[p[0] for p in data["phones"]],
    )  # fmt: skip
    for e164 in person.phones:
        state.walk_ins_by_phone.setdefault(e164, []).append(person)
    state.walk_ins_by_name.setdefault(" ".join(person.tokens), []).append(person)
