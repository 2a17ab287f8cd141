"""Phone numbers: parsing any way staff type them, normalising to E.164.

Parsing and validation are the `phonenumbers` library's; what it cannot know is
Vietnam's 2018 renumbering of 11-digit mobile numbers to 10 digits, which clients
still give from memory and old paper cards still carry.
"""

from dataclasses import dataclass

import phonenumbers
from django.conf import settings

# Vietnam's 2018 mobile renumbering (Ministry of Information and Communications):
# old 11-digit prefix (national form) -> new 10-digit prefix.
VN_OLD_MOBILE_PREFIXES = {
    # Viettel
    "0162": "032", "0163": "033", "0164": "034", "0165": "035",
    "0166": "036", "0167": "037", "0168": "038", "0169": "039",
    # MobiFone
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    # VinaPhone
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    # Vietnamobile
    "0186": "056", "0188": "058",
    # Gmobile
    "0199": "059",
}  # fmt: skip


class InvalidPhone(ValueError):
    """Raised when a string cannot be read as a real phone number."""


@dataclass(frozen=True)
class Phone:
    e164: str  # +84912345678
    national: str  # 0912 345 678 as a person would write it
    significant: str  # 912345678: the digits after the country code


def digits_only(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _renumber_vn(digits: str) -> str:
    """Map a pre-2018 11-digit Vietnamese mobile number to its current form."""
    if digits.startswith("84") and len(digits) == 12:
        national = "0" + digits[2:]
    elif len(digits) == 10 and digits[0] == "1":  # typed without the leading 0
        national = "0" + digits
    else:
        national = digits
    if len(national) == 11 and national[:4] in VN_OLD_MOBILE_PREFIXES:
        return VN_OLD_MOBILE_PREFIXES[national[:4]] + national[4:]
    return digits


def parse_phone(raw: str, region: str | None = None) -> Phone:
    """Read a phone typed in any common form; raise InvalidPhone if it is not one."""
    region = region or settings.PHONE_DEFAULT_REGION
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("empty")
    international = text.startswith("+") or text.startswith("00")
    digits = digits_only(text)
    if not (6 <= len(digits) <= 15):
        raise InvalidPhone(text)
    if text.startswith("00"):
        digits = digits[2:]
    if region == "VN" and (not international or digits.startswith("84")):
        renumbered = _renumber_vn(digits)
        if renumbered != digits:
            digits, international = renumbered, False
    if international:
        candidate = "+" + digits
    elif region == "VN" and len(digits) == 9 and digits[0] != "0":
        candidate = "0" + digits  # 912345678: national number without its 0
    else:
        candidate = digits
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        national=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        significant=phonenumbers.national_significant_number(number),
    )


def mask_phone(national: str) -> str:
    """Hide the middle of a number: ``0912 345 678`` -> ``0912 *** 678``."""
    digits = digits_only(national)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:4]} *** {digits[-3:]}"
