"""Cells as they really appear in spa workbooks, contacts and competitor exports."""

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spa.clients import models as client_models
from spa.clients.starter_lists import ALLERGENS, CONDITIONS
from spa.core.phone import VN_OLD_MOBILE_PREFIXES, InvalidPhone, parse_phone
from spa.imports import values
from spa.imports.problems import MESSAGES, ProblemError
from spa.imports.values import (
    clean_name,
    join_name,
    match_managed,
    name_match_key,
    parse_date,
    parse_gender,
    parse_int,
    parse_money,
    parse_phones,
    parse_pregnancy,
    parse_skin_type,
    parse_tier,
    parse_yes_no,
    split_list,
    text_of,
)

TODAY = dt.date(2026, 12, 2)


def problem_code(func, value):
    with pytest.raises(ProblemError) as info:
        func(value)
    assert info.value.problem.code in MESSAGES
    return info.value.problem.code


# Codes agree with the models --------------------------------------------------------


def test_choice_codes_are_the_models_codes():
    assert {values.FEMALE, values.MALE, values.OTHER} == set(client_models.Gender.values)
    assert set(values.TIERS) == set(client_models.Tier.values)
    preg = {"", values.PREG_NO, values.PREGNANT, values.BREASTFEEDING, values.TRYING}
    assert preg == set(client_models.PregnancyStatus.values)
    skin = {
        "",
        values.SKIN_NORMAL,
        values.SKIN_DRY,
        values.SKIN_OILY,
        values.SKIN_COMBINATION,
        values.SKIN_SENSITIVE,
    }
    assert skin == set(client_models.SkinType.values)


def test_new_skin_type_codes_have_messages():
    assert "skin_type_unknown" in MESSAGES
    assert "skin_type_several" in MESSAGES


# text_of ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  Hoa \n", "Hoa"),
        (912345678.0, "912345678"),
        (1500000, "1500000"),
        (1.5, "1.5"),
        (True, "TRUE"),
        (dt.date(1990, 3, 2), "02/03/1990"),
        (dt.datetime(1990, 3, 2), "02/03/1990"),
        (dt.datetime(2026, 3, 2, 14, 5), "02/03/2026 14:05"),
        (dt.time(9, 30), "09:30"),
        (dt.timedelta(hours=1, minutes=30), "1:30"),
    ],
)
def test_text_of_shows_a_cell_as_the_sheet_did(value, text):
    assert text_of(value) == text


# Phones -----------------------------------------------------------------------------

MOBILE = "+84912345678"
OTHER_MOBILE = "+84987654321"
LANDLINE = "+842838221234"


@pytest.mark.parametrize(
    ("cell", "e164s", "note"),
    [
        ("0912 345 678", [MOBILE], ""),
        ("0912.345.678", [MOBILE], ""),
        ("0912-345-678", [MOBILE], ""),
        ("+84 912 345 678", [MOBILE], ""),
        ("+84912345678", [MOBILE], ""),
        ("84912345678", [MOBILE], ""),
        ("(+84) 912345678", [MOBILE], ""),
        ("(+84)912.345.678", [MOBILE], ""),
        ("+84 0912 345 678", [MOBILE], ""),
        ("0084 912 345 678", [MOBILE], ""),
        (912345678.0, [MOBILE], ""),
        (912345678, [MOBILE], ""),
        ("912345678", [MOBILE], ""),
        ("０９１２３４５６７８", [MOBILE], ""),
        # Before the 2018 renumbering
        ("01662345678", ["+84362345678"], ""),
        ("0166 234 5678", ["+84362345678"], ""),
        (1662345678.0, ["+84362345678"], ""),
        ("+84 1662345678", ["+84362345678"], ""),
        # Annotations
        ("0912345678 (zalo)", [MOBILE], "zalo"),
        ("0912345678 - zalo", [MOBILE], "zalo"),
        ("zalo: 0912345678", [MOBILE], "zalo"),
        ("Zalo 0912.345.678", [MOBILE], "Zalo"),
        ("0912345678 chồng", [MOBILE], "chồng"),
        # Two numbers
        ("0912345678/0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678 / 0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678; 0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678, 0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678 - 0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678\n0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678 hoặc 0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678 or 0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912345678或0987654321", [MOBILE, OTHER_MOBILE], ""),
        ("0912 345 678 0987 654 321", [MOBILE, OTHER_MOBILE], ""),
        (
            "0912345678 (zalo) / 0987654321 (nhà)",
            [MOBILE, OTHER_MOBILE],
            "zalo: 0912 345 678; nhà: 0987 654 321",
        ),
        (
            "chồng 0912345678, nhà 028 3822 1234",
            [MOBILE, LANDLINE],
            "chồng: 0912 345 678; nhà: 028 3822 1234",
        ),
        ("0912345678/0987654321/0912000111", [MOBILE, OTHER_MOBILE, "+84912000111"], ""),
        # Landlines
        ("028 3822 1234", [LANDLINE], ""),
        ("(028) 38221234", [LANDLINE], ""),
        ("02838221234", [LANDLINE], ""),
        ("024.3933.4455", ["+842439334455"], ""),
        # Abroad
        ("+1 415 555 2671", ["+14155552671"], ""),
        ("+65 9123 4567", ["+6591234567"], ""),
        ("+86 138 1234 5678", ["+8613812345678"], ""),
        ("13812345678", ["+8613812345678"], ""),
        (13812345678, ["+8613812345678"], ""),
        ("0912/345/678", [MOBILE], ""),
        # Floats written out as text by CSV exports
        ("912345678.0", [MOBILE], ""),
        ("9.12345678E8", [MOBILE], ""),
        ("9.12345678e+08", [MOBILE], ""),
        (
            "ĐT nhà: (028) 3822-1234; DĐ: 0912.345.678",
            [LANDLINE, MOBILE],
            "ĐT nhà: 028 3822 1234; DĐ: 0912 345 678",
        ),
        ("0912 345 678 máy lẻ 12", [MOBILE], "máy lẻ 12"),
    ],
)
def test_phones_are_read_however_they_were_typed(cell, e164s, note):
    result = parse_phones(cell)
    assert [p.e164 for p in result.phones] == e164s
    assert result.problems == []
    assert result.note == note


@pytest.mark.parametrize(
    "cell", ["chưa hỏi", "KH không cung cấp", "không có", "x", "-", "N/A", "无", "không nhớ"]
)
def test_words_in_a_phone_cell_are_not_a_number(cell):
    result = parse_phones(cell)
    assert result.phones == []
    assert [p.code for p in result.problems] == ["phone_not_a_number"]
    assert result.problems[0].params == {"text": cell}


@pytest.mark.parametrize("cell", [None, "", "   "])
def test_an_empty_phone_cell_is_no_problem_here(cell):
    result = parse_phones(cell)
    assert (result.phones, result.problems, result.note) == ([], [], "")


@pytest.mark.parametrize(
    "cell",
    ["12345", "0912 345", "091234567890123456", 12345.5, "0000000000", dt.date(1990, 3, 2)],
)
def test_digits_that_make_no_number_are_invalid(cell):
    result = parse_phones(cell)
    assert result.phones == []
    assert [p.code for p in result.problems] == ["phone_invalid"]


def test_a_bad_number_beside_a_good_one_is_reported_and_the_good_one_kept():
    result = parse_phones("0912345678 / 0123456")
    assert [p.e164 for p in result.phones] == [MOBILE]
    assert [p.code for p in result.problems] == ["phone_invalid"]
    assert result.problems[0].params == {"text": "0123456"}


VN_MOBILE_PREFIXES = (
    [f"3{d}" for d in "23456789"]
    + ["56", "58", "59", "70", "76", "77", "78", "79"]
    + [f"8{d}" for d in "12345678"]
    + [f"9{d}" for d in "012345678"]
)


def _formats(sig: str) -> list:
    national = "0" + sig
    grouped = f"{national[:4]} {national[4:7]} {national[7:]}"
    return [
        national,
        grouped,
        grouped.replace(" ", "."),
        grouped.replace(" ", "-"),
        "+84" + sig,
        f"+84 {sig[:3]} {sig[3:6]} {sig[6:]}",
        "84" + sig,
        f"(+84) {sig}",
        f"+84 {grouped}",
        int(sig),
        float(sig),
        f"{grouped} (zalo)",
    ]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(VN_MOBILE_PREFIXES), st.text("0123456789", min_size=7, max_size=7))
def test_any_vn_mobile_in_any_format_gives_one_e164(prefix, rest):
    sig = prefix + rest
    expected = parse_phone("0" + sig, "VN")
    for cell in _formats(sig):
        result = parse_phones(cell)
        assert result.phones == [expected], cell


@settings(max_examples=300, deadline=None)
@given(st.sampled_from("35789"), st.text("0123456789", min_size=8, max_size=8))
def test_the_short_path_agrees_with_phonenumbers(first, rest):
    sig = first + rest
    try:
        expected = [parse_phone("0" + sig, "VN")]
    except InvalidPhone:
        expected = []
    assert parse_phones("0" + sig).phones == expected
    assert parse_phones(int(sig)).phones == expected


# Dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.date(1990, 3, 12), dt.date(1990, 3, 12)),
        (dt.datetime(1990, 3, 12, 0, 0), dt.date(1990, 3, 12)),
        (32944, dt.date(1990, 3, 12)),
        (32944.0, dt.date(1990, 3, 12)),
        (32944.5, dt.date(1990, 3, 12)),
        ("32944", dt.date(1990, 3, 12)),
        ("12/03/1990", dt.date(1990, 3, 12)),
        ("12-03-1990", dt.date(1990, 3, 12)),
        ("12.03.1990", dt.date(1990, 3, 12)),
        ("12/3/1990", dt.date(1990, 3, 12)),
        ("1990-03-12", dt.date(1990, 3, 12)),
        ("1990/03/12", dt.date(1990, 3, 12)),
        ("1990-03-12 00:00:00", dt.date(1990, 3, 12)),
        ("12/03/1990 10:30", dt.date(1990, 3, 12)),
        ("12/3/90", dt.date(1990, 3, 12)),
        ("12/3/05", dt.date(2005, 3, 12)),
        ("12/3/26", dt.date(2026, 3, 12)),
        ("12/3/27", dt.date(1927, 3, 12)),
        ("1992年7月8日", dt.date(1992, 7, 8)),
        ("1992 年 7 月 8 号", dt.date(1992, 7, 8)),
        ("8 tháng 7 năm 1992", dt.date(1992, 7, 8)),
        ("ngày 8 tháng 7 năm 1992", dt.date(1992, 7, 8)),
        ("ngày 8/7/1992", dt.date(1992, 7, 8)),
        ("Ngày 08/07/1992", dt.date(1992, 7, 8)),
        ("8 thg 7, 1992", dt.date(1992, 7, 8)),
        ("Mar 12 1990", dt.date(1990, 3, 12)),
        ("12 Mar 1990", dt.date(1990, 3, 12)),
        ("12-Mar-1990", dt.date(1990, 3, 12)),
        ("12-Mar-90", dt.date(1990, 3, 12)),
        ("March 12, 1990", dt.date(1990, 3, 12)),
        ("Monday, March 12, 1990", dt.date(1990, 3, 12)),
        ("Thứ Hai, 12/03/1990", dt.date(1990, 3, 12)),
        ("12031990", dt.date(1990, 3, 12)),
        (12031990, dt.date(1990, 3, 12)),
        (1031990, dt.date(1990, 3, 1)),
        ("19900312", dt.date(1990, 3, 12)),
        ("29/02/2000", dt.date(2000, 2, 29)),
        ("12/03/1990".replace("1", "１"), dt.date(1990, 3, 12)),
    ],
)
def test_dates_are_read_in_every_shape_spas_use(cell, expected):
    result = parse_date(cell, today=TODAY)
    assert (result.date, result.year, result.problem) == (expected, expected.year, None)


def test_month_first_sources_are_read_month_first():
    assert parse_date("03/12/1990", day_first=False).date == dt.date(1990, 3, 12)
    assert parse_date("1990-03-12", day_first=False).date == dt.date(1990, 3, 12)
    assert parse_date("12/03/1990", day_first=True).date == dt.date(1990, 3, 12)


@pytest.mark.parametrize(
    ("cell", "year"), [("1990", 1990), (1990, 1990), ("năm 1990", 1990), ("1990年", 1990)]
)
def test_a_year_alone_is_kept_as_a_year(cell, year):
    assert parse_date(cell) == values.DateValue(date=None, year=year, problem=None)


@pytest.mark.parametrize("cell", ["tháng 7 năm 1992", "1992年7月"])
def test_a_month_and_year_keep_the_year(cell):
    assert parse_date(cell) == values.DateValue(date=None, year=1992, problem=None)


@pytest.mark.parametrize(
    "cell", ["31/02/1990", "00/00/0000", "32/01/1990", "12/13/1990", "29/02/1900", "1990-02-30"]
)
def test_impossible_dates_are_never_guessed(cell):
    result = parse_date(cell)
    assert result.date is None and result.year is None
    assert result.problem.code == "date_impossible"
    assert result.problem.params == {"text": cell}


def test_month_thirteen_is_not_swapped_even_month_first():
    assert parse_date("13/12/1990", day_first=False).problem.code == "date_impossible"


@pytest.mark.parametrize(
    "cell",
    ["08/07", "8 tháng 7", "7月8日", "không nhớ", "abc", "Mar 1990x", True, dt.time(9, 0), 123],
)
def test_what_is_no_date_is_date_invalid(cell):
    result = parse_date(cell)
    assert result.date is None and result.year is None
    assert result.problem.code == "date_invalid"


@pytest.mark.parametrize("cell", [None, "", "  "])
def test_an_empty_date_is_nothing(cell):
    assert parse_date(cell) == values.DateValue()


_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_EN_LONG = [
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
]  # fmt: skip


def _date_shapes(d: dt.date) -> list:
    shapes = [
        d,
        dt.datetime(d.year, d.month, d.day, 8, 30),
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}/{d.month}/{d.year}",
        f"{d.day:02d}-{d.month:02d}-{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        d.isoformat(),
        f"{d.year}年{d.month}月{d.day}日",
        f"ngày {d.day} tháng {d.month} năm {d.year}",
        f"{d.day} {_EN[d.month - 1]} {d.year}",
        f"{_EN_LONG[d.month - 1]} {d.day}, {d.year}",
        f"{d.day:02d}{d.month:02d}{d.year}",
    ]
    if d.year > TODAY.year - 99:
        shapes.append(f"{d.day}/{d.month}/{d.year % 100:02d}")
    serial = (d - dt.date(1899, 12, 30)).days
    if 20000 <= serial <= 60000:
        shapes.append(serial)
    return shapes


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2026, 12, 1)))
def test_any_date_in_any_supported_shape_reads_back(d):
    for shape in _date_shapes(d):
        assert parse_date(shape, today=TODAY).date == d, shape
    us = f"{d.month:02d}/{d.day:02d}/{d.year}"
    assert parse_date(us, day_first=False).date == d


# Money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        (1500000, 1500000),
        (1500000.0, 1500000),
        ("1500000", 1500000),
        ("1.500.000", 1500000),
        ("1.500.000đ", 1500000),
        ("1.500.000 đ", 1500000),
        ("1.500.000₫", 1500000),
        ("1,500,000", 1500000),
        ("1 500 000", 1500000),
        ("1.500.000 VNĐ", 1500000),
        ("1500000 vnd", 1500000),
        ("1.500.000 đồng", 1500000),
        ("1,500,000.00", 1500000),
        ("1.500.000,00", 1500000),
        ("1.500", 1500),
        ("850k", 850000),
        ("850K", 850000),
        ("850 k", 850000),
        ("1.500k", 1500000),
        ("1k5", 1500),
        ("2tr5", 2500000),
        ("2tr", 2000000),
        ("2TR", 2000000),
        ("2 triệu", 2000000),
        ("2,5 triệu", 2500000),
        ("2.5tr", 2500000),
        ("1.2tr", 1200000),
        ("1.5tr", 1500000),
        ("1 triệu 2", 1200000),
        ("1tr250", 1250000),
        ("2 triệu rưỡi", 2500000),
        ("2 triệu 500 nghìn", 2500000),
        ("500 nghìn", 500000),
        ("500 ngàn", 500000),
        ("1 tỷ 2", 1200000000),
        ("1.5m", 1500000),
        ("không", 0),
        ("Không", 0),
        ("-", 0),
        ("0", 0),
        ("0đ", 0),
        ("", 0),
        (None, 0),
    ],
)
def test_amounts_are_read_as_staff_type_them(cell, amount):
    assert parse_money(cell) == amount


@pytest.mark.parametrize(
    "cell", ["abc", "1.5", "$100", "¥100", "1.500.000đ đã trả", True, "2tr5tr"]
)
def test_what_is_no_amount_is_money_invalid(cell):
    assert problem_code(parse_money, cell) == "money_invalid"


@pytest.mark.parametrize("cell", [-5, -5.0, "-500.000", "(500.000)", "-2tr"])
def test_negative_amounts_are_refused(cell):
    assert problem_code(parse_money, cell) == "money_negative"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=999_999).map(lambda n: n * 1000))
def test_any_amount_written_any_way_reads_back(amount):
    grouped = f"{amount:,}"
    shapes = [
        amount,
        float(amount),
        str(amount),
        grouped,
        grouped.replace(",", "."),
        grouped.replace(",", ".") + "đ",
        grouped.replace(",", ".") + " VNĐ",
        f"{amount} vnd",
        f"{amount // 1000}k",
        f"{amount // 1000} nghìn",
    ]
    if amount % 100_000 == 0 and amount >= 1_000_000:
        millions, hundreds = divmod(amount // 100_000, 10)
        shapes.append(f"{millions}tr{hundreds}" if hundreds else f"{millions}tr")
        shapes.append(f"{millions} triệu {hundreds}" if hundreds else f"{millions} triệu")
        shapes.append(f"{millions},{hundreds} triệu")
    for shape in shapes:
        assert parse_money(shape) == amount, shape


# Counts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        (10, 10),
        (10.0, 10),
        ("10", 10),
        ("10 buổi", 10),
        ("10 lần", 10),
        ("1.200 điểm", 1200),
        ("1,200", 1200),
        ("10 次", 10),
        ("10.0", 10),
        ("-3", -3),
        ("không", 0),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_counts_are_read_with_their_units(cell, number):
    assert parse_int(cell) == number


@pytest.mark.parametrize("cell", ["abc", "1,5", 10.5, True, "3/10", "mười"])
def test_what_is_no_count_is_number_invalid(cell):
    assert problem_code(parse_int, cell) == "number_invalid"


# Choices ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("nữ", "female"),
        ("Nữ", "female"),
        ("NU", "female"),
        ("Nu", "female"),
        ("Nữ giới", "female"),
        ("F", "female"),
        ("Female", "female"),
        ("woman", "female"),
        ("女", "female"),
        ("nam", "male"),
        ("Nam", "male"),
        ("M", "male"),
        ("Male", "male"),
        ("man", "male"),
        ("男", "male"),
        ("Khác", "other"),
        ("Other", "other"),
        ("non-binary", "other"),
        ("其他", "other"),
        ("Nu\u0303", "female"),
        ("", ""),
        (None, ""),
    ],
)
def test_genders_in_three_languages(cell, code):
    assert parse_gender(cell) == code


@pytest.mark.parametrize("cell", ["chị", "anh", "?", "x", "1"])
def test_a_salutation_is_not_a_gender(cell):
    assert problem_code(parse_gender, cell) == "gender_unknown"


@pytest.mark.parametrize(
    "cell",
    ["có", "Có", "co", "x", "X", "✓", "✔", "yes", "Y", "true", "1", 1, 1.0, True, "đồng ý"]
    + ["Đồng ý", "是", "同意"],
)
def test_yes_words(cell):
    assert parse_yes_no(cell) is True


@pytest.mark.parametrize(
    "cell",
    ["không", "Không", "ko", "k", "no", "N", "false", "0", 0, False, "từ chối", "否", "不"]
    + ["不同意"],
)
def test_no_words(cell):
    assert parse_yes_no(cell) is False


def test_yes_no_empty_and_unknown():
    assert parse_yes_no(None) is None
    assert parse_yes_no("") is None
    assert problem_code(parse_yes_no, "có lẽ") == "yes_no_unknown"
    assert problem_code(parse_yes_no, 2) == "yes_no_unknown"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("Đồng", "bronze"),
        ("dong", "bronze"),
        ("Bạc", "silver"),
        ("Vàng", "gold"),
        ("Kim cương", "diamond"),
        ("KIM CƯƠNG", "diamond"),
        ("铜", "bronze"),
        ("银", "silver"),
        ("金", "gold"),
        ("钻石", "diamond"),
        ("Silver", "silver"),
        ("GOLD", "gold"),
        ("Thẻ Vàng", "gold"),
        ("Hạng Bạc", "silver"),
        ("Khách hàng kim cương", "diamond"),
        ("金卡会员", "gold"),
        ("Gold member", "gold"),
        ("", ""),
    ],
)
def test_tiers_in_three_languages(cell, code):
    assert parse_tier(cell) == code


@pytest.mark.parametrize("cell", ["VIP", "Bạch kim", "Platinum", "1"])
def test_tiers_we_do_not_have_are_reported(cell):
    assert problem_code(parse_tier, cell) == "tier_unknown"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("có thai", "pregnant"),
        ("đang mang thai", "pregnant"),
        ("mang bầu", "pregnant"),
        ("bầu 5 tháng", "pregnant"),
        ("Mang thai 3 tháng", "pregnant"),
        ("có", "pregnant"),
        ("怀孕", "pregnant"),
        ("pregnant", "pregnant"),
        ("cho con bú", "breastfeeding"),
        ("đang cho bú", "breastfeeding"),
        ("Không, đang cho con bú", "breastfeeding"),
        ("哺乳", "breastfeeding"),
        ("哺乳期", "breastfeeding"),
        ("breastfeeding", "breastfeeding"),
        ("chuẩn bị mang thai", "trying"),
        ("备孕", "trying"),
        ("trying", "trying"),
        ("không", "no"),
        ("Không có thai", "no"),
        ("chưa có thai", "no"),
        ("ko", "no"),
        ("no", "no"),
        ("没有", "no"),
        ("chưa hỏi", ""),
        ("không rõ", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_pregnancy_status_from_free_text(cell, code):
    assert parse_pregnancy(cell) == code


@pytest.mark.parametrize("cell", ["sau sinh", "abc", "3"])
def test_unknown_pregnancy_text_is_reported(cell):
    assert problem_code(parse_pregnancy, cell) == "pregnancy_unknown"


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("da dầu", "oily"),
        ("Da nhờn", "oily"),
        ("da khô", "dry"),
        ("da hỗn hợp", "combination"),
        ("Hỗn hợp thiên dầu", "combination"),
        ("da nhạy cảm", "sensitive"),
        ("da thường", "normal"),
        ("Da bình thường", "normal"),
        ("油性", "oily"),
        ("油性皮肤", "oily"),
        ("干性", "dry"),
        ("混合", "combination"),
        ("混油", "combination"),
        ("敏感", "sensitive"),
        ("敏感肌", "sensitive"),
        ("中性", "normal"),
        ("oily", "oily"),
        ("Dry", "dry"),
        ("Combination", "combination"),
        ("sensitive skin", "sensitive"),
        ("normal", "normal"),
        ("", ""),
    ],
)
def test_skin_types_in_three_languages(cell, code):
    assert parse_skin_type(cell) == code


def test_skin_type_unknown_and_several():
    assert problem_code(parse_skin_type, "abc") == "skin_type_unknown"
    assert problem_code(parse_skin_type, "da dầu, nhạy cảm") == "skin_type_several"


# Names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "full_name", "alias"),
    [
        ("NGUYỄN THỊ HOA", "Nguyễn Thị Hoa", ""),
        ("nguyễn thị hoa", "Nguyễn Thị Hoa", ""),
        ("ĐẶNG VĂN AN", "Đặng Văn An", ""),
        ("  Nguyễn  Thị   Hoa ", "Nguyễn Thị Hoa", ""),
        (unicodedata.normalize("NFD", "Nguyễn Thị Hoà"), "Nguyễn Thị Hoà", ""),
        ("McDonald Anne", "McDonald Anne", ""),
        ("Nguyễn thị Hoa", "Nguyễn thị Hoa", ""),
        ("王秀英", "王秀英", ""),
        ("Trần Thu Hà (Hà Trần)", "Trần Thu Hà", "Hà Trần"),
        ("王秀英 (Vương Tú Anh)", "王秀英", "Vương Tú Anh"),
        ("王秀英（VƯƠNG TÚ ANH）", "王秀英", "Vương Tú Anh"),
        ("“Lê Thị Mai”", "Lê Thị Mai", ""),
        ("NGUYỄN-TRẦN AN", "Nguyễn-Trần An", ""),
    ],
)
def test_names_are_cleaned_and_second_spellings_kept(cell, full_name, alias):
    result = clean_name(cell)
    assert (result.full_name, result.alias, result.problem) == (full_name, alias, None)
    assert unicodedata.is_normalized("NFC", result.full_name)


@pytest.mark.parametrize(
    "cell", ["Hoa 0912345678", "<b>Hoa</b>", "Lan@spa", "Nguyễn Hoa (0912345678)"]
)
def test_names_with_digits_or_markup_are_invalid(cell):
    assert clean_name(cell).problem.code == "name_invalid"


@pytest.mark.parametrize("cell", [None, "", "   ", "()"])
def test_no_name_is_name_missing(cell):
    assert clean_name(cell).problem.code == "name_missing"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nguyễn Thị Hoà", "Nguyễn Thị Hòa"),
        ("Trần Thuý", "Trần Thúy"),
        ("NGUYỄN THỊ HOA", "nguyen thi hoa"),
        ("Nguyễn Thị Hoa", "Hoa Nguyễn Thị"),
        (unicodedata.normalize("NFD", "Đặng Thị Hoà"), "dang thi hoa"),
        ("Hoè", "Hòe"),
    ],
)
def test_name_keys_match_spellings_of_one_name(a, b):
    assert name_match_key(a) == name_match_key(b)


def test_name_keys_keep_different_names_apart():
    assert name_match_key("Nguyễn Thị Hoa") != name_match_key("Nguyễn Thị Hoà An")
    assert name_match_key("王秀英") != name_match_key("王秀")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Nguyễn", "Thị", "Hoà", "Thuý", "Đặng", "Văn", "Lê"]), min_size=1))
def test_name_key_ignores_form_case_and_order(words):
    name = " ".join(words)
    variants = [
        name.upper(),
        unicodedata.normalize("NFD", name),
        " ".join(reversed(words)),
        f"  {name.lower()} ",
    ]
    for variant in variants:
        assert name_match_key(variant) == name_match_key(name)


@pytest.mark.parametrize(
    ("family", "middle", "given", "full"),
    [
        ("Nguyễn", "Thị", "Hoa", "Nguyễn Thị Hoa"),
        ("Nguyễn Thị", None, "Hoa", "Nguyễn Thị Hoa"),
        ("Nguyễn", "", "Nguyễn Thị Hoa", "Nguyễn Thị Hoa"),
        (None, None, "Hoa", "Hoa"),
        ("王", "", "秀英", "王秀英"),
        ("Smith", "", "Anna", "Smith Anna"),
        ("", "", "", ""),
    ],
)
def test_split_name_columns_join_family_first(family, middle, given, full):
    assert join_name(family, middle, given) == full


# Lists and the managed lists --------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        ("hải sản, phấn hoa", ["hải sản", "phấn hoa"]),
        ("hải sản; phấn hoa", ["hải sản", "phấn hoa"]),
        ("tôm / cua", ["tôm", "cua"]),
        ("tôm+cua", ["tôm", "cua"]),
        ("tôm\ncua", ["tôm", "cua"]),
        ("tôm và cua", ["tôm", "cua"]),
        ("海鲜、花粉", ["海鲜", "花粉"]),
        ("海鲜，花粉", ["海鲜", "花粉"]),
        ("- tôm\n- cua", ["tôm", "cua"]),
        ("tôm,, ,cua", ["tôm", "cua"]),
        ("", []),
        (None, []),
    ],
)
def test_lists_split_on_every_separator(cell, parts):
    assert split_list(cell) == parts


SEAFOOD = (1, ["Hải sản", "Seafood", "海鲜", "seafood"])
DIABETES = (2, ["Tiểu đường", "Diabetes", "糖尿病", "diabetes"])
RETINOID = (3, ["Retinol / retinoid", "Retinol / retinoids", "视黄醇 / 维A类", "retinoid"])
LATEX = (4, ["Cao su (latex)", "Latex", "乳胶", "latex"])
ITEMS = [SEAFOOD, DIABETES, RETINOID, LATEX]


@pytest.mark.parametrize(
    ("text", "item_id"),
    [
        ("hải sản", 1),
        ("hai san", 1),
        ("HẢI SẢN", 1),
        ("Seafood", 1),
        ("海鲜", 1),
        ("Dị ứng hải sản", 1),
        ("海鲜过敏", 1),
        ("retinol", 3),
        ("Retinoids", 3),
        ("cao su", 4),
        ("LATEX", 4),
        (unicodedata.normalize("NFD", "Tiểu đường"), 2),
    ],
)
def test_free_text_links_to_a_managed_item(text, item_id):
    assert match_managed([text], ITEMS) == ([item_id], [])


def test_matched_ids_are_unique_and_in_order_and_leftovers_kept():
    ids, leftovers = match_managed(["latex", "hải sản", "Seafood", "phấn hoa", "海鲜"], ITEMS)
    assert ids == [4, 1]
    assert leftovers == ["phấn hoa"]


def test_an_item_named_among_other_words_links_and_keeps_the_detail():
    ids, leftovers = match_managed(["tiểu đường type 2", "dị ứng hải sản nặng"], ITEMS)
    assert ids == [2, 1]
    assert leftovers == ["tiểu đường type 2", "dị ứng hải sản nặng"]


def test_a_word_inside_another_word_does_not_link():
    assert match_managed(["latexfree"], ITEMS) == ([], ["latexfree"])


def test_the_starter_lists_match_in_all_three_languages():
    items = [(i, [vi, en, zh, code]) for i, (code, vi, en, zh) in enumerate(ALLERGENS, 1)]
    items += [(100 + i, [vi, en, zh, code]) for i, (code, vi, en, zh) in enumerate(CONDITIONS, 1)]
    texts = ["huong lieu", "Fragrance", "香精", "tinh dầu", "tiểu đường", "糖尿病", "động kinh"]
    ids, leftovers = match_managed(texts, items)
    fragrance = 1 + [a[0] for a in ALLERGENS].index("fragrance")
    oils = 1 + [a[0] for a in ALLERGENS].index("essential-oils")
    diabetes = 101 + [c[0] for c in CONDITIONS].index("diabetes")
    epilepsy = 101 + [c[0] for c in CONDITIONS].index("epilepsy")
    assert ids == [fragrance, oils, diabetes, epilepsy]
    assert leftovers == []


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(VN_OLD_MOBILE_PREFIXES)),
    st.text("0123456789", min_size=7, max_size=7),
)
def test_pre_2018_numbers_take_the_short_path_to_the_same_number(old_prefix, rest):
    national = old_prefix + rest
    expected = [parse_phone(national, "VN")]
    assert parse_phones(national).phones == expected
    assert parse_phones(national[1:]).phones == expected
    assert parse_phones(float(national[1:])).phones == expected
    assert parse_phones("+84" + national[1:]).phones == expected
