"""The reports' pages: the dashboard and one page per report, each printable and
exported to Excel (the export is audited). Access: spa.core.access."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spa.accounts.models import Branch
from spa.catalog.models import ServiceCategory
from spa.core import access
from spa.core.params import param_date, param_id
from spa.reports import charts, exports, presenter, selectors
from spa.reports.rollups import month_of, next_month
from spa.reports.selectors import Period, Scope

PRESETS = {
    "30d": gettext_lazy("Last 30 days"), "month": gettext_lazy("This month"), "last_month": gettext_lazy("Last month"),
    "90d": gettext_lazy("Last 90 days"), "year": gettext_lazy("This year"), "12m": gettext_lazy("Last 12 months"),
    "custom": gettext_lazy("Choose dates"),
}  # fmt: skip
MAX_DAYS = 3 * 366


def _preset(code: str, today: date) -> Period:
    if code == "month":
        return Period(month_of(today), today)
    if code == "last_month":
        start = month_of(month_of(today) - timedelta(days=1))
        return Period(start, next_month(start) - timedelta(days=1))
    if code == "90d":
        return Period(today - timedelta(days=89), today)
    if code == "year":
        return Period(today.replace(month=1, day=1), today)
    if code == "12m":
        return Period(next_month(month_of(today).replace(year=today.year - 1)), today)
    return Period(today - timedelta(days=29), today)


def read_period(request: HttpRequest) -> tuple[Period, str]:
    """The period asked for: a preset, or two dates (at most three years apart)."""
    today = timezone.localdate()
    code = request.GET.get("period", "30d")
    if code not in PRESETS:
        code = "30d"
    if code != "custom":
        return _preset(code, today), code
    start = param_date(request.GET.get("start"), default=today - timedelta(days=29))
    end = param_date(request.GET.get("end"), default=today)
    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
    return Period(start, end), code


def read_scope(request: HttpRequest) -> tuple[Scope, int | None]:
    """What the user may see, narrowed to the branch and category they chose."""
    allowed = access.report_branch_ids(request.user)
    wanted = param_id(request.GET.get("branch"))
    if allowed is None:
        branch_ids = (wanted,) if wanted else None
    else:
        if not allowed:
            raise PermissionDenied
        branch_ids = tuple(allowed)
        wanted = allowed[0] if len(allowed) == 1 else (wanted if wanted in allowed else None)
    return (
        Scope(branch_ids=branch_ids, category_id=param_id(request.GET.get("category")),
              staff_id=access.report_staff_only(request.user)),
        wanted,
    )  # fmt: skip


def _filters(request, period: Period, code: str, branch_id, scope: Scope) -> dict:
    owner = access.report_branch_ids(request.user) is None
    return {
        "period": period, "preset": code, "presets": PRESETS.items(),
        "branches": Branch.objects.filter(is_active=True) if owner else [],
        "branch_id": branch_id, "categories": ServiceCategory.objects.all(),
        "category_id": scope.category_id, "query": request.GET.urlencode(),
        "previous_label": presenter.period_label(period.previous()),
        "period_label": presenter.period_label(period),
    }  # fmt: skip


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The owner's and manager's overview; a technician goes to their own figures."""
    _require(access.can_see_reports(request.user))
    if not access.can_see_business_reports(request.user):
        return redirect("reports:report", name="staff")
    selectors.fresh()
    period, code = read_period(request)
    scope, branch_id = read_scope(request)
    kpis, trend = presenter.overview(scope, period)
    popular = selectors.service_popularity(scope, period)
    names = presenter.Names()
    return render(request, "reports/dashboard.html", {
        "kpis": kpis, "trend": trend, "report_links": presenter.REPORTS.items(),
        "popular": charts.ranking(_("Most popular services"),
                                  [(names.of("service", r["service_id"]), r["sessions"]) for r in popular],
                                  fmt=lambda v: str(round(v)), limit=5),
        **_filters(request, period, code, branch_id, scope),
    })  # fmt: skip


@login_required
def report(request: HttpRequest, name: str) -> HttpResponse:
    """One report: KPIs, then each section's chart beside its table; ?format=xlsx exports."""
    if name not in presenter.REPORTS:
        raise Http404
    _require(access.can_see_reports(request.user))
    if name != "staff":
        _require(access.can_see_business_reports(request.user))
    selectors.fresh()
    period, code = read_period(request)
    scope, branch_id = read_scope(request)
    built = presenter.REPORTS[name][0](scope, period)
    if request.GET.get("format") == "xlsx":
        return exports.report_xlsx_response(user=request.user, report=built, period=period,
                                            scope=scope)  # fmt: skip
    return render(request, "reports/report.html", {
        "report": built, "report_links": presenter.REPORTS.items() if access.can_see_business_reports(request.user) else [],
        **_filters(request, period, code, branch_id, scope),
    })  # fmt: skip
