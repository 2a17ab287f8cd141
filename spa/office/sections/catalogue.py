"""Catalogue settings: service categories, services (with their price at each branch),
safety rules, rooms and machines, products and the price list of package cards."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.catalog.models import (
    PackageTemplate,
    Product,
    Resource,
    ResourceKind,
    RuleKind,
    Service,
    ServiceCategory,
    ServicePrice,
    ServiceRule,
    ValidityUnit,
)
from spa.core import access
from spa.core.forms import IdChoiceField, IdMultipleChoiceField
from spa.core.money import format_money
from spa.office.audit import record_settings_change, snapshot
from spa.office.presenter import ITEM_CHOICES
from spa.office.sections import Section, link, register

MONEY = {"inputmode": "numeric", "step": 1000}
ITEM_CHOICES["catalog.service.resource_kinds"] = ResourceKind


class CategoryForm(forms.ModelForm):
    class Meta:
        model = ServiceCategory
        fields = ["name", "position", "commission_percent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commission_percent"].required = False  # empty: no commission

    def clean_commission_percent(self):
        return self.cleaned_data["commission_percent"] or 0


register(Section(
    slug="categories", group="catalogue", order=10, title=_("Service categories"),
    model=ServiceCategory, form_class=CategoryForm,
    columns=[(_("Name"), lambda c: c.name), (_("Position"), lambda c: c.position),
             (_("Commission"), lambda c: f"{c.commission_percent:g}%" if c.commission_percent else "–")],
    allowed=access.can_manage_spa,
    queryset=lambda user: ServiceCategory.objects.order_by("position", "name"),
    deactivate_field=None,
))  # fmt: skip


def _price_field(branch: Branch) -> str:
    return f"price_{branch.pk}"


class ServiceForm(forms.ModelForm):
    """The service and, on the same page, its price at each branch: an empty price means
    the branch does not offer it (booking and the session log find no price there)."""

    resource_kinds = forms.MultipleChoiceField(
        label=_("Needs"), choices=ResourceKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A booking reserves one free room or machine of each kind ticked."),
    )  # fmt: skip

    class Meta:
        model = Service
        fields = ["name", "category", "duration_minutes", "description", "resource_kinds",
                  "resources"]  # fmt: skip
        field_classes = {"category": IdChoiceField, "resources": IdMultipleChoiceField}
        widgets = {"resources": forms.CheckboxSelectMultiple, "description": forms.Textarea(
            attrs={"rows": 3})}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        duration = self.fields["duration_minutes"]
        duration.widget.attrs.update(min=5, max=600)
        duration.validators = [*duration.validators, _within(5, 600)]
        resources = self.fields["resources"]
        resources.queryset = Resource.objects.filter(is_active=True).select_related("branch")
        resources.help_text = _(
            "None ticked: any free room or machine of the kind needed. Ticked: only these, "
            "at their branch."
        )
        self.fields["category"].empty_label = "—"
        self.branches = list(Branch.objects.filter(is_active=True).order_by("name"))
        prices = {}
        if self.instance.pk:
            prices = dict(self.instance.prices.values_list("branch_id", "price"))
        for branch in self.branches:
            self.fields[_price_field(branch)] = forms.IntegerField(
                label=_("Price at %(branch)s") % {"branch": branch.name}, required=False,
                min_value=0, max_value=10**12, initial=prices.get(branch.pk),
                widget=forms.NumberInput(attrs=MONEY),
                help_text=_("Empty: not offered at this branch."),
            )  # fmt: skip


def _save_service(actor, form: ServiceForm):
    """The service, then each branch's price with its own audit entry."""
    service = form.save()
    current = {p.branch_id: p for p in ServicePrice.objects.filter(service=service)}
    for branch in form.branches:
        wanted = form.cleaned_data.get(_price_field(branch))
        row = current.get(branch.pk)
        if row is None and wanted is None:
            continue
        if row is None:
            row = ServicePrice.objects.create(service=service, branch=branch, price=wanted)
            record_settings_change(actor=actor, obj=row, before={})
        elif wanted is None:
            before = snapshot(row)
            ServicePrice.objects.filter(pk=row.pk).delete()
            record_settings_change(actor=actor, obj=row, before=before,
                                   after={**before, "price": None})  # fmt: skip
        elif row.price != wanted:
            before = snapshot(row)
            row.price = wanted
            row.save(update_fields=["price"])
            record_settings_change(actor=actor, obj=row, before=before)
    return service


def _prices_text(service: Service) -> str:
    rows = sorted(service.prices.all(), key=lambda p: p.branch.name)
    return "; ".join(f"{p.branch.name}: {format_money(p.price)}" for p in rows)


register(Section(
    slug="services", group="catalogue", order=20, title=_("Services"),
    help=_("A service is offered at the branches where it has a price."),
    model=Service, form_class=ServiceForm,
    columns=[
        (_("Name"), lambda s: s.name), (_("Category"), lambda s: s.category.name),
        (_("Duration"), lambda s: _("%(n)s min") % {"n": s.duration_minutes}),
        (_("Price per branch"), _prices_text),
    ],
    allowed=access.can_manage_spa,
    queryset=lambda user: Service.objects.select_related("category").prefetch_related(
        "prices__branch").order_by("category__position", "category__name", "name"),
    save=_save_service,
))  # fmt: skip


class RuleForm(forms.ModelForm):
    """One safety rule; only the detail its kind needs is kept."""

    class Meta:
        model = ServiceRule
        fields = ["service", "kind", "condition", "allergen", "patch_test_days", "hard"]
        field_classes = {"service": IdChoiceField, "condition": IdChoiceField,
                         "allergen": IdChoiceField}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        days = self.fields["patch_test_days"]
        days.validators = [*days.validators, _within(1, 3650)]
        days.widget.attrs.update(min=1, max=3650)
        self.fields["kind"].choices = [("", "—"), *RuleKind.choices]
        for name in ("service", "condition", "allergen"):
            self.fields[name].empty_label = "—"

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        needs = {RuleKind.CONDITION: "condition", RuleKind.ALLERGEN: "allergen",
                 RuleKind.PATCH_TEST: "patch_test_days"}  # fmt: skip
        for rule_kind, name in needs.items():
            if kind == rule_kind and data.get(name) in (None, ""):
                self.add_error(name, _("This rule needs it."))
            elif kind != rule_kind:
                data[name] = None
        return data


def _rules(user):
    return ServiceRule.objects.select_related("service", "condition", "allergen").order_by(
        "service__name", "kind", "id"
    )


def _rule_detail(rule: ServiceRule) -> str:
    if rule.kind == RuleKind.PATCH_TEST:
        return _("within %(n)s days") % {"n": rule.patch_test_days}
    return str(rule.condition or rule.allergen or "")


register(Section(
    slug="rules", group="catalogue", order=30, title=_("Safety rules"),
    help=_("Checked against the client's health section before a session is saved."),
    model=ServiceRule, form_class=RuleForm,
    columns=[
        (_("Service"), lambda r: r.service.name), (_("Rule"), lambda r: r.get_kind_display()),
        (_("Detail"), _rule_detail),
        (_("Blocks the session"), lambda r: _("Yes") if r.hard else _("No, a warning")),
    ],
    allowed=access.can_manage_spa, queryset=_rules, deactivate_field=None,
    row_links=[(_("Delete"), lambda r: reverse("office:catalogue_rule_delete", args=[r.pk]))],
))  # fmt: skip


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["branch", "name", "kind"]
        field_classes = {"branch": IdChoiceField}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        branches = Branch.objects.filter(is_active=True)
        ids = access.settings_branch_ids(user)
        if ids is not None:
            branches = branches.filter(pk__in=ids)
        self.fields["branch"].queryset = branches
        self.fields["branch"].empty_label = None if ids is not None else "—"


def _resources(user):
    rows = Resource.objects.select_related("branch").order_by("branch__name", "kind", "name")
    ids = access.settings_branch_ids(user)
    return rows if ids is None else rows.filter(branch_id__in=ids)


register(Section(
    slug="resources", group="catalogue", order=40, title=_("Rooms and machines"),
    help=_("Bookings reserve them; a service needs one of each kind it names."),
    model=Resource, form_class=ResourceForm,
    columns=[
        (_("Name"), lambda r: r.name), (_("Kind"), lambda r: r.get_kind_display()),
        (_("Branch"), lambda r: r.branch.name),
    ],
    allowed=access.can_manage_branch_catalogue, queryset=_resources,
))  # fmt: skip


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "sku", "kind", "unit", "allergens", "retail_price", "cost"]
        field_classes = {"allergens": IdMultipleChoiceField}
        widgets = {
            "allergens": forms.CheckboxSelectMultiple,
            "retail_price": forms.NumberInput(attrs=MONEY),
            "cost": forms.NumberInput(attrs=MONEY),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("retail_price", "cost"):
            field = self.fields[name]
            field.widget.attrs.update(min=0)
            field.validators = [*field.validators, _within(0, 10**12)]

    def clean_sku(self):
        return self.cleaned_data["sku"].strip().upper()


register(Section(
    slug="products", group="catalogue", order=50, title=_("Products"),
    model=Product, form_class=ProductForm,
    columns=[
        (_("Name"), lambda p: p.name), (_("Code"), lambda p: p.sku),
        (_("Kind"), lambda p: p.get_kind_display()), (_("Unit"), lambda p: p.unit),
        (_("Retail price"), lambda p: format_money(p.retail_price)),
        (_("Cost"), lambda p: format_money(p.cost)),
    ],
    allowed=access.can_manage_spa, queryset=lambda user: Product.objects.order_by("name"),
))  # fmt: skip


class PackageTemplateForm(forms.ModelForm):
    class Meta:
        model = PackageTemplate
        fields = ["name", "services", "total_sessions", "price", "validity", "validity_unit"]
        field_classes = {"services": IdMultipleChoiceField}
        widgets = {"services": forms.CheckboxSelectMultiple,
                   "price": forms.NumberInput(attrs=MONEY)}  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.filter(is_active=True)
        for name, low, high in (("total_sessions", 1, 200), ("price", 0, 10**12),
                                ("validity", 1, 3650)):  # fmt: skip
            field = self.fields[name]
            field.widget.attrs.update(min=low)
            field.validators = [*field.validators, _within(low, high)]


def _within(low, high):
    def check(value):
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(
                _("Between %(low)s and %(high)s.") % {"low": low, "high": high}
            )

    return check


def _validity_text(t: PackageTemplate) -> str:
    if not t.validity:
        return _("No expiry")
    unit = _("months") if t.validity_unit == ValidityUnit.MONTHS else _("days")
    return f"{t.validity} {unit}"


register(Section(
    slug="package-templates", group="catalogue", order=60, title=_("Package cards (price list)"),
    help=_("Cards offered at the desk: choosing one when selling fills in its services, "
           "sessions, price and expiry."),
    model=PackageTemplate, form_class=PackageTemplateForm,
    columns=[
        (_("Name"), lambda t: t.name), (_("Sessions"), lambda t: t.total_sessions),
        (_("Price"), lambda t: format_money(t.price)), (_("Valid for"), _validity_text),
    ],
    allowed=access.can_manage_spa,
    queryset=lambda user: PackageTemplate.objects.order_by("name"),
))  # fmt: skip


link(slug="stock", group="stock", order=10, title=_("Stock levels"), url_name="office:stock",
     allowed=access.can_manage_branch_catalogue,
     help=_("Receive goods, count, move between branches, low-stock thresholds."))  # fmt: skip
link(slug="stock-low", group="stock", order=20, title=_("Low stock"), url_name="office:stock_low",
     allowed=access.can_manage_branch_catalogue)  # fmt: skip
