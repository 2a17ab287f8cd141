"""The segment builder's form (its filters read the same from a GET for the live count
and from the POST that saves), and a definition told in words."""

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.catalog.models import Service, ServiceCategory
from spa.clients.forms import DATE_WIDGET
from spa.clients.forms_lists import ANY, MONTHS, VisitDaysMixin
from spa.clients.models import Channel, ClientGroup, ClientSource, Gender, Tag, Tier
from spa.core import access
from spa.core.forms import IdChoiceField, IdMultipleChoiceField
from spa.core.money import current_currency, format_money
from spa.office.forms_money import MoneyField
from spa.reports.segments import (
    AGE_BANDS,
    CONSENT_CHOICES,
    MAX_AMOUNT,
    MAX_VISITS,
    OCCUPATION_MAX,
    RFM_GROUP_LABELS,
    SPEND_BAND,
    SPEND_BANDS,
    SegmentDefinition,
)

# "Within the last …" as people say it; a saved number of days not among them is added.
WITHIN = [
    (30, _("1 month")), (60, _("2 months")), (90, _("3 months")), (183, _("6 months")),
    (365, _("1 year")), (730, _("2 years")),
]  # fmt: skip
CHECKS = forms.CheckboxSelectMultiple


def _any(label=None):
    return [("", label or pgettext_lazy("filter", "Any"))]


class SegmentForm(VisitDaysMixin, forms.Form):
    """Every filter of a segment, plus its name when it is saved."""

    name = forms.CharField(label=_("Segment name"), max_length=120, required=False)
    description = forms.CharField(label=_("Note (optional)"), max_length=255, required=False)
    # the client list's filters
    branch = IdChoiceField(label=_("Branch"), queryset=Branch.objects.none(), required=False,
                           empty_label=pgettext_lazy("filter", "All branches"))  # fmt: skip
    tiers = forms.MultipleChoiceField(label=_("Tier"), choices=Tier.choices, required=False,
                                      widget=CHECKS)  # fmt: skip
    tags = IdMultipleChoiceField(label=_("Has any of these tags"), queryset=Tag.objects.all(),
                                 required=False, widget=CHECKS)  # fmt: skip
    source = IdChoiceField(label=_("Source"), queryset=ClientSource.objects.all(), required=False,
                           empty_label=pgettext_lazy("filter", "Any"))  # fmt: skip
    group = IdChoiceField(label=_("Group"), queryset=ClientGroup.objects.all(), required=False,
                          empty_label=pgettext_lazy("filter", "Any"))  # fmt: skip
    gender = forms.ChoiceField(label=_("Gender"), choices=[*_any(), *Gender.choices],
                               required=False)  # fmt: skip
    age_bands = forms.MultipleChoiceField(
        label=_("Age"), choices=[(c, label) for c, label, _lo, _hi in AGE_BANDS],
        required=False, widget=CHECKS,
    )  # fmt: skip
    birth_month = forms.TypedChoiceField(label=_("Birthday in"), choices=[*ANY, *MONTHS],
                                         coerce=int, required=False, empty_value=None)  # fmt: skip
    occupation = forms.CharField(label=_("Occupation contains"), max_length=OCCUPATION_MAX,
                                 required=False)  # fmt: skip
    # visits and money
    rfm_groups = forms.MultipleChoiceField(
        label=_("Client group (by visits and spending)"),
        choices=[(code, name) for code, (name, _about) in RFM_GROUP_LABELS.items()],
        required=False, widget=CHECKS,
    )  # fmt: skip
    visit_after = forms.DateField(label=_("Last visit from"), required=False, widget=DATE_WIDGET)
    visit_before = forms.DateField(label=_("Last visit until"), required=False, widget=DATE_WIDGET)
    visits_min = forms.IntegerField(label=_("At least this many visits"), min_value=1,
                                    max_value=MAX_VISITS, required=False)  # fmt: skip
    spend_band = forms.ChoiceField(
        label=_("Total spent"), choices=[*_any(), *((b.code, b.label) for b in SPEND_BANDS)],
        required=False,
    )  # fmt: skip
    has_debt = forms.BooleanField(label=_("Owes money"), required=False)
    has_package = forms.BooleanField(label=_("Has a package with sessions left"), required=False)
    # service history
    had_service = IdChoiceField(label=_("Has had the service"), queryset=Service.objects.none(),
                                required=False, empty_label=pgettext_lazy("filter", "Any"))  # fmt: skip
    had_category = IdChoiceField(
        label=_("…or a service of the category"), queryset=ServiceCategory.objects.none(),
        required=False, empty_label=pgettext_lazy("filter", "Any"),
    )  # fmt: skip
    had_within = forms.TypedChoiceField(
        label=_("Within the last"), choices=[*_any(_("Any time")), *WITHIN], coerce=int,
        required=False, empty_value=None,
    )  # fmt: skip
    never_service = IdChoiceField(
        label=_("Has never had the service"), queryset=Service.objects.none(), required=False,
        empty_label=pgettext_lazy("filter", "Any"),
    )  # fmt: skip
    # consent
    consent = forms.ChoiceField(label=_("Agrees to marketing by"),
                                choices=[*ANY, *CONSENT_CHOICES], required=False)  # fmt: skip

    GROUPS = (
        (_("Who"), ("branch", "tiers", "tags", "source", "group", "gender", "age_bands",
                    "birth_month", "occupation")),
        (_("Visits and spending"), ("rfm_groups", "visit_after", "visit_before", "visits_min",
                                    "spend_band", "spend_min", "spend_max", "has_debt",
                                    "has_package")),
        (_("Service history"), ("had_service", "had_category", "had_within", "never_service")),
        (_("Marketing consent"), ("consent",)),
    )  # fmt: skip

    def __init__(self, data=None, *, user, saving: bool = False, initial=None):
        super().__init__(data, initial=initial)
        self.user, self.saving = user, saving
        currency = current_currency()
        self.fields["spend_min"] = MoneyField(label=_("Spent at least"), currency=currency,
                                              required=False, max_value=MAX_AMOUNT)  # fmt: skip
        self.fields["spend_max"] = MoneyField(label=_("Spent at most"), currency=currency,
                                              required=False, max_value=MAX_AMOUNT)  # fmt: skip
        if access.client_list_branch_ids(user) is None:
            self.fields["branch"].queryset = Branch.objects.all()
        else:
            del self.fields["branch"]  # a manager's segments are their branch's
        services = Service.objects.order_by("name")
        self.fields["had_service"].queryset = services
        self.fields["never_service"].queryset = services
        self.fields["had_category"].queryset = ServiceCategory.objects.all()
        self.fields["name"].required = saving
        for name in ("visit_after", "visit_before"):
            self.fields[name].widget.attrs["placeholder"] = _("dd/mm/yyyy")
        for name in ("spend_min", "spend_max"):
            self.fields[name].widget.attrs["placeholder"] = _("e.g. 5.000.000")
        within = self.fields["had_within"]
        days = (initial or {}).get("had_within")
        if days and days not in dict(WITHIN):
            within.choices = [*within.choices, (days, _("%(n)s days") % {"n": days})]

    def groups(self):
        """(title, bound fields) of each part of the form, for the template."""
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.GROUPS
        ]

    def clean_name(self):
        return " ".join(self.cleaned_data.get("name", "").replace("\x00", "").split())

    def clean(self):
        data = super().clean()
        after, before = data.get("visit_after"), data.get("visit_before")
        if after and before and after > before:
            self.add_error("visit_before", _("This day is before the “from” day."))
        low, high = data.get("spend_min"), data.get("spend_max")
        if low is not None and high is not None and low > high:
            self.add_error("spend_max", _("This amount is below the “at least” amount."))
        if data.get("had_service") and data.get("had_category"):
            self.add_error("had_category", _("Choose a service or a category, not both."))
        had, never = data.get("had_service"), data.get("never_service")
        if had and never and had.pk == never.pk:
            self.add_error("never_service", _("A client cannot both have had it and never."))
        return data

    def definition(self) -> SegmentDefinition:
        """The definition from what validated (call is_valid first); the rest is left out."""
        data = getattr(self, "cleaned_data", {})

        def pk(name):
            value = data.get(name)
            return value.pk if value is not None else None

        return SegmentDefinition(
            branch_id=pk("branch"), tiers=tuple(sorted(data.get("tiers") or ())),
            tag_ids=tuple(sorted(t.pk for t in data.get("tags") or ())),
            source_id=pk("source"), group_id=pk("group"), gender=data.get("gender") or "",
            age_bands=tuple(sorted(data.get("age_bands") or ())),
            birth_month=data.get("birth_month"), occupation=data.get("occupation") or "",
            visit_after=data.get("visit_after"), visit_before=data.get("visit_before"),
            rfm_groups=tuple(sorted(data.get("rfm_groups") or ())),
            spend_band=data.get("spend_band") or "", spend_min=data.get("spend_min"),
            spend_max=data.get("spend_max"), visits_min=data.get("visits_min"),
            has_debt=bool(data.get("has_debt")), has_package=bool(data.get("has_package")),
            consent_channel=data.get("consent") or "", had_service_id=pk("had_service"),
            had_category_id=pk("had_category"), had_within_days=data.get("had_within"),
            never_service_id=pk("never_service"),
        )  # fmt: skip


def form_initial(definition: SegmentDefinition) -> dict:
    """The form's initial values for a definition (editing, or starting from a built-in)."""
    d = definition
    return {
        "branch": d.branch_id, "tiers": list(d.tiers), "tags": list(d.tag_ids),
        "source": d.source_id, "group": d.group_id, "gender": d.gender,
        "age_bands": list(d.age_bands), "birth_month": d.birth_month, "occupation": d.occupation,
        "rfm_groups": list(d.rfm_groups), "visit_after": d.visit_after,
        "visit_before": d.visit_before, "visits_min": d.visits_min, "spend_band": d.spend_band,
        "spend_min": d.spend_min, "spend_max": d.spend_max, "has_debt": d.has_debt,
        "has_package": d.has_package, "had_service": d.had_service_id,
        "had_category": d.had_category_id, "had_within": d.had_within_days,
        "never_service": d.never_service_id, "consent": d.consent_channel,
    }  # fmt: skip


def definition_summary(definition: SegmentDefinition) -> list[str]:
    """The filters of a definition as words (a deleted tag or service says so)."""
    d, parts = definition, []
    gone = gettext("(deleted)")

    def name_of(model, pk):
        row = model.objects.filter(pk=pk).first()
        return str(row) if row else gone

    def said(label, value):
        parts.append(f"{label}: {value}")

    if d.branch_id:
        said(gettext("Branch"), name_of(Branch, d.branch_id))
    if d.tiers:
        said(gettext("Tier"), ", ".join(str(dict(Tier.choices)[t]) for t in d.tiers))
    if d.tag_ids:
        names = list(Tag.objects.filter(pk__in=d.tag_ids).values_list("name", flat=True))
        said(gettext("Tags"), ", ".join(names) or gone)
    if d.source_id:
        said(gettext("Source"), name_of(ClientSource, d.source_id))
    if d.group_id:
        said(gettext("Group"), name_of(ClientGroup, d.group_id))
    if d.gender:
        said(gettext("Gender"), dict(Gender.choices)[d.gender])
    if d.age_bands:
        labels = {code: label for code, label, _lo, _hi in AGE_BANDS}
        said(gettext("Age"), ", ".join(str(labels[a]) for a in d.age_bands))
    if d.birth_month:
        said(gettext("Birthday in"), dict(MONTHS)[d.birth_month])
    if d.occupation:
        said(gettext("Occupation contains"), d.occupation)
    if d.rfm_groups:
        said(gettext("Client group"), ", ".join(str(RFM_GROUP_LABELS[g][0]) for g in d.rfm_groups))
    if d.visit_after:
        said(gettext("Last visit from"), d.visit_after.strftime("%d/%m/%Y"))
    if d.visit_before:
        said(gettext("Last visit until"), d.visit_before.strftime("%d/%m/%Y"))
    if d.visits_min:
        said(gettext("At least this many visits"), d.visits_min)
    if d.spend_band:
        said(gettext("Total spent"), SPEND_BAND[d.spend_band].label)
    if d.spend_min is not None:
        said(gettext("Spent at least"), format_money(d.spend_min))
    if d.spend_max is not None:
        said(gettext("Spent at most"), format_money(d.spend_max))
    if d.has_debt:
        parts.append(gettext("Owes money"))
    if d.has_package:
        parts.append(gettext("Has a package with sessions left"))
    if d.had_service_id or d.had_category_id or d.had_within_days:
        what = (
            name_of(Service, d.had_service_id) if d.had_service_id
            else name_of(ServiceCategory, d.had_category_id) if d.had_category_id
            else gettext("any service")
        )  # fmt: skip
        if d.had_within_days:
            within = dict(WITHIN).get(d.had_within_days) or gettext("%(n)s days") % {
                "n": d.had_within_days}  # fmt: skip
            said(gettext("Has had"), f"{what} ({gettext('within the last')} {within})")
        else:
            said(gettext("Has had"), what)
    if d.never_service_id:
        said(gettext("Has never had the service"), name_of(Service, d.never_service_id))
    if d.consent_channel:
        said(gettext("Agrees to marketing by"), dict(Channel.choices)[d.consent_channel])
    return [str(p) for p in parts]
