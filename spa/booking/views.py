from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from icalendar import Calendar, Event

from spa.accounts.models import Branch, Role, User
from spa.booking.forms import BookingForm, CancelForm, RescheduleForm
from spa.booking.models import Appointment, CalendarFeed, new_feed_token
from spa.booking.selectors import appointment_for_user, branch_day
from spa.booking.services import (
    Booking,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_confirm,
    appointment_no_show,
    appointment_reschedule,
    series_book,
    series_plan,
)
from spa.clients.selectors import client_get_for_user
from spa.core import access
from spa.core.params import param_date, param_id

DAY_START_HOUR, DAY_END_HOUR = 7, 22


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _branch_for(request: HttpRequest) -> Branch:
    """The user's branch; the owner chooses one (?branch=)."""
    user = request.user
    if user.role == Role.OWNER:
        code = request.GET.get("branch") or request.POST.get("branch")
        branch = (
            Branch.objects.filter(code=code).first()
            if code
            else Branch.objects.order_by("id").first()
        )
        if branch is None:
            raise Http404
        return branch
    return user.branch


def _day(request: HttpRequest) -> date:
    return param_date(request.GET.get("date"), default=timezone.localdate())


@login_required
def day_view(request: HttpRequest) -> HttpResponse:
    """One column per technician, rows every 15 minutes (a technician sees their own)."""
    _require(access.can_see_calendar(request.user))
    branch, day = _branch_for(request), _day(request)
    only = request.user if request.user.role == Role.TECHNICIAN else None
    columns = branch_day(branch=branch, day=day, only=only)
    rows = (DAY_END_HOUR - DAY_START_HOUR) * 4
    # Hundreds of blocks: their links and times are made here, not by template tags.
    url_prefix = reverse("booking:detail", args=[0])[: -len("0/")]
    for column in columns:
        column.blocks = [_block(a, url_prefix) for a in column.appointments]
        column.shift_blocks = [
            {"row": _row(s.start.hour, s.start.minute), "span": max(1, _row(s.end.hour, s.end.minute) - _row(s.start.hour, s.start.minute))}
            for s in column.shifts
        ]  # fmt: skip
    if access.can_book(request.user):
        _add_free_cells(columns, day, client_id=param_id(request.GET.get("client")))
    context = {
        "branch": branch, "day": day, "columns": columns, "prev": day - timedelta(days=1),
        "next": day + timedelta(days=1), "hours": range(DAY_START_HOUR, DAY_END_HOUR), "rows": rows,
        "branches": Branch.objects.filter(is_active=True) if request.user.role == Role.OWNER else [],
    }  # fmt: skip
    return render(request, "booking/day.html", context)


def _add_free_cells(columns, day: date, client_id: int | None) -> None:
    """Each empty quarter hour of a technician's working hours becomes a link to book
    them then: straight to the client's form when the calendar was opened for a client,
    else to a page that finds the client first. The form offers the real free times."""
    now = timezone.localtime()
    target = (
        reverse("booking:book", args=[client_id]) if client_id else reverse("booking:pick_client")
    )
    for column in columns:
        taken = set()
        for appointment in column.appointments:
            if appointment.status in ("cancelled", "no_show"):
                continue
            start, end = timezone.localtime(appointment.start), timezone.localtime(appointment.end)
            first = _row(start.hour, start.minute)
            last = _row(end.hour, end.minute) + (
                1 if end.minute % 15 else 0
            )  # a part-used quarter is taken
            if end.date() > start.date():
                last = _row(DAY_END_HOUR, 0)
            taken.update(range(first, max(first + 1, last)))
        cells = []
        for shift in column.shifts:
            minutes = shift.start.hour * 60 + shift.start.minute
            end = shift.end.hour * 60 + shift.end.minute
            minutes = -(-minutes // 15) * 15
            while minutes + 15 <= end:
                hour, minute = divmod(minutes, 60)
                row = _row(hour, minute)
                past = day < now.date() or (
                    day == now.date() and (hour, minute) < (now.hour, now.minute)
                )
                if DAY_START_HOUR <= hour < DAY_END_HOUR and row not in taken and not past:
                    time_text = f"{hour:02d}:{minute:02d}"
                    query = urlencode(
                        {
                            "technician": column.technician.pk,
                            "day": day.isoformat(),
                            "time": time_text,
                        }
                    )
                    cells.append({"row": row, "time": time_text, "url": f"{target}?{query}"})
                minutes += 15
        column.free_cells = cells


def _row(hour: int, minute: int) -> int:
    return max(1, (hour - DAY_START_HOUR) * 4 + minute // 15 + 1)


def _block(appointment: Appointment, url_prefix: str) -> dict:
    start, end = timezone.localtime(appointment.start), timezone.localtime(appointment.end)
    row = _row(start.hour, start.minute)
    return {
        "a": appointment,
        "row": row,
        "span": max(1, _row(end.hour, end.minute) - row),
        "time": f"{start:%H:%M}",
        "url": f"{url_prefix}{appointment.pk}/",
    }


@login_required
def week_view(request: HttpRequest) -> HttpResponse:
    _require(access.can_see_calendar(request.user))
    branch, day = _branch_for(request), _day(request)
    monday = day - timedelta(days=day.weekday())
    only = request.user if request.user.role == Role.TECHNICIAN else None
    days = [
        (
            monday + timedelta(days=i),
            branch_day(branch=branch, day=monday + timedelta(days=i), only=only),
        )
        for i in range(7)
    ]
    return render(request, "booking/week.html", {
        "branch": branch, "days": days, "prev": monday - timedelta(days=7), "next": monday + timedelta(days=7),
        "monday": monday,
    })  # fmt: skip


def _booking_initial(request: HttpRequest) -> dict:
    """What a link into the booking form chooses already: a day-grid cell gives the
    technician, day and time; a profile or the public page may give services."""
    initial = {}
    services = request.GET.getlist("services") or request.GET.getlist("service")
    if services:
        initial["services"] = [param_id(v) for v in services if param_id(v)]
    if param_id(request.GET.get("technician")):
        initial["technician"] = param_id(request.GET.get("technician"))
    day = request.GET.get("day") or request.GET.get("date")
    if day:
        initial["day"] = param_date(day, default=timezone.localdate())
    if request.GET.get("time"):
        initial["time"] = request.GET["time"][:5]
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, client_id: int) -> HttpResponse:
    """Book a client: one appointment, a recurring series, or a package's next sessions,
    at one of the free times of the chosen day, services and technician."""
    client = client_get_for_user(request.user, client_id)
    if client is None or client.merged_into_id:
        raise Http404
    _require(access.can_book(request.user))
    branch = request.user.branch or client.branch
    may_type = access.can_type_booking_time(request.user)
    if request.method == "GET" and request.htmx and request.GET.get("part") == "times":
        # The free times again, for the services, technician and day now chosen.
        form = BookingForm(request.GET, branch=branch, client=client, may_type_time=may_type)
        return render(request, "booking/partials/book_times.html", {"form": form, "refresh": True})
    form = BookingForm(
        request.POST or None, branch=branch, client=client, may_type_time=may_type,
        initial=_booking_initial(request) if request.method == "GET" else None,
    )  # fmt: skip
    if request.method == "GET" and form.initial.get("time") not in form.free_times:
        form.initial.pop("time", None)
    conflicts, plan = [], None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        booking = Booking(
            client=client, branch=branch, services=list(data["services"]), start=data["start"],
            technician=data["technician"], notes=data["notes"], package=data["package"],
        )  # fmt: skip
        every = form.every_days()
        try:
            if every:
                count = data["repeat_count"]
                if data["package"] and not count:
                    count = data["package"].remaining
                plan = series_plan(
                    data=booking, every_days=every, count=count, until=data["repeat_until"]
                )
                conflicts = plan.conflicts
                if not conflicts:
                    booked = series_book(actor=request.user, data=booking, every_days=every, count=count,
                                         until=data["repeat_until"])  # fmt: skip
                    messages.success(request, _("%(n)s appointments booked.") % {"n": len(booked)})
                    return redirect("booking:detail", booked[0].pk)
            else:
                appointment = appointment_book(actor=request.user, data=booking)
                messages.success(request, _("Appointment booked."))
                return redirect("booking:detail", appointment.pk)
        except SlotTaken as taken:
            form.add_error(None, taken.message)
    return render(request, "booking/book.html", {"client": client, "form": form, "conflicts": conflicts,
                                                  "plan": plan, "branch": branch})  # fmt: skip


@login_required
def pick_client(request: HttpRequest) -> HttpResponse:
    """From a free cell of the day grid: find the client, then book them at that time."""
    from spa.clients.selectors import client_search

    _require(access.can_book(request.user))
    keep = {k: request.GET[k][:20] for k in ("technician", "day", "time") if request.GET.get(k)}
    technician = None
    if param_id(keep.get("technician")):
        technician = User.objects.filter(
            pk=param_id(keep["technician"]), role=Role.TECHNICIAN, is_active=True
        ).first()
    q = request.GET.get("q", "")[:100]
    result = client_search(user=request.user, q=q)
    return render(request, "booking/pick_client.html", {
        "q": q, "result": result, "query": urlencode(keep), "keep": keep, "technician": technician,
        "day": param_date(keep.get("day"), default=timezone.localdate()),
    })  # fmt: skip


@login_required
def detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = appointment_for_user(request.user, appointment_id)
    if appointment is None:
        raise Http404
    return render(request, "booking/detail.html", {
        "appointment": appointment,
        "reschedule_form": RescheduleForm(branch=appointment.branch, initial={
            "day": timezone.localtime(appointment.start).date(), "time": timezone.localtime(appointment.start).time(),
            "technician": appointment.technician_id}),
        "cancel_form": CancelForm(),
    })  # fmt: skip


def _appointment_or_404(request, appointment_id):
    appointment = appointment_for_user(request.user, appointment_id)
    if appointment is None:
        raise Http404
    return appointment


@login_required
@require_POST
def reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment_or_404(request, appointment_id)
    _require(access.can_book(request.user))
    form = RescheduleForm(request.POST, branch=appointment.branch)
    if form.is_valid():
        try:
            appointment_reschedule(actor=request.user, appointment=appointment,
                                   start=form.cleaned_data["start"], technician=form.cleaned_data["technician"])  # fmt: skip
            messages.success(request, _("Appointment moved."))
        except SlotTaken as taken:
            messages.error(request, taken.message)
    else:
        messages.error(request, _("Choose a day and a time."))
    return redirect("booking:detail", appointment.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment_or_404(request, appointment_id)
    _require(access.can_book(request.user))
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for cancelling."))
    else:
        try:
            appointment_cancel(
                actor=request.user, appointment=appointment, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Appointment cancelled."))
        except ValueError:
            messages.error(request, _("This appointment can no longer be cancelled."))
    return redirect("booking:detail", appointment.pk)


@login_required
@require_POST
def status(request: HttpRequest, appointment_id: int, action: str) -> HttpResponse:
    appointment = _appointment_or_404(request, appointment_id)
    if action == "complete":
        _require(access.can_log_session(request.user))
        return redirect(
            reverse("treatments:session_new", args=[appointment.client_id])
            + f"?appointment={appointment.pk}"
        )
    _require(access.can_book(request.user))
    change = {
        "check_in": appointment_check_in,
        "no_show": appointment_no_show,
        "confirm": appointment_confirm,
    }.get(action)
    if change is None:
        raise Http404
    try:
        change(actor=request.user, appointment=appointment)
        if action == "confirm":
            messages.success(request, _("Booking confirmed."))
    except ValueError:
        messages.error(request, _("Not possible in the appointment's present state."))
    return redirect("booking:detail", appointment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def my_feed(request: HttpRequest) -> HttpResponse:
    """A technician's calendar address for Google Calendar or a phone; renewing it
    revokes the old one."""
    feed, _created = CalendarFeed.objects.get_or_create(staff=request.user)
    if request.method == "POST":
        feed.token = new_feed_token()
        feed.save()
        messages.success(request, _("A new address was made; the old one no longer works."))
        return redirect("booking:my_feed")
    url = request.build_absolute_uri(reverse("booking:feed", args=[feed.token]))
    return render(request, "booking/my_feed.html", {"url": url})


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed behind a secret address (no login: calendar apps cannot log in).
    It shows only first names and services, never phones or health."""
    row = CalendarFeed.objects.select_related("staff").filter(token=token).first()
    if row is None or not row.staff.is_active:
        raise Http404
    now = timezone.now()
    appointments = (
        Appointment.objects.filter(technician=row.staff, start__gte=now - timedelta(days=30),
                                   start__lte=now + timedelta(days=90))
        .exclude(status__in=["cancelled"]).select_related("client", "branch", "room").prefetch_related("services")
    )  # fmt: skip
    calendar = Calendar()
    calendar.add("prodid", "-//Spa client records//")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{row.staff.display_name}")
    for a in appointments:
        event = Event()
        event.add("uid", f"appointment-{a.pk}@spa")
        event.add("dtstart", a.start)
        event.add("dtend", a.end)
        event.add("dtstamp", now)
        event.add(
            "summary", f"{a.first_name_to_show}: {', '.join(s.name for s in a.services.all())}"
        )
        event.add("location", f"{a.branch.name}{' · ' + a.room.name if a.room_id else ''}")
        event.add("status", "CONFIRMED" if a.status != "no_show" else "CANCELLED")
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    return response
