"""Forms of the branch settings pages: a week of opening hours, a closure."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spa.booking.forms import TIME_WIDGET
from spa.booking.models import OpeningHours, Weekday
from spa.clients.forms import DATE_WIDGET
from spa.office.forms_staff import plausible_day


class OpeningHoursForm(forms.Form):
    """Seven rows: opens, closes, or closed all day."""

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        rows = {r.weekday: r for r in OpeningHours.objects.filter(branch=branch)}
        self.days = []
        for day in Weekday:
            row = rows.get(day.value)
            self.fields[f"opens_{day.value}"] = forms.TimeField(
                label=_("%(day)s: opens") % {"day": day.label}, required=False, widget=TIME_WIDGET,
                initial=row.opens if row else None,
            )  # fmt: skip
            self.fields[f"closes_{day.value}"] = forms.TimeField(
                label=_("%(day)s: closes") % {"day": day.label}, required=False, widget=TIME_WIDGET,
                initial=row.closes if row else None,
            )  # fmt: skip
            self.fields[f"closed_{day.value}"] = forms.BooleanField(
                label=_("%(day)s: closed all day") % {"day": day.label}, required=False,
                initial=bool(row and row.opens is None),
            )  # fmt: skip
            self.days.append(day)

    def rows(self):
        """(weekday label, opens, closes, closed) bound fields, for the template."""
        return [
            (day.label, self[f"opens_{day.value}"], self[f"closes_{day.value}"],
             self[f"closed_{day.value}"])
            for day in self.days
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        week = {}
        for day in self.days:
            opens, closes = data.get(f"opens_{day.value}"), data.get(f"closes_{day.value}")
            if f"opens_{day.value}" in self.errors or f"closes_{day.value}" in self.errors:
                continue
            if data.get(f"closed_{day.value}"):
                week[day.value] = None
            elif opens is None or closes is None:
                self.add_error(
                    f"opens_{day.value}" if opens is None else f"closes_{day.value}",
                    _("Give the opening and closing time, or tick “closed all day”."),
                )
            elif closes <= opens:
                self.add_error(
                    f"closes_{day.value}", _("The closing time must be after the opening time.")
                )
            else:
                week[day.value] = (opens, closes)
        data["week"] = week
        return data


class ClosureForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("First day closed"), widget=DATE_WIDGET, validators=[plausible_day]
    )
    last_day = forms.DateField(
        label=gettext_lazy("Last day closed"), widget=DATE_WIDGET, required=False,
        validators=[plausible_day],
        help_text=gettext_lazy("Leave empty for a single day."),
    )  # fmt: skip
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=120)
    every_branch = forms.BooleanField(
        label=gettext_lazy("Close every branch (a holiday for the whole spa)"), required=False
    )

    def __init__(self, *args, may_close_every_branch: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_close_every_branch:
            del self.fields["every_branch"]

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and not last and "last_day" not in self.errors:
            data["last_day"] = last = first
        if first and last and last < first:
            self.add_error("last_day", _("The last day must not be before the first."))
        return data
