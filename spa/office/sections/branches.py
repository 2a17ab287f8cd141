"""Branch settings: name, address, phone and booking-page code (the owner's), and each
branch's opening hours and closures (the owner's, and a manager's for their branch)."""

from django import forms
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch, Role
from spa.booking.models import Weekday
from spa.core import access
from spa.office import presenter
from spa.office.sections import Section, link, register
from spa.office.services_branches import CLOSED


class BranchForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = ["name", "code", "address", "phone"]
        help_texts = {
            "code": _(
                "Short, without spaces or accents, e.g. q1. The online booking page of the "
                "branch is /book/<code>/."
            ),
        }
        error_messages = {
            "code": {
                "invalid": _("Use only letters without accents, digits and hyphens, e.g. q1.")
            },
        }

    def clean_code(self):
        return self.cleaned_data["code"].lower()


def _booking_page(branch: Branch) -> str:
    return reverse("public_booking:page", args=[branch.code])


register(Section(
    slug="branches", group="branches", order=10, title=_("Branches"),
    model=Branch, form_class=BranchForm,
    columns=[(_("Name"), lambda b: b.name), (_("Code"), lambda b: b.code),
             (_("Address"), lambda b: b.address), (_("Phone"), lambda b: b.phone),
             (_("Online booking page"), _booking_page)],
    allowed=access.can_manage_spa,
    queryset=lambda user: Branch.objects.order_by("name"),
    row_links=[
        (_("Opening hours"), lambda b: reverse("office:branches_hours", args=[b.pk])),
        (_("Closures"), lambda b: reverse("office:branches_closures", args=[b.pk])),
    ],
))  # fmt: skip

link(
    slug="branch-schedule", group="branches", order=20,
    title=_("Opening hours and closures of my branch"), url_name="office:branches_mine",
    allowed=lambda user: access.can_open_settings(user) and user.role == Role.MANAGER,
)  # fmt: skip

for _day in Weekday:
    presenter.EXTRA_LABELS[f"opening_{_day.value}"] = format_lazy(
        "{}: {}", _("Opening hours"), _day.label
    )
    presenter.EXTRA_VALUES[f"opening_{_day.value}"] = {CLOSED: _("closed")}
