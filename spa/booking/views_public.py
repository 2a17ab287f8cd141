"""The public online booking page of a branch: real free slots, name and phone, nothing
of anyone else's shown. CSRF-protected and rate-limited per address."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_ratelimit.decorators import ratelimit

from spa.accounts.models import Branch, SpaSettings
from spa.booking.forms import PublicBookingForm
from spa.booking.models import Appointment, Source
from spa.booking.selectors import free_slots
from spa.booking.services import Booking, SlotTaken, appointment_book
from spa.catalog.models import Service, ServicePrice
from spa.clients.models import Client, ClientPhone, ClientSource
from spa.clients.services import PhoneInput, client_create, consent_request_add
from spa.core.params import param_id

DAYS_AHEAD = 14
DONE_SALT = "public-booking-done"


def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "booking/public/rate_limited.html", status=429)


def _branch(code: str) -> Branch:
    branch = Branch.objects.filter(code=code, is_active=True).first()
    if branch is None or not SpaSettings.current().online_booking:
        raise Http404
    return branch


@ratelimit(key="ip", rate="120/m", block=True)
def page(request: HttpRequest, code: str) -> HttpResponse:
    """Pick a service and a day; the free times follow (an HTMX partial)."""
    branch = _branch(code)
    prices = dict(ServicePrice.objects.filter(branch=branch).values_list("service_id", "price"))
    services = [s for s in Service.objects.filter(is_active=True, pk__in=prices)]
    for service in services:
        service.price = prices[service.pk]
    today = timezone.localdate()
    days = [today + timedelta(days=i) for i in range(DAYS_AHEAD)]
    chosen = next((s for s in services if str(s.pk) == request.GET.get("service")), None)
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = today
    day = min(max(day, today), days[-1])
    slots = free_slots(branch=branch, services=[chosen], first_day=day, days=1) if chosen else []
    context = {
        "branch": branch,
        "services": services,
        "chosen": chosen,
        "days": days,
        "day": day,
        "slots": slots,
    }
    template = "booking/public/partials/slots.html" if request.htmx else "booking/public/page.html"
    return render(request, template, context)


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Name and phone for a chosen slot, then book."""
    branch = _branch(code)
    data = request.POST if request.method == "POST" else request.GET
    form = PublicBookingForm(data if request.method == "POST" else None,
                             initial={"service": data.get("service"), "start": data.get("start")})  # fmt: skip
    service_id = param_id(data.get("service"))
    service = Service.objects.filter(pk=service_id, is_active=True).first() if service_id else None
    if service is None:
        raise Http404
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        start = (
            timezone.make_aware(cleaned["start"])
            if timezone.is_naive(cleaned["start"])
            else cleaned["start"]
        )
        try:
            with transaction.atomic():
                client = _client_for(branch, cleaned)
                # Any free technician of this branch: the page offers no choice, and a
                # technician sent with the form is not taken.
                appointment = appointment_book(
                    actor=None,
                    data=Booking(client=client, branch=branch, services=[cleaned["service"]], start=start,
                                 source=Source.ONLINE, online_name=cleaned["full_name"],
                                 notes=_for_staff(gettext_noop("Booked online as: %(name)s"), name=cleaned["full_name"])),
                )  # fmt: skip
        except SlotTaken:
            form.add_error(None, _("Sorry, this time was just taken. Please choose another."))
        else:
            # Post/Redirect/Get: reloading the "booked" page must not book again.
            ticket = signing.dumps({"a": appointment.pk}, salt=DONE_SALT)
            return redirect(reverse("public_booking:done", args=[branch.code]) + f"?t={ticket}")
    try:
        start_at = timezone.make_aware(datetime.strptime(data.get("start", ""), "%Y-%m-%dT%H:%M"))
    except ValueError:
        start_at = None
    return render(request, "booking/public/confirm.html",
                  {"branch": branch, "form": form, "service": service, "start_at": start_at})  # fmt: skip


ELSEWHERE_NOTE = gettext_noop(
    "Booked online with a phone that is also on a profile of another branch: check whether "
    "it is the same person and merge."
)


def _for_staff(message: str, **values) -> str:
    """Text stored for the spa's staff is written in the spa's language, not in the
    language the visitor chose on the public page."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values if values else _(message)


def done(request: HttpRequest, code: str) -> HttpResponse:
    """What was booked, from a signed ticket (an hour old at most): nothing of anyone
    else can be read by changing the address."""
    branch = _branch(code)
    try:
        ticket = signing.loads(request.GET.get("t", ""), salt=DONE_SALT, max_age=3600)
    except signing.BadSignature:
        raise Http404 from None
    appointment = (
        Appointment.objects.filter(pk=ticket.get("a"), branch=branch)
        .prefetch_related("services").first()
    )  # fmt: skip
    if appointment is None:
        raise Http404
    return render(request, "booking/public/done.html", {
        "branch": branch, "service": appointment.services.first(), "start": appointment.start,
    })  # fmt: skip


def _client_for(branch: Branch, cleaned: dict) -> Client:
    """The profile of this branch with this phone, or a new minimal one; never shown back.

    Only this branch's profiles are matched: whoever types a phone number learns
    nothing and reaches nothing of a client of another branch. A phone known only in
    another branch gets a new profile here, marked for the desk to check and merge."""
    phone = cleaned["phone"]
    holders = ClientPhone.objects.filter(e164=phone.e164, client__merged_into__isnull=True)
    holder = (
        holders.filter(client__branch=branch).order_by("shared_confirmed", "id")
        .select_related("client").first()
    )  # fmt: skip
    if holder is not None:
        client = holder.client
    else:
        source, _created = ClientSource.objects.get_or_create(name="Đặt lịch online")
        elsewhere = holders.exists()
        client = client_create(
            actor=None,
            fields={"full_name": cleaned["full_name"], "branch": branch, "source": source,
                    "notes": _for_staff(ELSEWHERE_NOTE) if elsewhere else ""},
            phones=[PhoneInput(phone=phone)], confirm_different=elsewhere,
        )  # fmt: skip
    if cleaned.get("remind_by"):
        # Anyone may type a phone: consent given here waits for the client to confirm it.
        consent_request_add(client=client, channel=cleaned["remind_by"])
    return client
