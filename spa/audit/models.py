from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class AccessKind(models.TextChoices):
    """What a member of staff looked at (labels in the "access" context: "Profile" here
    is the record itself, not how complete it is)."""

    PROFILE = "profile", pgettext_lazy("access", "Profile")
    HEALTH = "health", pgettext_lazy("access", "Health section")
    PHOTO = "photo", pgettext_lazy("access", "Photo")
    COURSE = "course", pgettext_lazy("access", "Course of treatment")
    SESSION = "session", pgettext_lazy("access", "Treatment session")
    COURSE_PDF = "course_pdf", pgettext_lazy("access", "Course of treatment (PDF)")
    EXPORT = "export", pgettext_lazy("access", "Client list export")


class AppendOnly(Exception):
    """Raised on an attempt to change or remove an access entry."""


class AccessEntryQuerySet(models.QuerySet):
    """Access entries are written once and never changed: the queryset refuses it."""

    def update(self, **kwargs):
        raise AppendOnly("access entries cannot be changed")

    def delete(self):
        raise AppendOnly("access entries cannot be deleted")

    # QuerySet.update_or_create / bulk_update go through update(); raw deletes
    # (Collector) are refused below, and by a database trigger (migration 0010).
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnly("access entries cannot be changed")

    def _raw_delete(self, using):
        raise AppendOnly("access entries cannot be deleted")


class AccessEntry(models.Model):
    """One read of a client's record by a member of staff: who, from which branch, what,
    when ("who looked at my record", issue 14).

    Append-only: the queryset and the instance refuse updates and deletes, and a trigger
    refuses UPDATE (both databases) and DELETE (PostgreSQL; on SQLite Django's own flush
    between transactional tests deletes rows, so there the ORM refuses it). `client_id` is a
    plain integer like AuditEntry's, so the log outlives the erasure of the profile; it
    holds no personal data beyond that id. `actor` and `branch` are kept without a database
    constraint and never cascade: deleting a user or a branch must not rewrite the log.
    The role is the one the reader had at the time. One index serves every page of a
    client's log, newest first, by keyset on `id`.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True)
    client_id = models.BigIntegerField(_("client"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20)
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=20, choices=AccessKind.choices)

    objects = AccessEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("access entry")
        verbose_name_plural = _("access entries")
        indexes = [models.Index(fields=["client_id", "-id"], name="access_client_newest")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} #{self.client_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("access entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("access entries cannot be deleted")
