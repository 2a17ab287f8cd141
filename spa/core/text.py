"""Folding and tokenising of people's names for search and duplicate detection.

Vietnamese names are matched with and without diacritics (``Nguyễn`` ~ ``nguyen``,
``đ`` ~ ``d``) and in any word order; Chinese names have no spaces, so each Han
character is a token of its own.
"""

import unicodedata

# Characters that decompose to no base letter under NFD but must still fold.
_SPECIAL_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss"})

# Marks a search key made of two tokens ("+nguyen hoa"), so a prefix range over
# single tokens ("hoa...") never runs into pair keys.
PAIR = "+"
KEY_MAX = 100

# Allowed in a name besides letters and combining marks.
_NAME_PUNCTUATION = set(" .'-’")


def is_han(ch: str) -> bool:
    """True for a CJK ideograph (the characters of Chinese names)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2EBEF
        or 0xF900 <= cp <= 0xFAFF
    )


def normalise_name(value: str) -> str:
    """NFC, single spaces, stripped: the form a name is stored in."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def lower_exact(value: str) -> str:
    """Lower-case, diacritics kept: for 'exact' comparisons."""
    return normalise_name(value).lower()


def fold(value: str) -> str:
    """Lower-case with diacritics removed (``Đặng Thị Hoà`` -> ``dang thi hoa``)."""
    value = unicodedata.normalize("NFD", value.translate(_SPECIAL_FOLDS))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", value).lower().translate(_SPECIAL_FOLDS).split())


def tokens(value: str) -> list[str]:
    """Split an already folded or lowered string into name tokens.

    Words are split on spaces and punctuation; Han characters stand alone, so
    ``王秀英`` gives ``["王", "秀", "英"]`` and a two-character query still finds it.
    """
    out: list[str] = []
    word: list[str] = []
    for ch in value:
        if is_han(ch):
            if word:
                out.append("".join(word))
                word = []
            out.append(ch)
        elif ch.isalnum() or unicodedata.combining(ch):
            word.append(ch)
        else:
            if word:
                out.append("".join(word))
                word = []
    if word:
        out.append("".join(word))
    return out


def sorted_key(value_tokens: list[str]) -> str:
    """Order-free key of a name: its tokens sorted and joined by spaces."""
    return " ".join(sorted(value_tokens))


def name_problems(value: str) -> str | None:
    """Return why a string cannot be a person's name, or None if it can.

    Letters of any script, combining marks, spaces and . ' - are allowed; markup,
    digits and control characters are not (they are typing slips or injection).
    """
    for ch in value:
        if ch in _NAME_PUNCTUATION:
            continue
        category = unicodedata.category(ch)
        if category[0] in ("L", "M"):
            continue
        return ch
    return None


def search_keys(name_tokens: list[str]) -> list[str]:
    """The keys a name is found by: each token and each ordered pair of tokens."""
    unique = list(dict.fromkeys(name_tokens))[:8]
    keys = [t[:KEY_MAX] for t in unique]
    keys += [f"{PAIR}{a} {b}"[:KEY_MAX] for a in unique for b in unique if a != b]
    return list(dict.fromkeys(keys))
