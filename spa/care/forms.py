"""Forms of client care: the public survey, feedback taken by staff, resolving a care
task, a queue item done, the care settings."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from spa.care.models import CareSettings, FeedbackMethod, QueueAction
from spa.care.services import Scores

STARS = [(str(n), str(n)) for n in range(1, 6)]
TEN = [(str(n), str(n)) for n in range(0, 11)]
ASPECT_LABELS = {
    "technician_score": _("The technician"),
    "result_score": _("The result"),
    "cleanliness_score": _("Cleanliness"),
    "value_score": _("Value for money"),
}


def _stars(label, required=False):
    return forms.TypedChoiceField(label=label, choices=STARS, coerce=int, required=required,
                                  empty_value=None, widget=forms.RadioSelect)  # fmt: skip


class SurveyForm(forms.Form):
    overall = _stars(_("Overall, how was your visit?"), required=True)
    technician_score = _stars(ASPECT_LABELS["technician_score"])
    result_score = _stars(ASPECT_LABELS["result_score"])
    cleanliness_score = _stars(ASPECT_LABELS["cleanliness_score"])
    value_score = _stars(ASPECT_LABELS["value_score"])
    recommend = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend? (0 = not at all, 10 = very)"),
        choices=TEN, coerce=int, required=False, empty_value=None, widget=forms.RadioSelect,
    )  # fmt: skip
    comment = forms.CharField(label=_("Anything you would like to tell us?"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overall"].error_messages["required"] = _(
            "Please choose from 1 to 5 stars for your visit overall."
        )

    def scores(self) -> Scores:
        data = self.cleaned_data
        return Scores(**{k: data.get(k) for k in Scores.__dataclass_fields__ if k != "comment"},
                      comment=data.get("comment", "").strip())  # fmt: skip

    def star_fields(self):
        return [self[name] for name in ASPECT_LABELS]


class StaffFeedbackForm(SurveyForm):
    method = forms.ChoiceField(
        label=_("How the client gave it"), widget=forms.RadioSelect,
        choices=[(FeedbackMethod.IN_PERSON, FeedbackMethod.IN_PERSON.label),
                 (FeedbackMethod.PHONE, FeedbackMethod.PHONE.label)],
    )  # fmt: skip
    complaint = forms.BooleanField(label=_("This is a complaint (opens a care task)"),
                                   required=False)  # fmt: skip
    field_order = ["method", "overall"]


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done to resolve it.")},
    )  # fmt: skip

    def clean_resolution(self):
        text = self.cleaned_data["resolution"].strip()
        if not text:
            raise forms.ValidationError(_("Say what was done to resolve it."))
        return text


class QueueDoneForm(forms.Form):
    action = forms.ChoiceField(label=pgettext_lazy("care queue", "What was done"),
                               choices=QueueAction.choices, initial=QueueAction.CALLED)  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CareSettingsForm(forms.ModelForm):
    class Meta:
        model = CareSettings
        fields = ["survey_delay_minutes", "survey_expiry_days", "low_overall", "low_aspect",
                  "low_recommend", "lapsed_days"]  # fmt: skip

    def clean(self):
        data = super().clean()
        limits = {"low_overall": 5, "low_aspect": 5, "low_recommend": 10}
        for name, top in limits.items():
            if data.get(name) is not None and data[name] > top:
                self.add_error(name, _("At most %(top)s.") % {"top": top})
        if data.get("survey_expiry_days") is not None and data["survey_expiry_days"] < 1:
            self.add_error("survey_expiry_days", _("At least one day."))
        if data.get("survey_delay_minutes") is not None and data["survey_delay_minutes"] > 7 * 1440:
            self.add_error("survey_delay_minutes", _("At most a week (10080 minutes)."))
        return data
