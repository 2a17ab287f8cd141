from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from spa.accounts.models import SpaSettings
from spa.audit.models import AccessKind, AuditEntry
from spa.audit.presenter import entry_sentence, entry_table, present_changes
from spa.audit.selectors import access_log_for_client
from spa.audit.services import access_record
from spa.booking.selectors import client_appointment_counts, client_upcoming
from spa.clients import exports
from spa.clients.duplicates import client_duplicates
from spa.clients.forms import (
    AllergyForm,
    ClientForm,
    ConsentForm,
    DeleteForm,
    HealthForm,
    PhotoForm,
    health_initial,
)
from spa.clients.models import Allergen, Channel, Client, ClientHealth, Condition, ConsentRequest
from spa.clients.photos import BadPhoto
from spa.clients.selectors import (
    client_allergy_labels,
    client_completeness,
    client_current_consents,
    client_get_for_user,
    client_search,
)
from spa.clients.services import (
    DuplicateSuspected,
    client_consent_record,
    client_create,
    client_delete,
    client_health_update,
    client_merge,
    client_photo_set,
    client_update,
    consent_request_decide,
)
from spa.core import access
from spa.core.params import param_id
from spa.sales.selectors import client_money
from spa.treatments.selectors import client_packages, client_session_count, client_visit_count


def _get_client_for_user(request: HttpRequest, client_id: int) -> Client:
    """The client, if the signed-in user may see them; 404 otherwise (never 403, which
    would tell a stranger the profile exists)."""
    client = client_get_for_user(request.user, client_id)
    if client is None:
        raise Http404
    return client


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _search_rate(group, request) -> str:
    """Searches a minute per user: a receptionist types fast (one search a keystroke);
    a role that sees phones masked has no reason to search hundreds of numbers."""
    if access.can_see_full_phone(request.user):
        return settings.SEARCH_RATE
    return settings.SEARCH_RATE_MASKED


@login_required
@ratelimit(key="user", rate=_search_rate, block=False)
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    if getattr(request, "limited", False):
        # htmx swaps only successful answers into the page, so the partial says it in a 200.
        if request.htmx:
            return render(request, "clients/partials/results.html", {"q": q, "limited": True})
        return render(request, "clients/search.html", {"q": q, "limited": True}, status=429)
    result = client_search(user=request.user, q=q)
    context = {"q": q, "result": result}
    if request.htmx:
        return render(request, "clients/partials/results.html", context)
    return render(request, "clients/search.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    _require(access.can_create_client(request.user))
    duplicates = None
    if request.method == "POST":
        form = ClientForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                client = client_create(
                    actor=request.user,
                    fields=form.service_fields(),
                    phones=form.phone_inputs,
                    tags=form.cleaned_data["tags"],
                    confirm_different=form.cleaned_data["confirm_different"],
                )
            except DuplicateSuspected as exc:
                duplicates = exc.report
            else:
                messages.success(request, _("Profile created."))
                return redirect("clients:detail", client.pk)
    else:
        initial = {"full_name": request.GET.get("name", ""), "phone": request.GET.get("phone", "")}
        form = ClientForm(initial=initial, user=request.user)
    return render(
        request, "clients/form.html", {"form": form, "duplicates": duplicates, "creating": True}
    )


@login_required
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _get_client_for_user(request, client_id)
    if client.merged_into_id:
        messages.info(request, _("This profile was merged into another one."))
        return redirect("clients:detail", client.merged_into_id)
    user = request.user
    health = ClientHealth.objects.filter(client=client).first()
    client.health = health  # reused by the helpers below without another query
    settings_row = SpaSettings.current()
    context = {
        "client": client,
        "minimal": access.technician_minimal(user),
        "allergies": client_allergy_labels(client) if access.can_see_allergy_alerts(user) else [],
        "health": health.values() if health and access.can_see_health(user) else None,
        "health_row": health,
        "health_stale": None,
        "phones": list(client.phones.all()) if access.can_see_contact(user) else [],
        "tags": list(client.tags.all()),
        "consents": client_current_consents(client) if access.can_see_contact(user) else {},
        "consent_requests": list(client.consent_requests.filter(state=ConsentRequest.State.PENDING))
        if access.can_see_contact(user)
        else [],
        "channels": Channel.choices,
    }
    if not access.technician_minimal(user):
        context["appointment_counts"] = client_appointment_counts(client)
        context["visits"] = client_visit_count(client)
        context["upcoming"] = client_upcoming(client)
    if access.can_take_payment(user):
        context["figures"] = client_money(client)
    if access.can_see_treatments(user):
        context["packages"] = client_packages(client)
        context["session_count"] = client_session_count(client)
    if not context["minimal"]:
        context["completeness"] = client_completeness(
            client, health_reconfirm_days=settings_row.health_reconfirm_days
        )
        context["custom_values"] = exports.custom_field_values(client)
    if health and context["health"] is not None:
        context["health_display"] = _health_display(health)
    # "Due for Peel around 12/01" and "suggested next" come in their own request
    # (spa.reports.views_due.client_next): the guard checks them, the profile waits for none.
    context["next_services"] = access.can_see_recommendations(user) and not context["minimal"]
    context["may_see_access_log"] = access.can_see_access_log(user, client)
    # One INSERT: the profile, and the health section when any of it was on the page.
    shown_health = context["health"] is not None or bool(context["allergies"])
    kinds = [AccessKind.PROFILE, AccessKind.HEALTH] if shown_health else [AccessKind.PROFILE]
    access_record(viewer=user, client_id=client.pk, kinds=kinds)
    return render(request, "clients/detail.html", context)


def _health_display(health: ClientHealth) -> dict:
    from spa.clients.models import PregnancyStatus, SkinType

    values = health.values()
    return {
        "conditions": [c.label for c in Condition.objects.filter(pk__in=values["condition_ids"])],
        "pregnancy": PregnancyStatus(values["pregnancy"]).label if values["pregnancy"] else "",
        "skin_type": SkinType(values["skin_type"]).label if values["skin_type"] else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _get_client_for_user(request, client_id)
    _require(access.can_edit_contact(request.user) and not client.merged_into_id)
    duplicates = None
    if request.method == "POST":
        form = ClientForm(request.POST, instance=client, user=request.user)
        if form.is_valid():
            try:
                client_update(
                    actor=request.user,
                    client=Client.objects.get(pk=client.pk),
                    fields=form.service_fields(),
                    phones=form.phone_inputs,
                    tags=form.cleaned_data["tags"],
                    confirm_different=form.cleaned_data["confirm_different"],
                )
            except DuplicateSuspected as exc:
                duplicates = exc.report
            else:
                messages.success(request, _("Profile saved."))
                return redirect("clients:detail", client.pk)
    else:
        form = ClientForm(instance=client, user=request.user)
    return render(
        request,
        "clients/form.html",
        {"form": form, "client": client, "duplicates": duplicates, "creating": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_health(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _get_client_for_user(request, client_id)
    user = request.user
    full = access.can_edit_health(user)
    _require((full or access.can_edit_allergies(user)) and not client.merged_into_id)
    form_class = HealthForm if full else AllergyForm
    health = ClientHealth.objects.filter(client=client).first()
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            client_health_update(
                actor=user,
                client=client,
                values=form.health_values(),
                confirmed=full and form.cleaned_data.get("confirmed", False),
            )
            messages.success(request, _("Health section saved."))
            return redirect("clients:detail", client.pk)
    else:
        form = form_class(initial=health_initial(health))
        access_record(viewer=user, client_id=client.pk, kinds=AccessKind.HEALTH)
    return render(
        request, "clients/health_form.html", {"form": form, "client": client, "full": full}
    )


@login_required
@require_POST
def client_consent(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _get_client_for_user(request, client_id)
    _require(access.can_manage_consent(request.user) and not client.merged_into_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        client_consent_record(actor=request.user, client=client, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Consent was not recorded: choose channel, answer and method."))
    return redirect("clients:detail", client.pk)


@login_required
@require_POST
def client_consent_request(request: HttpRequest, client_id: int, request_id: int) -> HttpResponse:
    """Confirm (with the client) or discard a consent asked for on the online page."""
    client = _get_client_for_user(request, client_id)
    _require(access.can_manage_consent(request.user) and not client.merged_into_id)
    pending = ConsentRequest.objects.filter(
        pk=request_id, client=client, state=ConsentRequest.State.PENDING
    ).first()
    if pending is None:
        raise Http404
    confirm = request.POST.get("decision") == "confirm"
    consent_request_decide(actor=request.user, request=pending, confirm=confirm)
    messages.success(request, _("Consent recorded.") if confirm else _("Request discarded."))
    return redirect("clients:detail", client.pk)


@login_required
@require_http_methods(["GET", "POST"])
def client_photo_upload(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _get_client_for_user(request, client_id)
    _require(access.can_edit_contact(request.user) and not client.merged_into_id)
    if request.method == "POST":
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                client_photo_set(
                    actor=request.user, client=client, data=form.cleaned_data["photo"].read()
                )
            except BadPhoto:
                form.add_error(
                    "photo", _("This file is not a picture we can read (JPEG, PNG, WebP…).")
                )
            else:
                messages.success(request, _("Photo saved."))
                return redirect("clients:detail", client.pk)
    else:
        form = PhotoForm()
    return render(request, "clients/photo_form.html", {"form": form, "client": client})


@login_required
def client_photo(request: HttpRequest, client_id: int, size: str) -> FileResponse:
    """Serve a photo through the access check; photos never have a public URL."""
    client = _get_client_for_user(request, client_id)
    field = client.photo_thumb if size == "thumb" else client.photo
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    # The thumbnail is the face beside the name in search results and on the profile
    # (whose read is logged already); the full photo is a read of its own.
    if size != "thumb":
        access_record(viewer=request.user, client_id=client.pk, kinds=AccessKind.PHOTO)
    return response


@login_required
def client_history(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _get_client_for_user(request, client_id)
    _require(access.can_see_history(request.user))
    entries = list(AuditEntry.objects.filter(client_id=client.pk).select_related("actor")[:500])
    show_health = access.can_see_health(request.user)
    list_names = {
        "allergen_ids": {a.code: a.label for a in Allergen.objects.all()},
        "condition_ids": {c.code: c.label for c in Condition.objects.all()},
    }
    rows = []
    for entry in entries:
        changes = present_changes(entry_table(entry))
        if show_health and entry.sensitive_changes:
            sensitive = {}
            for key, (old, new) in entry.sensitive_changes.items():
                if key in list_names:
                    old = [list_names[key].get(c, c) for c in old or []]
                    new = [list_names[key].get(c, c) for c in new or []]
                sensitive[key] = [old, new]
            changes += present_changes(sensitive)
        rows.append({"entry": entry, "changes": changes, "sentence": entry_sentence(entry),
                     "hidden_health": bool(entry.sensitive_changes) and not show_health})  # fmt: skip
    return render(request, "clients/history.html", {"client": client, "rows": rows})


ACCESS_PAGE = 50


@login_required
@require_GET
def client_access_log(request: HttpRequest, client_id: int) -> HttpResponse:
    """Who looked at this record: every staff read, newest first, a keyset page at a time."""
    client = _get_client_for_user(request, client_id)
    _require(access.can_see_access_log(request.user, client))
    before = param_id(request.GET.get("before"))
    rows = access_log_for_client(client.pk, before_id=before, limit=ACCESS_PAGE + 1)
    older = rows[ACCESS_PAGE - 1].id if len(rows) > ACCESS_PAGE else None
    return render(
        request,
        "clients/access_log.html",
        {"client": client, "rows": rows[:ACCESS_PAGE], "older": older, "paged": before is not None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_merge_view(request: HttpRequest, client_id: int) -> HttpResponse:
    """Merge another profile into this one: pick it, compare, confirm."""
    survivor = _get_client_for_user(request, client_id)
    _require(access.can_merge(request.user) and not survivor.merged_into_id)
    other_id = param_id(request.POST.get("other") or request.GET.get("other"))
    other = None
    if other_id:
        other = client_get_for_user(request.user, other_id)
        if other is None or other.pk == survivor.pk or other.merged_into_id:
            raise Http404
    if request.method == "POST" and other is not None and request.POST.get("confirm") == "yes":
        client_merge(actor=request.user, survivor=survivor, absorbed=other)
        messages.success(
            request, _("Profiles merged. Nothing was lost; the merge is in the history.")
        )
        return redirect("clients:detail", survivor.pk)
    candidates = []
    if other is None:
        report = client_duplicates(
            user=request.user,
            e164s=list(survivor.phones.values_list("e164", flat=True)),
            email=survivor.email,
            full_name=survivor.full_name,
            birth_date=survivor.birth_date,
            exclude_id=survivor.pk,
        )
        candidates = report.same_phone + report.same_email + report.similar_name
        q = request.GET.get("q", "")
        if q:
            candidates += [c for c in client_search(user=request.user, q=q).clients
                           if c.pk != survivor.pk and c not in candidates]  # fmt: skip
    return render(
        request,
        "clients/merge.html",
        {
            "client": survivor,
            "other": other,
            "candidates": candidates,
            "q": request.GET.get("q", ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_delete_view(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _get_client_for_user(request, client_id)
    _require(access.can_delete_client(request.user))
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm_name"].strip().lower() != client.full_name.lower():
            form.add_error("confirm_name", _("The name does not match."))
        else:
            client_delete(actor=request.user, client=client, reason=form.cleaned_data["reason"])
            messages.success(request, _("The profile was erased."))
            return redirect("clients:search")
    return render(request, "clients/delete.html", {"form": form, "client": client})


@login_required
@require_GET
def client_export(request: HttpRequest) -> HttpResponse:
    _require(access.can_export(request.user))
    with transaction.atomic():
        response = exports.clients_xlsx_response(user=request.user)
    return response
