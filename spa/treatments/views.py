import base64

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from spa.audit.models import AccessKind
from spa.audit.services import access_record
from spa.booking.services import appointment_complete
from spa.clients.models import ClientHealth, Condition, PregnancyStatus
from spa.clients.photos import BadPhoto
from spa.clients.selectors import client_allergy_labels, client_get_for_user
from spa.core import access
from spa.core.params import param_id, param_int
from spa.treatments.forms import PatchTestForm, ProductLineFormSet, SessionForm
from spa.treatments.models import SessionPhoto, TreatmentSession
from spa.treatments.selectors import (
    client_packages,
    client_patch_tests,
    client_session_count,
    client_sessions_page,
    session_by_number,
)
from spa.treatments.services import (
    GuardBlocked,
    Override,
    OverrideRefused,
    PackageUnavailable,
    ProductUse,
    SessionInput,
    patch_test_record,
    session_log,
)

PAGE = 20

PACKAGE_REASONS = {
    "used_up": _("This package has no sessions left."),
    "expired": _("This package has expired."),
    "cancelled": _("This package is cancelled."),
    "not_this_client": _("This package belongs to another client."),
    "not_these_services": _("This package does not cover the chosen services."),
}


def _client_or_404(request: HttpRequest, client_id: int):
    client = client_get_for_user(request.user, client_id)
    if client is None or client.merged_into_id:
        raise Http404
    return client


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _health_panel(user, client) -> dict:
    """What the technician must have in front of them before treating."""
    health = ClientHealth.objects.filter(client=client).first()
    client.health = health
    panel = {"allergies": client_allergy_labels(client), "conditions": [], "pregnancy": ""}
    if health and access.can_see_health(user):
        values = health.values()
        panel["conditions"] = [
            c.label for c in Condition.objects.filter(pk__in=values["condition_ids"])
        ]
        if values["conditions"]:
            panel["conditions"].append(values["conditions"])
        if values["pregnancy"]:
            panel["pregnancy"] = PregnancyStatus(values["pregnancy"]).label
        panel["medications"] = values["medications"]
        panel["confirmed_at"] = health.confirmed_at
    return panel


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    user = request.user
    _require(access.can_log_session(user))
    branch = user.branch or client.branch
    findings = []
    needs_override = False
    appointment = _appointment_of(request, client)
    if request.method == "POST":
        form = SessionForm(request.POST, request.FILES, client=client, branch=branch, user=user)
        lines = ProductLineFormSet(request.POST, prefix="products")
        if form.is_valid() and lines.is_valid():
            override = None
            data = form.cleaned_data
            if data["override_username"]:
                manager = authenticate(
                    request, username=data["override_username"], password=data["override_password"]
                )
                if manager is None:
                    form.add_error("override_password", _("Wrong manager username or password."))
                else:
                    override = Override(manager=manager, reason=data["override_reason"].strip())
            if not form.errors:
                session_input = SessionInput(
                    client=client, branch=branch, performed_at=data["performed_at"],
                    services=list(data["services"]), technicians=list(data["technicians"]),
                    products=[
                        ProductUse(line["product"], line["quantity"], line["batch"].strip())
                        for line in lines.cleaned_data if line.get("product")
                    ],
                    reaction=data["reaction"], result=data["result"], notes=data["notes"],
                    satisfaction=data["satisfaction"], photos=form.photos(), package=data["package"],
                )  # fmt: skip
                try:
                    session = session_log(
                        actor=user,
                        data=session_input,
                        acknowledged=data["acknowledge"],
                        override=override,
                    )
                except GuardBlocked as blocked:
                    findings, needs_override = blocked.findings, blocked.needs_override
                except OverrideRefused:
                    form.add_error(
                        "override_username", _("This person may not override in this branch.")
                    )
                except PackageUnavailable as unavailable:
                    form.add_error("package", PACKAGE_REASONS[unavailable.reason])
                except BadPhoto:
                    form.add_error(
                        "photos_before",
                        _("This file is not a picture we can read (JPEG, PNG, WebP…)."),
                    )
                else:
                    if appointment is not None:
                        appointment_complete(actor=user, appointment=appointment, session=session)
                    messages.success(request, _("Session saved."))
                    if access.can_see_treatments(user):
                        return redirect("treatments:course", client.pk)
                    return redirect("clients:detail", client.pk)
    else:
        initial = {}
        if appointment is not None:  # completing a booked visit: start from what was booked
            initial = {
                "services": [s.pk for s in appointment.services.all()],
                "technicians": [appointment.technician_id],
                "performed_at": timezone.localtime(appointment.start),
            }
            if appointment.package_id:
                initial["package"] = appointment.package_id
        form = SessionForm(client=client, branch=branch, user=user, initial=initial)
        lines = ProductLineFormSet(prefix="products")
    return render(
        request,
        "treatments/session_form.html",
        {
            "client": client, "form": form, "lines": lines, "panel": _health_panel(user, client),
            "findings": findings, "needs_override": needs_override, "minimal": access.technician_minimal(user),
            "appointment": appointment,
        },
    )  # fmt: skip


def _appointment_of(request: HttpRequest, client):
    """The open appointment this session completes (?appointment=), if any."""
    from spa.booking.models import Appointment, Status

    appointment_id = param_id(request.POST.get("appointment") or request.GET.get("appointment"))
    if appointment_id is None:
        return None
    return (
        Appointment.objects.filter(
            pk=appointment_id, client=client, status__in=[Status.BOOKED, Status.CHECKED_IN]
        )
        .prefetch_related("services")
        .first()
    )


@login_required
def course(request: HttpRequest, client_id: int) -> HttpResponse:
    """The course of treatment: packages, patch tests, sessions in order, photo comparison."""
    client = _client_or_404(request, client_id)
    _require(access.can_see_treatments(request.user))
    total = client_session_count(client)
    pages = max(1, (total + PAGE - 1) // PAGE)
    page = param_int(request.GET.get("page"), default=1, low=1, high=pages)
    offset = (page - 1) * PAGE
    details = access.can_see_treatment_details(request.user)
    context = {
        "client": client,
        "total": total,
        "sessions": client_sessions_page(client, offset=offset, limit=PAGE),
        "page": page,
        "pages": pages,
        "packages": client_packages(client),
        "patch_tests": client_patch_tests(client),
        "details": details,
    }
    if details and total > 1:  # one session: nothing to compare it with
        context["compare"] = _comparison(request, client, total)
    access_record(viewer=request.user, client_id=client.pk, kinds=AccessKind.COURSE)
    return render(request, "treatments/course.html", context)


def _comparison(request: HttpRequest, client, total: int) -> dict:
    def number(name: str, default: int) -> int:
        return param_int(request.GET.get(name), default=default, low=1, high=total)

    a, b = number("a", 1), number("b", total)
    return {
        "a": session_by_number(client, a),
        "b": session_by_number(client, b),
    }


@login_required
def course_pdf(request: HttpRequest, client_id: int) -> HttpResponse:
    """The course of treatment as a PDF to hand to the client."""
    import weasyprint

    client = _client_or_404(request, client_id)
    _require(access.can_see_treatment_details(request.user))
    total = client_session_count(client)
    sessions = client_sessions_page(client, offset=0, limit=500)
    compare = _comparison(request, client, total) if total > 1 else None

    def data_uri(photo: SessionPhoto) -> str:
        with photo.image.open("rb") as f:
            return "data:image/jpeg;base64," + base64.b64encode(f.read()).decode()

    if compare:
        for side in ("a", "b"):
            compare[f"{side}_photos"] = [
                (p.get_kind_display(), data_uri(p)) for p in compare[side].photos.all()
            ]
        if not compare["a_photos"] and not compare["b_photos"]:
            compare = None  # no photos: the client's PDF has no empty comparison
    html = render_to_string(
        "treatments/course_pdf.html",
        {"client": client, "sessions": sessions, "packages": client_packages(client), "compare": compare,
         "printed_at": timezone.localtime()},
        request=request,
    )  # fmt: skip
    pdf = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="lieu-trinh-{client.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    access_record(viewer=request.user, client_id=client.pk, kinds=AccessKind.COURSE_PDF)
    return response


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = (
        TreatmentSession.objects.select_related("client", "branch").filter(pk=session_id).first()
    )
    if session is None:
        raise Http404
    client = _client_or_404(request, session.client_id)
    _require(access.can_see_treatment_details(request.user))
    access_record(viewer=request.user, client_id=client.pk, kinds=AccessKind.SESSION)
    return render(request, "treatments/session_detail.html", {"client": client, "session": session})


@login_required
def photo(request: HttpRequest, photo_id: int, size: str) -> FileResponse:
    """A treatment photo, only through the access check; never a public URL."""
    row = SessionPhoto.objects.filter(pk=photo_id).first()
    if row is None:
        raise Http404
    _client_or_404(request, row.client_id)
    _require(access.can_see_treatment_details(request.user))
    field = row.thumb if size == "thumb" else row.image
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    # Treatment photos show the skin itself: thumbnails are reads too.
    access_record(viewer=request.user, client_id=row.client_id, kinds=AccessKind.PHOTO)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def patch_test_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    _require(access.can_record_patch_test(request.user))
    form = PatchTestForm(request.POST or None, initial={"tested_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        patch_test_record(actor=request.user, client=client, **form.cleaned_data)
        messages.success(request, _("Patch test recorded."))
        if access.can_see_treatments(request.user):
            return redirect("treatments:course", client.pk)
        return redirect("clients:detail", client.pk)
    return render(request, "treatments/patch_test_form.html", {"client": client, "form": form})
