"""Reads of the logbook. Clients come through clients_visible_to, like everywhere."""

from django.db.models import Prefetch

from spa.treatments.models import (
    PackageStatus,
    PatchTest,
    SessionPhoto,
    SessionService,
    TreatmentPackage,
    TreatmentSession,
)


def client_packages(client) -> list[TreatmentPackage]:
    return list(
        TreatmentPackage.objects.filter(client=client)
        .select_related("billed__invoice__branch")
        .prefetch_related("services")
        .order_by("status", "-sold_at")
    )


def client_active_packages(client) -> list[TreatmentPackage]:
    return [p for p in client_packages(client) if p.status == PackageStatus.ACTIVE]


def client_visit_count(client) -> int:
    """Days the client came in and was treated (booked or walk-in): one visit a day."""
    from django.db.models.functions import TruncDate

    return (
        TreatmentSession.objects.filter(client=client)
        .annotate(day=TruncDate("performed_at"))
        .values("day")
        .distinct()
        .count()
    )


def client_session_count(client) -> int:
    return TreatmentSession.objects.filter(client=client).count()


def client_sessions_page(client, *, offset: int, limit: int) -> list[TreatmentSession]:
    """Sessions in the order they happened, each with its number in the course (1..N)."""
    sessions = list(
        TreatmentSession.objects.filter(client=client)
        .order_by("performed_at", "id")
        .prefetch_related(
            Prefetch("service_lines", queryset=SessionService.objects.select_related("service")),
            "technicians",
            Prefetch("photos", queryset=SessionPhoto.objects.only("id", "session_id", "kind")),
            "product_lines__product",
        )
        .select_related("redemption__package", "override__manager")[offset : offset + limit]
    )
    for position, session in enumerate(sessions, start=offset + 1):
        session.number = position
    return sessions


def session_by_number(client, number: int) -> TreatmentSession | None:
    """The Nth session of the client's course (1-based)."""
    if number < 1:
        return None
    session = (
        TreatmentSession.objects.filter(client=client)
        .order_by("performed_at", "id")
        .prefetch_related("photos")[number - 1 : number]
        .first()
    )
    if session is not None:
        session.number = number
    return session


def client_patch_tests(client) -> list[PatchTest]:
    return list(PatchTest.objects.filter(client=client).select_related("service", "product")[:20])
