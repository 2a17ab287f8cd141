"""Opening hours and closures of a branch: the owner for every branch, a manager for
their own (another branch's pages are not found)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from spa.accounts.models import Branch
from spa.booking.models import Closure
from spa.core import access
from spa.office.forms_branches import ClosureForm, OpeningHoursForm
from spa.office.services_branches import closure_add, closure_remove, opening_hours_set


def _branch(request: HttpRequest, pk: int) -> Branch:
    if not access.can_open_settings(request.user):
        raise PermissionDenied
    branch = Branch.objects.filter(pk=pk).first()
    if branch is None or not access.can_edit_branch_schedule(request.user, branch.pk):
        raise Http404
    return branch


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A manager's way in: their branch's opening hours."""
    if not access.can_open_settings(request.user):
        raise PermissionDenied
    if request.user.branch_id is None:
        return redirect("office:section", slug="branches")
    return redirect("office:branches_hours", pk=request.user.branch_id)


@login_required
@require_http_methods(["GET", "POST"])
def hours(request: HttpRequest, pk: int) -> HttpResponse:
    branch = _branch(request, pk)
    form = OpeningHoursForm(request.POST if request.method == "POST" else None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            opening_hours_set(actor=request.user, branch=branch, week=form.cleaned_data["week"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Opening hours saved."))
            return redirect("office:branches_hours", pk=branch.pk)
    return render(request, "office/branches/hours.html", {"branch": branch, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def closures(request: HttpRequest, pk: int) -> HttpResponse:
    branch = _branch(request, pk)
    every = access.can_manage_spa(request.user)
    form = ClosureForm(
        request.POST if request.method == "POST" else None, may_close_every_branch=every
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        targets = (
            list(Branch.objects.filter(is_active=True)) if data.get("every_branch") else [branch]
        )
        with transaction.atomic():
            for target in targets:
                closure_add(actor=request.user, branch=target, first_day=data["first_day"],
                            last_day=data["last_day"], reason=data["reason"])  # fmt: skip
        messages.success(request, _("Closure saved."))
        return redirect("office:branches_closures", pk=branch.pk)
    today = timezone.localdate()
    rows = Closure.objects.filter(branch=branch)
    show_past = request.GET.get("show") == "past"
    rows = (
        rows.filter(last_day__lt=today).order_by("-first_day")
        if show_past
        else rows.filter(last_day__gte=today)
    )
    return render(request, "office/branches/closures.html", {
        "branch": branch, "form": form, "closures": rows[:200], "show_past": show_past,
    })  # fmt: skip


@login_required
@require_POST
def closure_remove_view(request: HttpRequest, pk: int, closure_id: int) -> HttpResponse:
    branch = _branch(request, pk)
    closure = Closure.objects.filter(pk=closure_id, branch=branch).first()
    if closure is None:
        raise Http404
    closure_remove(actor=request.user, closure=closure)
    messages.success(request, _("Closure removed."))
    return redirect("office:branches_closures", pk=branch.pk)
