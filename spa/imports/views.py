"""Import pages: upload, columns, dry run review, commit, result and undo."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from spa.accounts.models import Branch
from spa.clients.models import Client, CustomFieldDefinition
from spa.core import access
from spa.core.params import param_int
from spa.imports import report, services
from spa.imports.models import ImportJob, ImportRow, JobState, Outcome
from spa.imports.problems import Problem, ProblemError
from spa.imports.targets import CUSTOM_PREFIX, TARGETS_OF_KIND, SheetKind

SHEET_KINDS = [
    (SheetKind.CLIENTS, gettext_lazy("Clients")),
    (SheetKind.SESSIONS, gettext_lazy("Treatment log")),
    (SheetKind.PRICES, gettext_lazy("Price list")),
    (SheetKind.OTHER, gettext_lazy("Do not import")),
]
OUTCOME_FILTERS = [
    Outcome.NEW, Outcome.EXISTING, Outcome.SAME_ROW, Outcome.ALREADY, Outcome.REJECTED,
    Outcome.SKIPPED, Outcome.SESSION, Outcome.SERVICE,
]  # fmt: skip


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _job_for(request: HttpRequest, job_id: int) -> ImportJob:
    _require(access.can_import(request.user))
    job = services.jobs_visible_to(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def _branches(user):
    allowed = access.import_branch_ids(user)
    qs = Branch.objects.order_by("name")
    return qs if allowed is None else qs.filter(pk__in=allowed)


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    branch = forms.ModelChoiceField(queryset=Branch.objects.none(), label=gettext_lazy("Branch"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = _branches(user)
        self.fields["branch"].empty_label = None
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.ods,.csv,.tsv,.txt,.vcf"


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    """The imports so far and the upload form."""
    _require(access.can_import(request.user))
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = services._max_bytes()
        if upload.size > limit:
            form.add_error(
                "file",
                Problem(
                    "file_too_big",
                    {"size": f"{upload.size / 1048576:.1f}", "limit": limit // 1048576},
                ).message(),
            )
        else:
            try:
                job = services.job_create(
                    actor=request.user, branch=form.cleaned_data["branch"],
                    data=upload.read(), filename=upload.name,
                )  # fmt: skip
            except ProblemError as exc:
                form.add_error("file", exc.problem.message())
            else:
                return redirect("imports:job", job.pk)
    return render(request, "imports/jobs.html", {
        "form": form, "jobs": services.jobs_visible_to(request.user)[:50],
    })  # fmt: skip


def _target_choices(kind: str) -> list[tuple[str, str]]:
    targets = TARGETS_OF_KIND.get(kind, {})
    choices = [("", _("— do not import —"))] + [
        (code, str(label)) for code, label in targets.items()
    ]
    if kind == SheetKind.CLIENTS:
        choices += [
            (f"{CUSTOM_PREFIX}{d.pk}", _("Custom field: %(label)s") % {"label": d.label})
            for d in CustomFieldDefinition.objects.filter(is_active=True)
        ]
    return choices


@login_required
@require_GET
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    context = {"job": job, "error": Problem.from_json(job.error).message() if job.error else ""}
    if job.state == JobState.MAPPING or (job.state == JobState.FAILED and not job.analysed_at):
        preview = services.job_preview(job)
        sheets = []
        for plan in job.sheets:
            samples = preview.get(str(plan["index"]), [])
            choices = _target_choices(
                plan["kind"] if plan["kind"] in TARGETS_OF_KIND else SheetKind.CLIENTS
            )
            columns = [
                {
                    "position": i,
                    "header": h,
                    "target": plan["mapping"][i] if i < len(plan["mapping"]) else "",
                    "samples": [row[i] for row in samples if i < len(row) and row[i]][:3],
                }
                for i, h in enumerate(plan["headers"])
            ]
            sheets.append({"plan": plan, "columns": columns, "choices": choices})
        context.update(sheets=sheets, kinds=SHEET_KINDS)
        return render(request, "imports/mapping.html", context)
    if job.state in (JobState.ANALYSING, JobState.COMMITTING):
        return render(request, "imports/progress_page.html", context)
    return _review(request, job, context)


def _review(request: HttpRequest, job: ImportJob, context: dict) -> HttpResponse:
    wanted = request.GET.get("show", "")
    rows = ImportRow.objects.filter(job=job).select_related("match_row")
    if wanted in OUTCOME_FILTERS:
        rows = rows.filter(outcome=wanted)
    elif wanted == "pairs":
        rows = rows.filter(outcome__in=(Outcome.EXISTING, Outcome.SAME_ROW))
    page = Paginator(rows, 50).get_page(
        param_int(request.GET.get("page"), default=1, low=1, high=100_000)
    )
    matched = {r.match_client_id for r in page if r.match_client_id} | {
        r.client_id for r in page if r.client_id
    }
    clients = {c.pk: c for c in Client.objects.filter(pk__in=matched).select_related("branch")}
    full_phone = access.can_see_full_phone(request.user)
    context.update(
        page=page, show=wanted, clients=clients, full_phone=full_phone,
        lines=[report.line_of(r, clients) for r in page],
        counts=job.counts or services.outcome_counts(job), filters=OUTCOME_FILTERS,
        outcome_labels=dict(Outcome.choices), sheet_names={p["index"]: p["name"] for p in job.sheets},
    )  # fmt: skip
    return render(request, "imports/review.html", context)


@login_required
@require_GET
def progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """Polled by htmx while the worker reads or writes; reloads the page when done."""
    job = _job_for(request, job_id)
    response = render(request, "imports/partials/progress.html", {"job": job})
    if job.state not in (JobState.ANALYSING, JobState.COMMITTING) and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def plan(request: HttpRequest, job_id: int) -> HttpResponse:
    """The user's sheet kinds and columns; then the dry run starts."""
    job = _job_for(request, job_id)
    if job.state not in (JobState.MAPPING, JobState.READY, JobState.FAILED):
        return redirect("imports:job", job.pk)
    choices = []
    for plan_ in job.sheets:
        i = plan_["index"]
        kind = request.POST.get(f"kind-{i}", plan_["kind"])
        if kind not in dict(SHEET_KINDS):
            kind = plan_["kind"]
        allowed = {c for c, _label in _target_choices(kind)}
        mapping = [
            value if (value := request.POST.get(f"col-{i}-{p}", "")) in allowed else ""
            for p in range(len(plan_["headers"]))
        ]
        header = param_int(request.POST.get(f"header-{i}"), default=0, low=0, high=1000)
        choices.append(
            services.SheetChoice(
                index=i, kind=kind, mapping=mapping,
                header_row=header - 1 if header else plan_["header_row"],
                save=request.POST.get(f"save-{i}") == "on",
            )
        )  # fmt: skip
    services.job_set_plan(actor=request.user, job=job, choices=choices)
    if request.POST.get("action") == "run":
        services.dry_run_start(actor=request.user, job=job)
    return redirect("imports:job", job.pk)


@login_required
@require_POST
def remap(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    ImportJob.objects.filter(pk=job.pk, state__in=(JobState.READY, JobState.FAILED)).update(
        state=JobState.MAPPING
    )
    return redirect("imports:job", job.pk)


@login_required
@require_POST
def decide(request: HttpRequest, job_id: int, row_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    row = ImportRow.objects.filter(job=job, pk=row_id).select_related("job", "match_row").first()
    if row is None:
        raise Http404
    services.row_decide(actor=request.user, row=row, separate=request.POST.get("separate") == "1")
    if request.htmx:
        clients = {c.pk: c for c in Client.objects.filter(pk__in=[row.match_client_id or 0])}
        return render(request, "imports/partials/row.html", {
            "job": job, "line": report.line_of(row, clients),
            "full_phone": access.can_see_full_phone(request.user),
        })  # fmt: skip
    return redirect(reverse("imports:job", args=[job.pk]) + "?show=pairs")


@login_required
@require_POST
def commit(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    if not services.commit_start(actor=request.user, job=job):
        messages.error(request, _("This import has already been started."))
    return redirect("imports:job", job.pk)


@login_required
@require_POST
def undo(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    try:
        services.undo(actor=request.user, job=job)
    except services.UndoRefused as exc:
        messages.error(request, exc.problem.message())
    else:
        messages.success(request, _("The import was undone: everything it created is gone."))
    return redirect("imports:job", job.pk)


@login_required
@require_GET
def report_xlsx(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    return report.report_response(user=request.user, job=job)
