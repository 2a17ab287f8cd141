"""Small text filters for templates."""

import unicodedata

from django import template

register = template.Library()


@register.filter
def nfc(value) -> str:
    """Composed Unicode: Django's Vietnamese name_local is decomposed (NFD), which some
    fonts and screen readers show as separate accents."""
    return unicodedata.normalize("NFC", str(value))


@register.filter
def tier_label(code) -> str:
    """A tier's name ("bronze" -> "Đồng"); no tier yet reads as a dash, never a code."""
    from spa.clients.models import Tier

    return str(dict(Tier.choices).get(code, "—"))
