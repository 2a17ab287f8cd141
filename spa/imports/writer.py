"""Commit and undo of an import's rows: new clients in bulk, the rest brought into the
profile they belong to, opening balances as ledger entries marked "opening".

Everything written is listed in ImportedObject (the "imported" mark, and what undo
takes away); each row keeps in `result` what it changed in an existing profile.
"""

from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.audit.models import IMPORT_MARK, Action, AuditEntry
from spa.audit.services import audit_record_many
from spa.clients.models import (
    Client,
    ClientGroup,
    ClientSource,
    ConsentMethod,
    ConsentRecord,
    Tag,
)
from spa.clients.services import (
    ImportedClient,
    client_import_fill,
    client_import_unfill,
    clients_bulk_import,
)
from spa.core.phone import Phone
from spa.core.text import fold
from spa.imports.models import (
    Decision,
    ImportedKey,
    ImportedObject,
    ImportJob,
    ImportRow,
    Outcome,
    rows_save_results,
)
from spa.imports.problems import Problem
from spa.imports.targets import SheetKind
from spa.sales.ledger import InsufficientBalance, ledger_post
from spa.sales.models import Account, Balance, LedgerEntry, LedgerReason
from spa.treatments.models import PackageStatus, TreatmentPackage

OPENING_ACCOUNTS = (
    ("points", Account.POINTS),
    ("debt", Account.DEBT),
    ("prepaid", Account.PREPAID),
    ("total_spent", Account.PRIOR),
)
CLIENT_MODEL = "clients.client"
PACKAGE_MODEL = "treatments.treatmentpackage"


def summary_of(job: ImportJob, row: ImportRow) -> str:
    sheet = next((p["name"] for p in job.sheets if p["index"] == row.sheet_index), "")
    return _("Imported from %(file)s, sheet %(sheet)s, row %(row)s") % {
        "file": job.file_name, "sheet": sheet, "row": row.row_number,
    }  # fmt: skip


def audit_summary(job: ImportJob, row: ImportRow) -> str:
    """The history's record of where a profile came from, kept apart from any language
    (the history words it in the reader's: spa.audit.presenter)."""
    sheet = next((p["name"] for p in job.sheets if p["index"] == row.sheet_index), "")
    return IMPORT_MARK.join(["import", job.file_name, sheet, str(row.row_number)])[:255]


class Writer:
    def __init__(self, job: ImportJob):
        self.job = job
        self.actor = job.committed_by or job.created_by
        self._sources: dict[str, ClientSource] = {}
        self._groups: dict[str, ClientGroup] = {}
        self._tags: dict[str, Tag] = {}
        self._services = None
        self._branches = None

    # --- lookups -----------------------------------------------------------------------
    def _named(self, model, cache: dict, name: str):
        name = " ".join(name.split())[:60]
        if not name:
            return None
        key = fold(name)
        if key not in cache:
            found = next((o for o in model.objects.all() if fold(o.name) == key), None)
            cache[key] = found or model.objects.create(name=name)
        return cache[key]

    def services_by_name(self) -> dict[str, object]:
        from spa.catalog.models import Service

        if self._services is None:
            self._services = {fold(s.name): s for s in Service.objects.all()}
        return self._services

    def branch_for(self, record: dict):
        """The row's branch when it names one the importer may import into, else the job's."""
        from spa.accounts.models import Branch
        from spa.core import access

        name = fold(record.get("branch") or "")
        if not name:
            return self.job.branch
        if self._branches is None:
            allowed = access.import_branch_ids(self.job.created_by)
            qs = Branch.objects.all() if allowed is None else Branch.objects.filter(pk__in=allowed)
            self._branches = {fold(b.name): b for b in qs}
        return self._branches.get(name, self.job.branch)

    # --- writing -----------------------------------------------------------------------
    def write(self, rows: list[ImportRow]) -> None:
        kind = rows[0].kind
        if kind != SheetKind.CLIENTS:
            from spa.imports import sessions

            sessions.write(self, rows)
            return
        keys = {r.key for r in rows if r.key}
        taken = dict(ImportedKey.objects.filter(key__in=keys).values_list("key", "client_id"))
        fresh, merges = [], []
        for row in rows:
            if row.key in taken:  # another import of the same file got there first
                row.outcome, row.client_id = Outcome.ALREADY, taken[row.key]
                row.reason = Problem("row_already_imported", {"client": row.client_id}).as_json()
                row.result = {"already": True}
            elif row.outcome == Outcome.NEW or row.decision == Decision.SEPARATE:
                fresh.append(row)
            else:
                merges.append(row)
        try:
            with transaction.atomic():
                self._create(fresh)
        except IntegrityError:  # a phone or key saved meanwhile: one row at a time
            for row in fresh:
                holder = (
                    ImportedKey.objects.filter(key=row.key)
                    .values_list("client_id", flat=True)
                    .first()
                )
                if holder:  # the same file's other import wrote this row a moment ago
                    row.outcome, row.client_id = Outcome.ALREADY, holder
                    row.reason = Problem("row_already_imported", {"client": holder}).as_json()
                    row.result = {"already": True}
                    continue
                try:
                    with transaction.atomic():
                        self._create([row])
                except IntegrityError as exc:
                    row.outcome = Outcome.REJECTED
                    row.reason = Problem("row_database", {"detail": str(exc)[:120]}).as_json()
                    row.result = {"failed": True}
        written = {r.pk: r.client_id for r in rows if r.client_id}
        for row in merges:
            target = row.match_client_id
            if row.outcome == Outcome.SAME_ROW:
                target = written.get(row.match_row_id) or (
                    ImportRow.objects.filter(pk=row.match_row_id)
                    .values_list("client_id", flat=True)
                    .first()
                )
            client = Client.objects.filter(pk=target).first() if target else None
            if client is None:  # the other record is gone: a client of its own after all
                self._create([row])
                continue
            self._merge(row, client)
            written[row.pk] = row.client_id
        rows_save_results(rows)

    def _fields(self, record: dict) -> dict:
        notes = record["notes"]
        if record.get("client_since"):
            since = date.fromisoformat(record["client_since"])
            notes = f"{notes}\n{_('Client since')}: {since:%d/%m/%Y}".strip()
        address = ", ".join(x for x in (record["address"], record.get("city", "")) if x)
        fields = {
            "full_name": record["full_name"], "gender": record["gender"],
            "birth_date": date.fromisoformat(record["birth_date"]) if record["birth_date"] else None,
            "birth_year": record["birth_year"], "email": record["email"],
            "address": address[:255], "occupation": record["occupation"][:120],
            "facebook": record["facebook"][:120], "zalo": record["zalo"][:60],
            "wechat": record["wechat"][:60], "notes": notes,
            "notes_preferences": record["preferences"],
            "source": self._named(ClientSource, self._sources, record["source"]),
            "group": self._named(ClientGroup, self._groups, record["group"]),
            "custom_fields": record["custom"] or {},
        }  # fmt: skip
        if record.get("last_visit"):
            day = date.fromisoformat(record["last_visit"])
            fields["last_visit_at"] = timezone.make_aware(datetime.combine(day, time(12)))
        return fields

    def _phones(self, record: dict) -> list[Phone]:
        return [Phone(e164=p[0], national=p[1], significant=p[2]) for p in record["phones"]]

    def _tags_of(self, record: dict) -> list[Tag]:
        return [t for t in (self._named(Tag, self._tags, n) for n in record["tags"]) if t]

    def _create(self, rows: list[ImportRow]) -> None:
        if not rows:
            return
        items = []
        for row in rows:
            record = row.data
            fields = self._fields(record)
            fields["branch"] = self.branch_for(record)
            if record["tier"]:
                fields["tier"] = record["tier"]
            items.append(
                ImportedClient(
                    fields=fields, phones=self._phones(record), tags=self._tags_of(record),
                    summary=audit_summary(self.job, row), health=record.get("health"),
                )
            )  # fmt: skip
        clients = clients_bulk_import(actor=self.actor, items=items)
        balances, entries, consents, packages, marks, keys = [], [], [], [], [], []
        by = self.actor if getattr(self.actor, "pk", None) else None
        for row, client in zip(rows, clients, strict=True):
            record = row.data
            note = summary_of(self.job, row)[:255]
            for field_name, account in OPENING_ACCOUNTS:
                amount = record.get(field_name) or 0
                if amount > 0:
                    balances.append(Balance(client=client, account=account, amount=amount))
                    entries.append(
                        LedgerEntry(
                            client=client, account=account, amount=amount,
                            reason=LedgerReason.OPENING, note=note, by=by,
                        )
                    )  # fmt: skip
            consents += self._consents(client, record, note, by)
            package = self._package(client, record)
            if package:
                packages.append((package, record))
            marks.append(ImportedObject(job=self.job, model=CLIENT_MODEL, object_id=client.pk))
            if row.key:
                keys.append(ImportedKey(key=row.key, job=self.job, client_id=client.pk))
            row.client_id = client.pk
            row.result = {"created": True}
        Balance.objects.bulk_create(balances, batch_size=1000)
        LedgerEntry.objects.bulk_create(entries, batch_size=1000)
        ConsentRecord.objects.bulk_create(consents, batch_size=1000)
        TreatmentPackage.objects.bulk_create([p for p, _ in packages], batch_size=500)
        self._package_services(packages)
        marks += [
            ImportedObject(job=self.job, model=PACKAGE_MODEL, object_id=p.pk) for p, _ in packages
        ]
        ImportedObject.objects.bulk_create(marks, batch_size=2000)
        ImportedKey.objects.bulk_create(keys, batch_size=2000)

    def _consents(self, client, record, note, by) -> list[ConsentRecord]:
        return [
            ConsentRecord(
                client=client, channel=channel, granted=bool(granted),
                method=ConsentMethod.IMPORTED, note=note, recorded_by=by,
            )
            for channel, granted in (record.get("consent") or {}).items()
        ]  # fmt: skip

    def _package(self, client, record) -> TreatmentPackage | None:
        package = record.get("package")
        if not package or not package["total"]:
            return None
        return TreatmentPackage(
            client=client, branch=client.branch,
            name=(package["name"] or _("Imported package"))[:120],
            total_sessions=package["total"], used_sessions=package["used"],
            price=package["price"], amount_paid=package["price"],
            expires_on=date.fromisoformat(package["expires"]) if package["expires"] else None,
            status=PackageStatus.ACTIVE, sold_by=self.actor if getattr(self.actor, "pk", None) else None,
        )  # fmt: skip

    def _package_services(self, packages) -> None:
        through = TreatmentPackage.services.through
        services = self.services_by_name()
        links = []
        for package, _record in packages:
            service = services.get(fold(package.name))
            if service:
                links.append(through(treatmentpackage_id=package.pk, service_id=service.pk))
        through.objects.bulk_create(links, batch_size=1000)

    def _merge(self, row: ImportRow, client: Client) -> None:
        record = row.data
        summary = summary_of(self.job, row)
        fields = self._fields(record)
        if record["tier"] and client.tier == "bronze":
            fields["tier"] = record["tier"]
        with transaction.atomic():
            fill = client_import_fill(
                actor=self.actor, client=client, fields=fields, phones=self._phones(record),
                tags=self._tags_of(record), summary=audit_summary(self.job, row),
                health=record.get("health"),
            )  # fmt: skip
            ledger = []
            # A second row of the same person in this file does not add a balance the
            # first already opened (the same debt written twice is one debt): its
            # figure goes to the notes for the owner to check.
            opened = set()
            if row.outcome == Outcome.SAME_ROW:
                opened = set(
                    Balance.objects.filter(client=client, amount__gt=0).values_list(
                        "account", flat=True
                    )
                )
            extra = []
            for field_name, account in OPENING_ACCOUNTS:
                amount = record.get(field_name) or 0
                if amount > 0 and account in opened:
                    extra.append(f"{Account(account).label}: {amount:,}".replace(",", "."))
                elif amount > 0:
                    ledger_post(
                        client=client, account=account, amount=amount,
                        reason=LedgerReason.OPENING, by=self.actor, note=summary[:255],
                    )  # fmt: skip
                    ledger.append([account, amount])
            known = set(client.consents.values_list("channel", flat=True))
            consents = [
                c
                for c in self._consents(client, record, summary[:255], None)
                if c.channel not in known
            ]
            for consent in consents:
                consent.recorded_by = self.actor if getattr(self.actor, "pk", None) else None
                consent.save()
            if extra:
                note = f"{summary}: {', '.join(extra)}"
                Client.objects.filter(pk=client.pk).update(notes=f"{client.notes}\n{note}".strip())
                fill.setdefault("notes_added", note)
            package = self._package(client, record)
            if (
                package
                and TreatmentPackage.objects.filter(client=client, name=package.name).exists()
            ):
                package = None
            packages = []
            if package:
                package.save()
                self._package_services([(package, record)])
                ImportedObject.objects.create(
                    job=self.job, model=PACKAGE_MODEL, object_id=package.pk
                )
                packages.append(package.pk)
            if row.key:  # the very same row twice in the file shares its first's key
                ImportedKey.objects.get_or_create(
                    key=row.key, defaults={"job": self.job, "client_id": client.pk}
                )
        row.client_id = client.pk
        row.result = {
            "merged": True, "fill": fill, "ledger": ledger, "packages": packages,
            "consents": [c.pk for c in consents],
        }  # fmt: skip

    # --- undo --------------------------------------------------------------------------
    def undo(self, actor) -> None:
        from spa.imports import sessions

        sessions.undo(self, actor)
        rows = ImportRow.objects.filter(job=self.job, kind=SheetKind.CLIENTS).exclude(result={})
        created = []
        for row in rows.iterator(chunk_size=2000):
            if row.result.get("created"):
                created.append(row.client_id)
            elif row.result.get("merged"):
                self._unmerge(row, actor)
        for start in range(0, len(created), 2000):
            chunk = created[start : start + 2000]
            TreatmentPackage.objects.filter(client_id__in=chunk).delete()
            Client.objects.filter(pk__in=chunk).delete()
            audit_record_many(
                AuditEntry(
                    actor=actor, action=Action.DELETE, client_id=i,
                    summary=_("Import of %(file)s undone") % {"file": self.job.file_name},
                )
                for i in chunk
            )  # fmt: skip
        ImportedKey.objects.filter(job=self.job).delete()
        ImportedObject.objects.filter(job=self.job).delete()
        rows.update(result={}, client_id=None)

    def _unmerge(self, row: ImportRow, actor) -> None:
        from spa.imports.services import UndoRefused

        client = Client.objects.filter(pk=row.client_id).first()
        if client is None:
            return
        summary = _("Import of %(file)s undone") % {"file": self.job.file_name}
        for account, amount in row.result.get("ledger", []):
            try:
                ledger_post(
                    client=client, account=account, amount=-amount,
                    reason=LedgerReason.IMPORT_UNDONE, by=actor, note=summary[:255],
                )  # fmt: skip
            except InsufficientBalance:
                raise UndoRefused(Problem("undo_built_on", {"client": client.pk})) from None
        TreatmentPackage.objects.filter(pk__in=row.result.get("packages", [])).delete()
        ConsentRecord.objects.filter(pk__in=row.result.get("consents", [])).delete()
        client_import_unfill(
            actor=actor, client=client, undo=row.result["fill"],
            summary=IMPORT_MARK.join(["import-undone", self.job.file_name]),
        )  # fmt: skip


def built_on(job: ImportJob) -> int | None:
    """A client this import created that has since had something of its own — a visit,
    an invoice, an appointment, a change by staff: undo would destroy it."""
    from spa.booking.models import Appointment
    from spa.sales.models import Invoice
    from spa.treatments.models import TreatmentSession

    ids = list(
        ImportedObject.objects.filter(job=job, model=CLIENT_MODEL).values_list(
            "object_id", flat=True
        )
    )
    merged = list(
        ImportRow.objects.filter(job=job, result__merged=True).values_list("client_id", flat=True)
    )
    imported_sessions = set(
        ImportedObject.objects.filter(job=job, model="treatments.treatmentsession").values_list(
            "object_id", flat=True
        )
    )
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for qs in (
            Appointment.objects.filter(client_id__in=chunk),
            Invoice.objects.filter(client_id__in=chunk),
            TreatmentSession.objects.filter(client_id__in=chunk).exclude(pk__in=imported_sessions),
            LedgerEntry.objects.filter(client_id__in=chunk).exclude(reason=LedgerReason.OPENING),
            AuditEntry.objects.filter(client_id__in=chunk, at__gt=job.committed_at).exclude(
                action=Action.IMPORT
            ),
        ):
            hit = qs.values_list("client_id", flat=True).first()
            if hit:
                return hit
    used = (
        TreatmentPackage.objects.filter(
            pk__in=ImportedObject.objects.filter(job=job, model=PACKAGE_MODEL).values("object_id"),
            redemptions__isnull=False,
        )
        .values_list("client_id", flat=True)
        .first()
    )
    if used:
        return used
    return (
        AuditEntry.objects.filter(client_id__in=merged, at__gt=job.committed_at)
        .exclude(action=Action.IMPORT)
        .values_list("client_id", flat=True)
        .first()
        if merged
        else None
    )
