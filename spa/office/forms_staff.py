"""Forms of the staff settings pages: a colleague's account, the services they perform,
their working hours with breaks, and time off."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spa.accounts.models import Branch, Role, User
from spa.booking.forms import TIME_WIDGET
from spa.booking.models import Shift, Weekday
from spa.catalog.models import Service
from spa.clients.forms import DATE_WIDGET
from spa.core import access
from spa.core.forms import IdChoiceField, IdMultipleChoiceField
from spa.office.services_staff import week_problems

SPANS_A_DAY = 3
# Dates a person means: far-off years would overflow the database's time range.
FIRST_YEAR, LAST_YEAR = 2000, 2199


def plausible_day(value):
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise forms.ValidationError(
            _("Choose a date between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )


class StaffForm(forms.ModelForm):
    """Add or edit a colleague. A manager may only give their branch's receptionist and
    technician roles; a new colleague gets an initial password."""

    password1 = forms.CharField(
        label=gettext_lazy("Initial password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Give it to the colleague; they can change it on their account page."),
    )  # fmt: skip
    password2 = forms.CharField(
        label=gettext_lazy("Initial password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip

    class Meta:
        model = User
        fields = ["username", "last_name", "first_name", "email", "role", "branch", "language"]
        field_classes = {"branch": IdChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = user
        allowed = access.roles_assignable_by(user)
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
        branches = Branch.objects.filter(is_active=True)
        if self.instance.branch_id:
            branches = Branch.objects.filter(pk=self.instance.branch_id) | branches
        scope = access.settings_branch_ids(user)
        if scope is not None:
            branches = Branch.objects.filter(pk__in=scope)
            self.fields["branch"].empty_label = None
            self.initial.setdefault("branch", scope[0] if scope else None)
        else:
            self.fields["branch"].empty_label = "—"
        self.fields["branch"].queryset = branches.distinct()
        self.fields["branch"].help_text = gettext_lazy(
            "Required for everyone but the owner (who works for every branch)."
        )
        self.fields["last_name"].required = False
        self.fields["first_name"].required = True
        if self.instance.pk:
            del self.fields["password1"], self.fields["password2"]

    def clean(self):
        data = super().clean()
        role, branch = data.get("role"), data.get("branch")
        if role == Role.OWNER and branch is not None:
            self.add_error("branch", _("The owner works for every branch: leave the branch empty."))
        elif role and role != Role.OWNER and branch is None and "branch" not in self.errors:
            self.add_error("branch", _("Choose the branch this colleague works at."))
        if "password1" in self.fields:
            first, second = data.get("password1"), data.get("password2")
            if first and second and first != second:
                self.add_error("password2", _("The two passwords are not the same."))
            elif first:
                probe = User(username=data.get("username") or "", first_name=data.get("first_name") or "",
                             last_name=data.get("last_name") or "", email=data.get("email") or "")  # fmt: skip
                try:
                    password_validation.validate_password(first, probe)
                except forms.ValidationError as error:
                    self.add_error("password1", error)
        return data


class StaffServicesForm(forms.Form):
    services = IdMultipleChoiceField(
        label=gettext_lazy("Services this colleague performs"),
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: they are booked for every service."),
    )  # fmt: skip

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        from spa.booking.selectors_schedule import staff_service_ids

        current = staff_service_ids(staff)
        field = self.fields["services"]
        field.queryset = Service.objects.filter(is_active=True) | Service.objects.filter(
            pk__in=current
        )
        field.queryset = field.queryset.distinct().order_by("name")
        self.initial.setdefault("services", current)


class ShiftsForm(forms.Form):
    """Up to three spans of work a weekday (e.g. 08:00–12:00 and 13:30–19:00): the gaps
    between them are the breaks."""

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        existing: dict[int, list[Shift]] = {}
        for shift in Shift.objects.filter(staff=staff).order_by("weekday", "start"):
            existing.setdefault(shift.weekday, []).append(shift)
        self.days = list(Weekday)
        for day in self.days:
            spans = existing.get(day.value, [])
            for n in range(max(SPANS_A_DAY, len(spans))):
                span = spans[n] if n < len(spans) else None
                words = {"day": day.label, "n": n + 1}
                self.fields[f"start_{day.value}_{n}"] = forms.TimeField(
                    label=_("%(day)s, span %(n)s: from") % words, required=False,
                    widget=TIME_WIDGET, initial=span.start if span else None,
                )  # fmt: skip
                self.fields[f"end_{day.value}_{n}"] = forms.TimeField(
                    label=_("%(day)s, span %(n)s: to") % words, required=False,
                    widget=TIME_WIDGET, initial=span.end if span else None,
                )  # fmt: skip

    def _count(self, day: int) -> int:
        return sum(1 for name in self.fields if name.startswith(f"start_{day}_"))

    def rows(self):
        """(weekday label, [(from, to) bound fields]) for the template."""
        return [
            (day.label, [(self[f"start_{day.value}_{n}"], self[f"end_{day.value}_{n}"])
                         for n in range(self._count(day.value))])
            for day in self.days
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        week: dict[int, list[tuple[time, time]]] = {}
        for day in self.days:
            for n in range(self._count(day.value)):
                start_name, end_name = f"start_{day.value}_{n}", f"end_{day.value}_{n}"
                if start_name in self.errors or end_name in self.errors:
                    continue
                start, end = data.get(start_name), data.get(end_name)
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        start_name if start is None else end_name,
                        _("Give both the start and the end of this span."),
                    )
                    continue
                week.setdefault(day.value, []).append((start, end))
        for problem in week_problems(week):
            self.add_error(None, problem)
        data["week"] = week
        return data


class TimeOffForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("From (day)"), widget=DATE_WIDGET, validators=[plausible_day]
    )
    first_time = forms.TimeField(
        label=gettext_lazy("From (time)"), required=False, widget=TIME_WIDGET,
        help_text=gettext_lazy("Empty: from the start of the day."),
    )  # fmt: skip
    last_day = forms.DateField(
        label=gettext_lazy("To (day)"), widget=DATE_WIDGET, required=False,
        validators=[plausible_day],
        help_text=gettext_lazy("Empty: the same day."),
    )  # fmt: skip
    last_time = forms.TimeField(
        label=gettext_lazy("To (time)"), required=False, widget=TIME_WIDGET,
        help_text=gettext_lazy("Empty: to the end of the day."),
    )  # fmt: skip
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=120, required=False,
        help_text=gettext_lazy("For example: annual leave, sick, training."),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        first_day = data.get("first_day")
        if first_day is None or self.errors:
            return data
        last_day = data.get("last_day") or first_day
        start = timezone.make_aware(datetime.combine(first_day, data.get("first_time") or time(0)))
        if data.get("last_time") is not None:
            end = timezone.make_aware(datetime.combine(last_day, data["last_time"]))
        else:
            end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time(0)))
        if end <= start:
            self.add_error("last_day", _("The time off must end after it starts."))
        data["start"], data["end"] = start, end
        return data
