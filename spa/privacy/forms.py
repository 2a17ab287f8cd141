from datetime import timedelta

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch, User
from spa.core import access
from spa.core.forms import IdMultipleChoiceField
from spa.privacy.models import DataCategory, Incident, IncidentStatus

WHEN_WIDGET = forms.DateTimeInput(
    attrs={"placeholder": _("dd/mm/yyyy hh:mm"), "inputmode": "numeric"}
)
TEXT_MAX = 5000


class IncidentForm(forms.ModelForm):
    """An incident as staff record it; a manager's incidents are about their branch."""

    categories = forms.MultipleChoiceField(
        label=_("Categories of data affected"), choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )  # fmt: skip
    branches = IdMultipleChoiceField(
        label=_("Branches"), queryset=Branch.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False,
    )  # fmt: skip
    staff = IdMultipleChoiceField(
        label=_("Staff accounts involved"), queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Empty: the records read or changed by anyone in the window."),
    )  # fmt: skip

    class Meta:
        model = Incident
        fields = [
            "title", "detected_at", "description", "categories", "branches", "clients_affected",
            "consequences", "measures", "contact", "status", "notified_at", "window_start",
            "window_end", "staff",
        ]  # fmt: skip
        widgets = {
            "detected_at": WHEN_WIDGET, "notified_at": WHEN_WIDGET,
            "window_start": WHEN_WIDGET, "window_end": WHEN_WIDGET,
            "description": forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX}),
            "consequences": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
            "measures": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
        }  # fmt: skip
        help_texts = {
            "notified_at": _("Stops the 72-hour clock. Empty when marked notified: now."),
            "window_start": _("The affected clients are those whose records were read or "
                              "changed between these two times."),
        }  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        branch_ids = access.incident_branch_ids(user)
        branches = Branch.objects.filter(is_active=True).order_by("name")
        staff = User.objects.filter(is_active=True).order_by("first_name", "username")
        if branch_ids is not None:
            branches = branches.filter(pk__in=branch_ids)
            staff = staff.filter(branch_id__in=branch_ids)
        self.fields["branches"].queryset = branches
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = lambda u: u.display_name
        if self.instance.pk:
            self.initial["branches"] = [b.pk for b in self.instance.branches.all()]
            self.initial["staff"] = [u.pk for u in self.instance.staff.all()]
        elif not self.is_bound:
            self.initial.setdefault(
                "detected_at", timezone.localtime().replace(second=0, microsecond=0)
            )
            if branch_ids:
                self.initial["branches"] = branch_ids
        for name in ("description", "consequences", "measures"):
            self.fields[name].max_length = TEXT_MAX
            self.fields[name].validators.append(MaxLengthValidator(TEXT_MAX))

    def clean_branches(self):
        branches = list(self.cleaned_data["branches"])
        if access.incident_branch_ids(self.user) is not None and not branches:
            raise forms.ValidationError(_("Choose your branch."))
        return branches + self._kept("branches")

    def clean_staff(self):
        return list(self.cleaned_data["staff"]) + self._kept("staff")

    def _kept(self, name: str) -> list:
        """What the incident already has beyond the user's choices (a manager editing an
        incident of two branches sees only theirs): kept, never dropped unseen."""
        if not self.instance.pk:
            return []
        offered = self.fields[name].queryset
        return list(getattr(self.instance, name).exclude(pk__in=offered.values("pk")))

    def clean_categories(self):
        return [c for c in DataCategory.values if c in self.cleaned_data["categories"]]

    def clean(self):
        data = super().clean()
        now = timezone.now()
        detected, notified = data.get("detected_at"), data.get("notified_at")
        start, end = data.get("window_start"), data.get("window_end")
        if detected and detected > now + timedelta(minutes=5):
            self.add_error("detected_at", _("The detection time cannot be in the future."))
        if notified and detected and notified < detected:
            self.add_error("notified_at", _("The notification cannot come before the detection."))
        if notified and notified > now + timedelta(minutes=5):
            self.add_error("notified_at", _("The notification time cannot be in the future."))
        if notified and data.get("status") == IncidentStatus.OPEN:
            self.add_error("status", _("An incident notified to the authority is no longer open."))
        if bool(start) != bool(end):
            self.add_error("window_end", _("Give both ends of the window, or neither."))
        elif start and end and end <= start:
            self.add_error("window_end", _("The end of the window must come after its start."))
        return data


class DraftForm(forms.Form):
    body = forms.CharField(
        label=_("Text"), max_length=20000, strip=True,
        widget=forms.Textarea(attrs={"rows": 24, "maxlength": 20000}),
    )  # fmt: skip
