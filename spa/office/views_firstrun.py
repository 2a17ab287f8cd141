from django import forms
from django.contrib.auth import login
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from spa.accounts.models import Branch, User
from spa.core.phone import InvalidPhone, parse_phone
from spa.office.firstrun import AlreadySetUp, FirstRun, first_run, needs_first_run


class FirstRunForm(forms.Form):
    spa_name = forms.CharField(label=_("Spa name"), max_length=120)
    branch_name = forms.CharField(label=_("First branch"), max_length=120,
                                  help_text=_("For example: Chi nhánh Quận 1"))  # fmt: skip
    branch_code = forms.SlugField(
        label=_("Branch code"), max_length=20,
        help_text=_("Short, without spaces or accents: it is the address of the online booking page."),
        error_messages={"invalid": _("Use letters without accents, digits and - only (for example q1).")},
    )  # fmt: skip
    branch_address = forms.CharField(label=_("Address"), max_length=255, required=False)
    branch_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    full_name = forms.CharField(label=_("Your full name"), max_length=120)
    username = forms.RegexField(
        label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and . _ - only; used to log in."),
        error_messages={"invalid": _("Use letters, digits and . _ - only, without spaces.")},
    )  # fmt: skip
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), help_text=password_validators_help_text_html)  # fmt: skip
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))  # fmt: skip

    def clean_branch_code(self):
        code = self.cleaned_data["branch_code"].lower()
        if Branch.objects.filter(code=code).exists():
            raise ValidationError(_("Another branch already uses this code."))
        return code

    def clean_branch_phone(self):
        raw = self.cleaned_data["branch_phone"].strip()
        if not raw:
            return ""
        try:
            return parse_phone(raw).national
        except InvalidPhone as exc:
            raise ValidationError(_("This is not a phone number.")) from exc

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords are not the same."))
        return data


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    if not needs_first_run():
        raise Http404
    form = FirstRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            owner = first_run(FirstRun(
                spa_name=d["spa_name"], branch_name=d["branch_name"], branch_code=d["branch_code"],
                branch_address=d["branch_address"], branch_phone=d["branch_phone"],
                full_name=d["full_name"], username=d["username"], password=d["password1"],
                language=get_language() or "vi",
            ))  # fmt: skip
        except AlreadySetUp as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            login(request, owner, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("office:index")
    return render(request, "office/welcome.html", {"form": form})


def login_or_welcome(view):
    """The login page sends the very first visitor of a new spa to /welcome/."""

    def wrapped(request, *args, **kwargs):
        if request.method == "GET" and not User.objects.exists():
            return redirect("welcome")
        return view(request, *args, **kwargs)

    return wrapped
