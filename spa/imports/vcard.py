"""Contacts exported from a phone (.vcf, vCard 2.1, 3.0 and 4.0) as rows of a table.

Written here rather than with a library because phones write 2.1 as it was in 1996:
quoted-printable UTF-8 names broken over lines by soft line breaks that do not start
with a space, bare type parameters (`TEL;CELL:`), and a CHARSET per property. Only the
fields the importer can use become columns; photos and the rest are skipped.
"""

import quopri
import re
from collections.abc import Iterator

VCARD_HEADER = (
    "FN",
    "N.family",
    "N.given",
    "N.middle",
    "TEL",
    "TEL 2",
    "TEL 3",
    "EMAIL",
    "BDAY",
    "ORG",
    "TITLE",
    "ADR",
    "NOTE",
    "CATEGORIES",
)
COLUMN = {name: position for position, name in enumerate(VCARD_HEADER)}
PHONES = 3


def vcard_rows(text: str) -> Iterator[list[str | None]]:
    """One row per BEGIN:VCARD … END:VCARD, cells in the order of `VCARD_HEADER`."""
    depth = 0
    contact: list[tuple[str, dict[str, list[str]], str]] = []
    for name, params, value in _properties(text):
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            depth += 1
            if depth == 1:
                contact = []
            continue
        if name == "END" and value.strip().upper() == "VCARD":
            depth -= 1
            if depth == 0:
                yield _row(contact)
            depth = max(depth, 0)
            continue
        if depth == 1:  # an AGENT's nested card is not a contact of this file
            contact.append((name, params, value))
    if depth > 0:  # a file cut short still gives the contacts it has
        yield _row(contact)


def _properties(text: str) -> Iterator[tuple[str, dict[str, list[str]], str]]:
    lines = iter(_unfold(text))
    for line in lines:
        if ":" not in line:
            continue
        head, value = _split_head(line)
        name, params = _parse_head(head)
        if _is_quoted_printable(params):
            # Soft line breaks: a value ending in "=" goes on at the next line, unindented.
            while value.endswith("="):
                following = next(lines, None)
                if following is None:
                    break
                value = value[:-1] + following
            value = _decode_quoted_printable(value, params)
        yield name, params, value


def _unfold(text: str) -> list[str]:
    """Physical lines joined where a line starts with a space or tab (RFC 6350 §3.2)."""
    lines: list[str] = []
    for line in re.split(r"\r\n|\r|\n", text):
        if line[:1] in (" ", "\t") and lines and not lines[-1].endswith("="):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _split_head(line: str) -> tuple[str, str]:
    """Split at the first colon outside a quoted parameter value."""
    quoted = False
    for position, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:position], line[position + 1 :]
    return line, ""


def _parse_head(head: str) -> tuple[str, dict[str, list[str]]]:
    parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
    name = parts[0].rsplit(".", 1)[-1].strip().upper() if parts else ""
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, _, raw = part.partition("=")
        if not raw:  # vCard 2.1 bare type: TEL;CELL;PREF:
            key, raw = "TYPE", key
        values = [item.strip().strip('"') for item in raw.split(",")]
        params.setdefault(key.strip().upper(), []).extend(values)
    return name, params


def _is_quoted_printable(params: dict[str, list[str]]) -> bool:
    encodings = params.get("ENCODING", []) + params.get("TYPE", [])
    return any(item.upper() in ("QUOTED-PRINTABLE", "QP") for item in encodings)


def _decode_quoted_printable(value: str, params: dict[str, list[str]]) -> str:
    raw = quopri.decodestring(value.encode("latin-1", "replace"))
    charset = (params.get("CHARSET") or ["utf-8"])[0]
    for encoding in (charset, "utf-8", "cp1258"):
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", "replace")


def _row(contact: list[tuple[str, dict[str, list[str]], str]]) -> list[str | None]:
    row: list[str | None] = [None] * len(VCARD_HEADER)
    phones: list[str] = []
    emails: list[str] = []
    for name, _params, value in contact:
        if name == "FN":
            row[COLUMN["FN"]] = _text(value)
        elif name == "N":
            parts = _components(value, ";")
            for position, column in enumerate(("N.family", "N.given", "N.middle")):
                row[COLUMN[column]] = parts[position] if position < len(parts) else None
        elif name == "TEL":
            phone = _text(re.sub(r"^tel:", "", value.strip(), flags=re.IGNORECASE))
            if phone:
                phones.append(phone)
        elif name == "EMAIL":
            email = _text(re.sub(r"^mailto:", "", value.strip(), flags=re.IGNORECASE))
            if email:
                emails.append(email)
        elif name == "ORG":
            row[COLUMN["ORG"]] = _joined(_components(value, ";"), " ")
        elif name == "ADR":
            row[COLUMN["ADR"]] = _joined(_components(value, ";"), ", ")
        elif name == "CATEGORIES":
            row[COLUMN["CATEGORIES"]] = _joined(_components(value, ","), ", ")
        elif name in ("BDAY", "TITLE", "NOTE"):
            row[COLUMN[name]] = _text(value)
    # More phones than columns stay in the last one, so none is silently lost.
    for position, phone in enumerate(phones[: PHONES - 1]):
        row[COLUMN["TEL"] + position] = phone
    if len(phones) >= PHONES:
        row[COLUMN["TEL 3"]] = "; ".join(phones[PHONES - 1 :])
    row[COLUMN["EMAIL"]] = ", ".join(emails) or None
    return row


def _components(value: str, separator: str) -> list[str | None]:
    """Split at unescaped separators, then unescape each part."""
    parts = re.split(r"(?<!\\)" + re.escape(separator), value)
    return [_text(part) for part in parts]


def _joined(parts: list[str | None], glue: str) -> str | None:
    return glue.join(part for part in parts if part) or None


def _text(value: str) -> str | None:
    value = re.sub(r"\\([nN])", "\n", value)
    value = re.sub(r"\\(.)", r"\1", value).strip()
    return value or None
