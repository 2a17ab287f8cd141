from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.catalog.models import PackageTemplate, Product, ProductKind, Service
from spa.clients.forms import DATE_WIDGET
from spa.core.forms import IdChoiceField, IdMultipleChoiceField
from spa.core.params import param_id
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
    """Sell a course card; what is paid now goes on its invoice with its method.

    With a card of the price list chosen (`template`), its name, services, sessions,
    price and expiry are shown but not editable: the fields are disabled, so whatever is
    posted for them is ignored and the template's values are used (a tampered price has
    no effect). Only the payment is typed. Without a template it is a custom package."""

    TEMPLATE_FIELDS = ("name", "services", "total_sessions", "price", "expires_on")

    template = IdChoiceField(
        label=_("Package card"), queryset=PackageTemplate.objects.filter(is_active=True),
        required=False, widget=forms.HiddenInput,
    )  # fmt: skip
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_template = self._chosen_template()
        if self.chosen_template is not None:
            t = self.chosen_template
            values = {
                "name": t.name, "services": [s.pk for s in t.services.all()],
                "total_sessions": t.total_sessions, "price": t.price,
                "expires_on": t.expiry_from(timezone.localdate()),
            }  # fmt: skip
            for name, value in values.items():
                self.fields[name].disabled = True
                self.initial[name] = value

    def _chosen_template(self):
        raw = self.data.get("template") if self.is_bound else self.initial.get("template")
        pk = param_id(raw)
        if pk is None:
            return None
        return self.fields["template"].queryset.filter(pk=pk).prefetch_related("services").first()

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
