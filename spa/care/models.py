"""Feedback after a visit, the survey invitations that ask for it, care tasks opened by a
low score or a complaint, the check-ins per service and what the care queue has done."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.catalog.models import Service
from spa.clients.models import Channel, Client
from spa.core.crypto import EncryptedTextField
from spa.treatments.models import TreatmentSession


class CareSettings(models.Model):
    """The owner's care settings, one row (pk=1)."""

    survey_delay_minutes = models.PositiveIntegerField(
        _("survey delay after the visit (minutes)"), default=120,
        help_text=_("Never sent between 21:00 and 08:00: it waits until 08:00."),
    )  # fmt: skip
    survey_expiry_days = models.PositiveSmallIntegerField(
        _("survey link valid for (days)"), default=14
    )
    low_overall = models.PositiveSmallIntegerField(
        _("low overall score: at most"), default=2,
        help_text=_("A score at or below this opens a care task (1–5)."),
    )  # fmt: skip
    low_aspect = models.PositiveSmallIntegerField(
        _("low score of one aspect: at most"), default=2,
        help_text=_("Technician, result, cleanliness or value at or below this (1–5)."),
    )  # fmt: skip
    low_recommend = models.PositiveSmallIntegerField(
        _("low would-recommend score: at most"), default=6,
        help_text=_("0–10; at or below this opens a care task."),
    )  # fmt: skip
    lapsed_days = models.PositiveSmallIntegerField(
        _("a client has lapsed after (days without a visit)"), default=90
    )

    class Meta:
        verbose_name = _("care settings")
        verbose_name_plural = _("care settings")

    def __str__(self) -> str:
        return str(_("care settings"))

    @classmethod
    def current(cls) -> "CareSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class SurveyStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class SurveyReason(models.TextChoices):
    """Why a survey was not sent; the codes of the reminders' reasons where they match."""

    NO_CHANNEL = "no_channel", _("the client has no preferred channel")
    NO_CONSENT = "no_consent", _("no consent for this channel")
    NO_EMAIL = "no_email", _("no email address")
    NO_PHONE = "no_phone", _("no phone number")
    NOT_AUTOMATED = "not_automated", _("this channel is not sent automatically")
    NO_GATEWAY = "no_gateway", _("no gateway is set up for this channel")
    TOO_LATE = "too_late", _("the visit was logged too late for a survey")
    EXPIRED = "expired", _("the survey link expired before it could be sent")
    INTERRUPTED = "interrupted", _("the worker stopped while sending; tried again")


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits: not guessable, not derived from ids


class SurveyInvite(models.Model):
    """One survey per visit: a client's day at a branch (two sessions the same day are
    one visit). Sent once under the reminders' lease discipline (spa.care.surveys)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="+")
    visit_day = models.DateField()
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    language = models.CharField(max_length=10, default="vi")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    due_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.QUEUED
    )
    reason = models.CharField(max_length=16, choices=SurveyReason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)  # technical detail of the last try
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "visit_day"], name="survey_once_per_visit")
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="survey_status_due")]

    def __str__(self) -> str:
        return f"survey #{self.pk} {self.visit_day}"

    @property
    def idempotency_key(self) -> str:
        """The same on every attempt (Idempotency-Key / Message-ID)."""
        return f"spa-survey-{self.pk}"


class SurveyAttempt(models.Model):
    """One try at sending a survey; written with the claim, finished with the outcome."""

    invite = models.ForeignKey(SurveyInvite, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(null=True)
    detail = models.CharField(max_length=500)

    def __str__(self) -> str:
        return f"{self.invite_id}/{self.number}"


class FeedbackMethod(models.TextChoices):
    SURVEY = "survey", _("Survey")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")


ASPECTS = ("technician_score", "result_score", "cleanliness_score", "value_score")


def _stars(name):
    return models.PositiveSmallIntegerField(name, null=True, blank=True)


class Feedback(models.Model):
    """What a client said of a visit: stars overall and per aspect, a 0–10 would-recommend
    score and a comment. A survey link gives at most one (unique invite)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    session = models.ForeignKey(
        TreatmentSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invite = models.OneToOneField(
        SurveyInvite, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    # The visit's first technician and service, kept so the report groups without joins.
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    service = models.ForeignKey(Service, verbose_name=_("service"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    method = models.CharField(_("how"), max_length=10, choices=FeedbackMethod.choices)
    overall = models.PositiveSmallIntegerField(_("overall"))
    technician_score = _stars(_("technician"))
    result_score = _stars(_("result"))
    cleanliness_score = _stars(_("cleanliness"))
    value_score = _stars(_("value for money"))
    recommend = models.PositiveSmallIntegerField(_("would recommend (0–10)"), null=True, blank=True)
    # It may speak of the skin or the body: health data, encrypted like session notes.
    comment = EncryptedTextField(_("comment"), blank=True)
    has_comment = models.BooleanField(default=False, editable=False)  # the report's filter
    is_complaint = models.BooleanField(_("complaint"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__gte=1, overall__lte=5), name="feedback_overall_1_5"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{a}__isnull": True}) | Q(**{f"{a}__gte": 1, f"{a}__lte": 5}),
                    name=f"feedback_{a}_1_5",
                )
                for a in ASPECTS
            ],
            models.CheckConstraint(
                condition=Q(recommend__isnull=True) | Q(recommend__lte=10),
                name="feedback_recommend_0_10",
            ),
        ]
        indexes = [models.Index(fields=["branch", "created_at"], name="feedback_branch_at")]

    def __str__(self) -> str:
        return f"feedback #{self.pk}"

    def save(self, *args, **kwargs):
        self.has_comment = bool((self.comment or "").strip())
        if kwargs.get("update_fields") and "comment" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "has_comment"}
        super().save(*args, **kwargs)


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class TaskReason(models.TextChoices):
    LOW_SCORE = "low_score", _("Low score")
    COMPLAINT = "complaint", _("Complaint")


class CareTask(models.Model):
    """A low score or a complaint, for the branch's managers to follow up: open until
    someone records what was done."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Branch, verbose_name=_("branch"), on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    feedback = models.OneToOneField(
        Feedback, null=True, blank=True, on_delete=models.CASCADE, related_name="task"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=TaskReason.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True, db_index=True)
    resolution = models.TextField(_("what was done"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open")
                | (Q(status="resolved", resolved_at__isnull=False) & ~Q(resolution="")),
                name="care_task_resolved_says_what",
            )
        ]

    def __str__(self) -> str:
        return f"care task #{self.pk}"


class CheckInRule(models.Model):
    """Days after a session of this service when the desk checks on the client
    (e.g. day 1 and day 7 after a peel)."""

    service = models.OneToOneField(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    days = models.JSONField(_("days after the session"), default=list)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("check-in after a service")
        verbose_name_plural = _("check-ins after a service")

    def __str__(self) -> str:
        return f"{self.service} {self.days}"


class QueueKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in after a treatment")
    DUE = "due", _("Due for the next session")
    LAPSED = "lapsed", _("Lapsed client")
    BIRTHDAY = "birthday", _("Birthday")
    TASK = "task", _("Care task")


class QueueAction(models.TextChoices):
    CALLED = "called", _("Called")
    MESSAGED = "messaged", _("Messaged")
    DONE = "done", _("Done")


class QueueDone(models.Model):
    """An item of the care queue that someone dealt with: gone from the queue for
    everyone, and never done twice (the unique key)."""

    kind = models.CharField(max_length=10, choices=QueueKind.choices)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    ref = models.CharField(max_length=40)  # which occurrence: session:day, service:date, …
    action = models.CharField(max_length=10, choices=QueueAction.choices)
    note = models.CharField(max_length=500, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "client", "ref"], name="queue_item_done_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id} {self.ref}"
