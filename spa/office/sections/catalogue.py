"""Catalogue settings: service categories (more sections of the catalogue go here)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from spa.catalog.models import ServiceCategory
from spa.core import access
from spa.office.sections import Section, register


class CategoryForm(forms.ModelForm):
    class Meta:
        model = ServiceCategory
        fields = ["name", "position"]


register(Section(
    slug="categories", group="catalogue", order=10, title=_("Service categories"),
    model=ServiceCategory, form_class=CategoryForm,
    columns=[(_("Name"), lambda c: c.name), (_("Position"), lambda c: c.position)],
    allowed=access.can_manage_spa,
    queryset=lambda user: ServiceCategory.objects.order_by("position", "name"),
    deactivate_field=None,
))  # fmt: skip
