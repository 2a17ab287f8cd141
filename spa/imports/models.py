"""Imports of a spa's existing records: the uploaded file, the dry run row by row, and
what each row became once committed (so a second import of the same file creates
nothing twice, and a whole import can be undone while nothing was built on it)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.core.crypto import EncryptedField, EncryptedJSONField


class JobState(models.TextChoices):
    MAPPING = "mapping", _("Columns to check")
    ANALYSING = "analysing", _("Being read")
    READY = "ready", _("Ready to review")
    COMMITTING = "committing", _("Being imported")
    COMMITTED = "committed", _("Imported")
    UNDONE = "undone", _("Undone")
    FAILED = "failed", _("Could not be read")


class ImportJob(models.Model):
    """One uploaded file and what is done with it."""

    file_name = models.CharField(_("file"), max_length=200)
    file_size = models.PositiveIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_kind = models.CharField(max_length=8, blank=True)  # xlsx, xls, ods, csv, vcf
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    state = models.CharField(max_length=12, choices=JobState.choices, default=JobState.MAPPING)
    # [{"index", "name", "rows_estimate", "kind", "header_row", "headers", "mapping"}]
    sheets = models.JSONField(default=list)
    options = models.JSONField(default=dict)  # {"day_first": true}
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)  # outcome -> rows
    error = models.JSONField(null=True, blank=True)  # a Problem as [code, params]
    # The worker reading or writing the job holds a lease (renewed each batch); a worker
    # killed mid-way lets it lapse and the sweep hands the job to another.
    lease_owner = models.CharField(max_length=36, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    # The uploaded file (it holds health data) is deleted after this moment.
    purge_after = models.DateTimeField()
    file_purged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name

    def save(self, *args, **kwargs):
        if not self.purge_after:
            self.purge_after = timezone.now() + timedelta(days=settings.IMPORT_FILE_KEEP_DAYS)
        super().save(*args, **kwargs)

    @property
    def undo_until(self):
        if not self.committed_at:
            return None
        return self.committed_at + timedelta(days=settings.IMPORT_UNDO_DAYS)


class ImportFile(models.Model):
    """The uploaded bytes, encrypted (Fernet), apart from the job so lists stay light."""

    job = models.OneToOneField(ImportJob, on_delete=models.CASCADE, related_name="file")
    token = EncryptedField()
    # The first rows of each sheet, for the column page: {"<sheet>": [[cell, ...], ...]}.
    preview = EncryptedJSONField(default=dict)

    def __str__(self) -> str:
        return f"file of import #{self.job_id}"


class Outcome(models.TextChoices):
    NEW = "new", _("New client")
    EXISTING = "existing", _("Same person as an existing client")
    SAME_ROW = "same_row", _("Same person as another row")
    ALREADY = "already", _("Already imported")
    REJECTED = "rejected", _("Rejected")
    SKIPPED = "skipped", _("Not a data row")
    SESSION = "session", _("Treatment")
    SERVICE = "service", _("Service")


class Decision(models.TextChoices):
    PROPOSED = "", _("As proposed")
    SEPARATE = "separate", _("Different people")


class ImportRow(models.Model):
    """One source row: what the dry run found and, after commit, what it became."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    sheet_index = models.PositiveSmallIntegerField()
    row_number = models.PositiveIntegerField()  # as the spreadsheet numbers it (1-based)
    kind = models.CharField(max_length=10)  # targets.SheetKind
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.JSONField(null=True, blank=True)  # Problem of a rejected / skipped row
    warnings = models.JSONField(default=list, blank=True)  # Problems of values
    # The parsed values (health data among them): encrypted like the health section.
    data = EncryptedJSONField(null=True, blank=True)
    key = models.CharField(max_length=80, blank=True)  # ImportedKey of this row
    # A proposed "same person": an existing client, or an earlier row of this file.
    match_client_id = models.BigIntegerField(null=True, blank=True)
    match_row = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match_rule = models.CharField(max_length=20, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    # After commit
    client_id = models.BigIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # what was written, to undo it

    class Meta:
        ordering = ["sheet_index", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "sheet_index", "row_number"], name="import_row_once"
            )
        ]
        indexes = [models.Index(fields=["job", "outcome"], name="import_row_outcome")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.sheet_index}:{self.row_number}"


class ImportedKey(models.Model):
    """A source row already imported: its old-system id or the fingerprint of its values.
    The database refuses a second holder, so two imports of one file cannot both write."""

    key = models.CharField(max_length=80, unique=True)
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    client_id = models.BigIntegerField()

    def __str__(self) -> str:
        return self.key


class ImportedObject(models.Model):
    """Something an import created (a client, a package, a session, a ledger entry…):
    the mark that says "imported", and what undo removes."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="imported_objects")
    model = models.CharField(max_length=40)  # "clients.client"
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["model", "object_id"], name="imported_object")]

    def __str__(self) -> str:
        return f"{self.model}:{self.object_id}"


class SavedMapping(models.Model):
    """A column mapping kept for the next file with the same headers."""

    signature = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.signature


def rows_save_results(rows: list[ImportRow]) -> None:
    """Write the commit's outcome of many rows in one statement per row, sent together
    (executemany): Django's bulk_update builds one CASE per column and row, which costs
    more than the import it records."""
    import json

    from django.db import connection

    table = ImportRow._meta.db_table
    params = [
        (
            row.outcome,
            json.dumps(row.reason) if row.reason is not None else None,
            row.client_id,
            json.dumps(row.result or {}),
            row.pk,
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET outcome = %s, reason = %s, client_id = %s, result = %s "  # noqa: S608
            "WHERE id = %s",
            params,
        )
