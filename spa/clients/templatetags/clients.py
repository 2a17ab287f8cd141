from django import template

from spa.core.phone import mask_phone

register = template.Library()


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value) if value else ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
