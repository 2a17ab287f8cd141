from django import forms
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Role, User
from spa.catalog.models import Product, Service
from spa.clients.forms import DATE_WIDGET
from spa.core.forms import IdChoiceField, IdMultipleChoiceField
from spa.treatments.models import PackageStatus, PatchResult, PhotoKind, TreatmentPackage


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once (a phone's camera roll), each size-checked."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        limit = settings.CLIENT_PHOTO_MAX_BYTES
        for f in cleaned:
            if f.size > limit:
                raise forms.ValidationError(
                    _("The photo is too large (%(size)s MB); the limit is %(limit)s MB."),
                    params={"size": round(f.size / 1048576, 1), "limit": limit // 1048576},
                )
        if len(cleaned) > 12:
            raise forms.ValidationError(_("At most 12 photos per session."))
        return cleaned


class SessionForm(forms.Form):
    performed_at = forms.DateTimeField(label=_("Date and time"))
    services = IdMultipleChoiceField(
        label=_("Services"), queryset=Service.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    technicians = IdMultipleChoiceField(
        label=_("Technicians"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    package = IdChoiceField(
        label=_("Use a session of the package"), queryset=TreatmentPackage.objects.none(), required=False,
        empty_label=_("No package (pay per visit)"),
    )  # fmt: skip
    reaction = forms.CharField(label=_("Skin / body reaction"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    result = forms.CharField(label=_("Result"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"), required=False, coerce=int, empty_value=None,
        choices=[("", "—")] + [(i, "★" * i) for i in range(1, 6)], widget=forms.RadioSelect,
    )  # fmt: skip
    photos_before = PhotosField(label=_("Photos before"))
    photos_after = PhotosField(label=_("Photos after"))
    acknowledge = forms.BooleanField(
        label=_("I have read the warnings and the client agrees to go ahead."), required=False
    )
    override_username = forms.CharField(
        label=_("Manager's username"), required=False, max_length=150
    )
    override_password = forms.CharField(
        label=_("Manager's password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )
    override_reason = forms.CharField(
        label=_("Reason for the override"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, client, branch, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.filter(is_active=True).select_related(
            "category"
        )
        self.fields["technicians"].queryset = User.objects.filter(
            Q(is_active=True, branch=branch, role__in=[Role.TECHNICIAN, Role.MANAGER])
            | Q(pk=user.pk)
        ).order_by("first_name")
        today = timezone.localdate()
        self.fields["package"].queryset = TreatmentPackage.objects.filter(
            client=client, status=PackageStatus.ACTIVE, used_sessions__lt=F("total_sessions")
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        self.initial.setdefault(
            "performed_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        if user.role == Role.TECHNICIAN:
            self.initial.setdefault("technicians", [user.pk])

    def clean(self):
        data = super().clean()
        names = ["override_username", "override_password", "override_reason"]
        given = [bool(data.get(n)) for n in names]
        if any(given) and not all(given):
            raise forms.ValidationError(
                _("For an override, the manager enters their username, password and a reason.")
            )
        return data

    def photos(self) -> list[tuple[str, bytes]]:
        out = [(PhotoKind.BEFORE, f.read()) for f in self.cleaned_data["photos_before"]]
        out += [(PhotoKind.AFTER, f.read()) for f in self.cleaned_data["photos_after"]]
        return out


class ProductLineForm(forms.Form):
    product = IdChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True).order_by("-kind", "name"),
        required=False,
    )  # fmt: skip
    quantity = forms.DecimalField(
        label=_("Quantity"), required=False, min_value=0.001, max_digits=12, decimal_places=3
    )
    batch = forms.CharField(label=_("Batch"), required=False, max_length=40)

    def clean(self):
        data = super().clean()
        if data.get("product") and not data.get("quantity"):
            self.add_error("quantity", _("How much was used?"))
        if data.get("quantity") and not data.get("product"):
            self.add_error("product", _("Which product?"))
        return data


ProductLineFormSet = forms.formset_factory(ProductLineForm, extra=3, max_num=20)


class PatchTestForm(forms.Form):
    tested_on = forms.DateField(label=_("Tested on"), widget=DATE_WIDGET)
    result = forms.ChoiceField(
        label=_("Result"), choices=PatchResult.choices, widget=forms.RadioSelect
    )
    service = IdChoiceField(
        label=_("For service"), queryset=Service.objects.filter(is_active=True), required=False
    )
    product = IdChoiceField(
        label=_("Product tested"), queryset=Product.objects.filter(is_active=True), required=False
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=255)

    def clean_tested_on(self):
        day = self.cleaned_data["tested_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A patch test cannot be in the future."))
        return day
