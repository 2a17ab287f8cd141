"""The readers open every kind of file staff upload and refuse the rest with a reason."""

import codecs
import io
import random
import tracemalloc
import zipfile
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spa.imports.problems import MESSAGES, ProblemError
from spa.imports.readers import OLE_MAGIC, open_source
from spa.imports.tests import files
from spa.imports.vcard import VCARD_HEADER


def refused(data: bytes, filename: str = "khach.xlsx", **limits) -> ProblemError:
    """The ProblemError raised by opening the file or reading all its sheets."""
    with pytest.raises(ProblemError) as caught:
        source = open_source(data, filename, **limits)
        for sheet in source.sheets:
            list(source.rows(sheet.index))
    assert caught.value.problem.code in MESSAGES
    return caught.value


def all_rows(data: bytes, filename: str, **limits) -> list[list[object]]:
    with open_source(data, filename, **limits) as source:
        return list(source.rows(source.sheets[0].index))


# xlsx -----------------------------------------------------------------------------------

CLIENT_SHEET = [
    [None, "DANH SÁCH KHÁCH HÀNG SPA HOA SEN"],
    [],
    [None, "Họ tên", "Điện thoại", "Ngày sinh", "Lần cuối", "Công nợ", "Giờ hẹn"],
    [
        None,
        "Nguyễn Thị Hồng",
        "0912345678",
        date(1990, 3, 12),
        datetime(2024, 5, 1, 14, 30),
        1500000,
    ],
    [None, "Trần Văn Bình", 912345679, date(1985, 12, 31), None, 250000.5, time(9, 15)],
    [],
    [None, "Tổng", None, None, None, "=SUM(F4:F5)"],
]


def test_xlsx_rows_come_out_at_their_source_row_numbers_with_python_values():
    data = files.xlsx_bytes({"Khách hàng": CLIENT_SHEET}, merged={"Khách hàng": ["B1:G1"]})

    with open_source(data, "khach.xlsx") as source:
        assert source.kind == "xlsx"
        assert (source.encoding, source.delimiter) == ("", "")
        assert [(s.index, s.name, s.rows_estimate) for s in source.sheets] == [(0, "Khách hàng", 7)]
        rows = list(source.rows(0))

    assert rows == [
        [None, "DANH SÁCH KHÁCH HÀNG SPA HOA SEN"],  # merged: the value sits in the top-left cell
        [],
        [None, "Họ tên", "Điện thoại", "Ngày sinh", "Lần cuối", "Công nợ", "Giờ hẹn"],
        [
            None,
            "Nguyễn Thị Hồng",
            "0912345678",
            date(1990, 3, 12),
            datetime(2024, 5, 1, 14, 30),
            1500000,
        ],
        [None, "Trần Văn Bình", 912345679, date(1985, 12, 31), None, 250000.5, time(9, 15)],
        [],
        # openpyxl stores the formula with no cached result: calamine gives an empty cell.
        [None, "Tổng"],
    ]
    assert type(rows[3][5]) is int and type(rows[4][2]) is int


def test_a_formula_saved_by_excel_gives_its_cached_result():
    data = files.xlsx_bytes({"S": [["Tiền", 2, "=B1*2"]]})
    # Excel and LibreOffice store the last result beside the formula; openpyxl does not.
    data = files.replace_in_zip(data, "xl/worksheets/sheet1.xml", b"<v />", b"<v>4</v>")

    assert all_rows(data, "s.xlsx") == [["Tiền", 2, 4]]


def test_an_error_cell_reads_as_empty():
    data = files.xlsx_bytes({"S": [["Tiền", 2, "=B1*2", "ghi chú"]]})
    error_cell = b'<c r="C1" t="e"><f>B1/0</f><v>#DIV/0!</v></c>'
    data = files.replace_in_zip(
        data, "xl/worksheets/sheet1.xml", b'<c r="C1"><f>B1*2</f><v /></c>', error_cell
    )

    assert all_rows(data, "s.xlsx") == [["Tiền", 2, None, "ghi chú"]]


def test_a_workbook_with_only_a_chart_has_no_sheets():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.create_chartsheet("Biểu đồ")
    workbook.remove(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert refused(buffer.getvalue()).problem.code == "file_no_sheets"


def test_xlsx_leading_blank_rows_and_columns_keep_their_places():
    data = files.xlsx_bytes({"S": [[], [], [None, None, None, "Tên"], [None, None, None, "Lan"]]})

    assert all_rows(data, "s.xlsx") == [
        [],
        [],
        [None, None, None, "Tên"],
        [None, None, None, "Lan"],
    ]


def test_xlsx_lists_each_sheet_with_its_index_and_an_estimate_and_reads_any_of_them():
    data = files.xlsx_bytes(
        {"Chi nhánh 1": [["Tên"], ["A"], ["B"]], "Trống": [], "Chi nhánh 2": [["Tên"], ["C"]]}
    )

    with open_source(data, "two.xlsx") as source:
        assert [(s.index, s.name) for s in source.sheets] == [
            (0, "Chi nhánh 1"),
            (1, "Trống"),
            (2, "Chi nhánh 2"),
        ]
        assert source.sheets[0].rows_estimate == 3
        assert list(source.rows(2)) == [["Tên"], ["C"]]
        assert list(source.rows(1)) == []
        assert list(source.rows(0)) == [["Tên"], ["A"], ["B"]]
        with pytest.raises(ValueError):
            list(source.rows(7))


def test_hidden_sheets_are_not_offered_when_a_visible_one_exists():
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Khách"
    workbook.active.append(["Tên"])
    lists = workbook.create_sheet("Danh mục")
    lists.append(["VIP"])
    lists.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)

    with open_source(buffer.getvalue(), "k.xlsx") as source:
        assert [s.name for s in source.sheets] == ["Khách"]


def test_a_workbook_is_recognised_by_its_content_whatever_its_name():
    data = files.xlsx_bytes({"S": [["Tên"], ["Lan"]]})

    with open_source(data, "export.csv") as source:
        assert source.kind == "xlsx"
    with open_source("Tên\nLan\n".encode(), "export.xlsx") as source:
        assert source.kind == "csv"


def test_a_sheet_longer_than_the_limit_is_refused_once_reading_gets_there():
    data = files.xlsx_bytes({"S": [[f"Khách {n}"] for n in range(12)]})
    source = open_source(data, "s.xlsx", max_rows=10)
    rows = source.rows(0)

    read = [next(rows) for _ in range(10)]
    with pytest.raises(ProblemError) as caught:
        next(rows)

    assert read[-1] == ["Khách 9"]
    assert caught.value.problem.code == "file_too_many_rows"
    assert caught.value.problem.params == {"limit": 10}


def test_blank_rows_past_the_limit_are_no_reason_to_refuse():
    data = ("Tên\n" + "Lan\n" * 9 + ",,\n" * 50).encode()

    rows = all_rows(data, "k.csv", max_rows=10)

    assert len(rows) == 10


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_reading_a_large_sheet_holds_one_row_at_a_time_in_python(kind):
    if kind == "xlsx":
        data = files.big_xlsx_bytes(20_000)
    else:
        table = [["Họ tên", "Điện thoại"]] + [[f"Khách {n}", f"09{n:08d}"] for n in range(20_000)]
        data = files.csv_text(table).encode("utf-8")
    source = open_source(data, f"big.{kind}")

    tracemalloc.start()
    count = sum(1 for _ in source.rows(0))
    _, streaming_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    materialised = list(source.rows(0))
    _, list_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert count == len(materialised) == 20_001
    assert streaming_peak < list_peak / 20


# xls ------------------------------------------------------------------------------------


def test_xls_rows_come_out_like_xlsx_rows():
    sheet = [
        ["Danh sách khách"],
        [],
        ["Họ tên", "Điện thoại", "Ngày sinh", "Lần cuối", "Công nợ", "VIP"],
        ["Lê Thị Ánh", 912345678, date(1992, 7, 4), datetime(2024, 1, 2, 8, 0), 1.5, True],
    ]
    data = files.xls_bytes({"Khách": sheet}, merged={"Khách": [(0, 0, 0, 3)]})

    with open_source(data, "khach.xls") as source:
        assert source.kind == "xls"
        assert [(s.index, s.name) for s in source.sheets] == [(0, "Khách")]
        assert list(source.rows(0)) == sheet


def test_xls_with_a_password_is_refused_as_protected():
    data = files.xls_with_filepass(files.xls_bytes({"S": [["Tên"], ["Lan"]]}))

    assert refused(data, "khach.xls").problem.code == "file_password"


def test_a_password_protected_xlsx_is_refused_as_protected_not_as_damaged():
    # Encrypted, an .xlsx is an OLE2 container like an .xls; calamine cannot tell.
    assert refused(files.encrypted_xlsx_bytes()).problem.code == "file_password"


# ods ------------------------------------------------------------------------------------


def test_ods_rows_come_out_like_xlsx_rows_and_libreoffice_padding_is_not_read():
    c, row = files.ods_cell, files.ods_row
    table = "".join(
        [
            row(c("Khách hàng tháng 5", span=3), files.covered(2), c(repeat=1020)),
            row(c(repeat=1024)),
            row(c("Họ tên"), c("Điện thoại"), c("Ngày sinh"), c("Tiền"), c("VIP")),
            row(c("Phạm Thu Hà"), c("0901234567"), c(date(1995, 2, 28)), c(300000), c(True)),
            row(c(None), c(None), c(None), c(1.25)),
            row(c(repeat=1024), repeat=1048570),
        ]
    )
    data = files.ods_bytes({"Trang 1": table})

    with open_source(data, "khach.ods") as source:
        assert source.kind == "ods"
        assert [(s.index, s.name) for s in source.sheets] == [(0, "Trang 1")]
        rows = list(source.rows(0))

    assert rows == [
        ["Khách hàng tháng 5"],
        [],
        ["Họ tên", "Điện thoại", "Ngày sinh", "Tiền", "VIP"],
        ["Phạm Thu Hà", "0901234567", date(1995, 2, 28), 300000, True],
        [None, None, None, 1.25],
    ]


def test_an_opendocument_text_is_not_taken_for_a_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")

    assert refused(buffer.getvalue(), "a.ods").problem.code == "file_unknown_type"


# Files that are refused -----------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert refused(b"", "a.csv").problem.code == "file_empty"
    assert refused(codecs.BOM_UTF8 + b"\r\n  \r\n", "a.csv").problem.code == "file_empty"


def test_a_file_over_the_size_limit_is_refused_with_both_sizes_in_mb():
    data = b"x" * (3 * 1024 * 1024 + 200_000)

    problem = refused(data, "a.csv", max_bytes=2 * 1024 * 1024).problem

    assert (problem.code, problem.params) == ("file_too_big", {"size": "3.2", "limit": "2.0"})
    assert "3.2" in problem.message() and "2.0" in problem.message()


def test_random_bytes_are_not_a_spreadsheet():
    data = random.Random(7).randbytes(5000)

    assert refused(data, "khach.xlsx").problem.code == "file_unknown_type"


def test_an_image_is_not_a_spreadsheet():
    from PIL import Image

    for image_format in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"):
        buffer = io.BytesIO()
        Image.new("RGB", (20, 20), "pink").save(buffer, image_format)
        assert refused(buffer.getvalue(), "anh.xlsx").problem.code == "file_unknown_type"


def test_binary_data_that_happens_to_be_valid_utf8_is_not_a_csv():
    assert refused(bytes(5000), "a.csv").problem.code == "file_unknown_type"
    assert refused(b"ab\x00\x01\x02cd" * 300, "a.csv").problem.code == "file_unknown_type"


def test_a_csv_that_starts_like_an_image_magic_is_still_a_csv():
    assert all_rows(b"BMI;Can nang\r\n22;55\r\n", "k.csv") == [["BMI", "Can nang"], ["22", "55"]]


def test_a_pdf_is_not_a_spreadsheet():
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

    assert refused(pdf, "bao-cao.pdf").problem.code == "file_unknown_type"


def test_a_word_document_is_not_a_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")

    assert refused(buffer.getvalue(), "khach.xlsx").problem.code == "file_unknown_type"


def test_a_zip_that_unpacks_past_the_limit_is_refused_before_reading():
    bomb = files.zip_of_zeros("xl/worksheets/sheet1.xml", 30 * 1024 * 1024)

    problem = refused(bomb, "bom.xlsx", max_unpacked_bytes=10 * 1024 * 1024).problem

    assert (problem.code, problem.params) == ("file_zip_bomb", {"size": "30.0"})


def test_a_zip_that_packs_too_tightly_is_refused_even_under_the_size_limit():
    bomb = files.zip_of_zeros("xl/worksheets/sheet1.xml", 40 * 1024 * 1024)

    assert len(bomb) < 100_000
    assert refused(bomb, "bom.xlsx").problem.code == "file_zip_bomb"


def test_a_zip_that_lies_about_its_unpacked_size_is_refused_by_what_it_unpacks_to():
    bomb = files.with_claimed_size(files.zip_of_zeros("xl/workbook.xml", 12 * 1024 * 1024), 1000)
    assert zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0].file_size == 1000

    problem = refused(bomb, "bom.xlsx", max_unpacked_bytes=10 * 1024 * 1024).problem

    assert problem.code == "file_zip_bomb"


def test_a_cut_off_workbook_is_damaged():
    data = files.xlsx_bytes({"S": [["Tên"], ["Lan"]] * 50})

    problem = refused(data[: len(data) // 2], "khach.xlsx").problem

    assert problem.code == "file_damaged"
    assert problem.params["detail"]


def test_a_workbook_with_broken_sheet_xml_is_damaged():
    data = files.xlsx_bytes({"S": [["Tên"], ["Lan"]]})
    broken = b'<sheetData><row r="1"><c r="A1"><v>1</v></x></row>'
    data = files.replace_in_zip(data, "xl/worksheets/sheet1.xml", b"<sheetData>", broken)

    problem = refused(data, "khach.xlsx").problem

    assert problem.code == "file_damaged"
    assert problem.params["detail"]


def test_a_cut_off_xls_is_damaged():
    data = files.xls_bytes({"S": [["Tên"], ["Lan"]] * 200})

    assert refused(data[:1500], "khach.xls").problem.code == "file_damaged"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=3000), st.sampled_from(["a.xlsx", "a.csv", "a.vcf", "a"]))
def test_any_bytes_are_read_or_refused_with_a_problem_never_a_crash(data, filename):
    for prefix in (b"", b"PK\x03\x04", OLE_MAGIC, b"BEGIN:VCARD\r\n"):
        try:
            with open_source(prefix + data, filename) as source:
                for sheet in source.sheets:
                    for row in source.rows(sheet.index):
                        assert isinstance(row, list)
        except ProblemError as error:
            assert error.problem.code in MESSAGES


# CSV ------------------------------------------------------------------------------------

VIETNAMESE_TABLE = [
    ["Họ và tên", "Số điện thoại", "Địa chỉ", "Ghi chú"],
    ["Nguyễn Thị Ngọc Ánh", "0912345678", "12 Lý Thường Kiệt, Hoàn Kiếm", "Dị ứng: tinh dầu bưởi"],
    [
        "Trần Đức Hưởng",
        "0987 654 321",
        "Quận 3, TP. Hồ Chí Minh",
        "Khách quen; thích phòng yên tĩnh",
    ],
    ["Lê Phương Thảo", "", "Đà Nẵng", ""],
]
CHINESE_TABLE = [
    ["姓名", "电话", "地址", "备注"],
    ["王秀英", "0912345678", "胡志明市第五郡", "对精油过敏"],
    ["李伟", "0987654321", "河内还剑郡", "老客户，喜欢安静的房间"],
]


def expected(table):
    return [[cell or None for cell in row] for row in table]


def trimmed(rows):
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    return out


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.encode("utf-8"), "utf-8"),
        (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
        (lambda text: text.encode("utf-16"), "utf-16"),
        (lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "utf-16"),
        (lambda text: text.encode("utf-16-le"), "utf-16-le"),
        (files.cp1258_bytes, "cp1258"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom", "utf16-le-no-bom", "cp1258"],
)
def test_a_vietnamese_csv_is_read_in_each_encoding_excel_saves(encode, encoding):
    data = encode(files.csv_text(VIETNAMESE_TABLE))

    with open_source(data, "khach-hang.csv") as source:
        assert (source.kind, source.encoding, source.delimiter) == ("csv", encoding, ",")
        assert [(s.index, s.name, s.rows_estimate) for s in source.sheets] == [(0, "khach-hang", 4)]
        assert list(source.rows(0)) == trimmed(expected(VIETNAMESE_TABLE))


def test_windows_1258_tone_marks_come_out_composed():
    data = files.cp1258_bytes("Tên\r\nNguyễn Thị Hồng\r\n")
    assert "ễ".encode("cp1258", "replace") == b"?"  # the file really holds e-circumflex + tilde

    rows = all_rows(data, "k.csv")

    assert rows == [["Tên"], ["Nguyễn Thị Hồng"]]
    assert len(rows[1][0]) == len("Nguyễn Thị Hồng")


def test_decomposed_utf8_from_a_mac_comes_out_composed():
    import unicodedata

    data = unicodedata.normalize("NFD", "Tên\nNguyễn Thị Hồng\n").encode("utf-8")

    assert all_rows(data, "k.csv")[1] == ["Nguyễn Thị Hồng"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_a_chinese_csv_saved_by_chinese_excel_is_read(encoding):
    data = files.csv_text(CHINESE_TABLE).encode(encoding)

    with open_source(data, "客户.csv") as source:
        assert source.encoding == "gb18030"
        assert source.sheets[0].name == "客户"
        assert list(source.rows(0)) == CHINESE_TABLE


def test_chinese_in_utf8_is_read_as_utf8():
    with open_source(files.csv_text(CHINESE_TABLE).encode("utf-8"), "k.csv") as source:
        assert source.encoding == "utf-8"
        assert list(source.rows(0)) == CHINESE_TABLE


def test_a_csv_in_an_unrecognised_encoding_is_refused_naming_the_encodings_tried():
    # Western European Latin-1 decodes in Windows-1258 too, but not to Vietnamese.
    data = "Name;Straße;Stadt\nJürgen Müller;Hauptstraße 5;Köln\nFrançoise;Rue Ça;Besançon\n"

    problem = refused(data.encode("latin-1"), "k.csv").problem

    assert problem.code == "file_encoding"
    assert "UTF-8, UTF-16, Windows-1258" in problem.params["tried"]
    assert "Windows-1258" in problem.message()


def test_high_bytes_that_are_neither_vietnamese_nor_chinese_are_refused():
    data = b"ten,sdt\r\n" + bytes([0xA9, 0xB1, 0xAE, 0x20, 0xA4, 0xB6, 0x2C, 0xBC]) * 20 + b"\r\n"

    assert refused(data, "k.csv").problem.code == "file_encoding"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_the_delimiter_is_found_even_when_values_hold_the_others(delimiter):
    data = files.csv_text(VIETNAMESE_TABLE, delimiter).encode("utf-8")

    with open_source(data, "k.txt") as source:
        assert source.delimiter == delimiter
        assert list(source.rows(0)) == trimmed(expected(VIETNAMESE_TABLE))


def test_a_semicolon_file_with_quoted_commas_is_not_taken_for_a_comma_file():
    # csv.Sniffer reads this one as comma-separated.
    data = (
        'Tên;Địa chỉ;Ghi chú\r\nLan;"12 Lê Lợi, Q1";","\r\nHà;"5 Trần Phú, Q5";"a, b"\r\n'.encode()
    )

    with open_source(data, "k.csv") as source:
        assert source.delimiter == ";"
        assert list(source.rows(0))[1] == ["Lan", "12 Lê Lợi, Q1", ","]


def test_excels_sep_line_sets_the_delimiter_and_counts_as_row_one():
    data = "sep=;\r\nTên;Ghi chú\r\nLan;mua 1, tặng 1\r\n".encode()

    with open_source(data, "k.csv") as source:
        assert source.delimiter == ";"
        assert source.sheets[0].rows_estimate == 3
        assert list(source.rows(0)) == [[], ["Tên", "Ghi chú"], ["Lan", "mua 1, tặng 1"]]


def test_csv_blank_lines_are_rows_and_quoted_newlines_stay_in_their_cell():
    data = 'Danh sách\r\n\r\nTên,Ghi chú\r\nLan,"dòng 1\r\ndòng 2"\r\n,,\r\nHà,\r\n'.encode()

    assert all_rows(data, "k.csv") == [
        ["Danh sách"],
        [],
        ["Tên", "Ghi chú"],
        ["Lan", "dòng 1\r\ndòng 2"],
        [],
        ["Hà"],
    ]


def test_a_single_column_csv_is_read():
    assert all_rows("Tên\nLan\nHà\n".encode(), "k.csv") == [["Tên"], ["Lan"], ["Hà"]]


def test_a_stray_carriage_return_is_stripped_from_the_last_cell():
    assert all_rows(b"a,b\r\r\nc,d\r\r\n", "k.csv") == [["a", "b"], ["c", "d"]]


def test_text_markers_and_spaces_are_left_as_they_are():
    assert all_rows(b"'0912345678, Lan \n", "k.csv") == [["'0912345678", " Lan "]]


VIETNAMESE_WORDS = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
    "NGUYỄNTHỊHỒNGĐỨC 0123456789,;\t\"'",
    min_size=1,
    max_size=25,
).filter(lambda word: word.strip() and not word.lower().startswith("sep="))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(VIETNAMESE_WORDS, min_size=3, max_size=3), min_size=2, max_size=8),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
    st.sampled_from([",", ";", "\t"]),
)
def test_any_vietnamese_table_round_trips_through_each_encoding(table, encoding, delimiter):
    # Cells may hold the file's delimiter (written quoted) and quotes, but not the other
    # delimiters: unquoted, as Excel writes them, "0;,;," is a true 3-column file with
    # either "," or ";", and no reader can tell which was meant.
    others = {ord(char): "/" for char in ",;\t" if char != delimiter}
    table = [[cell.translate(others) for cell in row] for row in table]
    text = files.csv_text(table, delimiter)
    data = files.cp1258_bytes(text) if encoding == "cp1258" else text.encode(encoding)

    with open_source(data, "k.csv") as source:
        assert list(source.rows(0)) == table


# vCard ----------------------------------------------------------------------------------

ANDROID_21 = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=4E=67=75=79=E1=BB=85=6E;=48=E1=BB=93=6E=67;=54=68=E1=BB=8B;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=4E=67=75=79=E1=BB=85=6E=20=54=68=E1=BB=8B=20=48=E1=\r\n"
    "=BB=93=6E=67\r\n"
    "TEL;CELL;PREF:0912345678\r\n"
    "TEL;HOME:028 3822 1234\r\n"
    "TEL;WORK:0243 999 888\r\n"
    "TEL;CELL:0987000111\r\n"
    "EMAIL;HOME:hong@example.vn\r\n"
    "PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n"
    " /2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQ\r\n"
    " Ew8QEBD\r\n"
    "\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:D=E1=BB=8B =E1=BB=A9ng =C4=91=E1=BA=ADu ph=E1=BB=99ng\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "FN:Lan\r\n"
    "TEL;CELL:+84 90 123 4567\r\n"
    "END:VCARD\r\n"
)

IPHONE_30 = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "PRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
    "N:Trần;Minh;Đức;;\r\n"
    "FN:Trần Minh Đức\r\n"
    "ORG:Spa Hoa Sen;Chi nhánh Quận 1;\r\n"
    "TITLE:Quản lý\r\n"
    'item1.TEL;type="CELL";type=VOICE;type=pref:0903 111 222\r\n'
    "item1.X-ABLabel:Zalo\r\n"
    "EMAIL;type=INTERNET;type=WORK:duc@hoasen.vn\r\n"
    "EMAIL;type=INTERNET;type=HOME:duc@example.com\r\n"
    "ADR;type=HOME:;;123 Nguyễn Huệ\\, phường Bến Nghé;Quận 1;TP. Hồ Chí Minh;700000;Việt Na\r\n"
    " m\r\n"
    "BDAY:1988-11-02\r\n"
    "NOTE:Thích massage đá nóng\\nHay đặt lịch tối\r\n"
    "CATEGORIES:Khách VIP,Gia đình\r\n"
    "END:VCARD\r\n"
)

VCARD_40 = (
    "BEGIN:VCARD\n"
    "VERSION:4.0\n"
    "FN:Võ Thị Sáu\n"
    "N:Võ;Sáu;Thị;;\n"
    "TEL;VALUE=uri;TYPE=cell:tel:+84-912-000-333\n"
    "EMAIL:sau@example.vn\n"
    "BDAY:--0312\n"
    "END:VCARD\n"
)


def contact(**cells):
    row = [cells.get(name.replace(".", "_").replace(" ", "_")) for name in VCARD_HEADER]
    while row and row[-1] is None:
        row.pop()
    return row


def test_an_android_vcard_21_with_quoted_printable_names_is_read():
    with open_source(ANDROID_21.encode("utf-8"), "contacts.vcf") as source:
        assert source.kind == "vcf"
        assert [(s.index, s.name, s.rows_estimate) for s in source.sheets] == [(0, "contacts", 3)]
        rows = list(source.rows(0))

    assert rows == [
        list(VCARD_HEADER),
        contact(
            FN="Nguyễn Thị Hồng",
            N_family="Nguyễn",
            N_given="Hồng",
            N_middle="Thị",
            TEL="0912345678",
            TEL_2="028 3822 1234",
            TEL_3="0243 999 888; 0987000111",
            EMAIL="hong@example.vn",
            NOTE="Dị ứng đậu phộng",
        ),
        contact(FN="Lan", TEL="+84 90 123 4567"),
    ]


def test_an_iphone_vcard_30_with_folded_lines_and_escapes_is_read():
    rows = all_rows(IPHONE_30.encode("utf-8"), "iphone.vcf")

    assert rows == [
        list(VCARD_HEADER),
        contact(
            FN="Trần Minh Đức",
            N_family="Trần",
            N_given="Minh",
            N_middle="Đức",
            TEL="0903 111 222",
            EMAIL="duc@hoasen.vn, duc@example.com",
            BDAY="1988-11-02",
            ORG="Spa Hoa Sen Chi nhánh Quận 1",
            TITLE="Quản lý",
            ADR="123 Nguyễn Huệ, phường Bến Nghé, Quận 1, TP. Hồ Chí Minh, 700000, Việt Nam",
            NOTE="Thích massage đá nóng\nHay đặt lịch tối",
            CATEGORIES="Khách VIP, Gia đình",
        ),
    ]


def test_a_vcard_40_with_tel_uris_and_a_yearless_birthday_is_read():
    rows = all_rows(VCARD_40.encode("utf-16"), "v4.vcf")

    assert rows[1] == contact(
        FN="Võ Thị Sáu",
        N_family="Võ",
        N_given="Sáu",
        N_middle="Thị",
        TEL="+84-912-000-333",
        EMAIL="sau@example.vn",
        BDAY="--0312",
    )


def test_several_vcard_files_joined_give_one_row_per_contact_in_order():
    data = (ANDROID_21 + IPHONE_30 + VCARD_40).encode("utf-8")

    rows = all_rows(data, "all.vcf")

    assert [row[0] for row in rows] == [
        "FN",
        "Nguyễn Thị Hồng",
        "Lan",
        "Trần Minh Đức",
        "Võ Thị Sáu",
    ]


def test_a_vcf_name_on_a_non_vcard_file_is_read_by_its_content():
    with open_source(b"Ten,SDT\nLan,0912345678\n", "contacts.vcf") as source:
        assert source.kind == "csv"
