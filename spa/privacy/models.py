"""The breach register: one incident per data breach, with its 72-hour clock from detection
(Law 91/2025/QH15 and Decree 356/2025 in Vietnam, GDPR Art. 33), its change history and
the notification drafts edited from it."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch

# The authority must be notified within 72 hours of the breach being detected.
NOTIFY_WITHIN = timedelta(hours=72)


class DataCategory(models.TextChoices):
    CONTACT = "contact", _("Contact details")
    IDENTITY = "identity", _("Identity (name, birth date, gender)")
    HEALTH = "health", _("Health section")
    PHOTOS = "photos", _("Photos")
    TREATMENTS = "treatments", _("Treatment log")
    PAYMENTS = "payments", _("Invoices and payments")
    CONSENTS = "consents", _("Consent records")
    FEEDBACK = "feedback", _("Feedback")
    ACCOUNTS = "accounts", _("Staff accounts")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    NOTIFIED = "notified", _("Notified to the authority")
    CLOSED = "closed", _("Closed")


class Incident(models.Model):
    """A personal-data breach: what happened, to which data and clients, what was done,
    and when the authority was told. Changed only through spa.privacy.services."""

    title = models.CharField(_("short title"), max_length=200)
    detected_at = models.DateTimeField(_("detected at"))
    description = models.TextField(_("what happened"))
    categories = models.JSONField(_("categories of data affected"), default=list, blank=True)
    branches = models.ManyToManyField(
        Branch, verbose_name=_("branches"), blank=True, related_name="+"
    )
    clients_affected = models.PositiveIntegerField(
        _("approximate number of clients affected"), null=True, blank=True
    )
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    contact = models.CharField(_("contact for questions"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    notified_at = models.DateTimeField(_("authority notified at"), null=True, blank=True)
    # The window and staff the affected-clients list is generated for.
    window_start = models.DateTimeField(_("affected from"), null=True, blank=True)
    window_end = models.DateTimeField(_("affected until"), null=True, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff accounts involved"), blank=True,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title

    @property
    def deadline(self):
        return self.detected_at + NOTIFY_WITHIN

    def category_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [str(labels[c]) for c in self.categories if c in labels]


class IncidentChange(models.Model):
    """One change to an incident: who, when, and {field: [old, new]} (append-only)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.BooleanField(default=False)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} incident {self.incident_id}"


class Audience(models.TextChoices):
    AUTHORITY = "authority", _("The authority")
    CLIENTS = "clients", _("The affected clients")


class DraftLanguage(models.TextChoices):
    VI = "vi", "Tiếng Việt"
    EN = "en", "English"
    ZH = "zh-hans", "简体中文"


class NotificationDraft(models.Model):
    """A notification text as edited by staff; without a row, the generated text is used."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="drafts")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    language = models.CharField(max_length=8, choices=DraftLanguage.choices)
    body = models.TextField(_("text"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "audience", "language"], name="privacy_draft_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.audience} {self.language} incident {self.incident_id}"
