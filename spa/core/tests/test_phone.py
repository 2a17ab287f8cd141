import pytest

from spa.core.phone import InvalidPhone, mask_phone, parse_phone


@pytest.mark.parametrize(
    "typed",
    ["0912 345 678", "0912345678", "+84912345678", "+84 912 345 678", "912345678",
     "0912.345.678", "(091) 234-5678", "0084912345678", "84912345678"],
)  # fmt: skip
def test_every_common_way_of_typing_a_number_gives_the_same_e164(typed):
    assert parse_phone(typed).e164 == "+84912345678"


@pytest.mark.parametrize(
    "old, new",
    [("01681234567", "+84381234567"), ("0168 123 4567", "+84381234567"),
     ("+841681234567", "+84381234567"), ("01201234567", "+84701234567"),
     ("01291234567", "+84821234567"), ("01991234567", "+84591234567")],
)  # fmt: skip
def test_pre_2018_eleven_digit_mobiles_are_renumbered(old, new):
    assert parse_phone(old).e164 == new


def test_significant_digits_and_national_form():
    phone = parse_phone("0912345678")
    assert phone.significant == "912345678"
    assert phone.national.replace(" ", "") == "0912345678"


def test_foreign_numbers_with_country_code_are_kept():
    assert parse_phone("+86 138 0013 8000").e164 == "+8613800138000"


@pytest.mark.parametrize(
    "bad", ["", "12", "0912", "abc", "0000000000", "+84 12", "091234567890123"]
)
def test_malformed_numbers_are_refused(bad):
    with pytest.raises(InvalidPhone):
        parse_phone(bad)


def test_masking_hides_the_middle():
    assert mask_phone("0912 345 678") == "0912 *** 678"
