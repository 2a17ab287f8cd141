"""Text files staff upload (CSV, vCard): which encoding, which delimiter, which lines.

Excel saves CSV in the PC's code page unless told "CSV UTF-8": Windows-1258 on a
Vietnamese PC, GBK on a Chinese one, UTF-16 for "Unicode Text". Windows-1258 and GBK
decode almost any bytes, so each is taken only when the result reads as its language;
anything else is refused rather than imported as mojibake.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from spa.imports.problems import ProblemError

TRIED_ENCODINGS = "UTF-8, UTF-16, Windows-1258, GB18030"
DELIMITERS = ",;\t"


class NotText(ValueError):
    """The bytes are binary, not text in any encoding."""


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV/vCard (NFC) and the encoding it was read in; `NotText` for
    binary data (which may well be valid UTF-8: NULs and ASCII are), `ProblemError`
    (file_encoding) for text in no encoding recognised here."""
    text, encoding = _detect(data)
    sample = text[:8192]
    controls = sum(1 for char in sample if char < " " and char not in "\t\n\r\x0c\x1a")
    if "\x00" in sample or controls > len(sample) * 0.01:
        raise NotText
    return text, encoding


def _detect(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data, "utf-8-sig"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16"), "utf-16"
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _decode(data, utf16), utf16
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:8192]:
        raise NotText
    for encoding, plausible in (("cp1258", _looks_vietnamese), ("gb18030", _looks_chinese)):
        try:
            text = unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
        if plausible(text):
            return text, encoding
    # Text with control characters is binary, whatever it decodes to.
    latin = data[:8192].decode("latin-1")
    if sum(1 for char in latin if char < " " and char not in "\t\n\r\x0c\x1a") > len(latin) * 0.01:
        raise NotText
    raise ProblemError("file_encoding", tried=TRIED_ENCODINGS)


def _decode(data: bytes, encoding: str) -> str:
    try:
        return unicodedata.normalize("NFC", data.decode(encoding))
    except UnicodeDecodeError as error:
        raise ProblemError("file_encoding", tried=TRIED_ENCODINGS) from error


def _utf16_without_bom(data: bytes) -> str:
    """'utf-16-le' or '-be' when NULs sit in every other byte, as in mostly-Latin UTF-16."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return ""
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    if odd_nuls > pairs * 0.3 and even_nuls < pairs * 0.05:
        return "utf-16-le"
    if even_nuls > pairs * 0.3 and odd_nuls < pairs * 0.05:
        return "utf-16-be"
    return ""


# Letters of Vietnamese beyond ASCII (NFC), and the punctuation Windows text carries.
VIETNAMESE = set(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
    "\u00a0“”‘’–—…•°€"
)


def _looks_vietnamese(text: str) -> bool:
    foreign = [char for char in text if ord(char) > 0x7E]
    valid = sum(1 for char in foreign if char in VIETNAMESE)
    return bool(foreign) and valid >= len(foreign) * 0.95


def _looks_chinese(text: str) -> bool:
    """Mostly characters of GB2312, the simplified Chinese that GBK files hold. Other
    legacy text (Latin-1, Windows-1258) also decodes as GBK, but to its rare extension
    characters, since their high bytes are followed by ASCII letters."""
    foreign = [char for char in text if ord(char) > 0x7E]
    common = 0
    for char in foreign:
        try:
            char.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return bool(foreign) and common >= len(foreign) * 0.9


SEP_LINE = re.compile(r'\A"?sep=(.)"?[ \t]*\r?(\n|\Z)', re.IGNORECASE)


def sniff_delimiter(text: str) -> tuple[str, str, int]:
    """(text, delimiter, lines skipped): Excel's "sep=;" line wins, else the delimiter
    that splits the first rows most evenly into more than one field.

    csv.Sniffer is not used: its quote heuristics pick "," for a ";" file as soon as a
    quoted cell holds a comma, which Vietnamese addresses often do.
    """
    marker = SEP_LINE.match(text)
    if marker:
        return text[marker.end() :], marker.group(1), 1
    sample = text[: 64 * 1024]
    if len(text) > len(sample):
        sample = sample[: sample.rfind("\n") + 1] or sample
    return text, max(DELIMITERS, key=lambda candidate: _evenness(sample, candidate)), 0


def _evenness(sample: str, delimiter: str) -> tuple[bool, float, float, int]:
    """How well `delimiter` explains the sample's first non-blank rows: whether the usual
    field count is above one; the share of rows that the csv module writes back exactly
    as they stand (as Excel quotes: only where needed; a wrong delimiter leaves stray
    quotes that would be written differently), each field quoted or not; the share of rows with the usual count;
    and that count."""
    lines = list(io.StringIO(sample, newline=""))
    reader = csv.reader(iter(lines), delimiter=delimiter)
    counts: list[int] = []
    exact = consumed = 0
    try:
        for row in reader:
            raw = "".join(lines[consumed : reader.line_num])
            consumed = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            counts.append(len(row))
            exact += _writes_back(row, delimiter, LINE_END.sub("", raw))
            if len(counts) == 50:
                break
    except csv.Error:
        return (False, 0.0, 0.0, 0)
    if not counts:
        return (False, 0.0, 0.0, 0)
    usual = max(set(counts), key=lambda count: (counts.count(count), count))
    share = counts.count(usual) / len(counts)
    return (usual > 1, round(exact / len(counts), 1), round(share, 1), usual)


LINE_END = re.compile(r"(\r\n|\r|\n)\Z")


def _writes_back(row: list[str], delimiter: str, raw: str) -> bool:
    """Whether `raw` is `row` joined by `delimiter`, each field bare or in quotes."""
    position = 0
    for number, cell in enumerate(row):
        quoted = '"' + cell.replace('"', '""') + '"'
        if raw.startswith(quoted, position):
            position += len(quoted)
        elif '"' not in cell and delimiter not in cell and raw.startswith(cell, position):
            position += len(cell)
        else:
            return False
        if number < len(row) - 1:
            if not raw.startswith(delimiter, position):
                return False
            position += len(delimiter)
    return position == len(raw)


def text_lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, one at a time (io.StringIO would first copy
    the whole text, at four bytes a character)."""
    start = 0
    for line_break in LINE_BREAK.finditer(text):
        yield text[start : line_break.end()]
        start = line_break.end()
    if start < len(text):
        yield text[start:]


LINE_BREAK = re.compile(r"\r\n|\r|\n")
