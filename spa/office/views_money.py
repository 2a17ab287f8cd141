"""Settings → Money and loyalty: the loyalty programme with its tiers, the receipt
header and the currency, and deactivating a voucher (the voucher list and form are a
section, spa/office/sections/money.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from spa.accounts.models import SpaSettings
from spa.core import access
from spa.office.forms_money import CurrencyForm, InvoiceHeaderForm, LoyaltyForm
from spa.office.services_money import (
    SettingRefused,
    currency_change,
    currency_may_change,
    invoice_header_update,
    loyalty_update,
    voucher_deactivate,
)
from spa.sales.models import LoyaltyProgram, Voucher


def _require_owner(request: HttpRequest) -> None:
    if not access.can_manage_money_settings(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def loyalty(request: HttpRequest) -> HttpResponse:
    _require_owner(request)
    program = LoyaltyProgram.current()
    form = LoyaltyForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        loyalty_update(actor=request.user, values=form.values())
        messages.success(request, _("Saved."))
        return redirect("office:money_loyalty")
    return render(request, "office/money/loyalty.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def invoice_header(request: HttpRequest) -> HttpResponse:
    """The receipt header, and the currency (changeable until the first invoice)."""
    _require_owner(request)
    spa = SpaSettings.current()
    header = InvoiceHeaderForm(instance=spa)
    currency = CurrencyForm(initial={"currency": spa.currency})
    if request.method == "POST" and request.POST.get("part") == "currency":
        currency = CurrencyForm(request.POST)
        if currency.is_valid():
            try:
                currency_change(actor=request.user, currency=currency.cleaned_data["currency"])
            except SettingRefused as refused:
                currency.add_error("currency", refused.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("office:money_invoice")
    elif request.method == "POST":
        # A bound ModelForm writes into its instance as it validates: bind a copy.
        header = InvoiceHeaderForm(request.POST, instance=SpaSettings.objects.get(pk=spa.pk))
        if header.is_valid():
            invoice_header_update(actor=request.user, values={
                name: header.cleaned_data[name] for name in InvoiceHeaderForm.Meta.fields
            })  # fmt: skip
            messages.success(request, _("Saved."))
            return redirect("office:money_invoice")
    locked = not currency_may_change()
    currency.fields["currency"].disabled = locked
    return render(request, "office/money/invoice.html", {
        "header": header, "currency": currency, "currency_locked": locked,
        "spa": spa,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def voucher_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then deactivate one voucher (it expires yesterday)."""
    _require_owner(request)
    voucher = Voucher.objects.filter(pk=pk).first()
    if voucher is None:
        raise Http404
    if request.method == "POST":
        voucher_deactivate(actor=request.user, voucher_id=voucher.pk)
        messages.success(request, _("Deactivated."))
        return redirect("office:section", slug="vouchers")
    expired = voucher.valid_until is not None and voucher.valid_until < timezone.localdate()
    return render(
        request, "office/money/voucher_stop.html", {"voucher": voucher, "expired": expired}
    )
