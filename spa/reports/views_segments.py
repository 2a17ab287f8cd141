"""Segment pages: the built-in groups and the saved segments with their live counts, the
builder (a live count as filters change), a segment's first members, rename and delete.
The owner sees every branch; a manager their own branch's clients and segments."""

from dataclasses import replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from spa.accounts.models import Branch
from spa.core import access
from spa.core.params import param_id
from spa.reports.forms_segments import SegmentForm, definition_summary, form_initial
from spa.reports.models import Segment
from spa.reports.segments import (
    SegmentDefinition,
    SegmentError,
    builtin_counts,
    builtin_segment,
    builtin_segments,
    segment_count,
    segment_create,
    segment_definition,
    segment_delete,
    segment_get_for_user,
    segment_members,
    segment_update,
    segments_visible_to,
)

MEMBERS_SHOWN = 50


def _require(request: HttpRequest) -> None:
    if not access.can_manage_segments(request.user):
        raise PermissionDenied


def _segment(request: HttpRequest, segment_id: int) -> Segment:
    """The saved segment if the user may use it; 404 otherwise (never says it exists)."""
    _require(request)
    segment = segment_get_for_user(request.user, segment_id)
    if segment is None:
        raise Http404
    return segment


def _chosen_branch(request: HttpRequest) -> Branch | None:
    """The owner's ?branch= (an unknown one is ignored); others have only their own."""
    if access.client_list_branch_ids(request.user) is not None:
        return None
    return Branch.objects.filter(pk=param_id(request.GET.get("branch")) or 0).first()


@login_required
@require_GET
def segments(request: HttpRequest) -> HttpResponse:
    _require(request)
    branch = _chosen_branch(request)
    counts = builtin_counts(user=request.user, branch_id=branch.pk if branch else None)
    builtins = [(b, counts[b.code]) for b in builtin_segments()]
    return render(request, "reports/segments/list.html", {
        "groups": [row for row in builtins if row[0].kind == "rfm"],
        "bands": [row for row in builtins if row[0].kind == "spend"],
        "saved": list(segments_visible_to(request.user)), "branch": branch,
        "branches": Branch.objects.all() if access.client_list_branch_ids(request.user) is None
        else None,
    })  # fmt: skip


def _builder(request, *, segment: Segment | None, definition: SegmentDefinition, initial):
    """The builder page: GET shows it, POST saves (an error saves nothing)."""
    if request.method == "POST":
        form = SegmentForm(request.POST, user=request.user, saving=True, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if segment is None:
                    segment = segment_create(actor=request.user, name=data["name"],
                                             description=data["description"],
                                             definition=form.definition())  # fmt: skip
                    messages.success(request, _("Segment saved."))
                else:
                    segment_update(actor=request.user, segment=segment, name=data["name"],
                                   description=data["description"],
                                   definition=form.definition())  # fmt: skip
                    messages.success(request, _("Segment changed."))
            except SegmentError as refused:
                form.add_error(refused.field if refused.field in form.fields else None,
                               refused.message)  # fmt: skip
            else:
                return redirect("reports:segment", segment.pk)
        definition = form.definition()  # what validated: the count beside the errors
    else:
        form = SegmentForm(None, user=request.user, initial=initial)
    count = segment_count(user=request.user, definition=definition)
    return render(request, "reports/segments/builder.html", {
        "form": form, "segment": segment, "count": count,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def segment_new(request: HttpRequest) -> HttpResponse:
    _require(request)
    # Started from a built-in segment (?from=vip): its filters and name to begin with.
    builtin = builtin_segment(str(request.GET.get("from", ""))[:40])
    definition = builtin.definition if builtin else SegmentDefinition()
    initial = {**form_initial(definition), "name": str(builtin.name) if builtin else ""}
    return _builder(request, segment=None, definition=definition, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment(request, segment_id)
    definition = segment_definition(segment)
    initial = {**form_initial(definition), "name": segment.name,
               "description": segment.description}  # fmt: skip
    return _builder(request, segment=segment, definition=definition, initial=initial)


@login_required
@require_GET
def segment_count_view(request: HttpRequest) -> HttpResponse:
    """The live count of the builder's filters (a filter that does not validate is left
    out, and the answer says so)."""
    _require(request)
    form = SegmentForm(request.GET, user=request.user)
    form.is_valid()
    ignored = [form[name].label for name in form.errors if name in form.fields]
    count = segment_count(user=request.user, definition=form.definition())
    return render(request, "reports/segments/partials/count.html", {
        "count": count, "ignored": ignored,
    })  # fmt: skip


@login_required
@require_GET
def segment_saved_count(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment(request, segment_id)
    count = segment_count(user=request.user, definition=segment_definition(segment))
    return render(request, "reports/segments/partials/count.html", {"count": count, "short": True})


def _client_list_link(definition: SegmentDefinition) -> str:
    """The client list showing the same clients, when its filters can say it."""
    f = definition.client_list_filters()
    if f is None:
        return ""
    query = {
        "branch": f.branch_id, "tier": f.tier, "tag": f.tag_id, "source": f.source_id,
        "group": f.group_id, "birth_month": f.birth_month,
        "visit_after": f.visit_after.isoformat() if f.visit_after else None,
        "visit_before": f.visit_before.isoformat() if f.visit_before else None,
        "has_debt": "on" if f.has_debt else None, "has_package": "on" if f.has_package else None,
        "consent": f.consent_channel,
    }  # fmt: skip
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return reverse("clients:list") + ("?" + urlencode(kept) if kept else "")


def _members_page(request, *, definition, title, segment=None, builtin=None, about=""):
    count = segment_count(user=request.user, definition=definition)
    members = segment_members(user=request.user, definition=definition, limit=MEMBERS_SHOWN)
    return render(request, "reports/segments/detail.html", {
        "title": title, "about": about, "segment": segment, "builtin": builtin, "count": count,
        "members": members, "summary": definition_summary(definition),
        "list_link": _client_list_link(definition) if access.can_list_clients(request.user) else "",
        "full_phone": access.can_see_full_phone(request.user),
        "show_branch": access.client_list_branch_ids(request.user) is None,
    })  # fmt: skip


@login_required
@require_GET
def segment(request: HttpRequest, segment_id: int) -> HttpResponse:
    saved = _segment(request, segment_id)
    return _members_page(request, definition=segment_definition(saved), title=saved.name,
                         segment=saved, about=saved.description)  # fmt: skip


@login_required
@require_GET
def segment_builtin(request: HttpRequest, code: str) -> HttpResponse:
    _require(request)
    builtin = builtin_segment(code)
    if builtin is None:
        raise Http404
    branch = _chosen_branch(request)
    definition = replace(builtin.definition, branch_id=branch.pk) if branch else builtin.definition
    return _members_page(request, definition=definition, title=builtin.name, builtin=builtin,
                         about=builtin.description)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def segment_delete_view(request: HttpRequest, segment_id: int) -> HttpResponse:
    saved = _segment(request, segment_id)
    if request.method == "POST":
        try:
            segment_delete(actor=request.user, segment=saved)
        except SegmentError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Segment “%(name)s” deleted.") % {"name": saved.name})
            return redirect("reports:segments")
    return render(request, "reports/segments/delete.html", {"segment": saved})
