"""Reads of the front desk's day: today's arrivals with their state as people read it,
who is late, money and package alerts, allergy alerts and birthdays. A fixed number of
queries whatever the number of arrivals."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spa.booking.models import Appointment, Source, Status
from spa.clients.models import Allergen, Client
from spa.clients.selectors import clients_visible_to
from spa.core import access
from spa.sales.models import Account, Balance, Billed
from spa.treatments.models import PackageStatus, TreatmentPackage, TreatmentSession

LATE_AFTER = timedelta(minutes=10)  # booked, not checked in, this long after the start
PACKAGE_EXPIRES_WITHIN = timedelta(days=30)
FEW_SESSIONS_LEFT = 2


class DeskState:
    """The states the desk reads an arrival in (derived, not stored)."""

    AWAITING = "awaiting"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    IN_TREATMENT = "in_treatment"
    TO_PAY = "to_pay"
    DONE = "done"
    NO_SHOW = "no_show"

    LABELS = {
        AWAITING: _("Awaiting confirmation"),
        BOOKED: _("Booked"),
        CONFIRMED: _("Confirmed"),
        CHECKED_IN: _("Checked in"),
        IN_TREATMENT: _("In treatment"),
        TO_PAY: _("To pay"),
        DONE: _("Done"),
        NO_SHOW: _("No-show"),
    }


@dataclass
class Arrival:
    appointment: Appointment
    state: str
    late_minutes: int = 0
    visible: bool = True  # the client's profile is open to this user
    debt: int = 0
    packages: list = field(default_factory=list)  # (package, why) pairs
    allergies: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return DeskState.LABELS[self.state]

    @property
    def is_late(self) -> bool:
        return self.late_minutes > 0


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time(0, 0)))
    return start, start + timedelta(days=1)


def _state(appointment: Appointment, now: datetime) -> str:
    status = appointment.status
    if status == Status.NO_SHOW:
        return DeskState.NO_SHOW
    if status == Status.COMPLETED:
        return DeskState.TO_PAY if appointment.to_bill else DeskState.DONE
    if status == Status.CHECKED_IN:
        # No separate "started" mark exists: a client checked in whose time has come
        # is with their technician.
        return DeskState.IN_TREATMENT if appointment.start <= now else DeskState.CHECKED_IN
    if appointment.confirmed_at is None:
        return DeskState.AWAITING
    return DeskState.CONFIRMED if appointment.source == Source.ONLINE else DeskState.BOOKED


def today_arrivals(
    *,
    user,
    branch,
    day: date | None = None,
    now: datetime | None = None,
    only_id: int | None = None,
) -> list[Arrival]:
    """The branch's appointments of the day in time order (cancelled ones left out),
    each with its desk state, lateness and alerts. Five queries however many rows."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    start, end = _day_bounds(day)
    today = timezone.localdate(now)
    unbilled_session = TreatmentSession.objects.filter(
        client_id=OuterRef("client_id"), billed__isnull=True
    )
    unbilled_package = TreatmentPackage.objects.filter(
        client_id=OuterRef("client_id"), billed__isnull=True, amount_paid__lt=F("price")
    ).exclude(status=PackageStatus.CANCELLED)
    alert_packages = (
        TreatmentPackage.objects.filter(
            status=PackageStatus.ACTIVE, used_sessions__lt=F("total_sessions")
        )
        .filter(
            Q(expires_on__gte=today, expires_on__lte=today + PACKAGE_EXPIRES_WITHIN)
            | Q(total_sessions__lte=F("used_sessions") + FEW_SESSIONS_LEFT)
        )
        .order_by("expires_on", "id")
    )
    rows = (
        Appointment.objects.filter(branch=branch, start__gte=start, start__lt=end)
        .exclude(status=Status.CANCELLED)
        .select_related("client", "client__health", "technician")
        .prefetch_related("services", Prefetch("client__packages", queryset=alert_packages, to_attr="desk_packages"))
        .annotate(
            visible=Exists(clients_visible_to(user).filter(pk=OuterRef("client_id"))),
            debt=Subquery(Balance.objects.filter(client_id=OuterRef("client_id"), account=Account.DEBT).values("amount")[:1]),
            to_bill=Exists(unbilled_session) | Exists(unbilled_package),
            session_billed=Exists(Billed.objects.filter(session_id=OuterRef("session_id"))),
        )
        .order_by("start", "id")
    )  # fmt: skip
    if only_id is not None:
        rows = rows.filter(pk=only_id)
    rows = list(rows)
    see_money = access.can_take_payment(user)
    see_allergies = access.can_see_allergy_alerts(user)
    allergen_ids = set()
    if see_allergies:
        for row in rows:
            health = getattr(row.client, "health", None) if row.visible else None
            row.desk_health = health.values() if health is not None else None
            if row.desk_health:
                allergen_ids.update(row.desk_health["allergen_ids"])
    names = (
        {a.pk: a.label for a in Allergen.objects.filter(pk__in=allergen_ids)}
        if allergen_ids
        else {}
    )
    arrivals = []
    for row in rows:
        arrival = Arrival(appointment=row, state=_state(row, now), visible=row.visible)
        if row.status == Status.BOOKED and now > row.start + LATE_AFTER:
            arrival.late_minutes = int((now - row.start).total_seconds() // 60)
        if row.visible:
            if see_money:
                arrival.debt = row.debt or 0
            arrival.packages = [(p, _package_alert(p, today)) for p in row.client.desk_packages]
            health = getattr(row, "desk_health", None)
            if health:
                arrival.allergies = [names[i] for i in health["allergen_ids"] if i in names]
                if health["allergy_notes"]:
                    arrival.allergies.append(health["allergy_notes"])
        arrivals.append(arrival)
    return arrivals


def _package_alert(package: TreatmentPackage, today: date) -> str:
    from django.utils.translation import gettext, ngettext

    parts = []
    if package.expires_on and package.expires_on <= today + PACKAGE_EXPIRES_WITHIN:
        parts.append(
            gettext("expires %(date)s") % {"date": package.expires_on.strftime("%d/%m/%Y")}
        )
    left = package.remaining
    if left <= FEW_SESSIONS_LEFT:
        parts.append(ngettext("%(n)d session left", "%(n)d sessions left", left) % {"n": left})
    return ", ".join(parts)


def _birth_dates(day: date, oldest: int = 120) -> list[date]:
    """Every date of birth whose birthday is `day`, for the last `oldest` years: an IN
    list the birth_date index answers (a month/day filter would read every client).
    Those born on 29 February celebrate on 28 February in other years."""
    dates = []
    for year in range(day.year - oldest, day.year + 1):
        try:
            dates.append(day.replace(year=year))
        except ValueError:
            continue
    if day.month == 2 and day.day == 28 and not _is_leap(day.year):
        dates += [date(y, 2, 29) for y in range(day.year - oldest, day.year) if _is_leap(y)]
    return dates


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthdays_query(*, user, branch, day: date):
    """Clients of the branch (that `user` may see) whose birthday is `day`.

    The inner query is answered by the birth_date index alone (a handful of rows in any
    spa); the branch and access filters then apply to those rows only, so no planner
    walks the whole branch instead: one query however many clients the spa has."""
    born_today = Client.objects.filter(birth_date__in=_birth_dates(day)).values("pk")
    return clients_visible_to(user).filter(pk__in=born_today, branch=branch)


def branch_birthdays(*, user, branch, day: date | None = None, limit: int = 50) -> list[Client]:
    """Today's birthdays of the branch's clients, by name."""
    query = birthdays_query(user=user, branch=branch, day=day or timezone.localdate())
    return list(
        query.only("id", "full_name", "given_name", "birth_date", "tier").order_by(
            "full_name", "id"
        )[:limit]
    )
