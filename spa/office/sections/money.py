"""Money and loyalty settings: the loyalty programme, vouchers, the receipt header
and the currency (the owner only)."""

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.core import access
from spa.core.money import format_money
from spa.office.forms_money import VoucherForm
from spa.office.sections import Section, link, register
from spa.sales.models import Voucher


def _discount(voucher: Voucher) -> str:
    parts = []
    if voucher.percent:
        parts.append(f"{voucher.percent}%")
    if voucher.amount:
        parts.append(format_money(voucher.amount))
    return " + ".join(parts)


def _state(voucher: Voucher) -> str:
    if voucher.valid_until is not None and voucher.valid_until < timezone.localdate():
        return str(_("Expired or deactivated"))
    if voucher.used >= voucher.max_uses:
        return str(_("Used up"))
    return str(_("Accepted"))


link(slug="loyalty", group="money", order=10, title=_("Loyalty programme"),
     url_name="office:money_loyalty", allowed=access.can_manage_money_settings,
     help=_("Points, their value, tiers with their discounts, the referral reward."))  # fmt: skip
link(slug="receipts", group="money", order=30, title=_("Receipts and currency"),
     url_name="office:money_invoice", allowed=access.can_manage_money_settings,
     help=_("The legal name, tax code and address printed on receipts."))  # fmt: skip
register(Section(
    slug="vouchers", group="money", order=20, title=_("Vouchers"), model=Voucher,
    form_class=VoucherForm,
    columns=[
        (_("Code"), lambda v: v.code), (_("Discount"), _discount),
        (_("Valid until"), lambda v: v.valid_until.strftime("%d/%m/%Y") if v.valid_until else ""),
        (_("Used"), lambda v: f"{v.used} / {v.max_uses}"), (_("State"), _state),
    ],
    allowed=access.can_manage_money_settings,
    queryset=lambda user: Voucher.objects.order_by(
        F("valid_until").desc(nulls_first=True), "code"
    ),
    deactivate_field=None,
    row_links=[(_("Deactivate"), lambda v: reverse("office:money_voucher_stop", args=[v.pk]))],
    help=_("A deactivated voucher expires yesterday: the desk can no longer use it, its uses "
           "stay in the history. Give it a new date to bring it back."),
))  # fmt: skip
