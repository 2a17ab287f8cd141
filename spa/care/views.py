"""Staff pages of client care: a client's feedback (and taking it down), marking a
complaint, the care tasks and resolving one. Access: spa.core.access."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from spa.accounts.models import Branch
from spa.care import selectors, services
from spa.care.forms import ResolveForm, StaffFeedbackForm
from spa.care.models import TaskStatus
from spa.clients.selectors import client_get_for_user
from spa.core import access
from spa.core.params import param_id


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def client_feedback(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's feedback, newest first, and the form to take down what they said."""
    _require(access.can_record_feedback(request.user))
    client = client_get_for_user(request.user, client_id)
    if client is None or client.merged_into_id:
        raise Http404
    form = StaffFeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.feedback_record(actor=request.user, client=client,
                                 method=form.cleaned_data["method"], scores=form.scores(),
                                 complaint=form.cleaned_data["complaint"])  # fmt: skip
        messages.success(request, _("Feedback saved."))
        return redirect("care:client_feedback", client_id=client.pk)
    feedback = (
        selectors.feedback_visible_to(request.user).filter(client=client)
        .select_related("technician", "service", "task")[:50]
    )  # fmt: skip
    return render(request, "care/client_feedback.html",
                  {"client": client, "form": form, "feedback": feedback},
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_POST
def mark_complaint(request: HttpRequest, feedback_id: int) -> HttpResponse:
    _require(access.can_record_feedback(request.user))
    feedback = get_object_or_404(selectors.feedback_visible_to(request.user), pk=feedback_id)
    services.feedback_mark_complaint(actor=request.user, feedback=feedback)
    messages.success(request, _("Marked as a complaint: a care task is open."))
    return redirect("care:client_feedback", client_id=feedback.client_id)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Care tasks, open first: a manager their branch's, the owner every branch's."""
    _require(access.can_see_care_tasks(request.user))
    status = request.GET.get("status", TaskStatus.OPEN)
    status = status if status in (*TaskStatus.values, "all") else TaskStatus.OPEN
    owner = access.care_branch_ids(request.user) is None
    branch_id = param_id(request.GET.get("branch")) if owner else None
    tasks = selectors.care_tasks_for(request.user, status=status, branch_id=branch_id)[:200]
    return render(request, "care/tasks.html", {
        "tasks": tasks, "status": status, "statuses": [*TaskStatus.choices, ("all", _("All"))],
        "branches": Branch.objects.filter(is_active=True) if owner else [], "branch_id": branch_id,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    _require(access.can_see_care_tasks(request.user))
    task = get_object_or_404(selectors.care_tasks_for(request.user), pk=task_id)
    may_resolve = access.can_resolve_care_task(request.user, task.branch_id)
    form = ResolveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _require(may_resolve)
        if task.status == TaskStatus.OPEN and form.is_valid():
            try:
                services.care_task_resolve(actor=request.user, task=task,
                                           resolution=form.cleaned_data["resolution"])  # fmt: skip
            except services.AlreadyDone:
                messages.info(request, _("Someone resolved this task first."))
            else:
                messages.success(request, _("Care task resolved."))
            return redirect("care:task", task_id=task.pk)
    return render(request, "care/task.html",
                  {"task": task, "form": form, "may_resolve": may_resolve and task.status == TaskStatus.OPEN},
                  status=400 if form.errors else 200)  # fmt: skip
