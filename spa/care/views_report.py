"""The care report: scores by branch, technician, service and aspect, month by month,
and the comments newest first, for the period chosen as on the reports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from spa.accounts.models import Branch, User
from spa.care import selectors
from spa.care.forms import ASPECT_LABELS
from spa.catalog.models import Service
from spa.core import access
from spa.core.params import param_id
from spa.reports import charts
from spa.reports.presenter import period_label
from spa.reports.views import PRESETS, read_period


def _score(value) -> str:
    return number_format(round(value or 0, 1), decimal_pos=1)


def _names(model, ids, label=str) -> dict:
    return {o.pk: label(o) for o in model.objects.filter(pk__in=ids)}


@login_required
def report(request: HttpRequest) -> HttpResponse:
    if not access.can_see_care_report(request.user):
        raise PermissionDenied
    period, code = read_period(request)
    allowed = access.care_branch_ids(request.user)
    branch_id = param_id(request.GET.get("branch")) if allowed is None else None
    rows = selectors.report_feedback(request.user, start=period.start, end=period.end,
                                     branch_id=branch_id)  # fmt: skip
    totals = selectors.aspect_averages(rows)
    aspects = [(_("Overall"), totals["overall"])] + [
        (str(label), totals[name]) for name, label in ASPECT_LABELS.items()
    ]
    rankings = []
    for key, model, title, label in (
        ("branch", Branch, _("Overall score by branch"), str),
        ("technician", User, _("Overall score by technician"), lambda u: u.display_name),
        ("service", Service, _("Overall score by service"), str),
    ):
        found = selectors.scores_by(rows, key)
        names = _names(model, [r[f"{key}_id"] for r in found], label)
        rankings.append(charts.ranking(
            title, [(f"{names.get(r[f'{key}_id'], '?')} ({r['n']})", float(r["avg_overall"] or 0))
                    for r in found], fmt=_score, limit=15))  # fmt: skip
    monthly = selectors.monthly_overall(rows)
    months = period.months()
    trend = charts.bar_chart(_("Average overall score by month"),
                             [m.strftime("%m/%Y") for m in months],
                             [monthly[m][0] if m in monthly else 0 for m in months], fmt=_score)  # fmt: skip
    comments = Paginator(
        rows.filter(has_comment=True).select_related(
            "client", "branch", "technician", "service", "task"
        ),
        20,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "care/report.html", {
        "answers": totals["n"], "recommend": totals["recommend"] and _score(totals["recommend"]),
        "aspects": charts.ranking(_("Average score by aspect (strengths first)"),
                                  [(label, float(v or 0)) for label, v in aspects], fmt=_score),
        "rankings": rankings, "trend": trend, "comments": comments,
        "period": period, "preset": code, "presets": PRESETS.items(),
        "period_label": period_label(period), "query": query.urlencode(),
        "branches": Branch.objects.filter(is_active=True) if allowed is None else [],
        "branch_id": branch_id,
    })  # fmt: skip
