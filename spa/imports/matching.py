"""Who is the same person: the desk's rules (phone, email, name + birth date) applied
to rows of a file and to the clients already stored, in batches.

A shared phone or email is not enough on its own: a mother and daughter share one
number. Two records are the same person only when their names agree (case, diacritics,
NFD and old/new tone marks folded away; a one-letter typo in a long word forgiven; a
missing middle name allowed) and their birth dates do not disagree. Without a shared
contact, the same full birth date and agreeing names are needed.
"""

from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from spa.core.text import is_han

RULE_PHONE = "phone"
RULE_EMAIL = "email"
RULE_NAME_BIRTH = "name_birth"
RULE_SOURCE_ID = "source_id"


def _token_agrees(a: str, b: str) -> bool:
    if a == b:
        return True
    if is_han(a[:1]) or is_han(b[:1]):
        return False
    return min(len(a), len(b)) >= 5 and Levenshtein.distance(a, b, score_cutoff=1) <= 1


def names_agree(a: list[str], b: list[str]) -> bool:
    """Folded name tokens in written order. The given names (the last word; the whole
    name for Chinese) must agree; every word of the shorter name must be in the longer
    one, so "Nguyễn Hoa" is "Nguyễn Thị Hoa" but "Nguyễn Thị Hoa" is not "Nguyễn Thị Hồng"."""
    if not a or not b:
        return False
    if not _token_agrees(a[-1], b[-1]):
        return False
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < len(long) and len(short) < 2:
        return False
    free = list(long)
    for word in short:
        hit = next((i for i, w in enumerate(free) if _token_agrees(word, w)), None)
        if hit is None:
            return False
        free.pop(hit)
    return True


def births_conflict(a: str | None, b: str | None, year_a=None, year_b=None) -> bool:
    if a and b:
        return a != b
    ya = int(a[:4]) if a else year_a
    yb = int(b[:4]) if b else year_b
    return bool(ya and yb and ya != yb)


@dataclass
class Person:
    """What matching needs of a record or a stored client."""

    ref: int  # row position in the job, or client id
    name: list[str]
    birth: str | None
    year: int | None = None
    phones: list[str] = field(default_factory=list)
    email: str = ""


def same_person(a: Person, b: Person, rule: str) -> bool:
    if births_conflict(a.birth, b.birth, a.year, b.year):
        return False
    if rule == RULE_NAME_BIRTH and not (a.birth and a.birth == b.birth):
        return False
    return names_agree(a.name, b.name)


@dataclass
class Match:
    rule: str
    ref: int  # the other row's position or the client id


@dataclass
class Index:
    """People seen so far (rows of the file, or stored clients), looked up by contact."""

    by_phone: dict[str, list[Person]] = field(default_factory=dict)
    by_email: dict[str, list[Person]] = field(default_factory=dict)
    by_birth: dict[str, list[Person]] = field(default_factory=dict)

    def add(self, person: Person) -> None:
        for e164 in person.phones:
            self.by_phone.setdefault(e164, []).append(person)
        if person.email:
            self.by_email.setdefault(person.email, []).append(person)
        if person.birth:
            self.by_birth.setdefault(person.birth, []).append(person)

    def find(self, person: Person) -> tuple[Match | None, list[int]]:
        """The same person, if any, and the refs who only share a contact (family)."""
        sharers: list[int] = []
        for e164 in person.phones:
            for other in self.by_phone.get(e164, ()):
                if same_person(person, other, RULE_PHONE):
                    return Match(RULE_PHONE, other.ref), []
                sharers.append(other.ref)
        if person.email:
            for other in self.by_email.get(person.email, ()):
                if same_person(person, other, RULE_EMAIL):
                    return Match(RULE_EMAIL, other.ref), []
        if person.birth:
            for other in self.by_birth.get(person.birth, ()):
                if other.ref not in sharers and same_person(person, other, RULE_NAME_BIRTH):
                    return Match(RULE_NAME_BIRTH, other.ref), []
        return None, list(dict.fromkeys(sharers))


def person_of_record(ref: int, record: dict) -> Person:
    return Person(
        ref=ref,
        name=record["name_tokens"],
        birth=record["birth_date"],
        year=record["birth_year"],
        phones=[p[0] for p in record["phones"]],
        email=record["email"],
    )


def stored_index(visible_clients, records: list[dict]) -> tuple[Index, set[str]]:
    """The stored clients a batch of records could match (by phone, email or birth
    date), and the phones of the batch that clients the user may not see already hold
    (those must be saved as shared, and never matched into)."""
    from spa.clients.models import Client, ClientPhone

    phones = {p[0] for r in records for p in r["phones"]}
    emails = {r["email"] for r in records if r["email"]}
    holders: dict[int, list[str]] = {}
    for e164, client_id in ClientPhone.objects.filter(e164__in=phones).values_list(
        "e164", "client_id"
    ):
        holders.setdefault(client_id, []).append(e164)
    ids = set(holders)
    if emails:
        ids |= set(Client.objects.filter(email_normalised__in=emails).values_list("id", flat=True))
    rows = list(
        visible_clients.filter(pk__in=ids).values_list(
            "id", "name_search", "birth_date", "birth_year", "email_normalised"
        )
    )
    # Name + birth date: the clients born that day whose given name (the last word,
    # folded) is the record's. The day is filtered in SQL (an index), the given name
    # here on the few columns fetched, before anything else is built from the row.
    # (Typos in a stored client's given name are therefore only forgiven when a phone
    # or an email is shared.)
    pairs = {
        (r["birth_date"], r["name_tokens"][-1])
        for r in records
        if r["birth_date"] and r["name_tokens"]
    }
    births = {birth for birth, _given in pairs}
    if births:
        for row in (
            visible_clients.filter(birth_date__in=births)
            .exclude(pk__in=ids)
            .values_list("id", "name_search", "birth_date", "birth_year", "email_normalised")
        ):
            given = row[1].rsplit(" ", 2)[-2] if row[1].strip() else ""
            if (row[2].isoformat(), given) in pairs:
                rows.append(row)
    index = Index()
    seen: set[int] = set()
    for client_id, name_search, birth, year, email in rows:
        seen.add(client_id)
        index.add(
            Person(
                ref=client_id,
                name=name_search.split(),
                birth=birth.isoformat() if birth else None,
                year=year,
                phones=holders.get(client_id, []),
                email=email,
            )
        )
    hidden = {e for client_id, e164s in holders.items() if client_id not in seen for e in e164s}
    return index, hidden
