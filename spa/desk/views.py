"""The front desk's day: the landing page of receptionists, managers and the owner."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from spa.accounts.models import Branch, Role
from spa.booking.selectors import appointment_for_user
from spa.booking.services import appointment_check_in
from spa.core import access
from spa.desk.selectors import LATE_AFTER, branch_birthdays, today_arrivals


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _branch(request: HttpRequest) -> Branch:
    """The user's branch; the owner picks one (?branch=code), the first by default."""
    if request.user.role == Role.OWNER:
        code = request.GET.get("branch") or request.POST.get("branch")
        branches = Branch.objects.filter(is_active=True).order_by("id")
        branch = branches.filter(code=code).first() if code else branches.first()
        if branch is None:
            raise Http404
        return branch
    if request.user.branch is None:
        raise Http404
    return request.user.branch


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a login lands: technicians on their own day, everyone else on today."""
    user = request.user
    if access.lands_on_calendar(user) and user.branch_id:
        return redirect("booking:day")
    has_branch = (
        Branch.objects.filter(is_active=True).exists() if access.is_owner(user) else user.branch_id
    )
    if access.can_use_front_desk(user) and has_branch:
        return redirect("desk:today")
    # A spa without branches yet (a fresh install), or staff not placed in one.
    return redirect("clients:search")


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Today's arrivals in time order, who is late, money, package and allergy alerts,
    and birthdays of the branch's clients."""
    _require(access.can_use_front_desk(request.user))
    branch = _branch(request)
    arrivals = today_arrivals(user=request.user, branch=branch)
    alerts = [a for a in arrivals if a.debt or a.packages or a.allergies]
    return render(request, "desk/today.html", {
        "branch": branch, "day": timezone.localdate(), "arrivals": arrivals,
        "late": [a for a in arrivals if a.is_late], "alerts": alerts,
        "birthdays": branch_birthdays(user=request.user, branch=branch),
        "late_after": int(LATE_AFTER.total_seconds() // 60),
        "branches": Branch.objects.filter(is_active=True).order_by("id") if access.is_owner(request.user) else [],
    })  # fmt: skip


@login_required
@require_POST
def check_in(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Check an arrival in from the today list; htmx gets the row back, refreshed."""
    _require(access.can_use_front_desk(request.user) and access.can_book(request.user))
    appointment = appointment_for_user(request.user, appointment_id)
    if appointment is None or not (
        access.is_owner(request.user) or appointment.branch_id == request.user.branch_id
    ):
        raise Http404
    problem = ""
    try:
        appointment_check_in(actor=request.user, appointment=appointment)
    except ValueError:
        problem = _("Not possible in the appointment's present state.")
    if request.htmx:
        rows = today_arrivals(
            user=request.user, branch=appointment.branch,
            day=timezone.localdate(appointment.start), only_id=appointment.pk,
        )  # fmt: skip
        if not rows:
            raise Http404
        row = rows[0]
        return render(request, "desk/partials/arrival.html", {"arrival": row, "problem": problem})
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Checked in."))
    url = reverse("desk:today")
    if access.is_owner(request.user):
        url += f"?branch={appointment.branch.code}"
    return redirect(url)
