import inspect

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from spa.audit.models import Action, AuditEntry
from spa.backups import services as backups
from spa.core import access
from spa.core.params import param_int
from spa.office import sections
from spa.office.audit import record_settings_change, snapshot
from spa.office.presenter import present_settings_entry


def group_title(group: str) -> str:
    return {
        "spa": _("The spa"), "branches": _("Branches"), "staff": _("Staff"),
        "catalogue": _("Services and products"), "stock": _("Stock"),
        "money": _("Money and loyalty"), "messages": _("Messages"), "history": _("History"),
    }.get(group, group)  # fmt: skip


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _require(access.can_open_settings(request.user))
    groups = [(group_title(g), entries) for g, entries in sections.visible_to(request.user)]
    steps = _first_steps() if access.can_manage_spa(request.user) else []
    backup_alerts = []
    if access.can_manage_backups(request.user):
        backup_alerts = backups.status()["alerts"]
    return render(request, "office/index.html", {
        "groups": groups, "steps": steps, "steps_left": sum(1 for s in steps if not s[0]),
        "backup_alerts": backup_alerts,
    })  # fmt: skip


def _first_steps() -> list[tuple[bool, str, str]]:
    """What a new spa still needs before its first booking: (done, what, where)."""
    from django.urls import reverse

    from spa.accounts.models import Role, User
    from spa.booking.models import Shift
    from spa.catalog.models import ServiceCategory, ServicePrice

    technicians = User.objects.filter(role=Role.TECHNICIAN, is_active=True)
    return [
        (ServiceCategory.objects.exists(), _("Add a service category (facial, body, hair…)"),
         reverse("office:section_new", args=["categories"])),
        (ServicePrice.objects.filter(service__is_active=True).exists(),
         _("Add a service with its price"), reverse("office:section_new", args=["services"])),
        (technicians.exists(), _("Add a technician"), reverse("office:section_new", args=["staff"])),
        (Shift.objects.filter(staff__in=technicians).exists(),
         _("Set the technicians' working hours (Staff → Working hours)"),
         reverse("office:section", args=["staff"])),
        (User.objects.filter(role=Role.RECEPTIONIST, is_active=True).exists(),
         _("Add a receptionist (optional: the owner can book too)"),
         reverse("office:section_new", args=["staff"])),
    ]  # fmt: skip


def _section(request: HttpRequest, slug: str) -> sections.Section:
    _require(access.can_open_settings(request.user))
    entry = sections.REGISTRY.get(slug)
    if not isinstance(entry, sections.Section):
        raise Http404
    _require(entry.allowed(request.user))
    return entry


def _form(section: sections.Section, request: HttpRequest, **kwargs):
    if "user" in inspect.signature(section.form_class.__init__).parameters:
        kwargs["user"] = request.user
    return section.form_class(**kwargs)


@login_required
def section_list(request: HttpRequest, slug: str) -> HttpResponse:
    section = _section(request, slug)
    records = section.queryset(request.user)
    show = request.GET.get("show", "")
    if section.deactivate_field and show != "all":
        records = records.filter(**{section.deactivate_field: True})
    page = Paginator(records, 50).get_page(
        param_int(request.GET.get("page"), default=1, low=1, high=100_000)
    )
    rows = [
        (obj, [(heading, fn(obj)) for heading, fn in section.columns],
         [(label, url_of(obj)) for label, url_of in section.row_links])
        for obj in page
    ]  # fmt: skip
    return render(request, "office/list.html", {
        "section": section, "rows": rows, "page": page, "show": show,
        "may_add": section.can_add(request.user),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    section = _section(request, slug)
    instance = None
    if pk is not None:
        instance = section.queryset(request.user).filter(pk=pk).first()
        if instance is None:
            raise Http404
    else:
        _require(section.can_add(request.user))
    # Before binding: a ModelForm writes the posted values into its instance as it validates.
    before = snapshot(instance) if instance is not None else {}
    if request.method == "POST":
        form = _form(section, request, data=request.POST, files=request.FILES, instance=instance)
        if form.is_valid():
            with transaction.atomic():
                obj = section.save(request.user, form) if section.save is not None else form.save()
                record_settings_change(actor=request.user, obj=obj, before=before)
            messages.success(request, _("Saved."))
            return redirect("office:section", slug=slug)
    else:
        form = _form(section, request, instance=instance)
    return render(
        request, "office/form.html", {"section": section, "form": form, "object": instance}
    )


@login_required
@require_POST
def section_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Deactivate or reactivate a record: nothing is deleted, history keeps its name."""
    section = _section(request, slug)
    if not section.deactivate_field:
        raise Http404
    with transaction.atomic():
        obj = section.queryset(request.user).select_for_update().filter(pk=pk).first()
        if obj is None:
            raise Http404
        before = snapshot(obj)
        setattr(obj, section.deactivate_field, not getattr(obj, section.deactivate_field))
        obj.save(update_fields=[section.deactivate_field])
        record_settings_change(actor=request.user, obj=obj, before=before)
    active = getattr(obj, section.deactivate_field)
    messages.success(request, _("Reactivated.") if active else _("Deactivated."))
    return redirect("office:section", slug=slug)


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """Who changed which setting, when, from what to what. A manager sees their own
    branch's staff's changes; the owner sees everything."""
    _require(access.can_open_settings(request.user))
    entries = AuditEntry.objects.filter(action=Action.SETTINGS).select_related("actor")
    branches = access.settings_branch_ids(request.user)
    if branches is not None:
        entries = entries.filter(actor__branch_id__in=branches)
    page = Paginator(entries, 50).get_page(
        param_int(request.GET.get("page"), default=1, low=1, high=100_000)
    )
    rows = [(entry, *present_settings_entry(entry)) for entry in page]
    return render(request, "office/history.html", {"rows": rows, "page": page})
