from calendar import monthrange
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.clients.models import Allergen, Condition


class ServiceCategory(models.Model):
    """Facial, body, hair removal, hair… as the spa names them."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    commission_percent = models.DecimalField(
        _("technician's commission (%)"), max_digits=4, decimal_places=1, default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Of the service's price, for whoever performs it (shared if two do). "
                    "0: no commission."),
    )  # fmt: skip

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

    def __str__(self) -> str:
        return self.name


class ResourceKind(models.TextChoices):
    ROOM = "room", _("Room")
    MACHINE = "machine", _("Machine")


class Resource(models.Model):
    """A room or machine of a branch that services need (bookings reserve them)."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="resources"
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["branch", "kind", "name"]
        verbose_name = _("room or machine")
        verbose_name_plural = _("rooms and machines")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="resource_name_per_branch")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.branch})"


class Service(models.Model):
    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(
        ServiceCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    description = models.TextField(_("description"), blank=True)
    resource_kinds = models.JSONField(
        _("needs"), default=list, blank=True, help_text=_("Kinds of room or machine needed.")
    )
    resources = models.ManyToManyField(
        Resource,
        verbose_name=_("rooms or machines it can use"),
        blank=True,
        related_name="services",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__position", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class ServicePrice(models.Model):
    """The price of a service at one branch, in the currency's minor unit (VND: đồng)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="prices"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    price = models.BigIntegerField(_("price"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices per branch")
        constraints = [
            models.UniqueConstraint(fields=["service", "branch"], name="one_price_per_branch"),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.branch}"


class RuleKind(models.TextChoices):
    PREGNANCY = "pregnancy", _("Not during pregnancy")
    BREASTFEEDING = "breastfeeding", _("Not while breastfeeding")
    CONDITION = "condition", _("Not with a condition")
    ALLERGEN = "allergen", _("Uses an allergen")
    PATCH_TEST = "patch_test", _("Needs a passed patch test")


class ServiceRule(models.Model):
    """A safety rule checked against the client's health section before a session is saved."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("rule"), max_length=20, choices=RuleKind.choices)
    condition = models.ForeignKey(
        Condition, verbose_name=_("condition"), null=True, blank=True, on_delete=models.PROTECT
    )
    allergen = models.ForeignKey(
        Allergen, verbose_name=_("allergen"), null=True, blank=True, on_delete=models.PROTECT
    )
    patch_test_days = models.PositiveIntegerField(
        _("patch test valid for (days)"), null=True, blank=True
    )
    hard = models.BooleanField(
        _("blocks the session"),
        default=True,
        help_text=_("A blocking rule can only be passed by a manager's override with a reason."),
    )

    class Meta:
        verbose_name = _("safety rule")
        verbose_name_plural = _("safety rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="condition") | Q(condition__isnull=False),
                name="condition_rule_names_condition",
            ),
            models.CheckConstraint(
                condition=~Q(kind="allergen") | Q(allergen__isnull=False),
                name="allergen_rule_names_allergen",
            ),
            models.CheckConstraint(
                condition=~Q(kind="patch_test") | Q(patch_test_days__isnull=False),
                name="patch_test_rule_has_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_kind_display()}"


class ProductKind(models.TextChoices):
    RETAIL = "retail", _("Retail")
    BACKBAR = "backbar", _("Back-bar (used in treatments)")


class Product(models.Model):
    name = models.CharField(_("name"), max_length=120)
    sku = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind.choices)
    unit = models.CharField(_("unit"), max_length=10, default="ml", help_text=_("ml, g, piece…"))
    allergens = models.ManyToManyField(
        Allergen, verbose_name=_("ingredients / allergens"), blank=True, related_name="products"
    )
    retail_price = models.BigIntegerField(_("retail price"), default=0)
    cost = models.BigIntegerField(
        _("cost"), default=0, help_text=_("What the spa pays for one unit.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """A product's quantity at a branch: the running sum of its StockMovement ledger."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="stock"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=0)
    low_at = models.DecimalField(
        _("low-stock threshold"), max_digits=14, decimal_places=3, null=True, blank=True,
        help_text=_("Listed as low when the quantity is at or below this."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [models.UniqueConstraint(fields=["product", "branch"], name="one_stock_row")]

    def __str__(self) -> str:
        return f"{self.product} · {self.branch}"


class MovementReason(models.TextChoices):
    RECEIVED = "received", _("Received")
    SESSION = "session", _("Used in a treatment")
    SOLD = "sold", _("Sold")
    ADJUSTED = "adjusted", _("Stock count adjustment")
    MOVED_OUT = "moved_out", _("Moved to another branch")
    MOVED_IN = "moved_in", _("Moved from another branch")


class StockMovement(models.Model):
    """Append-only: every change of stock, with why and who."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="movements"
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    delta = models.DecimalField(_("change"), max_digits=14, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=10, choices=MovementReason.choices)
    batch = models.CharField(_("batch"), max_length=40, blank=True)
    session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["product", "branch"], name="movement_product_branch")]

    def __str__(self) -> str:
        return f"{self.product} {self.delta:+} ({self.reason})"


class ValidityUnit(models.TextChoices):
    MONTHS = "months", _("months")
    DAYS = "days", _("days")


class PackageTemplate(models.Model):
    """A course card on the spa's price list ("Peel 10 buổi"): what a sale starts from."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    services = models.ManyToManyField(
        Service, verbose_name=_("services covered"), related_name="package_templates"
    )
    total_sessions = models.PositiveIntegerField(_("number of sessions"))
    price = models.BigIntegerField(_("price"))
    validity = models.PositiveIntegerField(
        _("valid for"), null=True, blank=True, help_text=_("Empty: never expires.")
    )
    validity_unit = models.CharField(
        _("unit of validity"), max_length=6, choices=ValidityUnit.choices,
        default=ValidityUnit.MONTHS,
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("package template")
        verbose_name_plural = _("package templates")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_sessions__gte=1), name="template_has_sessions"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="template_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def expiry_from(self, day):
        """The expiry date of a card sold on `day` (None: it never expires)."""
        if not self.validity:
            return None
        if self.validity_unit == ValidityUnit.DAYS:
            return day + timedelta(days=self.validity)
        month = day.month - 1 + self.validity
        year, month = day.year + month // 12, month % 12 + 1
        return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))
