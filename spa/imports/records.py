"""A source row of a client sheet turned into a record: every mapped cell parsed, or
reported and kept in the notes as written. Nothing a spa typed is dropped.

A record is plain JSON (it is stored, encrypted, on the ImportRow between the dry run
and the commit):

    {"full_name", "alias", "name_tokens", "phones": [[e164, national, significant]],
     "email", "birth_date" (iso) | None, "birth_year", "gender", "address", "occupation",
     "facebook", "zalo", "wechat", "source", "group", "tags": [...], "branch",
     "client_since", "last_visit", "notes", "preferences", "tier", "points",
     "total_spent", "debt", "prepaid", "package": {...} | None, "health": {...} | None,
     "consent": {"sms": bool, ...}, "custom": {"<definition id>": text}, "source_id"}
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from spa.core.text import fold, tokens
from spa.imports import values
from spa.imports.problems import Problem, ProblemError
from spa.imports.targets import CUSTOM_PREFIX

NOTE_TARGETS = ("notes", "preferences")
MONEY_TARGETS = ("total_spent", "debt", "prepaid", "package_price")
COUNT_TARGETS = ("points", "package_total", "package_used", "package_remaining")
CONSENT_TARGETS = {"consent_sms": "sms", "consent_zalo": "zalo", "consent_email": "email"}
TEXT_TARGETS = (
    "address", "city", "occupation", "facebook", "zalo", "wechat", "source", "group",
    "branch", "source_id", "package_name", "medications",
)  # fmt: skip
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class Lists:
    """The spa's managed lists that free text is matched to (loaded once per job)."""

    allergens: list[tuple[int, list[str]]] = field(default_factory=list)
    conditions: list[tuple[int, list[str]]] = field(default_factory=list)

    @classmethod
    def load(cls) -> "Lists":
        from spa.clients.models import Allergen, Condition

        def items(model):
            return [
                (i.pk, [i.code, i.name_vi, i.name_en, i.name_zh])
                for i in model.objects.filter(is_active=True)
            ]

        return cls(allergens=items(Allergen), conditions=items(Condition))


@dataclass
class Parsed:
    record: dict
    warnings: list[Problem]
    reject: Problem | None


def _kept(record: dict, header: str, raw: str) -> None:
    """A value that could not be read goes to the notes as written, under its column."""
    line = f"{header}: {raw}" if header else raw
    record["notes"] = f"{record['notes']}\n{line}".strip()


def _empty_record() -> dict:
    return {
        "full_name": "", "alias": "", "name_tokens": [], "phones": [], "email": "",
        "birth_date": None, "birth_year": None, "gender": "", "address": "", "city": "",
        "occupation": "", "facebook": "", "zalo": "", "wechat": "", "source": "", "group": "",
        "tags": [], "branch": "", "client_since": None, "last_visit": None, "notes": "",
        "preferences": "", "tier": "", "points": 0, "total_spent": 0, "debt": 0, "prepaid": 0,
        "package": None, "health": None, "consent": {}, "custom": {}, "source_id": "",
        "medications": "", "package_name": "",
    }  # fmt: skip


def parse_client_row(
    row: list, mapping: list[str], headers: list[str], lists: Lists, *, today: date
) -> Parsed:
    """Read one data row of a client sheet with the job's mapping."""
    record = _empty_record()
    warnings: list[Problem] = []
    name_parts = {"family_name": "", "middle_name": "", "given_name": ""}
    package: dict = {}
    health: dict = {}
    phones_raw: list = []
    for position, target in enumerate(mapping):
        if not target or position >= len(row):
            continue
        cell = row[position]
        raw = values.text_of(cell)
        if raw == "":
            continue
        header = str(headers[position]) if position < len(headers) else ""
        try:
            _read_cell(
                record, target, cell, raw, header, name_parts, package, health, phones_raw,
                lists, warnings, today,
            )  # fmt: skip
        except ProblemError as exc:
            warnings.append(exc.problem)
            _kept(record, header, raw)
    _finish_name(record, name_parts, warnings)
    _finish_phones(record, phones_raw, warnings)
    _finish_package(record, package, warnings)
    if health:
        record["health"] = health
    reject = None
    if not record["full_name"]:
        reject = next((w for w in warnings if w.code == "name_invalid"), None) or Problem(
            "name_missing"
        )
        if reject in warnings:
            warnings.remove(reject)
    elif not record["phones"] and not any(w.code.startswith("phone") for w in warnings):
        warnings.append(Problem("phone_missing"))
    return Parsed(record, warnings, reject)


def _read_cell(
    record, target, cell, raw, header, name_parts, package, health, phones_raw, lists,
    warnings, today,
) -> None:  # fmt: skip
    if target == "full_name":
        record["_name_raw"] = cell
    elif target in name_parts:
        name_parts[target] = raw
    elif target in ("phone", "phone2"):
        phones_raw.append((header, cell))
    elif target == "email":
        email = raw.strip().lower()
        found = _EMAIL.findall(email)
        try:
            validate_email(found[0] if found else email)
        except ValidationError:
            raise ProblemError("email_invalid", text=raw) from None
        if record["email"]:
            _kept(record, header, raw)
        else:
            record["email"] = found[0] if found else email
    elif target == "birth_date":
        parsed = values.parse_date(cell, today=today)
        if parsed.problem:
            raise ProblemError(parsed.problem.code, **parsed.problem.params)
        if parsed.date and parsed.date > today:
            raise ProblemError("date_future", text=raw)
        if parsed.date and parsed.date.year < 1900:
            raise ProblemError("date_too_old", text=raw)
        if parsed.date:
            record["birth_date"] = parsed.date.isoformat()
        elif parsed.year:
            record["birth_year"] = parsed.year
    elif target in ("client_since", "last_visit", "package_expires"):
        parsed = values.parse_date(cell, today=today)
        if parsed.problem or not parsed.date:
            problem = parsed.problem or Problem("date_invalid", {"text": raw})
            raise ProblemError(problem.code, **problem.params)
        if target == "package_expires":
            package["expires"] = parsed.date.isoformat()
        else:
            record[target] = parsed.date.isoformat()
    elif target == "gender":
        record["gender"] = values.parse_gender(cell)
    elif target == "tier":
        record["tier"] = values.parse_tier(cell)
    elif target in MONEY_TARGETS:
        amount = values.parse_money(cell)
        if target == "package_price":
            package["price"] = amount
        else:
            record[target] = amount
    elif target in COUNT_TARGETS:
        number = values.parse_int(cell)
        if number is not None and number < 0:
            raise ProblemError("number_invalid", text=raw)
        if target == "points":
            record["points"] = number or 0
        else:
            package[target.removeprefix("package_")] = number
    elif target == "package_name":
        package["name"] = raw
    elif target in CONSENT_TARGETS or target == "consent_all":
        answer = values.parse_yes_no(cell)
        if answer is not None:
            channels = (
                list(CONSENT_TARGETS.values())
                if target == "consent_all"
                else [CONSENT_TARGETS[target]]
            )
            for channel in channels:
                record["consent"].setdefault(channel, answer)
    elif target == "tags":
        record["tags"] += [t for t in values.split_list(raw) if t not in record["tags"]]
    elif target == "allergies":
        ids, rest = values.match_managed(values.split_list(raw), lists.allergens)
        health["allergen_ids"] = sorted(set(health.get("allergen_ids", [])) | set(ids))
        if rest:
            health["allergy_notes"] = _joined(health.get("allergy_notes", ""), ", ".join(rest))
    elif target == "conditions":
        ids, rest = values.match_managed(values.split_list(raw), lists.conditions)
        health["condition_ids"] = sorted(set(health.get("condition_ids", [])) | set(ids))
        if rest:
            health["conditions"] = _joined(health.get("conditions", ""), ", ".join(rest))
    elif target == "medications":
        health["medications"] = _joined(health.get("medications", ""), raw)
    elif target == "pregnancy":
        try:
            status = values.parse_pregnancy(cell)
        except ProblemError:
            health["conditions"] = _joined(health.get("conditions", ""), f"{header}: {raw}")
            raise
        if status:
            health["pregnancy"] = status
    elif target == "skin_type":
        health["skin_type"] = values.parse_skin_type(cell)
    elif target in NOTE_TARGETS:
        key = "notes" if target == "notes" else "preferences"
        line = f"{header}: {raw}" if target == "notes" and record["notes"] else raw
        record[key] = _joined(record[key], line)
    elif target.startswith(CUSTOM_PREFIX):
        record["custom"][target.removeprefix(CUSTOM_PREFIX)] = raw
    elif target in TEXT_TARGETS:
        if record.get(target):
            _kept(record, header, raw)
        else:
            record[target] = raw
    else:  # a target of another kind of sheet: keep what it said
        _kept(record, header, raw)


def _joined(old: str, new: str) -> str:
    return f"{old}\n{new}".strip() if old else new


def _finish_name(record: dict, parts: dict, warnings: list[Problem]) -> None:
    raw = record.pop("_name_raw", None)
    if raw is None and any(parts.values()):
        raw = values.join_name(parts["family_name"], parts["middle_name"], parts["given_name"])
    if raw is None:
        return
    name = values.clean_name(raw)
    if name.problem:
        warnings.append(name.problem)
        return
    record["full_name"] = name.full_name[:120]
    record["alias"] = name.alias
    if name.alias:
        record["notes"] = _joined(record["notes"], name.alias)
    record["name_tokens"] = tokens(fold(record["full_name"]))


def _finish_phones(record: dict, cells: list, warnings: list[Problem]) -> None:
    seen: set[str] = set()
    for header, cell in cells:
        parsed = values.parse_phones(cell)
        warnings.extend(parsed.problems)
        if parsed.problems or parsed.note:
            _kept(record, header, values.text_of(cell))
        for phone in parsed.phones:
            if phone.e164 not in seen:
                seen.add(phone.e164)
                record["phones"].append([phone.e164, phone.national, phone.significant])


def _finish_package(record: dict, package: dict, warnings: list[Problem]) -> None:
    """Sessions in all, used and remaining: any two give the third; they must agree."""
    if not package:
        return
    total, used, remaining = package.get("total"), package.get("used"), package.get("remaining")
    if total is None and used is not None and remaining is not None:
        total = used + remaining
    if used is None and total is not None and remaining is not None:
        used = total - remaining
    if total is None and remaining is not None:
        total, used = remaining, 0
    if used is None:
        used = 0
    if (
        total is None
        or used < 0
        or used > total
        or (remaining is not None and total - used != remaining)
    ):
        text = "/".join(str(v) for v in (total, used, remaining))
        warnings.append(Problem("package_counts", {"text": text}))
        record["notes"] = _joined(record["notes"], f"{package.get('name', '')} {text}".strip())
        return
    record["package"] = {
        "name": package.get("name", "") or "",
        "total": total,
        "used": used,
        "expires": package.get("expires"),
        "price": package.get("price", 0) or 0,
    }


def row_key(record: dict) -> str:
    """What says "this row was imported before": the old system's client code, else
    the fingerprint of everything the row says."""
    if record.get("source_id"):
        basis = "id\0" + record["source_id"] + "\0" + " ".join(record["name_tokens"])
        prefix = "id:"
    else:
        basis = json.dumps(record, sort_keys=True, ensure_ascii=False)
        prefix = "row:"
    return prefix + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:48]
