"""Reads of client care: feedback and care tasks the user may see, the care report's
figures. Rows always come through clients_visible_to and access.care_branch_ids."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from spa.care.models import ASPECTS, CareTask, Feedback, TaskStatus
from spa.clients.selectors import clients_visible_to
from spa.core import access


def _in_branches(qs: QuerySet, user) -> QuerySet:
    branch_ids = access.care_branch_ids(user)
    return qs if branch_ids is None else qs.filter(branch_id__in=branch_ids)


def feedback_visible_to(user) -> QuerySet[Feedback]:
    """Feedback of clients `user` may see, in the branches they may see."""
    return _in_branches(Feedback.objects.filter(client__in=clients_visible_to(user)), user)


def care_tasks_for(user, *, status: str | None = None, branch_id: int | None = None):
    """Care tasks `user` may see (manager: their branch; owner: all), newest first."""
    tasks = _in_branches(CareTask.objects.filter(client__in=clients_visible_to(user)), user)
    if status in TaskStatus.values:
        tasks = tasks.filter(status=status)
    if branch_id:
        tasks = tasks.filter(branch_id=branch_id)
    return tasks.select_related("client", "branch", "feedback", "resolved_by").order_by(
        "status", "-opened_at", "-id"
    )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    lo = timezone.make_aware(datetime.combine(start, time.min))
    hi = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    return lo, hi


def report_feedback(user, *, start: date, end: date, branch_id: int | None = None):
    """The feedback of the period the care report reads."""
    lo, hi = _bounds(start, end)
    rows = feedback_visible_to(user).filter(created_at__gte=lo, created_at__lt=hi)
    return rows.filter(branch_id=branch_id) if branch_id else rows


SCORE_FIELDS = ("overall", *ASPECTS)


def scores_by(rows: QuerySet, key: str) -> list[dict]:
    """Average scores and counts grouped by `key` (branch, technician, service)."""
    return list(
        rows.exclude(**{f"{key}__isnull": True})
        .values(f"{key}_id")
        .annotate(n=Count("id"), **{f"avg_{f}": Avg(f) for f in (*SCORE_FIELDS, "recommend")})
        .order_by(f"{key}_id")
    )


def aspect_averages(rows: QuerySet) -> dict:
    found = rows.aggregate(n=Count("id"), **{f: Avg(f) for f in (*SCORE_FIELDS, "recommend")})
    return found


def monthly_overall(rows: QuerySet) -> dict[date, tuple[float, int]]:
    """{first day of month: (average overall, answers)}."""
    tz = timezone.get_current_timezone()
    out = defaultdict(lambda: (0.0, 0))
    found = (
        rows.annotate(month=TruncMonth("created_at", tzinfo=tz)).values("month")
        .annotate(avg=Avg("overall"), n=Count("id")).order_by("month")
    )  # fmt: skip
    for row in found:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        out[month] = (float(row["avg"] or 0), row["n"])
    return out
