from django import forms
from django.utils.translation import gettext_lazy as _

from spa.catalog.models import Product
from spa.sales.models import MONEY_IN, Method

MONEY_METHODS = [(m, label) for m, label in Method.choices if m in MONEY_IN]


def amount_field(label, required=False):
    return forms.IntegerField(label=label, required=required, min_value=0, max_value=10**12,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1000}))  # fmt: skip


class CheckoutForm(forms.Form):
    """The payment half of checkout; the lines come from the page's checkboxes and rows."""

    discount_percent = forms.IntegerField(
        label=_("Discount %"), required=False, min_value=0, max_value=100
    )
    discount_amount = amount_field(_("Discount amount"))
    voucher_code = forms.CharField(label=_("Voucher"), required=False, max_length=30)
    points = forms.IntegerField(label=_("Points to redeem"), required=False, min_value=0)
    cash = amount_field(_("Cash"))
    card = amount_field(_("Card"))
    transfer = amount_field(_("Bank transfer"))
    ewallet = amount_field(_("E-wallet"))
    prepaid = amount_field(_("From prepaid balance"))
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class ProductSaleForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), required=False
    )
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1, max_value=1000)
    discount = amount_field(_("Discount"))


ProductSaleFormSet = forms.formset_factory(ProductSaleForm, extra=2, max_num=20)


class MoneyForm(forms.Form):
    amount = amount_field(_("Amount"), required=True)
    method = forms.ChoiceField(label=_("Method"), choices=MONEY_METHODS)


class TopUpForm(MoneyForm):
    bonus = amount_field(_("Bonus"))


class DebtPaymentForm(forms.Form):
    amount = amount_field(_("Amount"), required=True)
    method = forms.ChoiceField(
        label=_("Method"), choices=[*MONEY_METHODS, (Method.PREPAID, Method.PREPAID.label)]
    )


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
    refund_method = forms.ChoiceField(label=_("Pay back by"), choices=MONEY_METHODS)
