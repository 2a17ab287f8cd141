from datetime import date

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch, Role, User
from spa.clients.models import (
    Allergen,
    Channel,
    Client,
    ClientHealth,
    Condition,
    ConsentMethod,
    ContentKind,
    CustomFieldDefinition,
    CustomFieldKind,
    PregnancyStatus,
    SkinType,
    Tag,
)
from spa.clients.selectors import clients_visible_to
from spa.clients.services import PhoneInput
from spa.core.forms import IdMultipleChoiceField
from spa.core.phone import InvalidPhone, parse_phone
from spa.core.text import name_problems, normalise_name

DATE_WIDGET = forms.DateInput(attrs={"placeholder": _("dd/mm/yyyy"), "inputmode": "numeric"})


def validate_phone(raw: str):
    try:
        return parse_phone(raw)
    except InvalidPhone:
        raise forms.ValidationError(
            _("“%(value)s” is not a valid phone number."), params={"value": raw[:40]}
        ) from None


class ClientForm(forms.ModelForm):
    """Create or edit a profile. Only the name and one phone are required."""

    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    other_phones = forms.CharField(
        label=_("Other phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    content_wanted = forms.MultipleChoiceField(
        label=_("Content wanted"),
        choices=ContentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    referrer_phone = forms.CharField(
        label=_("Referred by (their phone)"), max_length=40, required=False
    )
    tags = IdMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_different = forms.BooleanField(
        label=_(
            "I have checked: this is a different person (for example a relative sharing the phone)."
        ),
        required=False,
    )

    class Meta:
        model = Client
        fields = [
            "full_name", "gender", "birth_date", "email", "address", "occupation",
            "facebook", "zalo", "wechat", "preferred_channel", "content_wanted", "language", "branch",
            "staff_in_charge", "source", "group", "notes_preferences", "notes_family",
            "notes_personality", "notes",
        ]  # fmt: skip
        widgets = {
            "birth_date": DATE_WIDGET,
            "notes_preferences": forms.Textarea(attrs={"rows": 2}),
            "notes_family": forms.Textarea(attrs={"rows": 2}),
            "notes_personality": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["full_name"].widget.attrs.update({"autocomplete": "off", "autofocus": True})
        self.fields["language"].required = False  # Vietnamese unless someone says otherwise
        if user.role != Role.OWNER:
            self.fields["branch"].queryset = Branch.objects.filter(pk=user.branch_id)
            self.fields["branch"].initial = user.branch_id
        else:
            self.fields["branch"].queryset = Branch.objects.filter(is_active=True)
        self.fields["branch"].empty_label = None
        staff = User.objects.filter(is_active=True).exclude(role=Role.OWNER)
        if user.role != Role.OWNER:
            staff = staff.filter(branch_id=user.branch_id)
        self.fields["staff_in_charge"].queryset = staff.order_by("first_name")
        self.custom_definitions = list(CustomFieldDefinition.objects.filter(is_active=True))
        for definition in self.custom_definitions:
            self.fields[f"cf_{definition.pk}"] = self._custom_field(definition)
        if self.instance.pk:
            phones = [p.national for p in self.instance.phones.all()]
            self.initial.setdefault("phone", phones[0] if phones else "")
            self.initial.setdefault("other_phones", "\n".join(phones[1:]))
            if self.instance.referrer_id:
                self.initial.setdefault("referrer_phone", self.instance.referrer.primary_phone)
            self.initial.setdefault("tags", list(self.instance.tags.all()))
            for definition in self.custom_definitions:
                value = self.instance.custom_fields.get(str(definition.pk))
                if value is not None:
                    self.initial.setdefault(f"cf_{definition.pk}", value)

    @staticmethod
    def _custom_field(definition: CustomFieldDefinition) -> forms.Field:
        common = {"label": definition.label, "required": False}
        if definition.kind == CustomFieldKind.NUMBER:
            return forms.DecimalField(max_digits=14, decimal_places=2, **common)
        if definition.kind == CustomFieldKind.DATE:
            return forms.DateField(widget=DATE_WIDGET, **common)
        if definition.kind == CustomFieldKind.CHOICE:
            choices = [("", "—")] + [(c, c) for c in definition.choice_list]
            return forms.ChoiceField(choices=choices, **common)
        return forms.CharField(max_length=500, **common)

    def custom_bound_fields(self):
        return [self[f"cf_{d.pk}"] for d in self.custom_definitions]

    def clean_full_name(self):
        name = normalise_name(self.cleaned_data["full_name"])
        bad = name_problems(name)
        if bad is not None:
            raise forms.ValidationError(
                _("A name may contain only letters, spaces and . ' - (not “%(char)s”)."),
                params={"char": bad},
            )
        if len(name) < 2:
            raise forms.ValidationError(_("Enter the client's full name."))
        return name

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language or settings.LANGUAGE_CODE

    def clean_other_phones(self):
        lines = [ln.strip() for ln in self.cleaned_data["other_phones"].splitlines() if ln.strip()]
        if len(lines) > 5:
            raise forms.ValidationError(_("At most five other phones."))
        return [validate_phone(ln) for ln in lines]

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born and (born > date.today() or born.year < 1900):
            raise forms.ValidationError(_("Enter a real date of birth."))
        return born

    def clean_referrer_phone(self):
        raw = self.cleaned_data["referrer_phone"].strip()
        if not raw:
            return None
        phone = validate_phone(raw)
        referrer = (
            clients_visible_to(self.user)
            .filter(phones__e164=phone.e164)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if referrer is None:
            raise forms.ValidationError(_("No client with this phone was found."))
        return referrer

    def clean(self):
        data = super().clean()
        self.phone_inputs = []
        if data.get("phone"):
            seen = set()
            for phone in [data["phone"], *data.get("other_phones", [])]:
                if phone.e164 not in seen:
                    seen.add(phone.e164)
                    self.phone_inputs.append(PhoneInput(phone=phone))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields if name in data}
        fields["referrer"] = data.get("referrer_phone")
        custom = dict(self.instance.custom_fields or {})
        for definition in self.custom_definitions:
            value = data.get(f"cf_{definition.pk}")
            key = str(definition.pk)
            if value in (None, ""):
                custom.pop(key, None)
            else:
                custom[key] = value.isoformat() if isinstance(value, date) else str(value)
        fields["custom_fields"] = custom
        return fields


class AllergyForm(forms.Form):
    """The allergy part of the health section: every role but a restricted technician."""

    allergens = IdMultipleChoiceField(
        label=_("Allergies"),
        queryset=Allergen.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allergy_notes = forms.CharField(
        label=_("Other allergies"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def health_values(self) -> dict:
        return {
            "allergen_ids": [a.pk for a in self.cleaned_data["allergens"]],
            "allergy_notes": self.cleaned_data["allergy_notes"].strip(),
        }


class HealthForm(AllergyForm):
    condition_list = IdMultipleChoiceField(
        label=_("Conditions"),
        queryset=Condition.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions = forms.CharField(
        label=_("Medical history and chronic conditions"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    medications = forms.CharField(
        label=_("Current medications"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    pregnancy = forms.ChoiceField(
        label=_("Pregnancy / breastfeeding"), choices=PregnancyStatus.choices, required=False
    )
    skin_type = forms.ChoiceField(label=_("Skin type"), choices=SkinType.choices, required=False)
    skin_concerns = forms.CharField(
        label=_("Skin and body concerns"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    confirmed = forms.BooleanField(
        label=_("The client confirmed these answers today"), required=False
    )

    def health_values(self) -> dict:
        values = super().health_values()
        values["condition_ids"] = [c.pk for c in self.cleaned_data["condition_list"]]
        for key in ["conditions", "medications", "pregnancy", "skin_type", "skin_concerns"]:
            values[key] = self.cleaned_data[key].strip()
        return values


def health_initial(health: ClientHealth | None) -> dict:
    values = health.values() if health else dict(ClientHealth.EMPTY)
    return {
        **values,
        "allergens": values["allergen_ids"],
        "condition_list": values["condition_ids"],
    }


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    granted = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[("1", _("Agrees to receive marketing")), ("0", _("Does not agree / withdraws"))],
        coerce=lambda v: v == "1",
    )
    method = forms.ChoiceField(label=_("How it was given"), choices=ConsentMethod.choices)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(
        attrs={"accept": "image/*", "capture": "user"}
    ))  # fmt: skip

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        limit = settings.CLIENT_PHOTO_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The photo is too large (%(size)s MB); the limit is %(limit)s MB."),
                params={"size": round(upload.size / 1048576, 1), "limit": limit // 1048576},
            )
        return upload


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
    confirm_name = forms.CharField(
        label=_("Type the client's full name to confirm"), max_length=120
    )
