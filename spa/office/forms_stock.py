"""Forms of the stock pages: every change becomes a movement in the ledger."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.catalog.models import Product
from spa.core import access
from spa.core.forms import IdChoiceField

MAX_QUANTITY = Decimal("1000000000")


def quantity_field(label, *, required=True, low=Decimal("0.001")):
    return forms.DecimalField(
        label=label, required=required, min_value=low, max_value=MAX_QUANTITY,
        max_digits=14, decimal_places=3, localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )  # fmt: skip


class StockForm(forms.Form):
    """Product and branch (the branches `user` may change)."""

    product = IdChoiceField(label=_("Product"), queryset=Product.objects.filter(is_active=True))
    branch = IdChoiceField(label=_("Branch"), queryset=Branch.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["product"].empty_label = "—"
        self.fields["branch"].queryset = own_branches(user)
        if len(self.fields["branch"].queryset) == 1:
            self.fields["branch"].empty_label = None


def own_branches(user):
    branches = Branch.objects.filter(is_active=True).order_by("name")
    ids = access.stock_branch_ids(user)
    return branches if ids is None else branches.filter(pk__in=ids)


class ReceiveForm(StockForm):
    quantity = quantity_field(_("Quantity received"))
    batch = forms.CharField(label=_("Batch"), max_length=40, required=False)


class CountForm(StockForm):
    counted = quantity_field(_("Quantity counted"), low=Decimal(0))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ThresholdForm(StockForm):
    low_at = quantity_field(_("Low-stock threshold"), required=False, low=Decimal(0))


class MoveForm(StockForm):
    to_branch = IdChoiceField(
        label=_("To branch"), queryset=Branch.objects.filter(is_active=True).order_by("name")
    )
    quantity = quantity_field(_("Quantity"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].label = _("From branch")
        self.fields["to_branch"].empty_label = "—"

    def clean(self):
        data = super().clean()
        if data.get("branch") and data.get("branch") == data.get("to_branch"):
            self.add_error("to_branch", _("Choose two different branches."))
        return data
