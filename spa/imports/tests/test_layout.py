"""Finding the header row under titles and logos, and telling data rows from the rest
(titles, sections, totals, footers, repeated headers) as real spa workbooks have them."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spa.imports.layout import classify_row, find_header
from spa.imports.mapping import auto_map
from spa.imports.targets import SheetKind

HEADER = ["STT", "Họ và tên", "SĐT", "Ngày sinh", "Liệu trình", "Còn nợ", "Ghi chú"]
MAPPING = auto_map(HEADER)
DATA = [
    [1, "Nguyễn Thị Hoa", "0901234567", date(1990, 3, 12), "Triệt lông", 500000, None],
    [2, "Trần Văn Thắng", 912345678.0, None, None, None, "Khách quen"],
]


def test_mapping_used_below_is_the_expected_one():
    assert MAPPING == ["", "full_name", "phone", "birth_date", "package_name", "debt", "notes"]


# find_header -----------------------------------------------------------------------

JUNK_ABOVE = {
    0: [],
    1: [["DANH SÁCH KHÁCH HÀNG THÁNG 3/2024"]],
    2: [["SPA HƯƠNG SEN - CN QUẬN 1"], [None, None, None]],
    # A merged title: calamine gives the value in the first cell, None in the rest.
    3: [
        ["LOGO"],
        ["CÔNG TY TNHH THẨM MỸ HƯƠNG SEN", None, None, None, None],
        [None, None, "DANH SÁCH KHÁCH HÀNG", None, None],
    ],
    4: [[""], ["   "], ["Ngày xuất: 01/03/2024"], []],
    5: [
        ["Hương Sen Beauty Spa"],
        ["Địa chỉ: 12 Lê Lợi, Q.1 - ĐT: 028 3822 1234"],
        [None],
        ["BÁO CÁO KHÁCH HÀNG"],
        ["Tháng 3/2024", None, None, "Người lập: Lan"],
    ],
    6: [
        [None] * 7,
        ["DANH SÁCH KHÁCH HÀNG"],
        ["(Cập nhật đến ngày 31/03/2024)"],
        [None] * 7,
        ["Chi nhánh: Quận 3"],
        [None] * 7,
    ],
}


@pytest.mark.parametrize("junk", sorted(JUNK_ABOVE))
def test_find_header_under_junk_rows(junk):
    rows = JUNK_ABOVE[junk] + [HEADER] + DATA
    assert find_header(rows) == junk
    assert find_header(rows, SheetKind.CLIENTS) == junk


def test_find_header_of_a_treatment_log_with_its_kind():
    rows = [
        ["SỔ THEO DÕI LIỆU TRÌNH"],
        ["Ngày", "Khách hàng", "Dịch vụ", "Số tiền", "KTV"],
        [date(2024, 3, 1), "Lê Thị Hồng", "Chăm sóc da", 350000, "Mai"],
    ]
    assert find_header(rows, SheetKind.SESSIONS) == 1
    assert find_header(rows) == 1


def test_find_header_of_a_price_list():
    rows = [["BẢNG GIÁ DỊCH VỤ 2024"], ["Tên dịch vụ", "Giá"], ["Gội đầu dưỡng sinh", 150000]]
    assert find_header(rows, SheetKind.PRICES) == 1


def test_find_header_prefers_the_fuller_row_over_a_title_naming_a_column():
    rows = [["Danh sách tên khách hàng"], ["Họ tên", "SĐT", "Địa chỉ"], ["Hoa", "0901234567", "Q1"]]
    assert find_header(rows) == 1


def test_find_header_only_within_the_scanned_rows():
    rows = [[None]] * 5 + [HEADER]
    assert find_header(rows, scan=5) is None
    assert find_header(rows, scan=6) == 5


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [[None, None], []],
        [["Sản phẩm", "Tồn kho"], ["Kem dưỡng", 12]],  # an inventory sheet
        [["Ghi chú", "Nhóm"]],  # maps columns but neither a name nor a phone
        [["Nguyễn Thị Hoa", "0901234567"], ["Trần Thị Lan", "0912345678"]],  # no header
    ],
)
def test_find_header_none_when_no_row_names_a_name_or_phone(rows):
    assert find_header(rows) is None


def test_find_header_finds_google_contacts_header_on_the_first_row():
    rows = [
        ["First Name", "Last Name", "Phone 1 - Label", "Phone 1 - Value"],
        ["Hoa", "Nguyen", "Mobile", "+84 90 123 4567"],
    ]
    assert find_header(rows) == 0


# classify_row: not data -------------------------------------------------------------

NOT_DATA = {
    "blank_nones": ([None] * 7, "row_blank"),
    "blank_whitespace": (["", "  ", None, "\t"], "row_blank"),
    "blank_empty_list": ([], "row_blank"),
    "title_month": (["DANH SÁCH KHÁCH HÀNG THÁNG 3/2024"], "row_title"),
    "title_spa_name": (["SPA HƯƠNG SEN - CN QUẬN 1"], "row_title"),
    "title_in_name_column": ([None, "Danh sách khách hàng"], "row_title"),
    "title_two_cells": (["BÁO CÁO KHÁCH HÀNG", None, None, "Tháng 3/2024"], "row_title"),
    "title_logo": (["Logo"], "row_title"),
    "title_zh": (["客户名单"], "row_title"),
    "section_month": (["Tháng 1"], "row_section"),
    "section_month_in_name_column": ([None, "Tháng 1"], "row_section"),
    "section_vip": ([None, "KHÁCH VIP"], "row_section"),
    "section_branch": (["Chi nhánh Q.3"], "row_section"),
    "section_dashes": ([None, "--- Khách cũ ---"], "row_section"),
    "section_year": ([None, "Khách năm 2023"], "row_section"),
    "section_with_row_counter": ([5, "Nhóm khách mới"], "row_section"),
    "section_not_in_name_column": ([None, None, None, None, "Khách cũ"], "row_section"),
    "section_zh_month": ([None, "三月"], "row_section"),
    "section_zh_branch": ([None, "第一分店"], "row_section"),
    "section_all_caps": ([None, "KHÁCH GIỚI THIỆU"], "row_section"),
    "total_tong_cong": ([None, "Tổng cộng", None, None, None, 12500000], "row_total"),
    "total_month": ([None, "Tổng tháng 1", None, None, None, 3000000], "row_total"),
    "total_cong": (["Cộng", None, None, None, None, 800000], "row_total"),
    "total_english": ([None, "Total:", None, None, None, 42], "row_total"),
    "total_zh": ([None, "合计", None, None, None, 99000], "row_total"),
    "subtotal_zh": ([None, "小计：", None, None, None, 99000], "row_total"),
    "grand_total_zh": (["总计"], "row_total"),
    "total_formula_result_only": ([None, None, None, None, None, 12500000.0, None], "row_total"),
    "total_as_text_number": ([None, None, None, None, None, "12.500.000"], "row_total"),
    "footer_signature": ([None, "Người lập biểu", None, None, "Kế toán"], "row_footer"),
    "footer_sign_here": (["Ký tên"], "row_footer"),
    "footer_sign_and_name": ([None, "Ký, ghi rõ họ tên"], "row_footer"),
    "footer_note": (["Ghi chú: khách đánh dấu * là khách VIP"], "row_footer"),
    "footer_source": (["Nguồn: phần mềm cũ"], "row_footer"),
    "footer_printed": (["Printed on 2024-03-31 10:00"], "row_footer"),
    "footer_place_and_date": ([None, None, None, "Hà Nội, ngày 31 tháng 3 năm 2024"], "row_footer"),
    "footer_zh": (["制表人：王芳"], "row_footer"),
    "number_only_counter": ([17, None, None, None, None, None, None], "row_number_only"),
    "number_only_stray": ([None, None, None, None, None, None, 3], "row_number_only"),
    "repeated_header": (list(HEADER), "row_repeated_header"),
    "repeated_header_other_case": (
        ["stt", "HỌ VÀ TÊN", "Sđt", "Ngày sinh", None, None, None],
        "row_repeated_header",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NOT_DATA))
def test_rows_that_are_not_data(name):
    row, code = NOT_DATA[name]
    problem = classify_row(row, MAPPING, header=HEADER)
    assert problem is not None, f"{row!r} was taken as data"
    assert problem.code == code


def test_repeated_header_found_without_being_told_the_header():
    problem = classify_row(["STT", "Họ và tên", "SĐT", "Ngày sinh"], MAPPING)
    assert problem is not None
    assert problem.code == "row_repeated_header"


def test_section_problem_names_its_text_for_the_report():
    problem = classify_row([None, "KHÁCH VIP"], MAPPING)
    assert problem.params == {"text": "KHÁCH VIP"}
    assert "KHÁCH VIP" in problem.message()


def test_every_problem_code_has_a_message():
    from spa.imports.problems import MESSAGES

    assert {code for _row, code in NOT_DATA.values()} <= set(MESSAGES)


# classify_row: data -----------------------------------------------------------------

DATA_ROWS = {
    "full_row": DATA[0],
    "phone_as_float": DATA[1],
    "name_and_phone_only": [None, "Nguyễn Thị Hoa", "0901234567"],
    "phone_only": [None, None, "0901234567"],
    "phone_only_as_number": [None, None, 901234567],
    "name_only": [None, "Lê Thị Hồng"],
    "name_only_called_thang": [None, "Nguyễn Văn Thắng"],
    "name_only_called_quy": [None, "Trần Văn Quý"],
    "name_only_called_cong": [None, "Công"],
    "name_and_counter": [3, "Phạm Thu Trang"],
    "name_with_debt": [4, "Đỗ Thị Mai", None, None, None, 300000],
    "name_with_note_like_footer": [5, "Vũ Thị Lan", "0987654321", None, None, None, "Ghi chú: dị ứng"],
    "name_and_birthday": [None, "Hoàng Yến", None, date(1995, 5, 1)],
    "phone_in_another_column": [None, None, None, None, None, None, "0901 234 567"],
    "name_vip_with_phone": [None, "KHÁCH VIP LAN", "0901234567"],
    "two_text_cells": [None, "Lan", None, None, "Triệt lông"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DATA_ROWS))
def test_rows_that_are_data(name):
    problem = classify_row(DATA_ROWS[name], MAPPING, header=HEADER)
    assert problem is None, f"{DATA_ROWS[name]!r} taken as {problem}"


def test_treatment_log_rows():
    header = ["Ngày", "Khách hàng", "SĐT", "Dịch vụ", "Thành tiền"]
    mapping = auto_map(header, SheetKind.SESSIONS)
    assert classify_row([date(2024, 3, 1), "Hoa", None, "Gội đầu", 150000], mapping) is None
    assert classify_row([None, "Tổng tháng 3", None, None, 4500000], mapping).code == "row_total"
    assert classify_row([None, None, None, None, 4500000], mapping).code == "row_total"
    assert classify_row(["Tháng 4"], mapping).code == "row_section"
    assert classify_row(header, mapping).code == "row_repeated_header"


cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.booleans(),
)


@given(st.lists(cells, max_size=10))
def test_classify_row_and_find_header_accept_any_cells(row):
    problem = classify_row(row, MAPPING, header=HEADER)
    assert problem is None or problem.code.startswith("row_")
    assert find_header([row, row]) in (None, 0)
