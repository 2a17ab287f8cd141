"""Money: invoices, payments and append-only ledgers (prepaid, debt, points, deposits).

Every amount is an integer in the currency's minor unit (VND has none). A balance is
the sum of its ledger; the Balance row is that sum kept beside it, changed only in the
same transaction as the entry, by a conditional UPDATE that the database checks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.booking.models import Appointment
from spa.catalog.models import Product, Service
from spa.clients.models import Client
from spa.treatments.models import TreatmentPackage, TreatmentSession


def default_tier_thresholds() -> dict:
    return {"silver": 10_000_000, "gold": 30_000_000, "diamond": 80_000_000}


def default_tier_discounts() -> dict:
    return {"bronze": 0, "silver": 3, "gold": 5, "diamond": 10}


class RewardKind(models.TextChoices):
    POINTS = "points", _("Loyalty points")
    CREDIT = "credit", _("Prepaid credit")
    COMMISSION = "commission", _("Cash commission")


class LoyaltyProgram(models.Model):
    """The spa's rules for points, tiers and referrals (a single row, pk=1)."""

    service_amount_per_point = models.PositiveIntegerField(
        _("services: amount for 1 point"), default=10_000
    )
    product_amount_per_point = models.PositiveIntegerField(
        _("products: amount for 1 point"), default=20_000
    )
    point_value = models.PositiveIntegerField(_("value of 1 point when redeemed"), default=1_000)
    points_valid_days = models.PositiveIntegerField(_("points expire after (days)"), default=365)
    tier_window_days = models.PositiveIntegerField(
        _("tier: spend counted over (days)"), default=365
    )
    tier_thresholds = models.JSONField(_("tier thresholds"), default=default_tier_thresholds)
    tier_discounts = models.JSONField(_("tier discounts (%)"), default=default_tier_discounts)
    referral_reward_kind = models.CharField(
        _("referrer's reward"),
        max_length=12,
        choices=RewardKind.choices,
        default=RewardKind.COMMISSION,
    )
    referral_reward_amount = models.PositiveIntegerField(
        _("reward (points or amount)"), default=200_000
    )

    class Meta:
        verbose_name = _("loyalty programme")
        verbose_name_plural = _("loyalty programme")

    def __str__(self) -> str:
        return "loyalty"

    @classmethod
    def current(cls) -> "LoyaltyProgram":
        return cls.objects.get_or_create(pk=1)[0]


class InvoiceSequence(models.Model):
    """The next invoice number of a branch; locked while an invoice is issued, so
    numbers run without gaps (a rolled-back invoice gives its number back)."""

    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="+")
    next_number = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.branch_id}: {self.next_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Invoice(models.Model):
    """Issued once, never edited: a correction is a credit note."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="invoices"
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subtotal = models.BigIntegerField(_("subtotal"))
    discount_total = models.BigIntegerField(_("discounts"))
    total = models.BigIntegerField(_("total"))
    paid_at_issue = models.BigIntegerField(_("paid"))
    debt_created = models.BigIntegerField(_("left as debt"))
    points_earned = models.BigIntegerField(default=0)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "number"], name="invoice_number_once_per_branch"
            ),
            # What was paid and what is owed make up the total, exactly.
            models.CheckConstraint(
                condition=Q(total=models.F("paid_at_issue") + models.F("debt_created")),
                name="invoice_paid_plus_debt",
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") - models.F("discount_total")),
                name="invoice_total_is_lines_less_discounts",
            ),
        ]
        indexes = [models.Index(fields=["branch", "issued_at"], name="invoice_branch_day")]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        prefix = "CN" if self.kind == InvoiceKind.CREDIT_NOTE else "HD"
        return f"{prefix}-{self.branch.code.upper()}-{self.number:06d}"


class LineKind(models.TextChoices):
    SERVICE = "service", _("Service")
    PRODUCT = "product", _("Product")
    PACKAGE = "package", _("Package sold")
    REDEMPTION = "redemption", _("Session from a package")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=12, choices=LineKind.choices)
    description = models.CharField(max_length=200)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    package = models.ForeignKey(
        TreatmentPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        TreatmentSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.IntegerField(default=1)
    unit_price = models.BigIntegerField()
    discount = models.BigIntegerField(default=0)
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    amount=models.F("quantity") * models.F("unit_price") - models.F("discount")
                ),
                name="line_amount_is_quantity_times_price_less_discount",
            )
        ]

    def __str__(self) -> str:
        return self.description


class Billed(models.Model):
    """Which live invoice a billable thing is on: a treatment session or a package sale
    is billed at most once, and the database says so (each column is unique), so two
    checkouts racing for the same session cannot both issue. A credit note removes the
    rows of the invoice it reverses, and the thing can be billed again. Appointments are
    billed through their session (one session per appointment)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="billed")
    session = models.OneToOneField(
        TreatmentSession, null=True, blank=True, on_delete=models.PROTECT, related_name="billed"
    )
    package = models.OneToOneField(
        TreatmentPackage, null=True, blank=True, on_delete=models.PROTECT, related_name="billed"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, package__isnull=True)
                | Q(session__isnull=True, package__isnull=False),
                name="billed_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: session {self.session_id} package {self.package_id}"


class Method(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Bank transfer")
    EWALLET = "ewallet", _("E-wallet")
    PREPAID = "prepaid", _("Prepaid balance")
    DEPOSIT = "deposit", _("Deposit")
    POINTS = "points", _("Points")


MONEY_IN = (Method.CASH, Method.CARD, Method.TRANSFER, Method.EWALLET)


class PaymentPurpose(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    DEBT = "debt", _("Debt payment")
    TOP_UP = "top_up", _("Prepaid top-up")
    DEPOSIT = "deposit", _("Deposit taken")
    REFUND = "refund", _("Refund")


class Payment(models.Model):
    """Money or value received (positive) or paid back (negative), by method."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="payments")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    purpose = models.CharField(max_length=10, choices=PaymentPurpose.choices)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    amount = models.BigIntegerField(_("amount"))
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["branch", "at"], name="payment_branch_day")]

    def __str__(self) -> str:
        return f"{self.method} {self.amount}"


class Account(models.TextChoices):
    PREPAID = "prepaid", _("Prepaid balance")
    DEBT = "debt", _("Debt")
    POINTS = "points", _("Points")
    DEPOSIT = "deposit", _("Deposits held")
    PRIOR = "prior", _("Spent before the switch")


class LedgerReason(models.TextChoices):
    EARNED = "earned", _("Earned")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    REFERRAL = "referral", _("Referral reward")
    INVOICE = "invoice", _("Unpaid part of an invoice")
    PAID = "paid", _("Paid off")
    SPENT = "spent", _("Spent on an invoice")
    REFUND = "refund", _("Paid back")
    TOP_UP = "top_up", _("Top-up")
    BONUS = "bonus", _("Top-up bonus")
    DEBT_PAYMENT = "debt_payment", _("Used to pay a debt")
    TAKEN = "taken", _("Deposit taken")
    APPLIED = "applied", _("Deposit applied to an invoice")
    FORFEITED = "forfeited", _("Deposit kept (no-show)")
    CREDIT_NOTE = "credit_note", _("Reversed by a credit note")
    OPENING = "opening", _("Opening balance (imported)")
    IMPORT_UNDONE = "import_undone", _("Import undone")


class Balance(models.Model):
    """The sum of a client's ledger on one account, kept beside the ledger. Never
    negative: a spend is an UPDATE ... WHERE amount >= spend, checked by the database."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="balances")
    account = models.CharField(max_length=10, choices=Account.choices)
    amount = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["account", "amount"], name="balance_account_amount")]
        constraints = [
            models.UniqueConstraint(fields=["client", "account"], name="one_balance_per_account"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="balance_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.account} {self.amount}"


class LedgerEntry(models.Model):
    """Append-only. Nobody edits a balance: they add an entry."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="ledger")
    account = models.CharField(max_length=10, choices=Account.choices)
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=20, choices=LedgerReason.choices)
    note = models.CharField(max_length=255, blank=True)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    package = models.ForeignKey(
        TreatmentPackage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["client", "account", "at"], name="ledger_client_account")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+} {self.reason}"


class Deposit(models.Model):
    """Money held against an appointment or a package: applied at checkout or forfeited."""

    class State(models.TextChoices):
        HELD = "held", _("Held")
        APPLIED = "applied", _("Applied")
        FORFEITED = "forfeited", _("Forfeited")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="deposits")
    amount = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.HELD)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    package = models.ForeignKey(
        TreatmentPackage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-taken_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_positive")]

    def __str__(self) -> str:
        return f"deposit {self.amount} {self.state}"


class Voucher(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    percent = models.PositiveSmallIntegerField(_("discount %"), default=0)
    amount = models.BigIntegerField(_("discount amount"), default=0)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(_("uses allowed"), default=1)
    used = models.PositiveIntegerField(default=0)
    # A campaign's voucher is made for one client: only they can use it.
    client = models.ForeignKey(
        Client, verbose_name=_("for client"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="vouchers",
    )  # fmt: skip

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.CheckConstraint(
                condition=Q(used__lte=models.F("max_uses")), name="voucher_not_overused"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="voucher_percent_max_100"),
        ]

    def __str__(self) -> str:
        return self.code


class TierChange(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tier_changes")
    old = models.CharField(max_length=10)
    new = models.CharField(max_length=10)
    spend = models.BigIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.old} -> {self.new}"


class ReferralReward(models.Model):
    """The referrer's reward for a referred client's first paid visit (once per referred)."""

    referrer = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="referral_rewards")
    referred = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="referral_reward_given"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=RewardKind.choices)
    amount = models.BigIntegerField()
    slip_number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_out_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"referral {self.referrer_id} <- {self.referred_id}"
