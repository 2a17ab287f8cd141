"""Real uploaded files built in memory, for the importer's tests (and bench/import_read.py).

Each builder writes the format the way the program that makes it in real life does, as
far as a library allows: openpyxl for .xlsx, xlwt for .xls, the ODF XML by hand for .ods
(LibreOffice's repeated rows and covered cells included), Windows' decomposed tone marks
for Windows-1258 CSVs.
"""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape

Rows = Sequence[Sequence[object]]


def xlsx_bytes(sheets: dict[str, Rows], *, merged: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with one sheet per item; a cell of None is left unwritten."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row_number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    cell = sheet.cell(row=row_number, column=column, value=value)
                    if isinstance(value, datetime):
                        cell.number_format = "dd/mm/yyyy hh:mm"
                    elif isinstance(value, date):
                        cell.number_format = "dd/mm/yyyy"
        for cell_range in (merged or {}).get(name, []):
            sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_in_zip(data: bytes, name: str, old: bytes, new: bytes) -> bytes:
    """The zip with `old` replaced by `new` in member `name` (to write what a library won't)."""
    original = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            content = original.read(info)
            if info.filename == name:
                assert old in content, f"{old!r} not in {name}"
                content = content.replace(old, new, 1)
            archive.writestr(info.filename, content)
    return buffer.getvalue()


def big_xlsx_bytes(rows: int) -> bytes:
    """A one-sheet client list of `rows` data rows under a header (write-only: fast)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Khách hàng")
    sheet.append(["Họ tên", "Điện thoại", "Ngày sinh", "Ghi chú"])
    for number in range(rows):
        sheet.append([f"Nguyễn Thị Khách {number}", f"09{number:08d}", date(1990, 1, 1), "VIP"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_bytes(sheets: dict[str, Rows], *, merged: dict[str, list[tuple]] | None = None) -> bytes:
    """A legacy .xls (BIFF8); merged ranges as (first_row, last_row, first_col, last_col)."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    datetime_style = xlwt.easyxf(num_format_str="DD/MM/YYYY hh:mm")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        spans = (merged or {}).get(name, [])
        for first_row, last_row, first_col, last_col in spans:
            value = rows[first_row][first_col]
            sheet.write_merge(first_row, last_row, first_col, last_col, value)
        starts = {(span[0], span[2]) for span in spans}
        for row_number, row in enumerate(rows):
            for column, value in enumerate(row):
                if value is None or (row_number, column) in starts:
                    continue
                if isinstance(value, datetime):
                    sheet.write(row_number, column, value, datetime_style)
                elif isinstance(value, date):
                    sheet.write(row_number, column, value, date_style)
                else:
                    sheet.write(row_number, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_with_filepass(data: bytes) -> bytes:
    """The same .xls marked as encrypted: its first INTERFACEHDR record (0x00E1, two
    bytes long) becomes a FILEPASS record (0x002F) of RC4 type, in place."""
    import olefile

    with olefile.OleFileIO(data, write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        position = 0
        while position + 4 <= len(stream):
            record = int.from_bytes(stream[position : position + 2], "little")
            length = int.from_bytes(stream[position + 2 : position + 4], "little")
            if record == 0x00E1 and length == 2:
                stream[position : position + 6] = b"\x2f\x00\x02\x00\x01\x00"
                break
            position += 4 + length
        else:
            raise AssertionError("no INTERFACEHDR record to replace")
        ole.write_stream("Workbook", bytes(stream))
        ole.fp.seek(0)
        return ole.fp.read()


def encrypted_xlsx_bytes(password: str = "spa123") -> bytes:
    """An .xlsx protected with a password to open, as Excel writes it (ECMA-376 agile)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = xlsx_bytes({"Sheet1": [["Họ tên"], ["Lan"]]})
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_bytes(sheets: dict[str, str]) -> bytes:
    """An .ods whose tables are given as <table:table-row> XML (see `ods_row`)."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">{rows}</table:table>'
        for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {ODS_NAMESPACES} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def ods_cell(value: object = None, *, span: int = 1, repeat: int = 1) -> str:
    """One ODF cell: str, int/float, date, bool or None (empty)."""
    attributes = ""
    if span > 1:
        attributes += f' table:number-columns-spanned="{span}"'
    if repeat > 1:
        attributes += f' table:number-columns-repeated="{repeat}"'
    if value is None:
        return f"<table:table-cell{attributes}/>"
    if isinstance(value, bool):
        kind = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, date):
        kind = f'office:value-type="date" office:date-value="{value.isoformat()}"'
    elif isinstance(value, int | float):
        kind = f'office:value-type="float" office:value="{value}"'
    else:
        kind = 'office:value-type="string"'
    return f"<table:table-cell {kind}{attributes}><text:p>{escape(str(value))}</text:p></table:table-cell>"


def ods_row(*cells: str, repeat: int = 1) -> str:
    attributes = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attributes}>{''.join(cells)}</table:table-row>"


def covered(count: int = 1) -> str:
    """The cells a merged (spanned) cell covers, as LibreOffice writes them."""
    repeat = f' table:number-columns-repeated="{count}"' if count > 1 else ""
    return f"<table:covered-table-cell{repeat}/>"


def csv_text(rows: Iterable[Sequence[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def cp1258_bytes(text: str) -> bytes:
    """Text as Windows saves it in Windows-1258: a base letter (precomposed with its
    circumflex, breve or horn where the code page has it) followed by a combining tone
    mark, since cp1258 has no letter carrying both a vowel mark and a tone."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        tone = [mark for mark in marks if mark in "\u0300\u0301\u0303\u0309\u0323"]
        rest = [mark for mark in marks if mark not in tone]
        out += unicodedata.normalize("NFC", base + "".join(rest)).encode("cp1258")
        out += "".join(tone).encode("cp1258")
    return bytes(out)


def zip_of_zeros(name: str, size: int, *, chunk: int = 1 << 20) -> bytes:
    """A zip holding `size` zero bytes under `name`, written in chunks (a zip bomb)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=size > 2**31) as member,
    ):
        zeros = bytes(chunk)
        written = 0
        while written < size:
            member.write(zeros[: min(chunk, size - written)])
            written += chunk
    return buffer.getvalue()


def with_claimed_size(data: bytes, claimed: int) -> bytes:
    """The zip with its one member's uncompressed size rewritten to `claimed`, in both
    headers: a bomb that lies about its size."""
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04")
    patched[local + 22 : local + 26] = claimed.to_bytes(4, "little")
    central = patched.find(b"PK\x01\x02")
    patched[central + 24 : central + 28] = claimed.to_bytes(4, "little")
    return bytes(patched)
