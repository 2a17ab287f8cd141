"""Column mapping from real header rows: Vietnamese spa workbooks, competitors' exports,
Google Contacts, the vCard reader and our own export in every language."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from spa.clients.exports import COLUMNS
from spa.imports.mapping import (
    auto_map,
    guess_sheet_kind,
    guess_target,
    header_score,
    header_signature,
    normalise_header,
)
from spa.imports.targets import TARGETS_OF_KIND, SheetKind


def pairs(*columns: tuple[str, str]) -> tuple[list[str], list[str]]:
    return [h for h, _t in columns], [t for _h, t in columns]


# A header row and the target expected for each of its columns ----------------------
HEADER_SETS = {
    "vi_basic": pairs(
        ("STT", ""), ("Họ và tên", "full_name"), ("SĐT", "phone"), ("Ngày sinh", "birth_date"),
        ("Giới tính", "gender"), ("Địa chỉ", "address"), ("Ghi chú", "notes"),
    ),
    "vi_spa_package_book": pairs(
        ("TT", ""), ("Mã KH", "source_id"), ("Họ tên KH", "full_name"), ("Số ĐT", "phone"),
        ("NS", "birth_date"), ("Nghề nghiệp", "occupation"), ("Liệu trình", "package_name"),
        ("Số buổi", "package_total"), ("Đã làm", "package_used"),
        ("Buổi còn lại", "package_remaining"), ("Hạn dùng", "package_expires"),
        ("Công nợ", "debt"), ("Ghi chú", "notes"),
    ),
    "vi_loyalty_sheet": pairs(
        ("Tên khách hàng (*)", "full_name"), ("Điện thoại:", "phone"),
        ("Năm sinh", "birth_date"), ("Hạng thẻ", "tier"), ("Điểm tích lũy", "points"),
        ("Tổng chi tiêu", "total_spent"), ("Số dư", "prepaid"), ("Còn nợ", "debt"),
        ("Nguồn", "source"), ("Biết qua", ""),  # source taken by the column before
    ),
    "vi_health_sheet": pairs(
        ("Tên KH", "full_name"), ("SDT/Zalo", "phone"), ("Di động", "phone2"),
        ("Dị ứng", "allergies"), ("Bệnh lý", "conditions"), ("Tiền sử bệnh", ""),
        ("Đang mang thai", "pregnancy"), ("Loại da", "skin_type"), ("Lưu ý", "notes"),
    ),
    "vi_prepaid_card_sheet": pairs(
        ("Khách hàng", "full_name"), ("Điện thoại", "phone"), ("Tiền nạp trước", "prepaid"),
        ("Thẻ trả trước", ""), ("Gói", "package_name"), ("Còn lại", "package_remaining"),
        ("Hạng", "tier"), ("Điểm", "points"), ("Nợ", "debt"),
    ),
    "vi_name_split": pairs(
        ("Họ", "family_name"), ("Tên đệm", "middle_name"), ("Tên", "given_name"),
        ("Số điện thoại", "phone"), ("Email", "email"),
    ),
    "vi_only_ten_is_the_whole_name": pairs(
        ("Tên", "full_name"), ("SĐT", "phone"), ("Địa chỉ", "address"),
    ),
    "vi_typos_and_no_diacritics": pairs(
        ("Ho ten khach hang", "full_name"), ("So dien thoai", "phone"),
        ("Ngay sinh", "birth_date"), ("Ghi chu", "notes"), ("Dia chi", "address"),
    ),
    "vi_fuzzy_and_contains": pairs(
        ("Họ và tênn", "full_name"), ("SĐT khách", "phone"), ("Ngày sinh nhật KH", "birth_date"),
        ("Tên người giới thiệu", "source"), ("Địa chỉ nhà riêng", "address"),
    ),
    "vi_several_notes_and_phones": pairs(
        ("Họ tên", "full_name"), ("SĐT 1", "phone"), ("SĐT 2", "phone2"), ("SĐT 3", "notes"),
        ("Ghi chú", "notes"), ("Ghi chú 2", "notes"),
    ),
    "zh_basic": pairs(
        ("序号", ""), ("客户编号", "source_id"), ("客户姓名", "full_name"), ("手机号", "phone"),
        ("联系电话", "phone2"), ("生日", "birth_date"), ("性别", "gender"), ("地址", "address"),
        ("职业", "occupation"), ("备注", "notes"),
    ),
    "zh_health_and_money": pairs(
        ("姓名", "full_name"), ("手机", "phone"), ("过敏史", "allergies"), ("病史", "conditions"),
        ("怀孕", "pregnancy"), ("欠款", "debt"), ("储值余额", "prepaid"), ("积分", "points"),
        ("会员等级", "tier"), ("累计消费", "total_spent"),
    ),
    "zh_package": pairs(
        ("客户", "full_name"), ("电话", "phone"), ("疗程", "package_name"),
        ("总次数", "package_total"), ("已用次数", "package_used"),
        ("剩余次数", "package_remaining"), ("到期日", "package_expires"), ("来源", "source"),
    ),
    # Fresha export_customer_list.csv in English (column names from the Agenda_Project
    # Fresha migration script; order from its Italian export).
    "fresha_en": pairs(
        ("Client ID", "source_id"), ("First Name", "given_name"), ("Last Name", "family_name"),
        ("Full Name", "full_name"), ("Blocked", ""), ("Block Reason", ""), ("Gender", "gender"),
        ("Mobile Number", "phone"), ("Telephone", "phone2"), ("Email", "email"),
        ("Accepts Marketing", "consent_email"), ("Accepts SMS Marketing", "consent_sms"),
        ("Address", "address"), ("Apartment Suite", ""), ("Area", ""), ("City", "city"),
        ("State", ""), ("Post Code", ""), ("Date of Birth", "birth_date"),
        ("Added", "client_since"), ("Note", "notes"), ("Referral Source", "source"),
    ),
    "fresha_en_older_names": pairs(
        ("Client ID", "source_id"), ("First name", "given_name"), ("Last name", "family_name"),
        ("Mobile number", "phone"), ("Email", "email"), ("Gender", "gender"),
        ("Date of birth", "birth_date"), ("Client source", "source"),
        ("Accepts marketing notifications", "consent_email"), ("Notes", "notes"),
        ("Created date", "client_since"),
    ),
    "fresha_vi": pairs(
        ("Mã khách hàng", "source_id"), ("Tên", "given_name"), ("Họ", "family_name"),
        ("Họ và tên", "full_name"), ("Bị chặn", ""), ("Lý do chặn", ""),
        ("Giới tính", "gender"), ("Số điện thoại di động", "phone"), ("Điện thoại", "phone2"),
        ("Email", "email"), ("Chấp nhận tiếp thị", "consent_email"),
        ("Chấp nhận tiếp thị qua SMS", "consent_sms"), ("Địa chỉ", "address"),
        ("Căn hộ", ""), ("Khu vực", ""), ("Thành phố", "city"), ("Tỉnh", ""),
        ("Mã bưu điện", ""), ("Ngày sinh", "birth_date"), ("Ngày thêm", "client_since"),
        ("Ghi chú", "notes"), ("Nguồn giới thiệu", "source"),
    ),
    # Square customer directory export.
    "square": pairs(
        ("Reference ID", ""), ("First Name", "given_name"), ("Last Name", "family_name"),
        ("Email Address", "email"), ("Phone Number", "phone"), ("Nickname", ""),
        ("Company Name", "occupation"), ("Street Address 1", "address"),
        ("Street Address 2", ""), ("City", "city"), ("State", ""), ("Postal Code", ""),
        ("Birthday", "birth_date"), ("Memo", "notes"), ("Square Customer ID", "source_id"),
        ("Creation Source", ""), ("First Visit", "client_since"), ("Last Visit", "last_visit"),
        ("Transaction Count", ""), ("Total Spend", "total_spent"),
        ("Email Subscription Status", "consent_email"), ("Instant Profile", ""),
        ("Groups", "group"),
    ),
    # Vagaro customer list (profile fields: mobile, day and night phones).
    "vagaro": pairs(
        ("First Name", "given_name"), ("Last Name", "family_name"), ("Email", "email"),
        ("Cell Phone", "phone"), ("Day Phone", "phone2"), ("Night Phone", "notes"),
        ("Address", "address"), ("City", "city"), ("State", ""), ("Zip", ""),
        ("Birthday", "birth_date"), ("Gender", "gender"), ("Customer Since", "client_since"),
        ("Last Visit", "last_visit"), ("Points Balance", "points"), ("General Tags", "tags"),
    ),
    "vcard_reader": pairs(
        ("FN", "full_name"), ("N.family", "family_name"), ("N.given", "given_name"),
        ("N.middle", "middle_name"), ("TEL", "phone"), ("TEL 2", "phone2"), ("TEL 3", "notes"),
        ("EMAIL", "email"), ("BDAY", "birth_date"), ("ORG", "occupation"), ("TITLE", ""),
        ("ADR", "address"), ("NOTE", "notes"), ("CATEGORIES", "tags"),
    ),
    "english_generic": pairs(
        ("No.", ""), ("Name", "full_name"), ("Phone", "phone"), ("E-mail", "email"),
        ("DOB", "birth_date"), ("Sex", "gender"), ("Allergies", "allergies"),
        ("Medical history", "conditions"), ("Balance due", "debt"), ("Notes", "notes"),
    ),
}  # fmt: skip

# The header lines exactly as the two Google Contacts CSV variants write them.
GOOGLE_NEW_LINE = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Phone 3 - Label,Phone 3 - Value,"
    "Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Website 1 - Label,Website 1 - Value,Event 1 - Label,"
    "Event 1 - Value,Custom Field 1 - Label,Custom Field 1 - Value"
)
GOOGLE_NEW = GOOGLE_NEW_LINE.split(",")
GOOGLE_NEW_EXPECTED = {
    "First Name": "given_name", "Middle Name": "middle_name", "Last Name": "family_name",
    "Organization Name": "occupation", "Birthday": "birth_date", "Notes": "notes",
    "Labels": "tags", "E-mail 1 - Value": "email", "E-mail 2 - Value": "notes",
    "Phone 1 - Value": "phone", "Phone 2 - Value": "phone2", "Phone 3 - Value": "notes",
    "Address 1 - Formatted": "address", "Address 1 - City": "city",
}  # fmt: skip

GOOGLE_OLD_LINE = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,"
    "Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,"
    "Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,"
    "Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,"
    "Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Address 1 - Type,"
    "Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Website 1 - Type,Website 1 - Value"
)
GOOGLE_OLD = GOOGLE_OLD_LINE.split(",")
GOOGLE_OLD_EXPECTED = {
    "Name": "full_name", "Given Name": "given_name", "Additional Name": "middle_name",
    "Family Name": "family_name", "Birthday": "birth_date", "Gender": "gender",
    "Occupation": "occupation", "Hobby": "preferences", "Notes": "notes",
    "Group Membership": "tags", "E-mail 1 - Value": "email", "E-mail 2 - Value": "notes",
    "Phone 1 - Value": "phone", "Phone 2 - Value": "phone2",
    "Address 1 - Formatted": "address", "Address 1 - City": "city",
}  # fmt: skip

SESSION_SETS = {
    "vi_treatment_log": pairs(
        ("STT", ""), ("Ngày làm", "session_date"), ("Giờ", "session_time"),
        ("Tên khách hàng", "session_client"), ("SĐT", "session_phone"),
        ("Dịch vụ", "session_service"), ("Buổi", "session_progress"),
        ("Thành tiền", "session_amount"), ("Thanh toán", "session_paid"),
        ("KTV", "session_technician"), ("Ghi chú", "session_note"),
    ),
    "vi_log_variant": pairs(
        ("Ngày", "session_date"), ("Khách hàng", "session_client"), ("Mã KH", "session_client_id"),
        ("Tên dịch vụ", "session_service"), ("Số tiền", "session_amount"),
        ("Kỹ thuật viên", "session_technician"), ("Sản phẩm sử dụng", "session_products"),
    ),
    "vi_log_package_as_service": pairs(
        ("Ngày", "session_date"), ("Họ tên", "session_client"), ("Liệu trình", "session_service"),
        ("Nhân viên làm", "session_technician"),
    ),
    "zh_log": pairs(
        ("日期", "session_date"), ("客户姓名", "session_client"), ("手机", "session_phone"),
        ("服务项目", "session_service"), ("金额", "session_amount"), ("技师", "session_technician"),
        ("美容师", ""), ("备注", "session_note"),
    ),
}  # fmt: skip

PRICE_SETS = {
    "vi_price_list": pairs(
        ("STT", ""), ("Tên dịch vụ", "service_name"), ("Nhóm", "service_category"),
        ("Thời gian (phút)", "service_minutes"), ("Giá (VNĐ)", "service_price"),
    ),
    "zh_price_list": pairs(
        ("项目", "service_name"), ("类别", "service_category"), ("时长", "service_minutes"),
        ("价格", "service_price"),
    ),
}  # fmt: skip


def assert_columns(headers: list[str], expected: list[str], kind: str = SheetKind.CLIENTS):
    got = auto_map(headers, kind)
    wrong = [(h, e, g) for h, e, g in zip(headers, expected, got, strict=True) if e != g]
    assert not wrong, f"(header, expected, got): {wrong}"


@pytest.mark.parametrize("name", sorted(HEADER_SETS))
def test_client_header_rows_map_column_by_column(name):
    headers, expected = HEADER_SETS[name]
    assert_columns(headers, expected)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(GOOGLE_NEW, GOOGLE_NEW_EXPECTED), (GOOGLE_OLD, GOOGLE_OLD_EXPECTED)],
    ids=["google_contacts_new", "google_contacts_old"],
)
def test_google_contacts_csv_maps_values_and_ignores_labels(headers, expected):
    assert_columns(headers, [expected.get(h, "") for h in headers])


@pytest.mark.parametrize("name", sorted(SESSION_SETS))
def test_treatment_log_headers_map_column_by_column(name):
    headers, expected = SESSION_SETS[name]
    assert_columns(headers, expected, SheetKind.SESSIONS)


@pytest.mark.parametrize("name", sorted(PRICE_SETS))
def test_price_list_headers_map_column_by_column(name):
    headers, expected = PRICE_SETS[name]
    assert_columns(headers, expected, SheetKind.PRICES)


OWN_EXPORT_EXPECTED = [
    "source_id", "full_name", "phone", "email", "gender", "birth_date", "branch", "tier",
    "source", "group", "tags", "last_visit", "total_spent", "debt", "client_since",
]  # fmt: skip


@pytest.mark.parametrize("language", ["vi", "en", "zh-hans"])
def test_our_own_export_imports_back_in_every_language(language):
    with translation.override(language):
        headers = [str(header) for header, _width in COLUMNS]
    assert_columns(headers, OWN_EXPORT_EXPECTED)


def test_own_export_headers_are_really_translated():
    """The round-trip test above means something only if the headers differ by language."""
    with translation.override("vi"):
        vi = [str(h) for h, _w in COLUMNS]
    with translation.override("zh-hans"):
        zh = [str(h) for h, _w in COLUMNS]
    assert "Điện thoại" in vi
    assert "电话" in zh


# normalise_header -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Họ và tên (*)", "ho va ten"),
        ("  SĐT/Zalo: ", "sdt zalo"),
        ("ĐIỆN THOẠI", "dien thoai"),
        ("Ngày sinh (dd/mm/yyyy)", "ngay sinh"),
        ("E-mail 1 - Value", "e mail 1 value"),
        ("客户姓名：", "客户姓名"),
        ("Số tiền (VNĐ)", "so tien"),
        ("(*)", ""),
        (None, ""),
        (2024, "2024"),
        ("Ｔｅｌ", "tel"),
    ],
)
def test_normalise_header(raw, expected):
    assert normalise_header(raw) == expected


@given(st.text(max_size=40))
def test_normalise_header_is_idempotent(text):
    once = normalise_header(text)
    assert normalise_header(once) == once


@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=15))
def test_auto_map_never_repeats_a_target_except_phone_and_notes(headers):
    targets = auto_map(headers)
    assert len(targets) == len(headers)
    kept = [t for t in targets if t and t != "notes"]
    assert len(kept) == len(set(kept))
    assert all(not t or t in TARGETS_OF_KIND[SheetKind.CLIENTS] for t in targets)


# guess_target ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind", "expected"),
    [
        ("STT", SheetKind.CLIENTS, ""),
        ("No.", SheetKind.CLIENTS, ""),  # the row counter...
        ("Nợ", SheetKind.CLIENTS, "debt"),  # ...folds like the Vietnamese for debt
        ("Năm sinh", SheetKind.CLIENTS, "birth_date"),
        ("Ngày sinh", SheetKind.SESSIONS, ""),  # not a visit date
        ("Tên dịch vụ", SheetKind.SESSIONS, "session_service"),
        ("Tên dịch vụ", SheetKind.CLIENTS, ""),  # not the client's name
        ("Tên dịch vụ khách làm", SheetKind.SESSIONS, "session_service"),
        ("Ngày khách đến", SheetKind.SESSIONS, "session_date"),
        ("Số điện thoại khách hàng", SheetKind.CLIENTS, "phone"),
        ("客户手机号码", SheetKind.CLIENTS, "phone"),
        ("Tên", SheetKind.CLIENTS, "given_name"),
        ("Địa điểm", SheetKind.CLIENTS, ""),  # not "điểm" (points)
        ("Phone 1 - Label", SheetKind.CLIENTS, ""),
        ("Something else", SheetKind.CLIENTS, ""),
        ("", SheetKind.CLIENTS, ""),
        (None, SheetKind.CLIENTS, ""),
    ],
)
def test_guess_target(header, kind, expected):
    assert guess_target(header, kind) == expected


def test_guess_target_rejects_an_unknown_kind():
    with pytest.raises(ValueError):
        guess_target("Họ tên", "other")


def test_better_match_keeps_a_claimed_target():
    # "Ho ten khach" is fuzzy/contains, "Họ và tên" exact: the exact one wins.
    assert auto_map(["Tên KH cũ", "Họ và tên"]) == ["", "full_name"]


def test_lone_second_phone_column_becomes_the_main_phone():
    assert auto_map(["Họ tên", "Telephone"]) == ["full_name", "phone"]


def test_named_main_phone_takes_phone_even_after_a_second_phone_column():
    assert auto_map(["Telephone", "Mobile number"]) == ["phone2", "phone"]


# header_score, guess_sheet_kind, header_signature -----------------------------------


def test_header_score_weighs_name_and_phone():
    assert header_score(["Họ tên", "SĐT"]) == 4.0
    assert header_score(["Họ tên", "SĐT", "Ghi chú"]) == 5.0
    assert header_score(["Ghi chú"]) == 1.0


@pytest.mark.parametrize(
    "row",
    [
        [None, None],
        ["DANH SÁCH KHÁCH HÀNG THÁNG 3/2024"],
        ["Nguyễn Thị Hoa", "0901234567", "Nữ", "12/03/1990"],
        [1, "Trần Văn Nam", 901234567],
        ["STT"],
    ],
)
def test_header_score_is_zero_for_rows_that_map_nothing(row):
    assert header_score(row) == 0


def test_a_real_header_outscores_its_data_rows():
    header = ["STT", "Họ và tên", "SĐT", "Ngày sinh", "Ghi chú"]
    data = [1, "Lê Thị Hồng", "0912345678", "01/01/1990", "Khách quen, dị ứng nhẹ"]
    assert header_score(header) > header_score(data)


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (HEADER_SETS["vi_basic"][0], SheetKind.CLIENTS),
        (HEADER_SETS["fresha_en"][0], SheetKind.CLIENTS),
        (GOOGLE_NEW, SheetKind.CLIENTS),
        (HEADER_SETS["vcard_reader"][0], SheetKind.CLIENTS),
        (SESSION_SETS["vi_treatment_log"][0], SheetKind.SESSIONS),
        (SESSION_SETS["zh_log"][0], SheetKind.SESSIONS),
        (["Ngày", "Khách hàng", "Dịch vụ", "Số tiền", "KTV"], SheetKind.SESSIONS),
        (PRICE_SETS["vi_price_list"][0], SheetKind.PRICES),
        (["Dịch vụ", "Giá"], SheetKind.PRICES),
        (["Sản phẩm", "Tồn kho", "Nhà cung cấp"], SheetKind.OTHER),
        (["Tháng", "Doanh thu", "Chi phí"], SheetKind.OTHER),
        ([], SheetKind.OTHER),
    ],
)
def test_guess_sheet_kind(headers, kind):
    assert guess_sheet_kind(headers) == kind


def test_header_signature_ignores_case_accents_and_trailing_empty_columns():
    a = header_signature(["Họ và tên", "SĐT", "Ghi chú"])
    assert a == header_signature(["HỌ VÀ TÊN", "sdt", "Ghi chu:", None, ""])
    assert len(a) == 40
    assert a != header_signature(["SĐT", "Họ và tên", "Ghi chú"])
