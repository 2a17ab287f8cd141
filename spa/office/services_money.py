"""Writes of the money and loyalty settings. Each change is one transaction with its
entry in the settings history (spa.office.audit)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.accounts.models import SpaSettings
from spa.core.money import CURRENCIES, forget_current_currency
from spa.office.audit import record_settings_change, snapshot
from spa.sales.models import Invoice, LoyaltyProgram, Voucher


class SettingRefused(Exception):
    """A change the rules do not allow; `message` says why in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _spa_locked() -> SpaSettings:
    SpaSettings.current()
    return SpaSettings.objects.select_for_update().get(pk=1)


def loyalty_update(*, actor, values: dict) -> LoyaltyProgram:
    """Set the loyalty programme's rules (points, tiers, referral reward)."""
    with transaction.atomic():
        LoyaltyProgram.current()
        program = LoyaltyProgram.objects.select_for_update().get(pk=1)
        before = snapshot(program)
        for name, value in values.items():
            setattr(program, name, value)
        program.save()
        record_settings_change(actor=actor, obj=program, before=before)
    return program


def invoice_header_update(*, actor, values: dict) -> SpaSettings:
    """Set what every receipt prints at its top (legal name, tax code, address, phone)."""
    with transaction.atomic():
        spa = _spa_locked()
        before = snapshot(spa, fields=list(values))
        for name, value in values.items():
            setattr(spa, name, value)
        spa.save(update_fields=list(values))
        record_settings_change(
            actor=actor, obj=spa, before=before, after=snapshot(spa, fields=list(values))
        )
    return spa


def currency_may_change() -> bool:
    return not Invoice.objects.exists()


def currency_change(*, actor, currency: str) -> SpaSettings:
    """Change the spa's currency: only while no invoice exists, since every amount is
    stored in the currency's minor unit (1 ₫, 1 cent) and would change its meaning."""
    if currency not in CURRENCIES:
        raise SettingRefused(_("Choose a currency from the list."))
    with transaction.atomic():
        spa = _spa_locked()
        if spa.currency == currency:
            return spa
        if not currency_may_change():
            raise SettingRefused(
                _(
                    "The currency cannot change any more: invoices have been issued, and "
                    "their amounts are stored in %(currency)s."
                )
                % {"currency": spa.currency}
            )
        before = snapshot(spa, fields=["currency"])
        spa.currency = currency
        spa.save(update_fields=["currency"])
        record_settings_change(
            actor=actor, obj=spa, before=before, after=snapshot(spa, fields=["currency"])
        )
    forget_current_currency()
    return spa


def voucher_deactivate(*, actor, voucher_id: int) -> Voucher:
    """Stop a voucher from being accepted: it expires yesterday. Its code, uses and
    history stay; giving it a new date later brings it back."""
    yesterday = timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        voucher = Voucher.objects.select_for_update().get(pk=voucher_id)
        if voucher.valid_until is not None and voucher.valid_until <= yesterday:
            return voucher
        before = snapshot(voucher)
        voucher.valid_until = yesterday
        voucher.save(update_fields=["valid_until"])
        record_settings_change(actor=actor, obj=voucher, before=before)
    return voucher
