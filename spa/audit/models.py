from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spa.core.crypto import EncryptedJSONField

# Separates the parts of an import entry's summary ("import", file, sheet, row).
IMPORT_MARK = "\x1f"


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    HEALTH = "health", _("Health section changed")
    CONSENT = "consent", _("Consent recorded")
    PHOTO = "photo", _("Photo changed")
    MERGE = "merge", _("Merged")
    MERGED_AWAY = "merged_away", _("Merged into another profile")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    SESSION = "session", _("Treatment logged")
    OVERRIDE = "override", _("Safety warning overridden")
    PACKAGE = "package", _("Package sold")
    PATCH_TEST = "patch_test", _("Patch test recorded")
    APPOINTMENT = "appointment", _("Appointment")
    SALE = "sale", _("Sale or payment")
    LOGIN_FAILED = "login_failed", _("Failed login")
    SETTINGS = "settings", _("Settings changed")
    IMPORT = "import", _("Imported")
    FEEDBACK = "feedback", _("Feedback")
    CARE = "care", _("Client care")


class AuditEntry(models.Model):
    """One recorded change to a client's record: who, when, which fields, old -> new.

    Append-only. `client_id` is a plain integer, not a foreign key, so the entry
    outlives the deletion of the profile it describes. Health values are kept in
    `sensitive_changes`, encrypted like the health section itself.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    client_id = models.BigIntegerField(_("client"), null=True, db_index=True)
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    # What a settings change was about ("catalog.service:12"); empty for client entries.
    subject = models.CharField(_("subject"), max_length=80, blank=True, db_index=True)
    # {"field": [old, new], ...} for fields that are not health data.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    sensitive_changes = EncryptedJSONField(_("health changes"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["client_id", "-at"], name="audit_client_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} #{self.client_id}"
