"""Writes of money: checkout, payments, prepaid, debts, deposits, points, tiers, referrals.
Each runs in one transaction and writes its audit entry."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.catalog.models import MovementReason, ProductKind
from spa.catalog.services import stock_move
from spa.clients.models import Client, Tier
from spa.core.money import format_money
from spa.reports.marks import clients_touch, day_touch
from spa.sales.ledger import InsufficientBalance, ledger_post
from spa.sales.models import (
    MONEY_IN,
    Account,
    Billed,
    Deposit,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    LedgerEntry,
    LineKind,
    LoyaltyProgram,
    Method,
    Payment,
    PaymentPurpose,
    ReferralReward,
    RewardKind,
    TierChange,
    Voucher,
)
from spa.treatments.models import PackageStatus, TreatmentPackage

TIER_ORDER = [Tier.BRONZE, Tier.SILVER, Tier.GOLD, Tier.DIAMOND]


class CheckoutError(Exception):
    """Something the receptionist must correct; nothing was saved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Line:
    kind: str
    description: str
    unit_price: int
    quantity: int = 1
    discount: int = 0
    service: object = None
    product: object = None
    package: object = None
    session: object = None
    free_reason: str = ""  # a product at 0 is sold only with the reason it is free

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price - self.discount


@dataclass
class Checkout:
    client: Client
    branch: object
    lines: list[Line]
    discount_amount: int = 0
    discount_percent: int = 0
    voucher_code: str = ""
    points: int = 0
    payments: dict[str, int] = field(default_factory=dict)  # cash/card/transfer/ewallet
    prepaid: int = 0
    deposit_ids: list[int] = field(default_factory=list)
    note: str = ""


def _next_number(branch) -> int:
    InvoiceSequence.objects.get_or_create(branch=branch)
    sequence = InvoiceSequence.objects.select_for_update().get(branch=branch)
    number = sequence.next_number
    InvoiceSequence.objects.filter(pk=sequence.pk).update(next_number=F("next_number") + 1)
    return number


def _percent(amount: int, percent: int) -> int:
    return int((Decimal(amount) * Decimal(percent) / 100).to_integral_value())


@dataclass
class Quote:
    """The figures of a checkout, step by step, before anything is saved. The invoice is
    issued from exactly these figures (checkout_issue calls checkout_quote)."""

    subtotal: int  # lines at their unit price
    line_discounts: int
    percent: int
    percent_discount: int
    tier: str
    tier_percent: int
    tier_discount: int
    amount_discount: int
    voucher: Voucher | None
    voucher_discount: int
    points: int  # whole points redeemed (rounded up)
    points_value: int
    total: int
    deposits: int
    paid: int
    retail_lines: list = field(default_factory=list)

    @property
    def discount_total(self) -> int:
        return self.subtotal - self.total

    @property
    def due(self) -> int:
        """What is not paid now: it becomes the client's debt."""
        return self.total - self.paid


def _check_lines(lines: list[Line]) -> None:
    if not lines:
        raise CheckoutError(_("Add at least one line."))
    for line in lines:
        if (
            line.quantity < 1
            or line.unit_price < 0
            or not (0 <= line.discount <= line.quantity * line.unit_price)
        ):
            raise CheckoutError(_("A line has an impossible quantity, price or discount."))
        # Back-bar products are used up in treatments (the session's stock movement),
        # never sold to the client.
        product = line.product if line.kind == LineKind.PRODUCT else None
        if product is not None and product.kind != ProductKind.RETAIL:
            raise CheckoutError(
                _("%(name)s is a back-bar product used in treatments: it cannot be sold.")
                % {"name": line.description}
            )
        if line.kind == LineKind.PRODUCT and line.unit_price == 0 and not line.free_reason.strip():
            raise CheckoutError(
                _("%(name)s has no price: set its price in the catalogue, or say why it is free.")
                % {"name": line.description}
            )


def _voucher_for(code: str, client: Client | None = None) -> Voucher:
    voucher = Voucher.objects.filter(code__iexact=code.strip()).first()
    today = timezone.localdate()
    if voucher is None or (voucher.valid_until and voucher.valid_until < today):
        raise CheckoutError(_("This voucher does not exist or has expired."))
    # A campaign's voucher was made for one client (merged copies of them count as them).
    if voucher.client_id and client is not None and voucher.client_id != client.pk:
        merged = Client.objects.filter(pk=voucher.client_id, merged_into_id=client.pk).exists()
        if not merged:
            raise CheckoutError(
                _("This voucher was given to another client and only they can use it.")
            )
    if voucher.used >= voucher.max_uses:
        raise CheckoutError(_("This voucher has been used up."))
    return voucher


def checkout_quote(*, data: Checkout, client: Client | None = None, program=None) -> Quote:
    """The checkout's figures (discounts in order: lines, invoice %, tier, amount,
    voucher, points; then payments) without saving anything. Raises CheckoutError for
    what the receptionist must correct. checkout_issue issues exactly this."""
    _check_lines(data.lines)
    if any(amount < 0 for amount in data.payments.values()) or data.prepaid < 0 or data.points < 0:
        raise CheckoutError(_("Amounts cannot be negative."))
    if any(method not in MONEY_IN for method in data.payments):
        raise CheckoutError(_("Unknown payment method."))
    program = program or LoyaltyProgram.current()
    client = client or data.client
    subtotal = sum(line.quantity * line.unit_price for line in data.lines)
    remaining = sum(line.amount for line in data.lines)
    line_discounts = subtotal - remaining
    percent = int(data.discount_percent or 0)
    percent_cut = _percent(remaining, percent)
    remaining -= percent_cut
    tier_percent = int(program.tier_discounts.get(client.tier, 0))
    tier_cut = _percent(remaining, tier_percent)
    remaining -= tier_cut
    amount_cut = min(remaining, data.discount_amount)
    remaining -= amount_cut
    voucher, voucher_cut = None, 0
    if data.voucher_code.strip():
        voucher = _voucher_for(data.voucher_code, client)
        voucher_cut = min(remaining, _percent(remaining, voucher.percent) + voucher.amount)
        remaining -= voucher_cut
    points, points_value = 0, 0
    if data.points:
        points_value = min(remaining, data.points * program.point_value)
        points = -(-points_value // program.point_value)  # whole points, rounded up
        remaining -= points_value
    deposits = _deposits_value(client, data.deposit_ids)
    paid = sum(data.payments.values()) + data.prepaid + deposits
    if paid > remaining:
        raise CheckoutError(_("More is paid than the total."))
    return Quote(
        subtotal=subtotal, line_discounts=line_discounts, percent=percent, percent_discount=percent_cut,
        tier=client.tier, tier_percent=tier_percent, tier_discount=tier_cut, amount_discount=amount_cut,
        voucher=voucher, voucher_discount=voucher_cut, points=points, points_value=points_value,
        total=remaining, deposits=deposits, paid=paid,
        retail_lines=[line for line in data.lines if line.kind == LineKind.PRODUCT],
    )  # fmt: skip


def checkout_issue(*, actor, data: Checkout) -> Invoice:
    """Turn a visit into an issued invoice: lines, discounts (line, invoice %, tier,
    voucher, points), payments in parts, the unpaid rest as debt, points earned, tier
    and referral reward. All or nothing. The figures are checkout_quote's."""
    program = LoyaltyProgram.current()
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=data.client.pk)
        quote = checkout_quote(data=data, client=client, program=program)
        if quote.voucher is not None and not Voucher.objects.filter(
            pk=quote.voucher.pk, used__lt=F("max_uses")
        ).update(used=F("used") + 1):
            raise CheckoutError(_("This voucher has been used up."))
        if quote.points:
            _debit(client, Account.POINTS, quote.points, "redeemed", actor)
        total, paid = quote.total, quote.paid
        number = _next_number(data.branch)
        invoice = Invoice.objects.create(
            branch=data.branch, number=number, client=client, issued_by=actor, subtotal=quote.subtotal,
            discount_total=quote.discount_total, total=total, paid_at_issue=paid, debt_created=quote.due,
            note=data.note[:255],
        )  # fmt: skip
        _write_lines(invoice, data, actor)
        day_touch(branch_id=data.branch.pk, when=invoice.issued_at, sessions=False)
        _claim_billables(invoice, data)
        for method, amount in data.payments.items():
            if amount:
                Payment.objects.create(client=client, branch=data.branch, invoice=invoice,
                                       purpose=PaymentPurpose.INVOICE, method=method, amount=amount, by=actor)  # fmt: skip
        if data.prepaid:
            payment = Payment.objects.create(client=client, branch=data.branch, invoice=invoice,
                                             purpose=PaymentPurpose.INVOICE, method=Method.PREPAID,
                                             amount=data.prepaid, by=actor)  # fmt: skip
            _debit(
                client,
                Account.PREPAID,
                data.prepaid,
                "spent",
                actor,
                invoice=invoice,
                payment=payment,
            )
        _apply_deposits(client, data, invoice, actor)
        if invoice.debt_created:
            ledger_post(client=client, account=Account.DEBT, amount=invoice.debt_created, reason="invoice",
                        by=actor, invoice=invoice)  # fmt: skip
        invoice.points_earned = _earn_points(client, invoice, data, program, actor)
        Invoice.objects.filter(pk=invoice.pk).update(points_earned=invoice.points_earned)
        tier_refresh(client=client, program=program)
        _referral_reward(client, invoice, program, actor)
        audit_record(
            actor=actor, action=Action.SALE, client_id=client.pk,
            summary=f"{invoice.code}: {total}",
            changes={"invoice": [None, {"code": invoice.code, "total": total, "paid": paid,
                                        "debt": invoice.debt_created}]},
        )  # fmt: skip
    return invoice


def package_sale(
    *,
    actor,
    client: Client,
    branch,
    name: str = "",
    services: list | None = None,
    total_sessions: int | None = None,
    price: int | None = None,
    expires_on=None,
    paid_now: int = 0,
    method: str = "",
    template=None,
) -> tuple[TreatmentPackage, Invoice | None]:
    """Sell a course card. Money paid now is a payment on an invoice issued with the
    package (the rest is the client's debt); with nothing paid, the package waits for
    the visit's checkout.

    With a `template` (a card of the price list) its name, services, sessions, price and
    validity are the sale's, whatever else is passed: the price list is the source of
    truth, and a discount is the tier's, applied below."""
    from spa.treatments.services import package_sell

    if template is not None:
        name, services, total_sessions, price = (
            template.name, list(template.services.all()), template.total_sessions, template.price
        )  # fmt: skip
        expires_on = template.expiry_from(timezone.localdate())
    if not name or not services or total_sessions is None or price is None:
        raise ValueError("a custom package needs its name, services, sessions and price")

    if paid_now < 0 or paid_now > price:
        raise CheckoutError(_("The amount paid must be between 0 and the price."))
    tier_percent = int(LoyaltyProgram.current().tier_discounts.get(client.tier, 0))
    total = price - _percent(price, tier_percent)
    if paid_now > total:
        raise CheckoutError(
            _("With the client's tier discount (%(percent)s%%) the total is %(total)s: "
              "enter at most that.") % {"percent": tier_percent, "total": format_money(total)}
        )  # fmt: skip
    if paid_now and method not in MONEY_IN:
        raise CheckoutError(_("Enter the amount paid and how."))
    with transaction.atomic():
        package = package_sell(
            actor=actor, client=client, branch=branch, name=name, services=services,
            total_sessions=total_sessions, price=price, expires_on=expires_on, template=template,
        )  # fmt: skip
        invoice = None
        if paid_now:
            line = Line(kind=LineKind.PACKAGE, description=name, unit_price=price, package=package)
            invoice = checkout_issue(actor=actor, data=Checkout(
                client=client, branch=branch, lines=[line], payments={method: paid_now}))  # fmt: skip
    return package, invoice


def _debit(client, account, amount, reason, actor, **links):
    try:
        ledger_post(
            client=client, account=account, amount=-amount, reason=reason, by=actor, **links
        )
    except InsufficientBalance as short:
        names = {Account.PREPAID: _("prepaid balance"), Account.POINTS: _("points"), Account.DEBT: _("debt"),
                 Account.DEPOSIT: _("deposits")}  # fmt: skip
        raise CheckoutError(
            _("Not enough %(what)s: %(available)s available.")
            % {"what": names[account], "available": short.available}
        ) from None


def _deposits_value(client, deposit_ids) -> int:
    if not deposit_ids:
        return 0
    held = Deposit.objects.filter(pk__in=deposit_ids, client=client, state=Deposit.State.HELD)
    if held.count() != len(set(deposit_ids)):
        raise CheckoutError(_("A chosen deposit is no longer held."))
    return held.aggregate(s=Sum("amount"))["s"] or 0


def _apply_deposits(client, data: Checkout, invoice, actor) -> None:
    for deposit in Deposit.objects.filter(pk__in=data.deposit_ids, client=client):
        if not Deposit.objects.filter(pk=deposit.pk, state=Deposit.State.HELD).update(
            state=Deposit.State.APPLIED, settled_at=timezone.now(), settled_invoice=invoice
        ):
            raise CheckoutError(_("A chosen deposit is no longer held."))
        payment = Payment.objects.create(client=client, branch=data.branch, invoice=invoice,
                                         purpose=PaymentPurpose.INVOICE, method=Method.DEPOSIT,
                                         amount=deposit.amount, by=actor)  # fmt: skip
        ledger_post(client=client, account=Account.DEPOSIT, amount=-deposit.amount, reason="applied", by=actor,
                    invoice=invoice, payment=payment)  # fmt: skip


def _described(line: Line) -> str:
    """The line as printed; a product given free says why."""
    if line.unit_price == 0 and line.free_reason.strip():
        return _("%(item)s (free: %(reason)s)") % {
            "item": line.description,
            "reason": line.free_reason.strip(),
        }
    return line.description


def _write_lines(invoice, data: Checkout, actor) -> None:
    InvoiceLine.objects.bulk_create([
        InvoiceLine(
            invoice=invoice, kind=line.kind, service=line.service,
            description=_described(line)[:200],
            product=line.product, package=line.package, session=line.session, quantity=line.quantity,
            unit_price=line.unit_price, discount=line.discount, amount=line.amount,
        )
        for line in data.lines
    ])  # fmt: skip
    for line in data.lines:
        if line.kind == LineKind.PRODUCT and line.product is not None:
            stock_move(actor=actor, product=line.product, branch=data.branch, delta=-Decimal(line.quantity),
                       reason=MovementReason.SOLD, note=invoice.code)  # fmt: skip
        if line.kind == LineKind.PACKAGE and line.package is not None:
            # The package is sold with this invoice; what is unpaid is the client's debt.
            TreatmentPackage.objects.filter(pk=line.package.pk).update(amount_paid=F("price"))


def _claim_billables(invoice, data: Checkout) -> None:
    """Put each session and package of the invoice on it, once: the unique columns of
    Billed refuse a second live invoice for the same thing, so two checkouts that read
    the same unbilled session before either committed cannot both issue."""
    sessions = {line.session.pk for line in data.lines if line.session is not None}
    packages = {line.package.pk for line in data.lines if line.package is not None}
    rows = [Billed(invoice=invoice, session_id=pk) for pk in sorted(sessions)]
    rows += [Billed(invoice=invoice, package_id=pk) for pk in sorted(packages)]
    if not rows:
        return
    try:
        with transaction.atomic():
            Billed.objects.bulk_create(rows)
    except IntegrityError:
        raise CheckoutError(
            _(
                "Part of this visit has just been billed on another invoice. Open the checkout again."
            )
        ) from None


def _earn_points(client, invoice, data: Checkout, program, actor) -> int:
    """Points on what was actually charged, services and products at their own rate."""
    gross = sum(line.amount for line in data.lines)
    if invoice.total <= 0 or gross <= 0:
        return 0
    ratio = Decimal(invoice.total) / Decimal(gross)
    services = sum(
        line.amount for line in data.lines if line.kind in (LineKind.SERVICE, LineKind.PACKAGE)
    )
    products = sum(line.amount for line in data.lines if line.kind == LineKind.PRODUCT)
    points = int(services * ratio // program.service_amount_per_point) + int(
        products * ratio // program.product_amount_per_point
    )
    if points:
        ledger_post(client=client, account=Account.POINTS, amount=points, reason="earned", by=actor,
                    invoice=invoice, expires_at=timezone.now() + timedelta(days=program.points_valid_days))  # fmt: skip
    return points


def tier_refresh(*, client, program=None) -> str:
    """Set the client's tier from their spend over the rolling window; record changes."""
    program = program or LoyaltyProgram.current()
    since = timezone.now() - timedelta(days=program.tier_window_days)
    spend = (
        Invoice.objects.filter(client=client, issued_at__gte=since).aggregate(s=Sum("total"))["s"]
        or 0
    )
    tier = Tier.BRONZE
    for name in TIER_ORDER[1:]:
        if spend >= int(program.tier_thresholds.get(name, 10**18)):
            tier = name
    current = Client.objects.filter(pk=client.pk).values_list("tier", flat=True).get()
    if tier != current:
        Client.objects.filter(pk=client.pk).update(tier=tier)
        TierChange.objects.create(client=client, old=current, new=tier, spend=spend)
        clients_touch([client.pk])  # the segments filter on the tier
        client.tier = tier
    return tier


def _referral_reward(client, invoice, program, actor) -> None:
    """The referrer's reward, once, at the referred client's first paid invoice."""
    if not client.referrer_id or invoice.total <= 0 or invoice.paid_at_issue <= 0:
        return
    if ReferralReward.objects.filter(referred=client).exists():
        return
    referrer = Client.objects.get(pk=client.referrer_id)
    reward = ReferralReward.objects.create(referrer=referrer, referred=client, invoice=invoice,
                                           kind=program.referral_reward_kind, amount=program.referral_reward_amount)  # fmt: skip
    if reward.kind == RewardKind.POINTS:
        ledger_post(client=referrer, account=Account.POINTS, amount=reward.amount, reason="referral", by=actor,
                    expires_at=timezone.now() + timedelta(days=program.points_valid_days))  # fmt: skip
    elif reward.kind == RewardKind.CREDIT:
        ledger_post(
            client=referrer,
            account=Account.PREPAID,
            amount=reward.amount,
            reason="referral",
            by=actor,
        )
    else:
        last = ReferralReward.objects.exclude(slip_number=None).order_by("-slip_number").first()
        ReferralReward.objects.filter(pk=reward.pk).update(
            slip_number=(last.slip_number if last else 0) + 1
        )
    audit_record(actor=actor, action=Action.SALE, client_id=referrer.pk,
                 summary=_("Referral reward for referring %(name)s") % {"name": client.full_name},
                 changes={"referral_reward": [None, {"kind": reward.kind, "amount": reward.amount}]})  # fmt: skip


def prepaid_top_up(
    *, actor, client, branch, paid: int, bonus: int = 0, method: str = Method.CASH
) -> Payment:
    """Sell prepaid value: pay `paid`, get `paid + bonus` on the balance."""
    if paid <= 0 or bonus < 0 or method not in MONEY_IN:
        raise CheckoutError(_("Enter the amount paid and how."))
    with transaction.atomic():
        payment = Payment.objects.create(client=client, branch=branch, purpose=PaymentPurpose.TOP_UP,
                                         method=method, amount=paid, by=actor)  # fmt: skip
        day_touch(branch_id=branch.pk, when=payment.at, sessions=False)
        ledger_post(
            client=client,
            account=Account.PREPAID,
            amount=paid,
            reason="top_up",
            by=actor,
            payment=payment,
        )
        if bonus:
            ledger_post(
                client=client,
                account=Account.PREPAID,
                amount=bonus,
                reason="bonus",
                by=actor,
                payment=payment,
            )
        audit_record(actor=actor, action=Action.SALE, client_id=client.pk, summary=f"prepaid +{paid + bonus}",
                     changes={"prepaid_top_up": [None, {"paid": paid, "bonus": bonus, "method": method}]})  # fmt: skip
    return payment


def prepaid_refund(*, actor, client, branch, amount: int, method: str = Method.CASH) -> Payment:
    """Pay prepaid value back to the client."""
    if amount <= 0 or method not in MONEY_IN:
        raise CheckoutError(_("Enter the amount and how it is paid back."))
    with transaction.atomic():
        payment = Payment.objects.create(client=client, branch=branch, purpose=PaymentPurpose.REFUND,
                                         method=method, amount=-amount, by=actor)  # fmt: skip
        day_touch(branch_id=branch.pk, when=payment.at, sessions=False)
        _debit(client, Account.PREPAID, amount, "refund", actor, payment=payment)
        audit_record(actor=actor, action=Action.SALE, client_id=client.pk, summary=f"prepaid refund -{amount}",
                     changes={"prepaid_refund": [None, {"amount": amount, "method": method}]})  # fmt: skip
    return payment


def debt_pay(*, actor, client, branch, amount: int, method: str = Method.CASH) -> Payment:
    """The client pays off (part of) their debt."""
    if amount <= 0 or method not in (*MONEY_IN, Method.PREPAID):
        raise CheckoutError(_("Enter the amount paid and how."))
    with transaction.atomic():
        payment = Payment.objects.create(client=client, branch=branch, purpose=PaymentPurpose.DEBT,
                                         method=method, amount=amount, by=actor)  # fmt: skip
        day_touch(branch_id=branch.pk, when=payment.at, sessions=False)
        if method == Method.PREPAID:
            _debit(client, Account.PREPAID, amount, "debt_payment", actor, payment=payment)
        _debit(client, Account.DEBT, amount, "paid", actor, payment=payment)
        audit_record(actor=actor, action=Action.SALE, client_id=client.pk, summary=f"debt -{amount}",
                     changes={"debt_payment": [None, {"amount": amount, "method": method}]})  # fmt: skip
    return payment


def deposit_take(
    *, actor, client, branch, amount: int, method: str = Method.CASH, appointment=None, package=None
) -> Deposit:
    """Take a deposit (tiền cọc) against an appointment or a package."""
    if amount <= 0 or method not in MONEY_IN:
        raise CheckoutError(_("Enter the amount paid and how."))
    with transaction.atomic():
        payment = Payment.objects.create(client=client, branch=branch, purpose=PaymentPurpose.DEPOSIT,
                                         method=method, amount=amount, by=actor)  # fmt: skip
        day_touch(branch_id=branch.pk, when=payment.at, sessions=False)
        deposit = Deposit.objects.create(client=client, amount=amount, appointment=appointment, package=package,
                                         payment=payment)  # fmt: skip
        ledger_post(client=client, account=Account.DEPOSIT, amount=amount, reason="taken", by=actor,
                    payment=payment, appointment=appointment, package=package)  # fmt: skip
        audit_record(actor=actor, action=Action.SALE, client_id=client.pk, summary=f"deposit +{amount}",
                     changes={"deposit": [None, {"amount": amount, "method": method}]})  # fmt: skip
    return deposit


def deposit_forfeit(*, actor, deposit: Deposit, reason: str = "") -> Deposit:
    """Keep a deposit (the client did not come): it leaves the client's held money."""
    with transaction.atomic():
        if not Deposit.objects.filter(pk=deposit.pk, state=Deposit.State.HELD).update(
            state=Deposit.State.FORFEITED, settled_at=timezone.now()
        ):
            raise CheckoutError(_("This deposit is no longer held."))
        ledger_post(client=deposit.client, account=Account.DEPOSIT, amount=-deposit.amount, reason="forfeited",
                    by=actor, note=reason[:255])  # fmt: skip
        audit_record(actor=actor, action=Action.SALE, client_id=deposit.client_id,
                     summary=f"deposit forfeited {deposit.amount}: {reason}"[:255],
                     changes={"deposit_forfeited": [None, {"amount": deposit.amount}],
                              **({"reason": [None, reason]} if reason else {})})  # fmt: skip
    deposit.refresh_from_db()
    return deposit


def credit_note_issue(
    *, actor, invoice: Invoice, refund_method: str = Method.CASH, reason: str
) -> Invoice:
    """Reverse an invoice in full with a credit note (the invoice itself never changes):
    its debt is cancelled, what was paid goes back (prepaid to the balance, the rest by
    `refund_method`), its points are taken back, stock comes back."""
    if not reason.strip():
        raise CheckoutError(_("Give the reason for the credit note."))
    with transaction.atomic():
        original = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if (
            original.kind != InvoiceKind.INVOICE
            or Invoice.objects.filter(corrects=original).exists()
        ):
            raise CheckoutError(_("This invoice has already been corrected."))
        client = original.client
        # What the invoice billed may be billed again (on a new, correct invoice): a package
        # is back to what it was before this invoice billed it.
        Billed.objects.filter(invoice=original).delete()
        for line in original.lines.filter(kind=LineKind.PACKAGE).exclude(package=None):
            TreatmentPackage.objects.filter(pk=line.package_id).update(
                amount_paid=F("price") - line.unit_price
            )
        note = Invoice.objects.create(
            branch=original.branch, number=_next_number(original.branch), kind=InvoiceKind.CREDIT_NOTE,
            corrects=original, client=client, issued_by=actor, subtotal=-original.subtotal,
            discount_total=-original.discount_total, total=-original.total, paid_at_issue=-original.paid_at_issue,
            debt_created=-original.debt_created, points_earned=-original.points_earned, note=reason[:255],
        )  # fmt: skip
        day_touch(branch_id=original.branch_id, when=note.issued_at, sessions=False)
        for line in original.lines.all():
            InvoiceLine.objects.create(invoice=note, kind=line.kind, description=line.description, service=line.service,
                                       product=line.product, quantity=-line.quantity, unit_price=line.unit_price,
                                       discount=-line.discount, amount=-line.amount)  # fmt: skip
            if line.kind == LineKind.PRODUCT and line.product is not None:
                stock_move(actor=actor, product=line.product, branch=original.branch,
                           delta=Decimal(line.quantity), reason=MovementReason.ADJUSTED, note=note.code)  # fmt: skip
        # Undo the unpaid part first (as far as the debt is still open), then pay back.
        open_debt = min(original.debt_created, _balance(client, Account.DEBT))
        if open_debt:
            ledger_post(
                client=client,
                account=Account.DEBT,
                amount=-open_debt,
                reason="credit_note",
                by=actor,
                invoice=note,
            )
        for payment in original.payments.all():
            if payment.method == Method.PREPAID:
                ledger_post(client=client, account=Account.PREPAID, amount=payment.amount, reason="credit_note",
                            by=actor, invoice=note)  # fmt: skip
                Payment.objects.create(client=client, branch=original.branch, invoice=note, purpose=PaymentPurpose.REFUND,
                                       method=Method.PREPAID, amount=-payment.amount, by=actor)  # fmt: skip
            else:
                Payment.objects.create(client=client, branch=original.branch, invoice=note, purpose=PaymentPurpose.REFUND,
                                       method=refund_method if payment.method != Method.DEPOSIT else refund_method,
                                       amount=-payment.amount, by=actor)  # fmt: skip
        paid_debt = original.debt_created - open_debt
        if paid_debt:  # debt already paid off later: that money goes back too
            Payment.objects.create(client=client, branch=original.branch, invoice=note, purpose=PaymentPurpose.REFUND,
                                   method=refund_method, amount=-paid_debt, by=actor)  # fmt: skip
        points_back = min(original.points_earned, _balance(client, Account.POINTS))
        if points_back:
            ledger_post(client=client, account=Account.POINTS, amount=-points_back, reason="credit_note", by=actor,
                        invoice=note)  # fmt: skip
        tier_refresh(client=client)
        audit_record(actor=actor, action=Action.SALE, client_id=client.pk, summary=f"{note.code} ← {original.code}: {reason}"[:255],
                     changes={"credit_note": [None, {"code": note.code, "total": note.total}]})  # fmt: skip
    return note


def _balance(client, account) -> int:
    from spa.sales.ledger import balance_of

    return balance_of(client, account)


def points_expire(*, now=None) -> int:
    """Expire points past their date, oldest first: whatever of the expired earnings was
    not already used (redeemed or expired) leaves the balance. Safe to run any time."""
    now = now or timezone.now()
    expired_total = 0
    clients = (
        LedgerEntry.objects.filter(account=Account.POINTS, amount__gt=0, expires_at__lte=now)
        .values_list("client_id", flat=True)
        .distinct()
    )
    for client_id in clients:
        with transaction.atomic():
            client = Client.objects.select_for_update().get(pk=client_id)
            entries = LedgerEntry.objects.filter(client=client, account=Account.POINTS)
            earned_expired = (
                entries.filter(amount__gt=0, expires_at__lte=now).aggregate(s=Sum("amount"))["s"]
                or 0
            )
            used = -(entries.filter(amount__lt=0).aggregate(s=Sum("amount"))["s"] or 0)
            due = earned_expired - used
            if due > 0:
                ledger_post(client=client, account=Account.POINTS, amount=-due, reason="expired")
                expired_total += due
    return expired_total


def unbilled_sessions(client):
    """Treatment sessions of the client not on any live invoice."""
    from spa.treatments.models import TreatmentSession

    return (
        TreatmentSession.objects.filter(client=client, billed__isnull=True)
        .select_related("redemption__package").prefetch_related("service_lines__service").order_by("performed_at")
    )  # fmt: skip


def unbilled_packages(client):
    """Packages sold to the client and not yet on any live invoice."""
    return TreatmentPackage.objects.filter(
        client=client, billed__isnull=True, amount_paid__lt=F("price")
    ).exclude(status=PackageStatus.CANCELLED)
