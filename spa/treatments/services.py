"""Writes of the treatment logbook and packages; each writes its audit entry."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.catalog.models import MovementReason, Product, Service
from spa.catalog.selectors import service_prices
from spa.catalog.services import stock_move
from spa.clients.models import CareReason, Client
from spa.clients.photos import process_photo
from spa.clients.services import care_link_add
from spa.core import access
from spa.reports.marks import day_touch
from spa.treatments.guard import Finding, guard_check
from spa.treatments.models import (
    GuardOverride,
    PackageRedemption,
    PackageStatus,
    PatchTest,
    SessionPhoto,
    SessionProduct,
    SessionService,
    TreatmentPackage,
    TreatmentSession,
)


class GuardBlocked(Exception):
    """The session conflicts with the client's health: acknowledge or override first."""

    def __init__(self, findings: list[Finding]):
        super().__init__("guard blocked")
        self.findings = findings

    @property
    def needs_override(self) -> bool:
        return any(f.hard for f in self.findings)


class PackageUnavailable(Exception):
    """The package is used up, expired, cancelled, another client's or for other services."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = (
            reason  # "used_up", "expired", "cancelled", "not_this_client", "not_these_services"
        )


class OverrideRefused(Exception):
    """The person giving the override may not override in this branch."""


@dataclass
class ProductUse:
    product: Product
    quantity: Decimal
    batch: str = ""


@dataclass
class Override:
    manager: object
    reason: str


@dataclass
class SessionInput:
    client: Client
    branch: object
    performed_at: datetime
    services: list[Service]
    technicians: list = field(default_factory=list)
    products: list[ProductUse] = field(default_factory=list)
    reaction: str = ""
    result: str = ""
    notes: str = ""
    satisfaction: int | None = None
    photos: list[tuple[str, bytes]] = field(default_factory=list)  # (kind, data)
    package: TreatmentPackage | None = None


def session_log(
    *, actor, data: SessionInput, acknowledged: bool = False, override: Override | None = None
) -> TreatmentSession:
    """Log a treatment session in one step: guard check, services, products out of stock,
    photos, package redemption, override and audit — all or nothing."""
    on = timezone.localdate(data.performed_at)
    findings = guard_check(
        client=data.client,
        services=data.services,
        products=[p.product for p in data.products],
        on=on,
    )
    if findings:
        if override is None and (any(f.hard for f in findings) or not acknowledged):
            raise GuardBlocked(findings)
        if override is not None and not access.can_override_guard(override.manager, data.branch.pk):
            raise OverrideRefused()
    if data.package is not None:
        _check_package(data.package, data.client, data.services, on)
    processed = [(kind, *process_photo(raw)) for kind, raw in data.photos]  # before the transaction
    saved_files: list = []
    try:
        with transaction.atomic():
            session = _session_write(actor, data, processed, saved_files, findings, override)
            _survey_after(session)
    except BaseException:
        for stored in saved_files:
            stored.storage.delete(stored.name)
        raise
    return session


def _survey_after(session: TreatmentSession) -> None:
    """Once the session is committed, plan the visit's survey (spa.care); a failure there
    is logged and never undoes the session."""
    from spa.care.surveys import survey_plan

    transaction.on_commit(lambda: survey_plan(session_id=session.pk), robust=True)


def _session_write(actor, data: SessionInput, processed, saved_files, findings, override):
    prices = service_prices(data.branch.pk, [s.pk for s in data.services])
    session = TreatmentSession.objects.create(
        client=data.client, branch=data.branch, performed_at=data.performed_at,
        reaction=data.reaction, result=data.result, notes=data.notes,
        satisfaction=data.satisfaction, amount=sum(prices.get(s.pk, 0) for s in data.services),
        created_by=actor,
    )  # fmt: skip
    session.technicians.set(data.technicians)
    day_touch(branch_id=data.branch.pk, when=data.performed_at)
    SessionService.objects.bulk_create(
        SessionService(session=session, service=s, price=prices.get(s.pk, 0)) for s in data.services
    )
    for use in data.products:
        SessionProduct.objects.create(
            session=session, product=use.product, quantity=use.quantity, batch=use.batch
        )
        stock_move(
            actor=actor, product=use.product, branch=data.branch, delta=-use.quantity,
            reason=MovementReason.SESSION, batch=use.batch, session_id=session.pk,
        )  # fmt: skip
    redemption = None
    if data.package is not None:
        redemption = _redeem(actor, data.package, session)
    for kind, image, thumb in processed:
        photo = SessionPhoto(session=session, client=data.client, kind=kind, uploaded_by=actor)
        photo.image.save(image.name, image, save=False)
        saved_files.append(photo.image)
        photo.thumb.save(thumb.name, thumb, save=False)
        saved_files.append(photo.thumb)
        photo.save()
    for technician in data.technicians:
        care_link_add(client=data.client, staff=technician, reason=CareReason.SERVED)
    Client.objects.filter(pk=data.client.pk).filter(
        Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=data.performed_at)
    ).update(last_visit_at=data.performed_at)
    summary = ", ".join(s.name for s in data.services)
    changes = {
        "services": [None, [s.name for s in data.services]],
        "products": [None, [f"{p.product.name} x {p.quantity}" for p in data.products]],
    }
    if redemption is not None:
        changes["package"] = [
            None,
            f"{data.package.name} {redemption.number}/{data.package.total_sessions}",
        ]
    audit_record(
        actor=actor, action=Action.SESSION, client_id=data.client.pk,
        summary=f"#{session.pk}: {summary}"[:255], changes=changes,
    )  # fmt: skip
    if findings and override is not None:
        GuardOverride.objects.create(
            session=session, manager=override.manager, reason=override.reason,
            warnings=[f.as_dict() for f in findings],
        )  # fmt: skip
        audit_record(
            actor=override.manager, action=Action.OVERRIDE, client_id=data.client.pk,
            summary=override.reason,
            changes={"session": [None, session.pk], "logged_by": [None, str(actor)]},
            # What was overridden is health data: kept encrypted like the health section.
            sensitive_changes={"warnings": [None, [f.message for f in findings]]},
        )  # fmt: skip
    return session


def _check_package(package: TreatmentPackage, client: Client, services, on: date) -> None:
    if package.client_id != client.pk:
        raise PackageUnavailable("not_this_client")
    if package.status != PackageStatus.ACTIVE:
        raise PackageUnavailable("cancelled")
    if package.expires_on and package.expires_on < on:
        raise PackageUnavailable("expired")
    allowed = set(package.services.values_list("pk", flat=True))
    if not allowed & {s.pk for s in services}:
        raise PackageUnavailable("not_these_services")


def _redeem(actor, package: TreatmentPackage, session: TreatmentSession) -> PackageRedemption:
    """Take one session from the package, or fail if none is left — decided by the
    database: the UPDATE only matches while used < total, and it locks the row, so a
    concurrent redemption waits and then sees the new count."""
    taken = TreatmentPackage.objects.filter(
        pk=package.pk, status=PackageStatus.ACTIVE, used_sessions__lt=F("total_sessions")
    ).update(used_sessions=F("used_sessions") + 1)
    if not taken:
        raise PackageUnavailable("used_up")
    number = (
        TreatmentPackage.objects.filter(pk=package.pk).values_list("used_sessions", flat=True).get()
    )
    return PackageRedemption.objects.create(
        package=package, session=session, number=number, by=actor
    )


def package_sell(
    *,
    actor,
    client: Client,
    branch,
    name: str,
    services: list[Service],
    total_sessions: int,
    price: int,
    expires_on: date | None = None,
    template=None,
) -> TreatmentPackage:
    """Sell a course card of N sessions to a client. Money is never taken here: the
    package is billed on an invoice (spa.sales.services.package_sale, or checkout)."""
    if total_sessions < 1 or price < 0:
        raise ValueError("invalid package figures")
    with transaction.atomic():
        package = TreatmentPackage.objects.create(
            client=client, branch=branch, name=name, total_sessions=total_sessions, price=price,
            expires_on=expires_on, sold_by=actor, template=template,
        )  # fmt: skip
        package.services.set(services)
        audit_record(
            actor=actor, action=Action.PACKAGE, client_id=client.pk, summary=name,
            changes={"package": [None, {"name": name, "sessions": total_sessions, "price": price,
                                        "expires_on": expires_on.isoformat() if expires_on else None}]},
        )  # fmt: skip
    return package


def patch_test_record(
    *, actor, client: Client, tested_on: date, result: str, service=None, product=None, notes=""
) -> PatchTest:
    """Record a patch test and its result."""
    with transaction.atomic():
        test = PatchTest.objects.create(
            client=client, service=service, product=product, tested_on=tested_on, result=result,
            notes=notes, recorded_by=actor,
        )  # fmt: skip
        audit_record(
            actor=actor, action=Action.PATCH_TEST, client_id=client.pk,
            summary=f"{tested_on.isoformat()} {result}",
            changes={"patch_test": [None, {"service": str(service or ""), "product": str(product or ""),
                                           "result": result, "tested_on": tested_on.isoformat()}]},
        )  # fmt: skip
    return test
