"""The desk's call lists: debts (with the usual debt payment) and expiring packages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from spa.accounts.models import Branch
from spa.core import access
from spa.core.params import param_id, param_int
from spa.sales.forms import DebtPaymentForm
from spa.sales.selectors_lists import EXPIRY_WINDOWS, debt_page, expiring_page


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _branch_choice(request: HttpRequest) -> tuple[int | None, list]:
    """The owner may narrow a list to one branch; everyone else sees their own."""
    if access.client_list_branch_ids(request.user) is not None:
        return None, []
    branches = list(Branch.objects.order_by("name"))
    wanted = param_id(request.GET.get("branch"))
    return (wanted if any(b.pk == wanted for b in branches) else None), branches


@login_required
@require_GET
def debts(request: HttpRequest) -> HttpResponse:
    """Who owes what and since when; "pay" posts to the client's usual debt payment."""
    _require(access.can_see_debt_list(request.user))
    branch_id, branches = _branch_choice(request)
    page = debt_page(user=request.user, branch_id=branch_id, cursor=request.GET.get("after", ""))
    number = param_int(request.GET.get("page"), default=1, low=1, high=1_000_000)
    return render(request, "sales/debts.html", {
        "page": page, "branches": branches, "branch_id": branch_id,
        "number": 1 if page.cursor_ignored or not request.GET.get("after") else number,
        "pay_form": DebtPaymentForm(prefix="debt"), "full_phone": access.can_see_full_phone(request.user),
        "show_branch": bool(branches), "back": request.get_full_path(),
    })  # fmt: skip


@login_required
@require_GET
def expiring(request: HttpRequest) -> HttpResponse:
    """Packages with sessions left that expire within N days, or expired in the last N."""
    _require(access.can_see_expiring_packages(request.user))
    branch_id, branches = _branch_choice(request)
    days = param_int(request.GET.get("days"), default=0, low=1, high=366)
    days_ignored = "days" in request.GET and days not in EXPIRY_WINDOWS
    if days not in EXPIRY_WINDOWS:
        days = 30
    expired = request.GET.get("show") == "expired"
    page = expiring_page(user=request.user, days=days, expired=expired, branch_id=branch_id,
                         cursor=request.GET.get("after", ""))  # fmt: skip
    number = param_int(request.GET.get("page"), default=1, low=1, high=1_000_000)
    return render(request, "sales/expiring.html", {
        "page": page, "branches": branches, "branch_id": branch_id, "days": days, "expired": expired,
        "windows": EXPIRY_WINDOWS, "days_ignored": days_ignored,
        "number": 1 if page.cursor_ignored or not request.GET.get("after") else number,
        "full_phone": access.can_see_full_phone(request.user), "show_branch": bool(branches),
    })  # fmt: skip
