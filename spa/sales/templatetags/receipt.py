from django import template

from spa.accounts.models import SpaSettings

register = template.Library()


@register.simple_tag
def receipt_header():
    """The spa's legal details printed on receipts (Settings → Receipts and currency)."""
    spa = SpaSettings.objects.filter(pk=1).first()
    if spa is None or not (spa.invoice_legal_name or spa.invoice_tax_code or spa.invoice_address):
        return None
    return spa
