from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from spa.core.crypto import EncryptedTextField
from spa.core.money import CURRENCIES


class Branch(models.Model):
    """One location of the spa (chi nhánh)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Branch manager")
    RECEPTIONIST = "receptionist", _("Receptionist")
    TECHNICIAN = "technician", _("Technician")


class StaffManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`manage.py createsuperuser` makes the spa's owner (the only role without a branch)."""
        extra_fields.setdefault("role", Role.OWNER)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. What they may see follows from role and branch (spa.core.access)."""

    objects = StaffManager()

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.RECEPTIONIST
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("Required for everyone but the owner."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="owner") | models.Q(branch__isnull=False),
                name="staff_has_branch_unless_owner",
            ),
        ]

    @property
    def display_name(self) -> str:
        # Family name first, as Vietnamese and Chinese names are written.
        full = f"{self.last_name} {self.first_name}".strip()
        return full or self.username

    def __str__(self) -> str:
        return self.display_name


def default_reminder_offsets() -> list[int]:
    return [1440, 120]  # 24 hours and 2 hours before


class SpaSettings(models.Model):
    """Spa-wide policies the owner sets. A single row (pk=1)."""

    name = models.CharField(_("spa name"), max_length=120, default="Spa")
    technicians_see_minimum = models.BooleanField(
        _("technicians see only photo and first name"),
        default=False,
        help_text=_(
            "When on, technicians see a client's photo, first name and allergy alerts only."
        ),
    )
    allergen_conflict_blocks = models.BooleanField(
        _("a product with the client's allergen blocks the session"),
        default=True,
        help_text=_(
            "When on, only a manager's override with a reason lets such a session be saved."
        ),
    )
    reminder_offsets = models.JSONField(
        _("send reminders this many minutes before"),
        default=default_reminder_offsets,
        blank=True,
        help_text=_("For example [1440, 120] for 24 hours and 2 hours before."),
    )
    agenda_hour = models.PositiveSmallIntegerField(
        _("send staff their next day's agenda at (hour)"), default=18
    )
    online_booking = models.BooleanField(_("online booking page is open"), default=True)
    require_two_factor = models.BooleanField(
        _("owner and managers must use two-factor login"),
        default=False,
        help_text=_("A code from an authenticator app after the password, at every login."),
    )
    sms_gateway_url = models.URLField(_("SMS gateway URL"), blank=True)
    sms_gateway_token = models.CharField(_("SMS gateway token"), max_length=255, blank=True)
    zalo_gateway_url = models.URLField(_("Zalo gateway URL"), blank=True)
    zalo_gateway_token = models.CharField(_("Zalo gateway token"), max_length=255, blank=True)
    message_template = models.TextField(
        _("reminder text template"),
        blank=True,
        help_text=_(
            "Optional. Placeholders: {{ name }}, {{ time }}, {{ services }}, {{ branch }}. "
            "Empty: the built-in text in the client's language."
        ),
    )
    health_reconfirm_days = models.PositiveIntegerField(
        _("re-confirm the health questionnaire every (days)"), default=365
    )
    # Printed on every receipt (empty: not printed).
    invoice_legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    invoice_tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    invoice_address = models.CharField(_("registered address"), max_length=255, blank=True)
    invoice_phone = models.CharField(_("phone on receipts"), max_length=32, blank=True)
    # Amounts are stored in this currency's minor unit: fixed once an invoice exists.
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(c, c) for c in CURRENCIES], default="VND"
    )
    smtp_host = models.CharField(
        _("SMTP server"),
        max_length=255,
        blank=True,
        help_text=_(
            "Empty: e-mail goes out through the server set when the product was installed."
        ),
    )
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_user = models.CharField(_("SMTP user name"), max_length=255, blank=True)
    smtp_password = EncryptedTextField(_("SMTP password"), blank=True, default="")
    smtp_use_tls = models.BooleanField(_("use TLS (STARTTLS)"), default=True)
    smtp_from = models.EmailField(_("send e-mail from"), blank=True)

    class Meta:
        verbose_name = _("spa settings")
        verbose_name_plural = _("spa settings")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "SpaSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
