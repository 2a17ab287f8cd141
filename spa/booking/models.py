import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.catalog.models import Resource, Service
from spa.clients.models import Channel, Client
from spa.treatments.models import TreatmentPackage, TreatmentSession


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Shift(models.Model):
    """A staff member's working hours on a weekday; breaks are the gaps between shifts."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        ordering = ["staff", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class TimeOff(models.Model):
    """A day off, leave or a one-off break."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="time_off_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.start:%Y-%m-%d %H:%M}"


class Status(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


ACTIVE_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.COMPLETED)


class Source(models.TextChoices):
    DESK = "desk", _("At the desk")
    ONLINE = "online", _("Online booking")
    SERIES = "series", _("Recurring / follow-up")


class Series(models.Model):
    """Appointments booked together: every N days or weeks, or a package's next sessions."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    every_days = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    package = models.ForeignKey(
        TreatmentPackage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"series #{self.pk}"


class Appointment(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    services = models.ManyToManyField(Service, verbose_name=_("services"), related_name="+")
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    room = models.ForeignKey(
        Resource,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    machine = models.ForeignKey(
        Resource,
        verbose_name=_("machine"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=255, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DESK)
    # An online booking is anonymous: until staff confirm it (or check the client in) it
    # shows the name typed on the booking page, and gives nobody access to the profile.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    online_name = models.CharField(_("name given online"), max_length=120, blank=True)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    package = models.ForeignKey(
        TreatmentPackage,
        verbose_name=_("package"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    session = models.OneToOneField(
        TreatmentSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["branch", "start"], name="appt_branch_start"),
            models.Index(fields=["client", "start"], name="appt_client_start"),
            models.Index(fields=["technician", "start"], name="appt_tech_start"),
            # Bookings made on a day (the reports' "rebooked before leaving").
            models.Index(fields=["branch", "created_at"], name="appt_branch_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appt_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def awaiting_confirmation(self) -> bool:
        return self.confirmed_at is None and self.status in ACTIVE_STATUSES

    @property
    def first_name_to_show(self) -> str:
        """The client's first name for calendars and agendas; for a booking not yet
        confirmed, the name typed online (whoever typed a phone learns no name by it)."""
        if self.confirmed_at is None:
            return self.online_name or "?"
        return self.client.given_name


class SlotHold(models.Model):
    """What an appointment occupies: its technician, room and machine, for its time.

    On PostgreSQL an exclusion constraint (added by migration 0002) refuses two active
    holds of the same holder whose times overlap; on SQLite the booking service takes
    the database's write lock first and checks, so writers are serialised.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="holds")
    holder = models.CharField(max_length=40)  # "staff:12", "resource:3"
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["holder", "start"], name="hold_holder_start")]

    def __str__(self) -> str:
        return f"{self.holder} {self.start:%Y-%m-%d %H:%M}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class ReminderReason(models.TextChoices):
    """Why a reminder was not (or not yet) sent; shown on the appointment in the
    reader's language."""

    NO_CHANNEL = "no_channel", _("the client has no preferred channel")
    NO_CONSENT = "no_consent", _("no consent for this channel")
    NO_EMAIL = "no_email", _("no email address")
    NO_PHONE = "no_phone", _("no phone number")
    NOT_AUTOMATED = "not_automated", _("this channel is not sent automatically")
    NO_GATEWAY = "no_gateway", _("no gateway is set up for this channel")
    TOO_LATE = "too_late", _("booked after the reminder time")
    STARTED = "started", _("the appointment had started")
    CANCELLED = "cancelled", _("the appointment was cancelled")
    NO_SHOW = "no_show", _("the client did not come")
    CLOSED = "closed", _("the appointment is no longer booked")
    INTERRUPTED = "interrupted", _("the worker stopped while sending; tried again")


def duration_label(minutes: int) -> str:
    """'30 min', '2 h', '1 h 30 min', '3 days' in the active language."""
    from django.utils.translation import gettext, ngettext

    if minutes >= 2 * 1440 and minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    hours, rest = divmod(minutes, 60)
    if not hours:
        return gettext("%(n)d min") % {"n": rest}
    label = gettext("%(n)d h") % {"n": hours}
    return f"{label} {gettext('%(n)d min') % {'n': rest}}" if rest else label


class Reminder(models.Model):
    """One reminder of one appointment on one channel; the unique key and the status
    change from pending to sending (a conditional UPDATE) make it go out at most once.

    A claim is a lease: `claimed_until` is when a worker that died mid-send is given up
    on, and the reminder is taken back and tried again (see spa.booking.reminders)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    due_at = models.DateTimeField(db_index=True)
    planned_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    reason = models.CharField(max_length=16, choices=ReminderReason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)  # technical detail of the last try

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset_minutes", "channel"], name="reminder_once"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="reminder_status_due")]

    def __str__(self) -> str:
        return f"{self.channel} -{self.offset_minutes}m #{self.appointment_id}"

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of this reminder, so a provider can drop a repeat
        sent after a crash between its send and our record of it."""
        return f"spa-reminder-{self.pk}"

    def explanation(self) -> str:
        """Why it was not sent, for people: 'booked 1 h before: 24 h reminder skipped'."""
        from django.utils.translation import gettext

        if self.reason == ReminderReason.TOO_LATE:
            lead = max(0, int((self.appointment.start - self.planned_at).total_seconds() // 60))
            return gettext("booked %(lead)s before: %(offset)s reminder skipped") % {
                "lead": duration_label(lead),
                "offset": duration_label(self.offset_minutes),
            }
        return self.get_reason_display() if self.reason else ""


class DeliveryAttempt(models.Model):
    """One try at sending a reminder. Written in the same transaction as the claim
    (ok is None while it is under way), finished with the outcome."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(null=True)
    detail = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "number"], name="attempt_number_once")
        ]

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'failed'} {self.at:%Y-%m-%d %H:%M}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A technician's secret iCalendar address; a new token revokes the old one."""

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"feed {self.staff}"


class AgendaSent(models.Model):
    """Marks that a member of staff was sent their agenda for a day (sent once)."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="agenda_once_a_day")]

    def __str__(self) -> str:
        return f"agenda {self.staff_id} {self.day}"


class MessageKind(models.TextChoices):
    REMINDER = "reminder", _("Appointment reminder")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo")
    EMAIL = "email", _("Email")


class MessageTemplate(models.Model):
    """The owner's wording of one kind of message, for one channel and one language.
    Placeholders are {name}, {time}, {service}, … (spa.booking.messaging.PLACEHOLDERS);
    without a template the spa's reminder text, then the built-in text, is used."""

    kind = models.CharField(_("message"), max_length=20, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "channel", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel", "language"],
                name="one_template_per_kind_channel_language",
                violation_error_message=_(
                    "There is already a text for this message, channel and language."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.get_language_display()}"


# --- Opening hours, closures and who performs which service (settings pages) ---------


class OpeningHours(models.Model):
    """When a branch is open on a weekday; no opening time means closed that day.

    A branch with no rows at all has not set its hours and is treated as always open,
    so nothing changes for a spa until the owner fills them in."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        ordering = ["branch", "weekday"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.UniqueConstraint(fields=["branch", "weekday"], name="opening_hours_once_a_day"),
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True)
                | Q(opens__isnull=False, closes__isnull=False, closes__gt=F("opens")),
                name="opening_hours_close_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.get_weekday_display()}"

    @property
    def is_closed(self) -> bool:
        return self.opens is None


class Closure(models.Model):
    """Days a branch is closed (a holiday, works): no booking, no free slot, shown on
    the calendar. Whole days, first and last included."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="closures"
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=120)

    class Meta:
        ordering = ["first_day", "id"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        indexes = [models.Index(fields=["branch", "last_day"], name="closure_branch_last_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="closure_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        if self.first_day == self.last_day:
            return f"{self.branch} {self.first_day:%d/%m/%Y}: {self.reason}"
        return f"{self.branch} {self.first_day:%d/%m/%Y}–{self.last_day:%d/%m/%Y}: {self.reason}"


class StaffService(models.Model):
    """A service a technician performs. A technician with none recorded performs every
    service (so a spa that never fills this in books as before)."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="performs"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("service performed")
        verbose_name_plural = _("services performed")
        constraints = [
            models.UniqueConstraint(fields=["staff", "service"], name="staff_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.service}"
