"""The client list's filter form: read from the query string (bookmarkable). A value
that does not validate is dropped with its message; the other filters still apply."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from spa.accounts.models import Branch
from spa.clients.forms import DATE_WIDGET
from spa.clients.models import Channel, ClientGroup, ClientSource, Tag, Tier
from spa.clients.selectors_lists import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    PAGE_SIZES,
    SORTS,
    ClientFilters,
)
from spa.core import access
from spa.core.forms import IdChoiceField
from spa.core.params import FIRST_DAY, LAST_DAY

MONTHS = [
    (1, _("January")), (2, _("February")), (3, _("March")), (4, _("April")), (5, _("May")),
    (6, _("June")), (7, _("July")), (8, _("August")), (9, _("September")), (10, _("October")),
    (11, _("November")), (12, _("December")),
]  # fmt: skip
ANY = [("", pgettext_lazy("filter", "Any"))]


class VisitDaysMixin:
    """The "last visit after / before" days of a filter form: real days only."""

    def _day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(_("Enter a real day, as dd/mm/yyyy."))
        return day

    def clean_visit_after(self):
        return self._day("visit_after")

    def clean_visit_before(self):
        return self._day("visit_before")


class ClientListForm(VisitDaysMixin, forms.Form):
    branch = IdChoiceField(label=_("Branch"), queryset=Branch.objects.none(), required=False,
                           empty_label=pgettext_lazy("filter", "All branches"))  # fmt: skip
    tier = forms.ChoiceField(label=_("Tier"), choices=[*ANY, *Tier.choices], required=False)
    tag = IdChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False,
                        empty_label=pgettext_lazy("filter", "Any"))  # fmt: skip
    source = IdChoiceField(label=_("Source"), queryset=ClientSource.objects.all(), required=False,
                           empty_label=pgettext_lazy("filter", "Any"))  # fmt: skip
    group = IdChoiceField(label=_("Group"), queryset=ClientGroup.objects.all(), required=False,
                          empty_label=pgettext_lazy("filter", "Any"))  # fmt: skip
    birth_month = forms.TypedChoiceField(label=_("Birthday in"), choices=[*ANY, *MONTHS],
                                         coerce=int, required=False, empty_value=None)  # fmt: skip
    visit_after = forms.DateField(label=_("Last visit from"), required=False, widget=DATE_WIDGET)
    visit_before = forms.DateField(label=_("Last visit until"), required=False, widget=DATE_WIDGET)
    consent = forms.ChoiceField(label=_("Agrees to marketing by"),
                                choices=[*ANY, *Channel.choices], required=False)  # fmt: skip
    has_debt = forms.BooleanField(label=_("Owes money"), required=False)
    has_package = forms.BooleanField(label=_("Has a package with sessions left"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[(code, s.label) for code, s in SORTS.items()])  # fmt: skip
    size = forms.TypedChoiceField(label=_("Per page"), coerce=int, required=False,
                                  choices=[(n, str(n)) for n in PAGE_SIZES])  # fmt: skip

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        branches = access.client_list_branch_ids(user)
        if branches is None:
            self.fields["branch"].queryset = Branch.objects.all()
        else:
            del self.fields["branch"]  # their own branch only: nothing to choose
        for name in ("visit_after", "visit_before"):
            self.fields[name].widget.attrs["placeholder"] = _("dd/mm/yyyy")

    def clean(self):
        data = super().clean()
        after, before = data.get("visit_after"), data.get("visit_before")
        if after and before and after > before:
            self.add_error("visit_before", _("This day is before the “from” day."))
        return data

    def read(self) -> tuple[ClientFilters, str, int]:
        """(filters, sort code, page size) from what validated; the rest is ignored."""
        self.is_valid()
        data = self.cleaned_data

        def pk(name):
            value = data.get(name)
            return value.pk if value is not None else None

        filters = ClientFilters(
            branch_id=pk("branch") if "branch" in self.fields else None,
            tier=data.get("tier") or "", tag_id=pk("tag"), source_id=pk("source"),
            group_id=pk("group"), birth_month=data.get("birth_month"),
            visit_after=data.get("visit_after"), visit_before=data.get("visit_before"),
            has_debt=bool(data.get("has_debt")), has_package=bool(data.get("has_package")),
            consent_channel=data.get("consent") or "",
        )  # fmt: skip
        sort = data.get("sort") or DEFAULT_SORT
        size = data.get("size") or DEFAULT_PAGE_SIZE
        return filters, sort, size

    def summary(self) -> str:
        """The filters that apply, as words (for the export's history entry)."""
        parts = []
        for name, bound in self.fields.items():
            if name in ("sort", "size") or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if value in (None, "", False):
                continue
            if value is True:
                parts.append(str(bound.label))
                continue
            if isinstance(bound, forms.ChoiceField) and not isinstance(bound, IdChoiceField):
                value = dict(bound.choices).get(value, value)
            elif hasattr(value, "strftime"):
                value = value.strftime("%d/%m/%Y")
            parts.append(f"{bound.label}: {value}")
        return "; ".join(parts)
