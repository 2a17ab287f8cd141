"""Bespoke catalogue settings pages: stock (levels, receive, count, move, thresholds,
low-stock alerts) and deleting a safety rule. The owner sees every branch, a manager
their own; another branch's stock is a 404 for them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from spa.catalog.models import Product, ServiceRule, StockLevel
from spa.catalog.selectors import format_quantity, stock_levels, stock_movements
from spa.catalog.services import (
    StockError,
    stock_count,
    stock_receive,
    stock_threshold_set,
    stock_transfer,
)
from spa.core import access
from spa.core.params import param_id, param_int
from spa.office.audit import record_settings_change, snapshot
from spa.office.forms_stock import CountForm, MoveForm, ReceiveForm, ThresholdForm, own_branches

THRESHOLD_FIELDS = ["product", "branch", "low_at"]


def _require_stock(request: HttpRequest) -> list[int] | None:
    if not access.can_manage_branch_catalogue(request.user):
        raise PermissionDenied
    return access.stock_branch_ids(request.user)


def _branch_filter(request: HttpRequest, ids: list[int] | None):
    """The ?branch= asked for, if any: a branch one may not see is a 404."""
    raw = request.GET.get("branch")
    if not raw:
        return None
    branch = own_branches(request.user).filter(pk=param_id(raw) or 0).first()
    if branch is None:
        raise Http404
    return branch


def _rows(levels):
    return [
        {
            "level": level,
            "quantity": format_quantity(level.quantity, level.product.unit),
            "low_at": format_quantity(level.low_at, level.product.unit),
            "is_low": level.low_at is not None and level.quantity <= level.low_at,
        }
        for level in levels
    ]


@login_required
def stock(request: HttpRequest) -> HttpResponse:
    ids = _require_stock(request)
    branch = _branch_filter(request, ids)
    branch_id = branch.pk if branch else None
    product = Product.objects.filter(pk=param_id(request.GET.get("product")) or 0).first()
    levels = stock_levels(ids, branch_id=branch_id)
    if product is not None:  # one product's levels and its ledger
        levels = levels.filter(product=product)
    page = Paginator(levels, 100).get_page(
        param_int(request.GET.get("page"), default=1, low=1, high=100_000)
    )
    ledger = stock_movements(ids, branch_id=branch_id, product_id=product.pk if product else None)
    movements = [(m, format_quantity(m.delta, m.product.unit)) for m in ledger[:50]]
    return render(request, "office/catalogue/stock.html", {
        "rows": _rows(page), "page": page, "branch": branch, "product": product,
        "branches": own_branches(request.user), "movements": movements,
    })  # fmt: skip


@login_required
def stock_low(request: HttpRequest) -> HttpResponse:
    """Products at or below their threshold, per branch."""
    ids = _require_stock(request)
    branch = _branch_filter(request, ids)
    levels = stock_levels(ids, branch_id=branch.pk if branch else None, low_only=True)
    return render(request, "office/catalogue/stock_low.html", {
        "rows": _rows(levels[:500]), "branch": branch, "branches": own_branches(request.user),
    })  # fmt: skip


def _stock_form_page(request, form_class, title, apply):
    _require_stock(request)
    initial = {}
    for name in ("product", "branch"):
        if param_id(request.GET.get(name)):
            initial[name] = param_id(request.GET.get(name))
    form = form_class(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            done = apply(form.cleaned_data)
        except StockError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, done)
            return redirect("office:stock")
    return render(request, "office/catalogue/stock_form.html", {"form": form, "title": title})


@login_required
@require_http_methods(["GET", "POST"])
def stock_receive_page(request: HttpRequest) -> HttpResponse:
    def apply(data):
        stock_receive(actor=request.user, product=data["product"], branch=data["branch"],
                      quantity=data["quantity"], batch=data["batch"])  # fmt: skip
        return _("Received %(quantity)s of %(product)s.") % {
            "quantity": format_quantity(data["quantity"], data["product"].unit),
            "product": data["product"].name,
        }

    return _stock_form_page(request, ReceiveForm, _("Receive goods"), apply)


@login_required
@require_http_methods(["GET", "POST"])
def stock_count_page(request: HttpRequest) -> HttpResponse:
    def apply(data):
        movement = stock_count(actor=request.user, product=data["product"], branch=data["branch"],
                               counted=data["counted"], note=data["note"])  # fmt: skip
        if movement is None:
            return _("The count matches the stock: nothing to adjust.")
        return _("Count recorded: adjusted by %(delta)s.") % {
            "delta": ("+" if movement.delta > 0 else "")
            + format_quantity(movement.delta, data["product"].unit)
        }

    return _stock_form_page(request, CountForm, _("Stock count"), apply)


@login_required
@require_http_methods(["GET", "POST"])
def stock_move_page(request: HttpRequest) -> HttpResponse:
    def apply(data):
        stock_transfer(actor=request.user, product=data["product"], from_branch=data["branch"],
                       to_branch=data["to_branch"], quantity=data["quantity"], note=data["note"])  # fmt: skip
        return _("Moved %(quantity)s of %(product)s to %(branch)s.") % {
            "quantity": format_quantity(data["quantity"], data["product"].unit),
            "product": data["product"].name, "branch": data["to_branch"].name,
        }  # fmt: skip

    return _stock_form_page(request, MoveForm, _("Move between branches"), apply)


@login_required
@require_http_methods(["GET", "POST"])
def stock_threshold_page(request: HttpRequest) -> HttpResponse:
    def apply(data):
        with transaction.atomic():
            existing = StockLevel.objects.filter(
                product=data["product"], branch=data["branch"]
            ).first()
            before = snapshot(existing, THRESHOLD_FIELDS) if existing else {}
            level = stock_threshold_set(actor=request.user, product=data["product"],
                                        branch=data["branch"], low_at=data["low_at"])  # fmt: skip
            record_settings_change(actor=request.user, obj=level, before=before,
                                   after=snapshot(level, THRESHOLD_FIELDS))  # fmt: skip
        return _("Saved.")

    return _stock_form_page(request, ThresholdForm, _("Low-stock threshold"), apply)


@login_required
@require_http_methods(["GET", "POST"])
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A safety rule is removed after a confirmation; the history keeps what it was."""
    if not access.can_manage_spa(request.user):
        raise PermissionDenied
    if param_id(pk) is None:  # beyond any id the column holds
        raise Http404
    rule = get_object_or_404(ServiceRule.objects.select_related("service"), pk=pk)
    if request.method == "POST":
        with transaction.atomic():
            before = snapshot(rule)
            ServiceRule.objects.filter(pk=rule.pk).delete()
            record_settings_change(actor=request.user, obj=rule, before=before,
                                   after=dict.fromkeys(before))  # fmt: skip
        messages.success(request, _("Deleted."))
        return redirect("office:section", slug="rules")
    return render(request, "office/catalogue/rule_delete.html", {"rule": rule})
