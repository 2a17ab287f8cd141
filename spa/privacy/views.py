"""Pages of data protection: the breach register (list with the 72-hour clock, record,
edit, the affected clients and their export, the notification drafts) and the records
of processing. Access: spa.core.access."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from spa.accounts.models import SpaSettings
from spa.core import access
from spa.privacy import drafts, processing, selectors, services
from spa.privacy.exports import affected_xlsx_response
from spa.privacy.forms import DraftForm, IncidentForm
from spa.privacy.history import change_rows
from spa.privacy.models import Audience, DraftLanguage, IncidentChange

AFFECTED_SHOWN = 100


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _incident(request, incident_id):
    _require(access.can_manage_incidents(request.user))
    return get_object_or_404(selectors.incidents_visible_to(request.user), pk=incident_id)


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    """Every incident the user may see, those still waiting for a notification first."""
    _require(access.can_manage_incidents(request.user))
    now = timezone.now()
    incidents = selectors.incidents_open_first(selectors.incidents_visible_to(request.user))
    for incident in incidents:
        incident.clock = selectors.incident_clock(incident, now=now)
    return render(request, "privacy/incidents.html", {"incidents": incidents})


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, incident_id: int | None = None) -> HttpResponse:
    if incident_id is None:
        _require(access.can_manage_incidents(request.user))
        incident = None
    else:
        incident = _incident(request, incident_id)
    form = IncidentForm(request.POST if request.method == "POST" else None,
                        instance=incident, user=request.user)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        if incident is None:
            incident = services.incident_create(actor=request.user, fields=fields)
            messages.success(request, _("Incident recorded. The 72-hour clock is running."))
        else:
            services.incident_update(actor=request.user, incident=incident, fields=fields)
            messages.success(request, _("Incident saved."))
        return redirect("privacy:incident", incident_id=incident.pk)
    return render(request, "privacy/incident_form.html", {"form": form, "incident": incident},
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_GET
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(request, incident_id)
    clients = selectors.incident_affected_clients(incident, user=request.user)
    affected, affected_count = [], None
    if clients is not None:
        affected_count = clients.count()
        affected = list(clients.select_related("branch")[:AFFECTED_SHOWN])
    changes = IncidentChange.objects.filter(incident=incident).select_related("actor")[:200]
    return render(request, "privacy/incident.html", {
        "incident": incident, "clock": selectors.incident_clock(incident),
        "affected": affected, "affected_count": affected_count, "shown": AFFECTED_SHOWN,
        "changes": [(c, change_rows(c)) for c in changes],
        "audiences": Audience.choices, "languages": DraftLanguage.choices,
    })  # fmt: skip


@login_required
@require_GET
def affected_export(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(request, incident_id)
    clients = selectors.incident_affected_clients(incident, user=request.user)
    if clients is None:
        raise Http404
    return affected_xlsx_response(user=request.user, incident=incident, clients=clients)


@login_required
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, incident_id: int, audience: str, language: str) -> HttpResponse:
    """A notification text: generated from the incident, editable, printable."""
    incident = _incident(request, incident_id)
    if audience not in Audience.values or language not in DraftLanguage.values:
        raise Http404
    count = None
    clients = selectors.incident_affected_clients(incident, user=request.user)
    if clients is not None:
        count = clients.count()
    if request.method == "POST":
        if request.POST.get("reset"):
            services.draft_reset(actor=request.user, incident=incident, audience=audience,
                                 language=language)  # fmt: skip
            messages.success(request, _("The generated text is used again."))
            return redirect("privacy:draft", incident_id=incident.pk, audience=audience,
                            language=language)  # fmt: skip
        form = DraftForm(request.POST)
        if form.is_valid():
            services.draft_save(actor=request.user, incident=incident, audience=audience,
                                language=language, body=form.cleaned_data["body"])  # fmt: skip
            messages.success(request, _("Text saved."))
            return redirect("privacy:draft", incident_id=incident.pk, audience=audience,
                            language=language)  # fmt: skip
        edited = None
    else:
        text, edited = drafts.draft_text(incident, audience=audience, language=language,
                                         count=count)  # fmt: skip
        form = DraftForm(initial={"body": text})
    text = form["body"].value() or ""
    return render(request, "privacy/draft.html", {
        "incident": incident, "form": form, "text": text, "edited": edited,
        "audience": audience, "audience_label": dict(Audience.choices)[audience],
        "language": language, "language_label": dict(DraftLanguage.choices)[language],
        "audiences": Audience.choices, "languages": DraftLanguage.choices,
    }, status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_GET
def processing_record(request: HttpRequest) -> HttpResponse:
    """The records of processing, generated from what the installation holds."""
    _require(access.can_see_processing_record(request.user))
    spa = SpaSettings.current()
    return render(request, "privacy/processing.html", {
        "spa": spa, "categories": processing.categories(),
        "consents": processing.consent_figures(), "places": processing.storage_places(),
        "services": processing.outside_services(), "generated_at": timezone.now(),
    })  # fmt: skip
