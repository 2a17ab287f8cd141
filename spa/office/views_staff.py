"""A colleague's services, working hours, time off and password. The owner reaches
everyone but themselves; a manager their branch's receptionists and technicians (anyone
else is not found)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from spa.accounts.models import User
from spa.booking.models import TimeOff
from spa.core import access
from spa.office.forms_staff import ShiftsForm, StaffServicesForm, TimeOffForm
from spa.office.services_staff import (
    shifts_set,
    staff_password_reset,
    staff_services_set,
    time_off_add,
    time_off_remove,
)


def _colleague(request: HttpRequest, pk: int) -> User:
    if not access.can_manage_staff(request.user):
        raise PermissionDenied
    staff = User.objects.filter(access.staff_scope(request.user), pk=pk).select_related("branch")
    staff = staff.first()
    if staff is None:
        raise Http404
    return staff


def _page(request, template: str, staff: User, here: str, **context) -> HttpResponse:
    return render(request, f"office/staff/{template}", {"staff": staff, "here": here, **context})


@login_required
@require_http_methods(["GET", "POST"])
def services(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _colleague(request, pk)
    form = StaffServicesForm(request.POST if request.method == "POST" else None, staff=staff)
    if request.method == "POST" and form.is_valid():
        staff_services_set(
            actor=request.user, staff=staff, services=list(form.cleaned_data["services"])
        )
        messages.success(request, _("Services saved."))
        return redirect("office:staff_services", pk=staff.pk)
    return _page(request, "services.html", staff, "services", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def hours(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _colleague(request, pk)
    form = ShiftsForm(request.POST if request.method == "POST" else None, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            shifts_set(actor=request.user, staff=staff, week=form.cleaned_data["week"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Working hours saved."))
            return redirect("office:staff_hours", pk=staff.pk)
    return _page(request, "hours.html", staff, "hours", form=form)


@login_required
@require_http_methods(["GET", "POST"])
def time_off(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _colleague(request, pk)
    form = TimeOffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            time_off_add(actor=request.user, staff=staff, start=data["start"], end=data["end"],
                         reason=data["reason"])  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Time off saved."))
            return redirect("office:staff_time_off", pk=staff.pk)
    since = timezone.now() - timedelta(days=30)
    rows = TimeOff.objects.filter(staff=staff, end__gte=since).order_by("start")[:200]
    return _page(request, "time_off.html", staff, "time_off", form=form, rows=rows)


@login_required
@require_POST
def time_off_remove_view(request: HttpRequest, pk: int, time_off_id: int) -> HttpResponse:
    staff = _colleague(request, pk)
    row = TimeOff.objects.filter(pk=time_off_id, staff=staff).first()
    if row is None:
        raise Http404
    time_off_remove(actor=request.user, time_off=row)
    messages.success(request, _("Time off removed."))
    return redirect("office:staff_time_off", pk=staff.pk)


@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _colleague(request, pk)
    if not access.can_reset_password(request.user, staff):
        raise PermissionDenied
    form = SetPasswordForm(staff, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        staff_password_reset(actor=request.user, staff=staff,
                             password=form.cleaned_data["new_password1"])  # fmt: skip
        messages.success(
            request,
            _("New password set for %(name)s. Give it to them in person; they can change it "
              "on their account page.") % {"name": staff.display_name},
        )  # fmt: skip
        return redirect("office:section", slug="staff")
    return _page(request, "password.html", staff, "password", form=form)
