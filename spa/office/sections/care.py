"""Client care settings: surveys and thresholds (a page of spa.care), and the check-ins
after a service the care queue lists (day 1 and day 7 after a peel, say)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from spa.care.models import CheckInRule
from spa.catalog.models import Service
from spa.core import access
from spa.core.forms import IdChoiceField
from spa.office.sections import Section, link, register

MAX_DAY = 365


class CheckInRuleForm(forms.ModelForm):
    days = forms.CharField(
        label=_("Days after the session"), max_length=100,
        help_text=_("Separated by commas, e.g. 1, 7."),
    )  # fmt: skip

    class Meta:
        model = CheckInRule
        fields = ["service", "days"]
        field_classes = {"service": IdChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(is_active=True).order_by("name")
        if self.instance.pk:
            self.initial["days"] = ", ".join(str(d) for d in self.instance.days)

    def clean_days(self):
        parts = [p.strip() for p in self.cleaned_data["days"].replace(";", ",").split(",")]
        parts = [p for p in parts if p]
        if not parts or not all(p.isdigit() and 1 <= int(p) <= MAX_DAY for p in parts):
            raise forms.ValidationError(
                _("Whole numbers of days from 1 to %(max)s, separated by commas.")
                % {"max": MAX_DAY}
            )
        return sorted({int(p) for p in parts})


link(slug="care", group="messages", order=60, title=_("Surveys and client care"),
     url_name="care:settings", allowed=access.can_manage_care_settings,
     help=_("When the survey after a visit goes out, how long its link works, which scores "
            "open a care task, when a client counts as lapsed."))  # fmt: skip

register(Section(
    slug="check-ins", group="catalogue", order=80, title=_("Check-ins after a service"),
    help=_("The care queue lists the clients to call on these days after a session."),
    model=CheckInRule, form_class=CheckInRuleForm,
    columns=[(_("Service"), lambda r: r.service.name),
             (_("Days after the session"), lambda r: ", ".join(str(d) for d in r.days))],
    allowed=access.can_manage_care_settings,
    queryset=lambda user: CheckInRule.objects.select_related("service").order_by("service__name"),
))  # fmt: skip
