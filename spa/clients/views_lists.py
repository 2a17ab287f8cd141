"""The client list (managers: their branch; the owner: every branch) and its export."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from spa.clients import exports
from spa.clients.forms_lists import ClientListForm
from spa.clients.selectors_lists import SORTS, client_list_page, clients_filtered
from spa.core import access
from spa.core.params import param_int


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@login_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    _require(access.can_list_clients(request.user))
    form = ClientListForm(request.GET, user=request.user)
    filters, sort_code, size = form.read()
    sort = SORTS[sort_code]
    page = client_list_page(
        user=request.user,
        filters=filters,
        sort=sort,
        cursor=request.GET.get("after", ""),
        size=size,
    )
    number = (
        1
        if page.cursor_ignored or not request.GET.get("after")
        else (param_int(request.GET.get("page"), default=2, low=2, high=1_000_000))
    )
    base_query = _query_without(request, "after", "page")
    return render(request, "clients/list.html", {
        "form": form, "page": page, "filters": filters, "number": number,
        "first_query": base_query, "export_query": base_query,
        "may_export": access.can_export(request.user), "show_branch": access.client_list_branch_ids(request.user) is None,
        "full_phone": access.can_see_full_phone(request.user),
    })  # fmt: skip


@login_required
@require_GET
def client_list_export(request: HttpRequest) -> HttpResponse:
    """The list's clients, filtered and sorted as on the page, in the usual export."""
    _require(access.can_list_clients(request.user) and access.can_export(request.user))
    form = ClientListForm(request.GET, user=request.user)
    filters, sort_code, _size = form.read()
    qs = clients_filtered(user=request.user, filters=filters)
    with transaction.atomic():
        return exports.clients_xlsx_response(
            user=request.user, clients=qs, order_by=SORTS[sort_code].order_by(),
            filters=form.summary(),
        )  # fmt: skip
