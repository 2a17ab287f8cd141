from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.catalog.models import Product, ProductKind, Service
from spa.clients.forms import DATE_WIDGET
from spa.core.forms import IdChoiceField, IdMultipleChoiceField
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
    product = IdChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True, kind=ProductKind.RETAIL),
        required=False,
    )
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1, max_value=1000)
    discount = amount_field(_("Discount"))
    free_reason = forms.CharField(
        label=_("Why free (if its price is 0)"), required=False, max_length=100
    )


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


class PackageSaleForm(forms.Form):
    """Sell a course card; what is paid now goes on its invoice with its method."""

    name = forms.CharField(label=_("Name"), max_length=120)
    services = IdMultipleChoiceField(
        label=_("Services"), queryset=Service.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    total_sessions = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=200)
    price = amount_field(_("Price"), required=True)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE_WIDGET)
    paid_now = amount_field(_("Paid now"))
    method = forms.ChoiceField(
        label=_("Paid by"), choices=[("", "—"), *MONEY_METHODS], required=False
    )

    def clean(self):
        data = super().clean()
        paid = data.get("paid_now") or 0
        if data.get("price") is not None and paid > data["price"]:
            self.add_error("paid_now", _("More than the price."))
        if paid and not data.get("method"):
            self.add_error("method", _("How was it paid?"))
        if data.get("expires_on") and data["expires_on"] < timezone.localdate():
            self.add_error("expires_on", _("The expiry date is in the past."))
        return data
