"""The clients due back, to call: a week (this one, or a chosen one) day by day."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from spa.accounts.models import Branch
from spa.catalog.models import ServiceCategory
from spa.clients.selectors import client_get_for_user
from spa.clients.selectors_lists import cursor_sign, cursor_unsign
from spa.core import access
from spa.core.params import param_date, param_id, param_int
from spa.reports.due import PAGE_SIZE, client_due, clients_due, day_month_format, due_counts
from spa.reports.recommend import recommend_for


@dataclass
class Day:
    day: date
    count: int
    query: str
    current: bool


def _branch_choice(request: HttpRequest) -> tuple[int | None, list]:
    """The owner may narrow the list to one branch; everyone else sees their own."""
    if access.client_list_branch_ids(request.user) is not None:
        return None, []
    branches = list(Branch.objects.order_by("name"))
    wanted = param_id(request.GET.get("branch"))
    return (wanted if any(b.pk == wanted for b in branches) else None), branches


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    """Clients due for a service in the chosen week (or one day of it), by day; those
    already booked for it are not on it. Filters: branch (the owner), service category."""
    if not access.can_see_due_list(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    chosen = param_date(request.GET.get("week"), default=today)
    start = chosen - timedelta(days=chosen.weekday())
    end = start + timedelta(days=6)
    one_day = param_date(request.GET.get("day"), default=start - timedelta(days=1))
    one_day = one_day if start <= one_day <= end else None
    branch_id, branches = _branch_choice(request)
    categories = list(ServiceCategory.objects.order_by("position", "name"))
    category_id = param_id(request.GET.get("category"))
    category_id = category_id if any(c.pk == category_id for c in categories) else None

    filters = {"branch": branch_id or "", "category": category_id or ""}

    def query(**changes) -> str:
        values = {"week": start.isoformat(), **filters, **changes}
        return urlencode({k: v for k, v in values.items() if v})

    first, last = (one_day, one_day) if one_day else (start, end)
    scope = {"user": request.user, "branch_id": branch_id, "category_id": category_id}
    counts = due_counts(start=start, end=end, **scope)
    cursor = request.GET.get("after", "")
    after = cursor_unsign("due", cursor, [3])
    found = clients_due(start=first, end=last, after=after[1] if after else None,
                        limit=PAGE_SIZE + 1, **scope)  # fmt: skip
    rows = found[:PAGE_SIZE]
    number = param_int(request.GET.get("page"), default=1, low=1, high=1_000_000)
    groups: dict[date, list] = {}
    for row in rows:
        groups.setdefault(row.due_on, []).append(row)
    days = [
        Day(day=d, count=counts.get(d, 0), query=query(day=d.isoformat()), current=d == one_day)
        for d in (start + timedelta(days=i) for i in range(7))
    ]
    page_query = query(day=one_day.isoformat() if one_day else "")
    context = {
        "start": start, "end": end, "today": today, "one_day": one_day, "days": days,
        "groups": list(groups.items()), "total": sum(counts.values()) if not one_day
        else counts.get(one_day, 0),
        "branches": branches, "branch_id": branch_id, "categories": categories,
        "category_id": category_id, "show_branch": bool(branches),
        "full_phone": access.can_see_full_phone(request.user), "day_month": day_month_format(),
        "this_week": start <= today <= end,
        "prev_query": query(week=(start - timedelta(days=7)).isoformat()),
        "next_query": query(week=(start + timedelta(days=7)).isoformat()),
        "this_week_query": query(week=today.isoformat()),
        "week_query": query(), "page_query": page_query,
        "cursor_ignored": bool(cursor) and after is None,
        "number": 1 if not after else number,
        "next_cursor": cursor_sign("due", 0, rows[-1].key) if len(found) > PAGE_SIZE else "",
    }  # fmt: skip
    if request.htmx:
        return render(request, "reports/due/_results.html", context)
    return render(request, "reports/due/list.html", context)


@login_required
@require_GET
def client_next(request: HttpRequest, client_id: int) -> HttpResponse:
    """A profile's "due for Peel around 12/01" and "suggested next", loaded into the
    profile by htmx (a page of its own without script). The reasons never name the
    health data, nor the guard's findings that removed a service."""
    client = client_get_for_user(request.user, client_id)
    if client is None or client.merged_into_id:
        raise Http404
    if not access.can_see_recommendations(request.user) or access.technician_minimal(request.user):
        raise PermissionDenied
    context = {
        "client": client, "due_for": client_due(client), "suggestions": recommend_for(client=client),
        "day_month": day_month_format(), "today": timezone.localdate(),
    }  # fmt: skip
    if request.htmx:
        return render(request, "reports/due/_client_next.html", context)
    return render(request, "reports/due/client_next.html", context)
