from datetime import date, datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Role, User
from spa.booking.selectors import free_slots
from spa.catalog.models import Service
from spa.clients.forms import DATE_WIDGET, validate_phone
from spa.core.forms import IdChoiceField, IdMultipleChoiceField
from spa.core.text import name_problems, normalise_name
from spa.treatments.models import PackageStatus, TreatmentPackage

TIME_WIDGET = forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")


class BookingForm(forms.Form):
    services = IdMultipleChoiceField(
        label=_("Services"),
        queryset=Service.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    technician = IdChoiceField(
        label=_("Technician"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Any free technician"),
    )
    day = forms.DateField(label=_("Day"), widget=DATE_WIDGET)
    # The free times of the chosen day, services and technician (free_slots); a time
    # that is not one of them is refused here, and the booking service checks again.
    time = forms.ChoiceField(
        label=_("Free time"), required=False, choices=(),
        error_messages={"invalid_choice": _(
            "%(value)s is not free for these services and technician: choose one of the free times."
        )},
    )  # fmt: skip
    other_time = forms.TimeField(
        label=_("Or type a time"), required=False, widget=TIME_WIDGET,
        help_text=_("Still checked: the technician, a room and a machine must be free."),
    )  # fmt: skip
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)
    repeat_every = forms.IntegerField(
        label=_("Repeat every"), required=False, min_value=1, max_value=365
    )
    repeat_unit = forms.ChoiceField(
        label=_("unit"), choices=[("days", _("days")), ("weeks", _("weeks"))], required=False
    )
    repeat_count = forms.IntegerField(
        label=_("times in all"), required=False, min_value=2, max_value=52
    )
    repeat_until = forms.DateField(label=_("or until"), required=False, widget=DATE_WIDGET)
    package = IdChoiceField(
        label=_("Schedule the package's remaining sessions"), queryset=TreatmentPackage.objects.none(),
        required=False, empty_label="—",
    )  # fmt: skip

    def __init__(self, *args, branch, client=None, may_type_time=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.branch = branch
        self.fields["technician"].queryset = User.objects.filter(
            branch=branch, role=Role.TECHNICIAN, is_active=True
        ).order_by("last_name", "first_name")
        if client is not None:
            self.fields["package"].queryset = TreatmentPackage.objects.filter(
                client=client, status=PackageStatus.ACTIVE
            )
        self.initial.setdefault("day", timezone.localdate())
        if not may_type_time:
            del self.fields["other_time"]
        self.services_chosen = bool(self._picked()[0])
        self.free_times = self._free_times()
        self.fields["time"].choices = [("", "—"), *((t, t) for t in self.free_times)]

    def _picked(self):
        """The services, technician and day as chosen so far (posted, or the initial
        values of a link), each None or empty when not (yet) valid."""
        source = self.data if self.is_bound else self.initial
        ids = source.getlist("services") if hasattr(source, "getlist") else source.get("services")
        try:
            services = list(self.fields["services"].clean(ids or []))
        except forms.ValidationError:
            services = []
        try:
            technician = self.fields["technician"].clean(source.get("technician"))
        except forms.ValidationError:
            technician = None
        day = source.get("day")
        if not isinstance(day, date):
            try:
                day = self.fields["day"].clean(day)
            except forms.ValidationError:
                day = None
        return services, technician, day

    def _free_times(self) -> list[str]:
        services, technician, day = self._picked()
        today = timezone.localdate()
        if not services or day is None or not (today <= day <= today + timedelta(days=366)):
            return []  # nothing is free in the past, nor bookable years ahead
        slots = free_slots(
            branch=self.branch, services=services, first_day=day, days=1, technician=technician
        )
        return [f"{timezone.localtime(slot.start):%H:%M}" for slot in slots]

    def clean(self):
        data = super().clean()
        picked = data.get("other_time")
        if picked is None and data.get("time"):
            picked = datetime.strptime(data["time"], "%H:%M").time()
        if picked is None and "time" not in self.errors:
            self.add_error("time", _("Choose one of the free times."))
        if data.get("day") and picked is not None:
            data["start"] = timezone.make_aware(timezone.datetime.combine(data["day"], picked))
            if data["start"] < timezone.now():
                self.add_error("time", _("This time is in the past."))
        if data.get("repeat_every") and not (data.get("repeat_count") or data.get("repeat_until")):
            self.add_error("repeat_count", _("Say how many times, or until when."))
        if data.get("package") and not data.get("repeat_every"):
            self.add_error("repeat_every", _("Say how often the package's sessions are."))
        return data

    def every_days(self) -> int | None:
        every = self.cleaned_data.get("repeat_every")
        if not every:
            return None
        return every * (7 if self.cleaned_data.get("repeat_unit") == "weeks" else 1)


class RescheduleForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE_WIDGET)
    time = forms.TimeField(label=_("Time"), widget=TIME_WIDGET)
    technician = IdChoiceField(
        label=_("Technician"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Any free technician"),
    )

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = User.objects.filter(
            branch=branch, role=Role.TECHNICIAN, is_active=True
        )

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("time"):
            data["start"] = timezone.make_aware(
                timezone.datetime.combine(data["day"], data["time"])
            )
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=255)


class PublicBookingForm(forms.Form):
    """What a member of the public gives: no more than needed to book."""

    service = IdChoiceField(label=_("Service"), queryset=Service.objects.filter(is_active=True))
    start = forms.DateTimeField(widget=forms.HiddenInput, input_formats=["%Y-%m-%dT%H:%M"])
    full_name = forms.CharField(label=_("Your name"), max_length=120)
    phone = forms.CharField(
        label=_("Your phone"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    remind_by = forms.ChoiceField(
        label=_("Remind me of the appointment by"),
        choices=[("", _("No reminder")), ("zalo", "Zalo"), ("sms", "SMS")],
        required=False,
    )
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def clean_full_name(self):
        name = normalise_name(self.cleaned_data["full_name"])
        if name_problems(name) is not None or len(name) < 2:
            raise forms.ValidationError(_("Enter your name (letters only)."))
        return name

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])

    def clean_website(self):
        if self.cleaned_data["website"]:  # a field people do not see: only robots fill it
            raise forms.ValidationError("")
        return ""
