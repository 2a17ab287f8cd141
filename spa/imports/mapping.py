"""Automatic column mapping: which target (targets.py) a column of a spa's workbook, of
a competitor's export or of our own export is, read from its header alone.

Headers are compared in a normalised form (``normalise_header``): folded (no case, no
diacritics), punctuation and bracketed notes such as ``(*)`` or ``(VNĐ)`` dropped. A
header is matched, in this order:

1. exactly against the synonyms of the sheet's kind (Vietnamese, English, Chinese,
   the headers of Fresha, Square, Vagaro, Google Contacts, the vCard reader, and our
   own client export in every language we ship);
2. by the numbered-column rules of Google Contacts (``Phone 2 - Value``) and of
   spreadsheets in general (``SĐT 2``, ``TEL 3``);
3. by a rapidfuzz ratio of at least 90 with a synonym (typos, ``Ho ten khach hang``);
4. by a "contains" rule for a few strong words (a header holding ``sdt`` is a phone).

Each match has a quality (exact beats fuzzy beats contains) so that, when two columns
claim the same target, the better one keeps it.
"""

import hashlib
import re
import unicodedata
from functools import cache

from rapidfuzz import fuzz, process

from spa.core.text import fold
from spa.imports.synonyms import OWN_EXPORT_LANGUAGES, OWN_EXPORT_TARGETS, SYNONYMS
from spa.imports.targets import IGNORE, TARGETS_OF_KIND, SheetKind

# Match qualities, best first. IGNORE with EXACT means "known, deliberately ignored".
EXACT = 4
WEAK = 3  # an exact synonym that a better column may take over (Address 1 - Street)
FUZZY = 2
CONTAINS = 1
NONE = 0

FUZZY_CUTOFF = 90
FUZZY_MIN_LENGTH = 4  # below this a one-letter typo is another word ("no" / "ns")

# Targets that several columns may carry (the caller concatenates them).
REPEATABLE = {"notes", "session_note"}
PHONE_TARGETS = {"phone", "phone2"}
NAME_TARGETS = {
    "full_name", "family_name", "given_name", "middle_name", "session_client", "service_name",
}  # fmt: skip
PHONEISH_TARGETS = {"phone", "phone2", "session_phone"}

# "Tên" (and 名) is the given name next to a "Họ" column (Fresha in Vietnamese), but the
# whole name in a spa's own workbook that has no family-name column.
_GIVEN_OR_FULL = {"ten", "名"}


# Contains rules: (target, words) per kind, tried in order; a word is a whole folded
# word or phrase of the header ("sdt" in "sdt khach"), a Han word a substring.
_CONTAINS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    SheetKind.CLIENTS: [
        ("birth_date", ("ngay sinh", "nam sinh", "sinh nhat", "birth", "birthday", "dob", "生日", "出生")),
        ("phone", ("sdt", "so dt", "dien thoai", "di dong", "phone", "mobile", "tel", "手机", "电话")),
        ("email", ("email", "e mail", "邮箱", "邮件")),
        ("source_id", ("ma kh", "ma khach", "ma so", "编号", "编码")),
        ("source", ("nguon", "biet qua", "gioi thieu", "source", "来源")),
        ("full_name", ("ho ten", "ho va ten", "ten", "name", "姓名", "名字")),
        ("address", ("dia chi", "address", "地址")),
        ("allergies", ("di ung", "allergy", "allergies", "过敏")),
        ("conditions", ("benh", "病")),
        ("pregnancy", ("mang thai", "co thai", "pregnan", "怀孕")),
        ("debt", ("cong no", "con no", "no cu", "欠")),
        ("points", ("diem", "points", "积分")),
        ("gender", ("gioi tinh", "gender", "性别")),
        ("notes", ("ghi chu", "note", "notes", "备注")),
    ],
    SheetKind.SESSIONS: [
        ("session_service", ("dich vu", "service", "项目", "服务")),
        ("session_phone", ("sdt", "so dt", "dien thoai", "phone", "mobile", "手机", "电话")),
        ("session_technician", ("ktv", "ky thuat vien", "nhan vien", "technician", "staff", "技师", "美容师")),
        ("session_date", ("ngay", "date", "日期")),
        ("session_client", ("khach", "ho ten", "ten", "name", "client", "customer", "客户", "姓名")),
        ("session_amount", ("tien", "amount", "金额")),
        ("session_note", ("ghi chu", "note", "notes", "备注")),
    ],
    SheetKind.PRICES: [
        ("service_price", ("gia", "price", "价")),
        ("service_minutes", ("phut", "thoi gian", "thoi luong", "minutes", "duration", "分钟", "时长")),
        ("service_category", ("nhom", "loai", "danh muc", "category", "类")),
        ("service_name", ("dich vu", "ten", "name", "service", "项目", "名称")),
    ],
}  # fmt: skip

# Words that stop a contains rule: "Tên dịch vụ" is not a client's name, "Ngày sinh" not
# a visit date, "Mã KH" not a name.
_CONTAINS_EXCLUDE: dict[str, tuple[str, ...]] = {
    "full_name": (
        "dich vu",
        "service",
        "san pham",
        "product",
        "nhan vien",
        "ktv",
        "goi",
        "lieu trinh",
        "chi nhanh",
        "branch",
        "cong ty",
        "company",
        "facebook",
        "zalo",
        "nguoi gioi thieu",
        "项目",
        "服务",
        "产品",
        "公司",
    ),
    "session_client": ("dich vu", "service", "nhan vien", "ktv", "san pham", "goi", "lieu trinh"),
    "session_date": ("sinh", "birth", "het han", "expire"),
    "points": ("dia diem",),
    "notes": (),
}

# Headers that fold to another synonym and must be told apart with their diacritics:
# "Nợ" (debt) folds to "no", the English row counter "No.".
_DIACRITIC_EXACT = {"nợ": ("debt", SheetKind.CLIENTS)}

_GOOGLE_NUMBERED = re.compile(
    r"^(e mail|email|phone|address|website|relation|event|custom field|organization|im"
    r"|external id|calendar link|location) (\d+) (.+)$"
)
_NUMBERED = re.compile(r"^(.*\D) ?(\d{1,2})$")
_IGNORE_WORDS = ("yomi", "phonetic")
_BRACKETED = re.compile(r"[(\[{（【][^)\]}）】]*[)\]}）】]")


def normalise_header(text) -> str:
    """The comparable form of a header: ``"Họ và tên (*):"`` -> ``"ho va ten"``.

    Full-width forms become ASCII (NFKC), bracketed notes such as ``(*)``, ``(VNĐ)`` or
    ``(dd/mm/yyyy)`` are dropped (unless the header is nothing else), case and diacritics
    are folded (``spa.core.text.fold``), every run of punctuation becomes one space.
    Han characters are kept as they are.
    """
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).replace("*", " ")
    unbracketed = _BRACKETED.sub(" ", value)
    if any(ch.isalnum() for ch in unbracketed):
        value = unbracketed
    value = fold(value)
    value = "".join(ch if ch.isalnum() else " " for ch in value)
    return " ".join(value.split())


def _words(norm: str) -> str:
    return f" {norm} "


def _has_word(norm: str, word: str) -> bool:
    """Whole-word (or phrase) containment for Latin text, substring for Han text."""
    if word.isascii():
        return f" {word} " in _words(norm)
    return word in norm


def _static_index(kind: str) -> dict[str, tuple[str, int]]:
    synonyms, weak = SYNONYMS[kind]
    index: dict[str, tuple[str, int]] = {}
    for target, headers in weak.items():
        for header in headers:
            index.setdefault(normalise_header(header), (target, WEAK))
    for target, headers in synonyms.items():
        for header in headers:
            norm = normalise_header(header)
            if norm and (norm not in index or index[norm][1] < EXACT):
                index[norm] = (target, EXACT)
    return index


def _own_export_synonyms() -> dict[str, str]:
    """Normalised header of our own client export, in each language -> target.

    The headers are gettext'd, so they are read through Django's translation machinery
    rather than copied: a re-worded translation still imports back. Empty when Django is
    not set up (plain scripts), so the rest of the mapping still works.
    """
    from django.apps import apps

    if not apps.ready:
        return {}
    from django.utils import translation

    from spa.clients.exports import COLUMNS

    out: dict[str, str] = {}
    for header, _width in COLUMNS:
        with translation.override("en"):
            target = OWN_EXPORT_TARGETS.get(str(header))
        if target is None:
            continue
        for language in OWN_EXPORT_LANGUAGES:
            with translation.override(language):
                norm = normalise_header(str(header))
            if norm:
                out[norm] = target
    return out


_INDEXES: dict[str, dict[str, tuple[str, int]]] = {}


def _index(kind: str) -> dict[str, tuple[str, int]]:
    """Normalised synonym -> (target, quality), built once. The client index is kept
    only once our own export's headers could be read (Django ready), so an early call
    from a plain script does not freeze it without them."""
    if kind in _INDEXES:
        return _INDEXES[kind]
    index = _static_index(kind)
    complete = True
    if kind == SheetKind.CLIENTS:
        own = _own_export_synonyms()
        complete = bool(own)
        for norm, target in own.items():
            index[norm] = (target, EXACT)
    if complete:
        _INDEXES[kind] = index
    return index


@cache
def _fuzzy_choices_of(kind: str, size: int) -> list[str]:
    # Keyed by the index's size too: a later, complete client index gets its own list.
    return [norm for norm in _index(kind) if len(norm) >= FUZZY_MIN_LENGTH]


def _fuzzy_choices(kind: str) -> list[str]:
    return _fuzzy_choices_of(kind, len(_index(kind)))


def _google_numbered(norm: str, kind: str) -> tuple[str, int] | None:
    """Google Contacts' ``<Field> <n> - <Part>`` columns (both CSV variants)."""
    found = _GOOGLE_NUMBERED.match(norm)
    if not found:
        return None
    field, n, part = found.group(1), int(found.group(2)), found.group(3)
    if part in ("label", "type"):
        return IGNORE, EXACT
    if kind != SheetKind.CLIENTS:
        if field == "phone" and part == "value" and n == 1 and kind == SheetKind.SESSIONS:
            return "session_phone", EXACT
        return IGNORE, EXACT
    if field == "phone" and part == "value":
        return ("phone" if n == 1 else "phone2" if n == 2 else "notes"), EXACT
    if field in ("e mail", "email") and part == "value":
        return ("email" if n == 1 else "notes"), EXACT
    if field == "address" and n == 1:
        return {
            "formatted": ("address", EXACT),
            "street": ("address", WEAK),
            "city": ("city", EXACT),
        }.get(part, (IGNORE, EXACT))
    if field == "organization" and n == 1:
        return {"name": ("occupation", EXACT), "title": ("occupation", WEAK)}.get(
            part, (IGNORE, EXACT)
        )
    return IGNORE, EXACT


def _numbered(norm: str, kind: str) -> tuple[str, int] | None:
    """``SĐT 2``, ``TEL 3``, ``Ghi chú 2``: the base header's target, by its number."""
    found = _NUMBERED.match(norm)
    if not found:
        return None
    base, n = found.group(1).strip(), int(found.group(2))
    target, quality = _match_plain(base, kind)
    if quality == NONE or not target:
        return None
    if target in PHONE_TARGETS:
        return ("phone" if n <= 1 else "phone2" if n == 2 else "notes"), quality
    if target == "session_phone":
        return ("session_phone" if n <= 1 else IGNORE), quality
    if target in REPEATABLE:
        return target, quality
    if target == "email" and n >= 2:
        return "notes", quality
    return (target if n <= 1 else IGNORE), quality


def _contains(norm: str, kind: str) -> tuple[str, int]:
    for target, words in _CONTAINS.get(kind, []):
        if any(_has_word(norm, w) for w in words) and not any(
            _has_word(norm, w) for w in _CONTAINS_EXCLUDE.get(target, ())
        ):
            return target, CONTAINS
    return IGNORE, NONE


def _match_plain(norm: str, kind: str) -> tuple[str, int]:
    """Exact, then fuzzy, then contains (no numbered-column rules)."""
    if not norm:
        return IGNORE, NONE
    index = _index(kind)
    if norm in index:
        return index[norm]
    if any(w in norm for w in _IGNORE_WORDS):
        return IGNORE, EXACT
    if len(norm) >= FUZZY_MIN_LENGTH:
        best = process.extractOne(
            norm, _fuzzy_choices(kind), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if best is not None:
            return index[best[0]][0], FUZZY
    return _contains(norm, kind)


def _diacritic_exact(header, kind: str) -> tuple[str, int] | None:
    if not isinstance(header, str):
        return None
    key = " ".join(unicodedata.normalize("NFC", header).lower().strip(" :*").split())
    found = _DIACRITIC_EXACT.get(key)
    return (found[0], EXACT) if found and found[1] == kind else None


def _match_header(header, kind: str) -> tuple[str, int]:
    return _diacritic_exact(header, kind) or _match(normalise_header(header), kind)


def _match(norm: str, kind: str) -> tuple[str, int]:
    if not norm:
        return IGNORE, NONE
    index = _index(kind)
    if norm in index:
        return index[norm]
    return _google_numbered(norm, kind) or _numbered(norm, kind) or _match_plain(norm, kind)


def is_exact_synonym(header, kind: str = SheetKind.CLIENTS) -> bool:
    """True when the header is, once normalised, one of the kind's synonyms (ignored
    ones such as "STT" included): what a header cell says, never a data value."""
    return normalise_header(header) in _index(kind)


def _check_kind(kind: str) -> None:
    if kind not in TARGETS_OF_KIND:
        raise ValueError(f"unknown sheet kind {kind!r}")


def guess_target(header, kind: str = SheetKind.CLIENTS) -> str:
    """The target of one column by its header alone, or ``""`` when unknown or ignored.

    Out of context: "Tên" gives ``given_name`` here; ``auto_map`` turns it into
    ``full_name`` when the sheet has no family-name column.
    """
    _check_kind(kind)
    return _match_header(header, kind)[0]


def _scored(headers: list, kind: str) -> list[tuple[str, int]]:
    """auto_map with the quality of each kept match (0 for an unmapped column)."""
    _check_kind(kind)
    norms = [normalise_header(h) for h in headers]
    cands = [_match_header(h, kind) for h in headers]
    if not any(t == "family_name" for t, _q in cands):
        cands = [
            ("full_name", q) if t == "given_name" and norm in _GIVEN_OR_FULL else (t, q)
            for norm, (t, q) in zip(norms, cands, strict=True)
        ]
    result: list[tuple[str, int]] = [(IGNORE, NONE)] * len(cands)
    best: dict[str, int] = {}
    for i, (target, quality) in enumerate(cands):
        if not target or target in REPEATABLE or target in PHONE_TARGETS:
            continue
        if target not in best or quality > cands[best[target]][1]:
            best[target] = i
    for i, (target, quality) in enumerate(cands):
        if target in REPEATABLE or (target and best.get(target) == i):
            result[i] = (target, quality)
    _assign_phones(cands, result)
    return result


def _assign_phones(cands: list[tuple[str, int]], result: list[tuple[str, int]]) -> None:
    """First phone column -> phone, the second -> phone2, any further one -> notes.

    A column named as the main phone ("Mobile number") is preferred for ``phone`` and
    one named as a second phone ("Telephone", "Day phone") for ``phone2``, whatever
    their order; a lone second-phone column becomes the main phone.
    """
    columns = [i for i, (t, _q) in enumerate(cands) if t in PHONE_TARGETS]
    if not columns:
        return
    mains = [i for i in columns if cands[i][0] == "phone"]
    primary = mains[0] if mains else columns[0]
    rest = [i for i in columns if i != primary]
    seconds = [i for i in rest if cands[i][0] == "phone2"]
    secondary = seconds[0] if seconds else (rest[0] if rest else None)
    for i in columns:
        quality = cands[i][1]
        if i == primary:
            result[i] = ("phone", quality)
        elif i == secondary:
            result[i] = ("phone2", quality)
        else:
            result[i] = ("notes", quality)


def auto_map(headers: list, kind: str = SheetKind.CLIENTS) -> list[str]:
    """One target per column (``""`` = ignored), each target used at most once.

    Exceptions: phone columns become ``phone``, ``phone2``, then ``notes``; ``notes``
    (``session_note``) may repeat, the caller joins them. When two columns claim the
    same target the better match keeps it (exact synonym > fuzzy > contains; on a tie
    the leftmost) and the other is ignored.
    """
    return [target for target, _q in _scored(headers, kind)]


_QUALITY_WEIGHT = {EXACT: 1.0, WEAK: 1.0, FUZZY: 0.8, CONTAINS: 0.5, NONE: 0.0}
_KEY_WEIGHT = 2.0  # a name or a phone column is what makes a header a header


def header_score(row: list, kind: str = SheetKind.CLIENTS) -> float:
    """How much a row looks like a header: its mapped cells, name/phone ones weighing
    double, contains-rule matches half. 0 when no cell maps. Only text cells count (a
    header is never a number or a date)."""
    cells = [c if isinstance(c, str) else None for c in row]
    score = 0.0
    for target, quality in _scored(cells, kind):
        if not target:
            continue
        weight = _KEY_WEIGHT if target in NAME_TARGETS or target in PHONEISH_TARGETS else 1.0
        score += weight * _QUALITY_WEIGHT[quality]
    return score


def has_key_column(row: list, kind: str = SheetKind.CLIENTS) -> bool:
    """True when the row, read as a header, names a name-ish or a phone-ish column."""
    cells = [c if isinstance(c, str) else None for c in row]
    return any(t in NAME_TARGETS or t in PHONEISH_TARGETS for t in auto_map(cells, kind))


def guess_sheet_kind(headers: list) -> str:
    """clients / sessions / prices / other, from the header row.

    A treatment log has a date, a service and a client (name, phone or code); a price
    list has a service and a price and names no client; a client sheet names people
    (a name or a phone). Anything else is not imported.
    """
    sessions = set(auto_map(headers, SheetKind.SESSIONS))
    client_side = {"session_client", "session_phone", "session_client_id"}
    if {"session_date", "session_service"} <= sessions and sessions & client_side:
        return SheetKind.SESSIONS
    prices = set(auto_map(headers, SheetKind.PRICES))
    if {"service_name", "service_price"} <= prices and not sessions & client_side:
        return SheetKind.PRICES
    clients = set(auto_map(headers, SheetKind.CLIENTS))
    if clients & (NAME_TARGETS | PHONEISH_TARGETS):
        return SheetKind.CLIENTS
    return SheetKind.OTHER


def header_signature(headers: list) -> str:
    """A stable key for a saved mapping: sha1 of the normalised headers, so the same
    export read again (other case, accents, trailing empty columns) finds its mapping."""
    norms = [normalise_header(h) for h in headers]
    while norms and not norms[-1]:
        norms.pop()
    return hashlib.sha1("\x1f".join(norms).encode(), usedforsecurity=False).hexdigest()
