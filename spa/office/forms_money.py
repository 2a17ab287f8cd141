"""Forms of the money and loyalty settings: amounts typed in the currency's main unit
(đồng, yuan, dollars) and stored in its minor unit; tiers as one row each."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import SpaSettings
from spa.clients.forms import DATE_WIDGET
from spa.clients.models import Tier
from spa.core.money import CURRENCIES, current_currency
from spa.sales.models import LoyaltyProgram, RewardKind, Voucher

TIERS = [Tier.BRONZE, Tier.SILVER, Tier.GOLD, Tier.DIAMOND]
# Mã số thuế: 10 digits, or 10 digits, a hyphen and 3 digits (a branch's own code).
TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


def validate_tax_code(value: str) -> None:
    if value and not TAX_CODE.match(value):
        raise ValidationError(
            _("A tax code is 10 digits, or 10 digits, a hyphen and 3 digits (0101234567-001)."),
            code="tax_code",
        )


class MoneyField(forms.DecimalField):
    """An amount typed in the main unit, cleaned to an integer in the minor unit."""

    def __init__(self, *, currency: str, **kwargs):
        self.minor = CURRENCIES[currency][0]
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 15)
        super().__init__(decimal_places=0 if self.minor == 1 else 2, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal" if self.minor > 1 else "numeric")

    def to_python(self, value):
        if isinstance(value, str):
            # "1.500.000" or "1 500 000" as people type them in đồng.
            value = value.strip().replace(" ", "")
            if self.minor == 1:
                value = value.replace(".", "").replace(",", "")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value) / self.minor if self.minor > 1 else value
        return value

    def clean(self, value):
        amount = super().clean(value)
        if amount is None:
            return None
        try:
            return int((amount * self.minor).to_integral_value())
        except InvalidOperation:
            raise ValidationError(_("Enter an amount."), code="invalid") from None


class LoyaltyForm(forms.Form):
    """The loyalty programme: points, their value and life, tiers, referral reward."""

    points_valid_days = forms.IntegerField(
        label=_("Points expire after (days)"), min_value=1, max_value=3650
    )
    tier_window_days = forms.IntegerField(
        label=_("Tier: spend counted over the last (days)"), min_value=1, max_value=3650
    )
    referral_reward_kind = forms.ChoiceField(
        label=_("Referrer's reward"), choices=RewardKind.choices
    )
    referral_reward_amount = forms.IntegerField(
        label=_("Reward (points, or amount)"),
        min_value=0,
        max_value=2_000_000_000,
        help_text=_("Points for a points reward; an amount for credit or commission."),
    )

    def __init__(self, *args, program: LoyaltyProgram, **kwargs):
        initial = {
            name: getattr(program, name)
            for name in (
                "service_amount_per_point", "product_amount_per_point", "point_value",
                "points_valid_days", "tier_window_days", "referral_reward_kind",
                "referral_reward_amount",
            )
        }  # fmt: skip
        for tier in TIERS:
            initial[f"discount_{tier}"] = int(program.tier_discounts.get(tier, 0))
            if tier != Tier.BRONZE:
                initial[f"threshold_{tier}"] = int(program.tier_thresholds.get(tier, 0))
        super().__init__(*args, initial=initial, **kwargs)
        currency = current_currency()
        money = {
            "service_amount_per_point": _("Services: amount spent for 1 point"),
            "product_amount_per_point": _("Products: amount spent for 1 point"),
            "point_value": _("Value of 1 point when redeemed"),
        }
        fields = {
            name: MoneyField(label=label, min_value=1, currency=currency)
            for name, label in money.items()
        }
        self.fields = {**fields, **self.fields}
        for tier in TIERS:
            if tier != Tier.BRONZE:
                self.fields[f"threshold_{tier}"] = MoneyField(
                    label=_("%(tier)s: spend from") % {"tier": tier.label},
                    min_value=1,
                    currency=currency,
                )
            self.fields[f"discount_{tier}"] = forms.IntegerField(
                label=_("%(tier)s: discount (%%)") % {"tier": tier.label},
                min_value=0,
                max_value=100,
            )

    def tier_rows(self):
        """[(tier label, threshold field or None, discount field)] for the table."""
        return [
            (tier.label, self[f"threshold_{tier}"] if tier != Tier.BRONZE else None,
             self[f"discount_{tier}"])
            for tier in TIERS
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        previous, previous_label = 0, None
        for tier in TIERS[1:]:
            value = data.get(f"threshold_{tier}")
            if value is None:
                return data
            if value <= previous:
                self.add_error(
                    f"threshold_{tier}",
                    _("%(tier)s must start at a higher spend than %(lower)s.")
                    % {"tier": tier.label, "lower": previous_label},
                )
            previous, previous_label = value, tier.label
        return data

    def values(self) -> dict:
        """The programme's fields as stored."""
        data = self.cleaned_data
        return {
            "service_amount_per_point": data["service_amount_per_point"],
            "product_amount_per_point": data["product_amount_per_point"],
            "point_value": data["point_value"],
            "points_valid_days": data["points_valid_days"],
            "tier_window_days": data["tier_window_days"],
            "referral_reward_kind": data["referral_reward_kind"],
            "referral_reward_amount": data["referral_reward_amount"],
            "tier_thresholds": {t.value: data[f"threshold_{t}"] for t in TIERS[1:]},
            "tier_discounts": {t.value: data[f"discount_{t}"] for t in TIERS},
        }


class VoucherForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = ["code", "percent", "amount", "valid_until", "max_uses"]
        widgets = {"valid_until": DATE_WIDGET}
        help_texts = {
            "code": _("What the client says at the desk, e.g. KHACHMOI."),
            "valid_until": _("Empty: never expires."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"] = MoneyField(
            label=_("Discount amount"), required=False, currency=current_currency()
        )
        self.fields["percent"].max_value = 100
        self.fields["percent"].widget.attrs["max"] = 100
        self.fields["max_uses"].min_value = 1
        self.fields["max_uses"].widget.attrs["min"] = 1

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not re.fullmatch(r"[A-Z0-9_-]+", code):
            raise ValidationError(_("Use letters without accents, digits, - or _ only."))
        # The desk types codes in any case: KhachMoi is KHACHMOI.
        if Voucher.objects.filter(code__iexact=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A voucher with this code already exists."))
        return code

    def clean_percent(self):
        percent = self.cleaned_data["percent"]
        if percent is not None and not 0 <= percent <= 100:
            raise ValidationError(_("A discount is between 0 and 100%."))
        return percent

    def clean_amount(self):
        return self.cleaned_data.get("amount") or 0

    def clean_max_uses(self):
        uses = self.cleaned_data["max_uses"]
        if self.instance.pk and uses is not None and uses < self.instance.used:
            raise ValidationError(
                _("Already used %(n)s times: allow at least that many.") % {"n": self.instance.used}
            )
        return uses

    def clean(self):
        data = super().clean()
        if not data.get("percent") and not data.get("amount") and not self.errors:
            raise ValidationError(_("Give a discount: a percentage, an amount, or both."))
        until = data.get("valid_until")
        if until and not self.instance.pk and until < timezone.localdate():
            self.add_error("valid_until", _("This date has passed."))
        return data


class InvoiceHeaderForm(forms.ModelForm):
    class Meta:
        model = SpaSettings
        fields = ["invoice_legal_name", "invoice_tax_code", "invoice_address", "invoice_phone"]
        help_texts = {
            "invoice_legal_name": _("As registered, e.g. CÔNG TY TNHH SPA HOA SEN."),
            "invoice_tax_code": _("Mã số thuế: 10 digits, or 10 digits-3 digits."),
        }

    def clean_invoice_tax_code(self):
        value = self.cleaned_data["invoice_tax_code"].strip().replace(" ", "")
        validate_tax_code(value)
        return value

    def clean_invoice_phone(self):
        from spa.clients.forms import validate_phone

        value = self.cleaned_data["invoice_phone"].strip()
        if value:
            validate_phone(value)
        return value


class CurrencyForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = {"VND": _("Vietnamese đồng (₫)"), "CNY": _("Chinese yuan (¥)"),
                 "USD": _("US dollar ($)")}  # fmt: skip
        self.fields["currency"].choices = [(code, names.get(code, code)) for code in CURRENCIES]
