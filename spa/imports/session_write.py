"""Commit and undo of the price-list and treatment-log rows, and the safety review of
the imported history.

Runs inside the core's batch transactions (`writer.Writer.write`): price rows first (so
visits and packages find their services), client rows, then visits. Every row leaves a
non-empty `result` — that is how a resumed commit knows it is done — saying what it
created, and everything created is marked with an ImportedObject for undo.
"""

from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.audit.models import Action, AuditEntry
from spa.audit.services import audit_record_many
from spa.clients.models import Client
from spa.core.text import fold
from spa.imports.models import ImportedObject, ImportJob, ImportRow, Outcome, rows_save_results
from spa.imports.problems import Problem
from spa.imports.records import _empty_record
from spa.imports.targets import SheetKind
from spa.imports.writer import CLIENT_MODEL, PACKAGE_MODEL, audit_summary, summary_of
from spa.reports.marks import clients_touch, days_touch

SESSION_MODEL = "treatments.treatmentsession"
SERVICE_MODEL = "catalog.service"
PRICE_MODEL = "catalog.serviceprice"
CATEGORY_MODEL = "catalog.servicecategory"
LEDGER_MODEL = "sales.ledgerentry"
NOON = time(12)


def write(writer, rows: list[ImportRow]) -> None:
    """Write one batch of price or visit rows (called inside the batch's transaction)."""
    if rows[0].kind == SheetKind.PRICES:
        _write_prices(writer, rows)
    else:
        _write_visits(writer, rows)
    rows_save_results(rows)


def _mark(writer, model: str, pk: int) -> ImportedObject:
    return ImportedObject(job=writer.job, model=model, object_id=pk)


# --- price list ----------------------------------------------------------------------------
def _category(writer, name: str, marks: list):
    """The row's category (an existing one with the same folded name), else the category
    of imported services."""
    from spa.catalog.models import ServiceCategory

    cache = writer.__dict__.setdefault("_categories", {})
    name = " ".join(name.split())[:80] or str(_("Imported services"))
    key = fold(name)
    if key not in cache:
        found = next((c for c in ServiceCategory.objects.all() if fold(c.name) == key), None)
        if found is None:
            found = ServiceCategory.objects.create(name=name)
            marks.append(_mark(writer, CATEGORY_MODEL, found.pk))
        cache[key] = found
    return cache[key]


def _write_prices(writer, rows: list[ImportRow]) -> None:
    from spa.catalog.models import Service, ServicePrice

    services = writer.services_by_name()
    branch = writer.job.branch
    marks: list[ImportedObject] = []
    for row in rows:
        data = row.data
        key = fold(data["name"])
        service = services.get(key)
        result: dict = {"service": None}
        if service is None:
            service = Service.objects.create(
                name=data["name"], category=_category(writer, data["category"], marks),
                duration_minutes=data["minutes"] or 60,
            )  # fmt: skip
            services[key] = service
            marks.append(_mark(writer, SERVICE_MODEL, service.pk))
            result["created"] = True
        result["service"] = service.pk
        if (
            data["price"] is not None
            and not ServicePrice.objects.filter(service=service, branch=branch).exists()
        ):
            price = ServicePrice.objects.create(service=service, branch=branch, price=data["price"])
            marks.append(_mark(writer, PRICE_MODEL, price.pk))
            result["price"] = price.pk
        row.result = result
    ImportedObject.objects.bulk_create(marks)


# --- treatment log -------------------------------------------------------------------------
class _WalkIn:
    """A visit row seen as the client record it creates (what `Writer._create` reads)."""

    def __init__(self, row: ImportRow):
        data = row.data
        record = _empty_record()
        record.update(
            full_name=data["client_name"], name_tokens=data["name_tokens"],
            phones=data["phones"],
            notes=_("First seen in the treatment log: %(day)s")
            % {"day": date.fromisoformat(data["date"]).strftime("%d/%m/%Y")},
        )  # fmt: skip
        self.row, self.data, self.key = row, record, ""
        self.sheet_index, self.row_number = row.sheet_index, row.row_number
        self.client_id, self.result = None, {}


def _create_walk_ins(writer, rows: list[ImportRow]) -> None:
    """One new client per walk-in (first) row; a row the database refuses is rejected."""
    walk_ins = [_WalkIn(r) for r in rows if r.data.get("walk_in")]
    if not walk_ins:
        return
    try:
        with transaction.atomic():
            writer._create(walk_ins)
    except IntegrityError:  # rolled back: one at a time, so one refusal costs one row
        for one in walk_ins:
            one.client_id = None
        for one in walk_ins:
            try:
                with transaction.atomic():
                    writer._create([one])
            except IntegrityError as exc:
                one.client_id = None
                one.row.outcome = Outcome.REJECTED
                one.row.reason = Problem("row_database", {"detail": str(exc)[:120]}).as_json()
                one.row.result = {"failed": True}
    for one in walk_ins:
        if one.client_id:
            one.row.client_id = one.client_id
            one.row.result = {"walk_in": one.client_id}


def _resolve_clients(writer, rows: list[ImportRow]) -> dict[int, Client]:
    """Each visit's client: the walk-in it created, the row it points at (a client row
    or an earlier walk-in, already written), or the stored client it was matched to."""
    _create_walk_ins(writer, rows)
    pointed = {r.match_row_id for r in rows if r.match_row_id}
    row_clients = dict(ImportRow.objects.filter(pk__in=pointed).values_list("pk", "client_id"))
    written = {r.pk: r.client_id for r in rows if r.client_id}
    for row in rows:
        if row.result.get("failed") or row.client_id:
            continue
        if row.match_row_id:
            row.client_id = written.get(row.match_row_id) or row_clients.get(row.match_row_id)
        else:
            row.client_id = row.match_client_id
        if row.client_id:
            written[row.pk] = row.client_id
    clients = Client.objects.in_bulk({r.client_id for r in rows if r.client_id})
    for row in rows:
        if row.result.get("failed"):
            continue
        if row.client_id not in clients:  # the client row failed, or the client is gone
            row.client_id = None
            row.outcome = Outcome.REJECTED
            row.reason = Problem("row_client_unknown").as_json()
            row.result = {"failed": True}
    return clients


def _service_of(writer, row: ImportRow, marks: list):
    """The visit's service: the catalogue's or the price list's (written before), else a
    new inactive service of that name, so nothing the log says is lost."""
    from spa.catalog.models import Service

    data = row.data
    if not data["service"]:
        return None
    services = writer.services_by_name()
    service = services.get(data["service_key"]) or services.get(fold(data["service"]))
    if service is None:
        service = Service.objects.create(
            name=data["service"], category=_category(writer, "", marks), is_active=False
        )
        services[fold(data["service"])] = service
        marks.append(_mark(writer, SERVICE_MODEL, service.pk))
        row.result["service_created"] = service.pk
    return service


def _performed_at(data: dict) -> datetime:
    at = time.fromisoformat(data["time"]) if data["time"] else NOON
    return timezone.make_aware(datetime.combine(date.fromisoformat(data["date"]), at))


def _notes(data: dict, technicians_unknown: list[str]) -> str:
    lines = [data["note"]] if data["note"] else []
    if data["complimentary"]:
        lines.append(str(_("Complimentary")))
    if data["products"]:
        lines.append(f"{_('Products used')}: {', '.join(data['products'])}")
    if technicians_unknown:
        lines.append(f"{_('Technician')}: {', '.join(technicians_unknown)}")
    if data["progress"]:
        number, total = data["progress"]
        lines.append(f"{_('Session')} {number}/{total}" if total else f"{_('Session')} {number}")
    return "\n".join(lines)


def _write_visits(writer, rows: list[ImportRow]) -> None:
    from spa.accounts.models import User
    from spa.catalog.selectors import service_prices
    from spa.treatments.models import SessionProduct, SessionService, TreatmentSession

    job = writer.job
    clients = _resolve_clients(writer, rows)
    todo = [r for r in rows if not r.result.get("failed")]
    marks: list[ImportedObject] = []
    services = {r.pk: _service_of(writer, r, marks) for r in todo}
    prices = service_prices(job.branch_id, {s.pk for s in services.values() if s})
    staff = set(User.objects.filter(
        pk__in={i for r in todo for i in r.data["technician_ids"]}, is_active=True
    ).values_list("pk", flat=True))  # fmt: skip
    actor = writer.actor if getattr(writer.actor, "pk", None) else None
    sessions = []
    for row in todo:
        data, service = row.data, services[row.pk]
        amount = data["amount"]
        if data["complimentary"]:
            amount = 0
        elif amount is None:
            amount = prices.get(service.pk, 0) if service else 0
        row.result.setdefault("amount", amount)
        unknown = list(data["technician_unknown"]) + [
            str(i) for i in data["technician_ids"] if i not in staff
        ]
        sessions.append(
            TreatmentSession(
                client_id=row.client_id, branch=job.branch, performed_at=_performed_at(data),
                amount=amount, notes=_notes(data, unknown), created_by=actor,
            )
        )  # fmt: skip
    TreatmentSession.objects.bulk_create(sessions, batch_size=500)
    days_touch({(s.branch_id, timezone.localdate(s.performed_at)) for s in sessions})
    lines, uses, crew = [], [], []
    through = TreatmentSession.technicians.through
    for row, session in zip(todo, sessions, strict=True):
        row.result["session"] = session.pk
        marks.append(_mark(writer, SESSION_MODEL, session.pk))
        service = services[row.pk]
        if service:
            lines.append(SessionService(session=session, service=service, price=session.amount))
        for product_id in dict.fromkeys(p for p in row.data["product_ids"] if p):
            uses.append(SessionProduct(session=session, product_id=product_id, quantity=1))
        for user_id in dict.fromkeys(i for i in row.data["technician_ids"] if i in staff):
            crew.append(through(treatmentsession_id=session.pk, user_id=user_id))
    SessionService.objects.bulk_create(lines, batch_size=1000)
    SessionProduct.objects.bulk_create(uses, batch_size=1000)
    through.objects.bulk_create(crew, batch_size=1000)
    # Every visit brought into a profile is in its history ("imported from …, row N").
    audit_record_many(
        [
            AuditEntry(actor=actor, action=Action.IMPORT, client_id=row.client_id,
                       summary=audit_summary(job, row))
            for row in todo
        ],
        batch_size=1000,
    )  # fmt: skip
    _debts(writer, todo, clients, services, marks)
    _packages(writer, todo, services, marks)
    _last_visits(todo, sessions)
    ImportedObject.objects.bulk_create(marks, batch_size=2000)


def _debts(writer, rows, clients, services, marks) -> None:
    """An unpaid visit with an amount: the client owes it, as an opening debt."""
    from spa.sales.ledger import ledger_post
    from spa.sales.models import Account, LedgerReason

    for row in rows:
        amount = row.result["amount"]
        if row.data["paid"] is not False or not amount:
            continue
        service = services[row.pk]
        note = summary_of(writer.job, row)
        if service:
            note = f"{note}: {service.name}"
        entry = ledger_post(
            client=clients[row.client_id], account=Account.DEBT, amount=amount,
            reason=LedgerReason.OPENING, by=writer.actor, note=note[:255],
        )  # fmt: skip
        marks.append(_mark(writer, LEDGER_MODEL, entry.pk))
        row.result["debt"] = amount


def _packages(writer, rows, services, marks) -> None:
    """ "Buổi 3/10": the visit is the 3rd of a 10-session package — the client's package
    imported with this job for that service, else a package made from the log. The
    package keeps the highest session number seen as its sessions used."""
    from spa.treatments.models import PackageStatus, TreatmentPackage

    cache = writer.__dict__.setdefault("_visit_packages", {})
    for row in rows:
        if not row.data["progress"]:
            continue
        number, total = row.data["progress"]
        service = services[row.pk]
        name = service.name if service else row.data["service"]
        key = (row.client_id, fold(name))
        package = cache.get(key) or _imported_package(writer.job, row.client_id, name, service)
        if package is None:
            if not total:  # "lần 3" alone says too little to make a package of
                continue
            package = TreatmentPackage.objects.create(
                client_id=row.client_id, branch=writer.job.branch,
                name=(name or _("Imported package"))[:120], total_sessions=total,
                used_sessions=number, price=0, amount_paid=0, status=PackageStatus.ACTIVE,
                sold_by=writer.actor if getattr(writer.actor, "pk", None) else None,
            )  # fmt: skip
            if service:
                package.services.add(service)
            marks.append(_mark(writer, PACKAGE_MODEL, package.pk))
            row.result["package_created"] = package.pk
        else:
            made_here = ImportRow.objects.filter(
                job=writer.job, result__package_created=package.pk
            ).exists() or any(r.result.get("package_created") == package.pk for r in rows)
            if made_here and total and total > package.total_sessions:
                package.total_sessions = total
            package.used_sessions = min(max(package.used_sessions, number), package.total_sessions)
            package.save(update_fields=["total_sessions", "used_sessions"])
        cache[key] = package
        row.result["package"] = package.pk


def _imported_package(job: ImportJob, client_id: int, name: str, service):
    from spa.treatments.models import TreatmentPackage

    ids = ImportedObject.objects.filter(job=job, model=PACKAGE_MODEL).values("object_id")
    key = fold(name or "")
    packages = list(TreatmentPackage.objects.filter(client_id=client_id, pk__in=ids).order_by("pk"))
    for package in packages:  # the same name, or a package covering the service
        if fold(package.name) == key or (
            service and package.services.filter(pk=service.pk).exists()
        ):
            return package
    for package in packages:  # "Gói peel da AHA 10 buổi" for "Peel da AHA"
        folded = fold(package.name)
        if key and folded and (key in folded or folded in key):
            return package
    return None


def _last_visits(rows: list[ImportRow], sessions) -> None:
    """A client's last visit moves to the latest imported visit, when later; the row
    remembers what it was, for undo."""
    latest: dict[int, tuple[datetime, ImportRow]] = {}
    for row, session in zip(rows, sessions, strict=True):
        if row.client_id not in latest or session.performed_at > latest[row.client_id][0]:
            latest[row.client_id] = (session.performed_at, row)
    before = dict(Client.objects.filter(pk__in=latest).values_list("pk", "last_visit_at"))
    for client_id, (at, row) in latest.items():
        old = before.get(client_id)
        if old is None or old < at:
            Client.objects.filter(pk=client_id).filter(
                Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=at)
            ).update(last_visit_at=at)
            row.result["last_visit"] = old.isoformat() if old else None


# --- the safety review of the imported history -------------------------------------------
def after_commit(job: ImportJob) -> None:
    """List the imported visits that used a product or a service carrying an allergen
    the client is allergic to, for the manager to review (job.counts["guard"])."""
    from spa.clients.models import ClientHealth
    from spa.treatments.guard import guard_check
    from spa.treatments.models import TreatmentSession

    ids = list(
        ImportedObject.objects.filter(job=job, model=SESSION_MODEL).values_list(
            "object_id", flat=True
        )
    )
    listing = []
    for start in range(0, len(ids), 2000):
        chunk = TreatmentSession.objects.filter(pk__in=ids[start : start + 2000])
        client_ids = set(chunk.values_list("client_id", flat=True))
        allergic = {
            h.client_id
            for h in ClientHealth.objects.filter(client_id__in=client_ids)
            if h.values()["allergen_ids"]
        }
        if not allergic:
            continue
        for session in (
            chunk.filter(client_id__in=allergic)
            .select_related("client")
            .prefetch_related("service_lines__service", "product_lines__product__allergens")
            .order_by("client_id", "performed_at")
        ):
            findings = guard_check(
                client=session.client,
                services=[line.service for line in session.service_lines.all()],
                products=[line.product for line in session.product_lines.all()],
                on=timezone.localtime(session.performed_at).date(),
            )
            warnings = [f.message for f in findings if f.code.startswith("allergen:")]
            if warnings:
                listing.append({"client": session.client_id, "session": session.pk,
                                "warnings": warnings})  # fmt: skip
    job = ImportJob.objects.get(pk=job.pk)
    job.counts = {**job.counts, "guard": listing}
    job.save(update_fields=["counts"])


# --- undo ----------------------------------------------------------------------------------
def undo(writer, actor) -> None:
    """Take away what the price and visit rows created: debts (by a reversing entry),
    visits, packages, walk-in clients, and services nothing else uses (the others are
    made inactive). Runs before the core undoes the client rows."""
    from spa.treatments.models import TreatmentPackage, TreatmentSession

    job = writer.job
    rows = list(
        ImportRow.objects.filter(job=job, kind__in=(SheetKind.SESSIONS, SheetKind.PRICES))
        .exclude(result={})
        .order_by("-sheet_index", "-row_number")
    )
    marked = _marked(job)
    _undo_debts(job, rows, actor)
    undone = TreatmentSession.objects.filter(pk__in=marked[SESSION_MODEL])
    days_touch(
        {(b, timezone.localdate(at)) for b, at in undone.values_list("branch_id", "performed_at")}
    )
    clients_touch(undone.values_list("client_id", flat=True).distinct())
    undone.delete()
    for row in rows:  # latest first, so the earliest "before" is the one that stays
        if "last_visit" in row.result and row.client_id:
            old = row.result["last_visit"]
            Client.objects.filter(pk=row.client_id).update(
                last_visit_at=datetime.fromisoformat(old) if old else None
            )
    made = [r.result["package_created"] for r in rows if r.result.get("package_created")]
    TreatmentPackage.objects.filter(pk__in=made).delete()
    walk_ins = [r.result["walk_in"] for r in rows if r.result.get("walk_in")]
    if walk_ins:
        TreatmentPackage.objects.filter(client_id__in=walk_ins).delete()
        Client.objects.filter(pk__in=walk_ins).delete()
        audit_record_many(
            AuditEntry(
                actor=actor, action=Action.DELETE, client_id=i,
                summary=_("Import of %(file)s undone") % {"file": job.file_name},
            )
            for i in walk_ins
        )  # fmt: skip
    _undo_catalogue(job, marked)
    ImportRow.objects.filter(pk__in=[r.pk for r in rows]).update(result={}, client_id=None)
    job.counts = {k: v for k, v in (job.counts or {}).items() if k != "guard"}
    ImportJob.objects.filter(pk=job.pk).update(counts=job.counts)


def _marked(job: ImportJob) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {
        m: [] for m in (SESSION_MODEL, SERVICE_MODEL, PRICE_MODEL, CATEGORY_MODEL, LEDGER_MODEL)
    }
    for model, pk in ImportedObject.objects.filter(job=job, model__in=found).values_list(
        "model", "object_id"
    ):
        found[model].append(pk)
    return found


def _undo_debts(job: ImportJob, rows: list[ImportRow], actor) -> None:
    from spa.imports.services import UndoRefused
    from spa.sales.ledger import InsufficientBalance, ledger_post
    from spa.sales.models import Account, LedgerReason

    summary = _("Import of %(file)s undone") % {"file": job.file_name}
    owed = [r for r in rows if r.result.get("debt") and r.client_id]
    clients = Client.objects.in_bulk({r.client_id for r in owed})
    for row in owed:
        client = clients.get(row.client_id)
        if client is None:
            continue
        try:
            ledger_post(
                client=client, account=Account.DEBT, amount=-row.result["debt"],
                reason=LedgerReason.IMPORT_UNDONE, by=actor, note=summary[:255],
            )  # fmt: skip
        except InsufficientBalance:  # the debt was paid since: undoing would lose that
            raise UndoRefused(Problem("undo_built_on", {"client": client.pk})) from None


def _undo_catalogue(job: ImportJob, marked: dict[str, list[int]]) -> None:
    """Services the import created go when nothing else uses them, else become inactive;
    prices it added and categories left empty go."""
    from spa.booking.models import Appointment
    from spa.catalog.models import PackageTemplate, Service, ServiceCategory, ServicePrice
    from spa.treatments.models import SessionService, TreatmentPackage

    ServicePrice.objects.filter(pk__in=marked[PRICE_MODEL]).delete()
    imported_packages = ImportedObject.objects.filter(job=job, model=PACKAGE_MODEL).values(
        "object_id"
    )
    package_links = TreatmentPackage.services.through.objects.exclude(
        treatmentpackage_id__in=imported_packages
    )
    for service in Service.objects.filter(pk__in=marked[SERVICE_MODEL]):
        used = (
            SessionService.objects.filter(service=service).exists()
            or package_links.filter(service=service).exists()
            or Appointment.services.through.objects.filter(service=service).exists()
            or PackageTemplate.objects.filter(services=service).exists()
        )
        if not used:
            try:
                with transaction.atomic():
                    service.delete()
                continue
            except ProtectedError:
                pass
        Service.objects.filter(pk=service.pk).update(is_active=False)
    for category in ServiceCategory.objects.filter(pk__in=marked[CATEGORY_MODEL]):
        if not category.services.exists():
            category.delete()


__all__ = ["CLIENT_MODEL", "after_commit", "undo", "write"]
