import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupSettings(models.Model):
    """The owner's backup settings, one row (pk=1)."""

    enabled = models.BooleanField(_("back up every night"), default=True)
    backup_time = models.TimeField(
        _("time of the nightly backup"), default=datetime.time(2, 0),
        help_text=_("The worker starts the backup, then its restore drill, at this time."),
    )  # fmt: skip
    keep_daily = models.PositiveSmallIntegerField(
        _("daily backups kept"), default=7,
        help_text=_("The last backup of each of this many days is kept."),
    )  # fmt: skip
    keep_weekly = models.PositiveSmallIntegerField(
        _("weekly backups kept"), default=4,
        help_text=_("The last backup of each of this many weeks is kept too (one backup may count for both)."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("backup settings")
        verbose_name_plural = _("backup settings")

    def __str__(self) -> str:
        return str(_("backup settings"))

    @classmethod
    def current(cls) -> "BackupSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Problem(models.TextChoices):
    """Why a backup or a drill failed, as the owner reads it (the detail is technical)."""

    NONE = "", ""
    KEY = "key", _("The backup key is missing or is not the key the backup was made with.")
    DAMAGED = "damaged", _("The backup file is damaged or incomplete.")
    MISMATCH = "mismatch", _("The restored data differs from what was backed up.")
    HEALTH = "health", _("Health data cannot be decrypted with this installation's keys.")
    NO_BACKUP = "no_backup", _("There is no backup to check.")
    DATABASE = "database", _("The database could not be copied or loaded.")
    DISK = "disk", _("The backup folder cannot be written or read.")
    UPLOAD = "upload", _("The copy to the S3 store failed; the folder copy is kept.")
    OTHER = "other", _("Unexpected error: see the worker's log.")


class BackupRun(models.Model):
    """One backup: when, its archive's name and size, where it went, and how it ended."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    name = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(default=0)
    duration = models.FloatField(default=0)  # seconds
    ok = models.BooleanField(null=True)  # None: running
    nightly = models.BooleanField(default=False)
    destinations = models.JSONField(default=list)  # ["folder", "s3"]
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.name or f"backup #{self.pk}"


class DrillRun(models.Model):
    """One restore drill: the backup restored into a scratch database and checked."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    backup_name = models.CharField(max_length=100, blank=True)
    duration = models.FloatField(default=0)
    ok = models.BooleanField(null=True)
    tables = models.PositiveIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    health_rows_checked = models.PositiveIntegerField(default=0)
    files_checked = models.PositiveIntegerField(default=0)
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"drill of {self.backup_name or '-'}"
