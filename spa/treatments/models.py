from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from spa.accounts.models import Branch
from spa.catalog.models import Product, Service
from spa.clients.models import Client
from spa.core.crypto import EncryptedTextField


class SessionStatus(models.TextChoices):
    DONE = "done", _("Done")
    VOID = "void", _("Voided")


class TreatmentSession(models.Model):
    """One visit's treatment, as logged by the technician (sổ liệu trình)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sessions")
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField(_("date and time"))
    technicians = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("technicians"), related_name="sessions_performed"
    )
    # Health data: encrypted at rest like the health section (and rotated with it).
    reaction = EncryptedTextField(_("skin / body reaction"), blank=True)
    result = EncryptedTextField(_("result"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    amount = models.BigIntegerField(_("amount"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DONE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["performed_at", "id"]
        verbose_name = _("treatment session")
        verbose_name_plural = _("treatment sessions")
        indexes = [
            models.Index(fields=["client", "performed_at"], name="session_client_time"),
            # The reports recompute a branch's day, and rebuild month by month.
            models.Index(fields=["branch", "performed_at"], name="session_branch_time"),
            models.Index(fields=["performed_at"], name="session_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.client_id} {self.performed_at:%Y-%m-%d}"


class SessionService(models.Model):
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="service_lines"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    price = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.service_id)


class SessionProduct(models.Model):
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="product_lines"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    batch = models.CharField(_("batch"), max_length=40, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="used_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"


class PhotoKind(models.TextChoices):
    # "Before"/"After" of a treatment photo, not of a change in the history.
    BEFORE = "before", pgettext_lazy("treatment photo", "Before")
    AFTER = "after", pgettext_lazy("treatment photo", "After")


class SessionPhoto(models.Model):
    """A treatment photo: private health data, served only through an access check."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="photos")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=PhotoKind.choices)
    image = models.ImageField(upload_to="session-photos/%Y/%m/")
    thumb = models.ImageField(upload_to="session-photos/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "-kind", "id"]  # "before" first
        indexes = [models.Index(fields=["client", "session"], name="photo_client_session")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.session_id}"


class PatchResult(models.TextChoices):
    PASSED = "passed", _("Passed (no reaction)")
    FAILED = "failed", _("Failed (reaction)")


class PatchTest(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="patch_tests")
    service = models.ForeignKey(
        Service,
        verbose_name=_("for service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product tested"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tested_on = models.DateField(_("tested on"))
    result = models.CharField(_("result"), max_length=10, choices=PatchResult.choices)
    notes = models.CharField(_("notes"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-tested_on", "-id"]
        verbose_name = _("patch test")
        verbose_name_plural = _("patch tests")

    def __str__(self) -> str:
        return f"{self.client_id} {self.tested_on} {self.result}"


class GuardOverride(models.Model):
    """A manager let a session through the safety guard, with a reason."""

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.CASCADE, related_name="override"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    warnings = models.JSONField(default=list)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"override #{self.session_id}"


class PackageStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class TreatmentPackage(models.Model):
    """A prepaid course card (thẻ liệu trình): N sessions of one service or a mix.

    `used_sessions` only ever moves by a conditional UPDATE that the database checks
    (`used < total`), and a CHECK constraint keeps it within 0..total whatever happens.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="packages")
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    services = models.ManyToManyField(Service, verbose_name=_("services"), related_name="+")
    total_sessions = models.PositiveIntegerField(_("sessions"))
    used_sessions = models.PositiveIntegerField(_("used"), default=0)
    price = models.BigIntegerField(_("price"))
    amount_paid = models.BigIntegerField(_("paid"), default=0)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # The price-list card it was sold from (None: a custom package typed at the sale).
    template = models.ForeignKey(
        "catalog.PackageTemplate", verbose_name=_("package template"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="packages",
    )  # fmt: skip
    status = models.CharField(
        max_length=10, choices=PackageStatus.choices, default=PackageStatus.ACTIVE
    )
    sold_at = models.DateTimeField(auto_now_add=True)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sold_at", "-id"]
        verbose_name = _("treatment package")
        verbose_name_plural = _("treatment packages")
        indexes = [models.Index(fields=["status", "expires_on"], name="package_status_expiry")]
        constraints = [
            models.CheckConstraint(condition=Q(total_sessions__gte=1), name="package_has_sessions"),
            models.CheckConstraint(
                condition=Q(used_sessions__lte=F("total_sessions")), name="package_never_overused"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0, amount_paid__gte=0), name="package_money_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.used_sessions}/{self.total_sessions})"

    @property
    def remaining(self) -> int:
        return self.total_sessions - self.used_sessions

    @property
    def to_bill(self) -> int:
        """What checkout bills for the package (amount_paid is only ever set on packages
        sold before sales were invoiced, or once the package is on an invoice)."""
        return self.price - self.amount_paid

    @property
    def invoice(self):
        """The live invoice the package is billed on, if any (see sales.Billed)."""
        billed = getattr(self, "billed", None)
        return billed.invoice if billed is not None else None


class PackageRedemption(models.Model):
    """One session taken from a package; `number` runs 1..total without gaps or repeats."""

    package = models.ForeignKey(
        TreatmentPackage, on_delete=models.CASCADE, related_name="redemptions"
    )
    session = models.OneToOneField(
        TreatmentSession, on_delete=models.CASCADE, related_name="redemption"
    )
    number = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["package", "number"]
        constraints = [
            models.UniqueConstraint(fields=["package", "number"], name="redemption_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="redemption_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.package_id} #{self.number}"
