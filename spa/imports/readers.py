"""Open an uploaded file and stream its sheets' rows, or refuse it with a `ProblemError`.

The type is read from the content, not the name: staff upload whatever the old software
exported, often with the wrong extension. Every kind comes out the same way, one list of
Python values per source row, so the layout and mapping steps never see a file format.

Row numbers are positions: row *n* of a sheet is the *n*-th list that `rows()` yields,
blank rows included (as `[]`), so a problem can be reported as "row 12" and found there.

Spreadsheets are read by calamine, which returns, per cell: `str`; `float` for every
number (made `int` here when integral, so 0912345678 typed as a number is 912345678, not
912345678.0); `bool`; `date`/`datetime`/`time`/`timedelta` for cells whose *number format*
is a date or time; and "" (made `None` here) for empty cells, error cells (#N/A) and
formulas without a cached result (files written by scripts; Excel and LibreOffice always
store the result, which is what calamine returns). A merged range holds its value in the
top-left cell only; the other cells are empty.
"""

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PureWindowsPath

import olefile
import python_calamine

from spa.imports.problems import ProblemError
from spa.imports.text import NotText, decode_text, sniff_delimiter, text_lines
from spa.imports.vcard import VCARD_HEADER, vcard_rows

MB = 1024 * 1024
MAX_BYTES = 20 * MB
MAX_ROWS = 300_000
# A real workbook of 20 MB unpacks to a few hundred MB at most.
MAX_UNPACKED_BYTES = 400 * MB
# Sheet XML compresses 10-50 times; far more than that is a crafted file. Small files are
# exempt: a tiny workbook of repeated cells may compress better and harms no one.
MAX_ZIP_RATIO = 200
RATIO_EXEMPT_BYTES = 16 * MB

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Files that are certainly not ours, recognised at once so they are not taken for text.
OTHER_MAGICS = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"RIFF",
    b"II*\x00",
    b"MM\x00*",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"{\\rtf",
)


@dataclass
class SheetInfo:
    index: int
    name: str  # sheet name; for CSV/VCF the file name without extension
    rows_estimate: int | None


@dataclass
class Source:
    """An opened file: its kind, its sheets, and their rows on demand."""

    kind: str  # "xlsx" | "xls" | "ods" | "csv" | "vcf"
    sheets: list[SheetInfo]
    encoding: str = ""  # csv only: the encoding used ("utf-8-sig", "utf-16", "cp1258", ...)
    delimiter: str = ""  # csv only
    max_rows: int = MAX_ROWS

    def rows(self, sheet_index: int) -> Iterator[list[object]]:
        """One list per source row, trailing empty cells trimmed, blank rows as []."""
        if sheet_index not in {sheet.index for sheet in self.sheets}:
            raise ValueError(f"no sheet {sheet_index}")
        for number, row in enumerate(self._rows(sheet_index), start=1):
            if number > self.max_rows:
                # Blank rows past the limit (formatted but empty) are no reason to refuse.
                if row:
                    raise ProblemError("file_too_many_rows", limit=self.max_rows)
                continue
            yield row

    def _rows(self, sheet_index: int) -> Iterator[list[object]]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_source(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> Source:
    """Recognise `data` by its content and open it, or raise `ProblemError` saying why not."""
    if not data:
        raise ProblemError("file_empty")
    if len(data) > max_bytes:
        raise ProblemError("file_too_big", size=_mb(len(data)), limit=_mb(max_bytes))
    if data.startswith(ZIP_MAGICS):
        source = _open_zip(data, max_unpacked_bytes)
    elif data.startswith(OLE_MAGIC):
        source = _open_ole(data)
    elif data.startswith(OTHER_MAGICS) or data[4:8] == b"ftyp" or _is_bmp(data):
        raise ProblemError("file_unknown_type")
    else:
        source = _open_text(data, _stem(filename))
    source.max_rows = max_rows
    return source


def _is_bmp(data: bytes) -> bool:
    # "BM" alone would refuse a CSV whose first cell starts "BMI"; its reserved bytes are 0.
    return data.startswith(b"BM") and data[6:10] == b"\x00\x00\x00\x00"


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def _stem(filename: str) -> str:
    # Browsers on Windows once sent full paths; PureWindowsPath splits on both slashes.
    return PureWindowsPath(filename).stem or filename or "data"


def _damaged(error: BaseException) -> ProblemError:
    detail = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
    return ProblemError("file_damaged", detail=detail or type(error).__name__)


# Spreadsheets ---------------------------------------------------------------------------


def _open_zip(data: bytes, max_unpacked_bytes: int) -> Source:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        _check_not_bomb(data, archive, max_unpacked_bytes)
        if "mimetype" in names:
            with archive.open("mimetype") as member:
                mimetype = member.read(200).strip()
            if mimetype.startswith(ODS_MIMETYPE):
                return _open_workbook(data, "ods", {})
            raise ProblemError("file_unknown_type")
        if "xl/workbook.xml" in names:
            return _open_workbook(data, "xlsx", _xlsx_dimensions(archive))
    except ProblemError:
        raise
    except Exception as error:  # BadZipFile, zlib.error, NotImplementedError (method), ...
        raise _damaged(error) from error
    raise ProblemError("file_unknown_type")


def _check_not_bomb(data: bytes, archive: zipfile.ZipFile, max_unpacked_bytes: int) -> None:
    """Refuse a zip that would unpack to far more than any workbook.

    The sizes in the zip's directory are what the file claims; the deflated members are
    also inflated here, in bounded steps, since calamine's unzip trusts the data instead.
    """
    infos = archive.infolist()
    claimed = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if claimed > max_unpacked_bytes or (
        claimed > RATIO_EXEMPT_BYTES and claimed / packed > MAX_ZIP_RATIO
    ):
        raise ProblemError("file_zip_bomb", size=_mb(claimed))
    total = 0
    for info in infos:
        if info.compress_type == zipfile.ZIP_DEFLATED:
            total += _inflated_size(data, info, max_unpacked_bytes - total)
        else:
            total += info.file_size
        if total > max_unpacked_bytes:
            raise ProblemError("file_zip_bomb", size=f">{_mb(max_unpacked_bytes)}")


def _inflated_size(data: bytes, info: zipfile.ZipInfo, budget: int) -> int:
    """The real inflated size of a member, counting no further than just past `budget`."""
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    packed = data[start : start + info.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    chunk = packed
    while chunk and size <= budget:
        size += len(inflater.decompress(chunk, 1 << 20))
        chunk = inflater.unconsumed_tail
    return size


def _xlsx_dimensions(archive: zipfile.ZipFile) -> dict[str, int]:
    """Rows per sheet name as each sheet's <dimension> claims, read without loading it."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        rel_id = re.search(r'\bId="([^"]+)"', rel.group())
        target = re.search(r'\bTarget="([^"]+)"', rel.group())
        if rel_id and target:
            path = target.group(1).lstrip("/")
            targets[rel_id.group(1)] = path if path.startswith("xl/") else f"xl/{path}"
    dimensions = {}
    for sheet in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', sheet.group())
        rel_id = re.search(r'\b\w+:id="([^"]+)"', sheet.group())
        if not (name and rel_id and rel_id.group(1) in targets):
            continue
        try:
            with archive.open(targets[rel_id.group(1)]) as member:
                head = member.read(4096).decode("utf-8", "replace")
        except KeyError:
            continue
        ref = re.search(r'<(?:\w+:)?dimension ref="[A-Z]*(\d+)(?::[A-Z]*(\d+))?"', head)
        if ref:
            dimensions[_xml_unescape(name.group(1))] = int(ref.group(2) or ref.group(1))
    return dimensions


def _xml_unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def _open_ole(data: bytes) -> Source:
    try:
        ole = olefile.OleFileIO(data)
    except Exception as error:  # olefile raises OSError, and worse on garbage
        raise _damaged(error) from error
    with ole:
        # An encrypted .xlsx/.docx is an OLE container holding the encrypted zip.
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise ProblemError("file_password")
        stream = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else ""
        if not stream:
            raise ProblemError("file_unknown_type")
        try:
            globals_head = ole.openstream(stream).read(64 * 1024)
        except Exception as error:
            raise _damaged(error) from error
    if _has_filepass(globals_head):
        raise ProblemError("file_password")
    return _open_workbook(data, "xls", {})


def _has_filepass(biff: bytes) -> bool:
    """Whether the workbook globals hold a FILEPASS record (any encryption, even XOR,
    which calamine does not refuse but would read as garbage)."""
    position = 0
    while position + 4 <= len(biff):
        record = int.from_bytes(biff[position : position + 2], "little")
        length = int.from_bytes(biff[position + 2 : position + 4], "little")
        if record == 0x002F:
            return True
        if record == 0x000A:  # EOF of the globals substream
            return False
        position += 4 + length
    return False


def _open_workbook(data: bytes, kind: str, estimates: dict[str, int]) -> Source:
    workbook = _calamine(lambda: python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)))
    worksheets = [
        (index, meta)
        for index, meta in enumerate(workbook.sheets_metadata)
        if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    # Hidden sheets usually hold lookup lists; they are offered only when nothing else is.
    visible = [
        item for item in worksheets if item[1].visible == python_calamine.SheetVisibleEnum.Visible
    ]
    sheets = [
        SheetInfo(index=index, name=meta.name, rows_estimate=estimates.get(meta.name))
        for index, meta in (visible or worksheets)
    ]
    if not sheets:
        workbook.close()
        raise ProblemError("file_no_sheets")
    return WorkbookSource(kind=kind, sheets=sheets, workbook=workbook)


def _calamine(call):
    try:
        return call()
    except python_calamine.PasswordError as error:
        raise ProblemError("file_password") from error
    except ProblemError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # calamine's errors, and Rust panics (BaseException)
        raise _damaged(error) from error


@dataclass
class WorkbookSource(Source):
    workbook: object = None

    def _rows(self, sheet_index: int) -> Iterator[list[object]]:
        # calamine holds the sheet's cells in Rust memory; the Python lists are made one
        # row at a time. Leading blank rows come out of iter_rows, leading blank columns
        # do not: they are put back so that columns keep their letters.
        sheet = _calamine(lambda: self.workbook.get_sheet_by_index(sheet_index))
        if sheet.start is None:
            return
        pad = [None] * sheet.start[1]
        rows = _calamine(sheet.iter_rows)
        while True:
            row = _calamine(lambda: next(rows, None))
            if row is None:
                return
            yield _trim(pad + [_cell(value) for value in row])

    def close(self) -> None:
        if self.workbook is not None:
            with contextlib.suppress(python_calamine.WorkbookClosed):
                self.workbook.close()


def _cell(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def _trim(row: list) -> list:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    del row[end:]
    return row


# Text: CSV and vCard --------------------------------------------------------------------


def _open_text(data: bytes, stem: str) -> Source:
    try:
        text, encoding = decode_text(data)
    except NotText:
        raise ProblemError("file_unknown_type") from None
    if not text.strip():
        raise ProblemError("file_empty")
    if text.lstrip()[:11].upper() == "BEGIN:VCARD":
        return VcardSource(kind="vcf", sheets=[SheetInfo(0, stem, None)], text=text).counted()
    # Lines ending "\r\r\n" come from a CRLF file rewritten in text mode on Windows.
    text, delimiter, skip_first = sniff_delimiter(text.replace("\r\r\n", "\r\n"))
    estimate = text.count("\n") + (0 if text.endswith("\n") else 1) + skip_first
    return CsvSource(
        kind="csv",
        sheets=[SheetInfo(0, stem, estimate)],
        encoding=encoding,
        delimiter=delimiter,
        text=text,
        skip_first=skip_first,
    )


@dataclass
class CsvSource(Source):
    text: str = ""
    skip_first: int = 0

    def _rows(self, sheet_index: int) -> Iterator[list[object]]:
        for _ in range(self.skip_first):
            yield []
        reader = csv.reader(text_lines(self.text), delimiter=self.delimiter)
        try:
            for row in reader:
                yield _trim([_text_cell(value) for value in row])
        except csv.Error as error:
            raise _damaged(error) from error


def _text_cell(value: str) -> str | None:
    value = value.removesuffix("\r")
    return value if value != "" else None


@dataclass
class VcardSource(Source):
    text: str = ""
    contacts: list[list[object]] = field(default_factory=list)

    def counted(self) -> "VcardSource":
        self.contacts = list(vcard_rows(self.text))
        self.sheets[0].rows_estimate = len(self.contacts) + 1
        return self

    def _rows(self, sheet_index: int) -> Iterator[list[object]]:
        yield list(VCARD_HEADER)
        for contact in self.contacts:
            yield _trim(list(contact))
