"""The import's steps: upload (read the sheets, find headers, map columns), dry run
(every source row classified, nothing written), commit (in the worker, in resumable
batches), undo and the purge of uploaded files.

The arithmetic the owner checks: every source row ends as exactly one ImportRow, so
imported + merged + rejected + set aside = rows of the file, always.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.audit.models import Action
from spa.audit.services import audit_record
from spa.clients.selectors import clients_visible_to
from spa.core.crypto import fernet
from spa.imports import layout, mapping, matching, readers
from spa.imports.models import (
    Decision,
    ImportedKey,
    ImportFile,
    ImportJob,
    ImportRow,
    JobState,
    Outcome,
    SavedMapping,
)
from spa.imports.problems import Problem, ProblemError
from spa.imports.records import Lists, parse_client_row, row_key
from spa.imports.targets import TARGETS_OF_KIND, SheetKind
from spa.imports.values import text_of

PREVIEW_ROWS = 6
SCAN_ROWS = 30
BATCH = 1000  # rows per INSERT
# Rows checked against the stored clients at once: the name + birth date check fetches
# the clients born on the batch's days, so bigger batches share those reads.
MATCH_BATCH = 5000
WRITE_BATCH = 1000  # rows written in one transaction of the commit


# --- upload -----------------------------------------------------------------------------
def _read_bytes(job: ImportJob) -> bytes:
    return fernet().decrypt(ImportFile.objects.get(job=job).token.encode("ascii"))


def open_job_source(job: ImportJob) -> readers.Source:
    return readers.open_source(_read_bytes(job), job.file_name, max_bytes=_max_bytes())


def _max_bytes() -> int:
    return settings.IMPORT_MAX_MB * 1024 * 1024


def _plan_sheet(source: readers.Source, info) -> tuple[dict, list[list]]:
    """Header row, kind and automatic mapping of one sheet, from its first rows."""
    head: list[list] = []
    for row in source.rows(info.index):
        head.append(row)
        if len(head) >= SCAN_ROWS + PREVIEW_ROWS:
            break
    header_row = layout.find_header(head)
    headers = (
        [str(c) if c is not None else "" for c in head[header_row]]
        if header_row is not None
        else []
    )
    saved = _saved_mapping(headers)
    kind = (
        saved.kind if saved else (mapping.guess_sheet_kind(headers) if headers else SheetKind.OTHER)
    )
    columns = _saved_or_auto(headers, kind, saved)
    sample = head[header_row + 1 :][:PREVIEW_ROWS] if header_row is not None else []
    plan = {
        "index": info.index, "name": info.name, "rows_estimate": info.rows_estimate,
        "kind": kind, "header_row": header_row, "headers": headers, "mapping": columns,
        "mapping_saved": saved is not None,
    }  # fmt: skip
    return plan, [[text_of(c) for c in row] for row in sample]


def _saved_mapping(headers: list[str]) -> SavedMapping | None:
    if not headers:
        return None
    saved = SavedMapping.objects.filter(signature=mapping.header_signature(headers)).first()
    return saved if saved and len(saved.mapping) == len(headers) else None


def _saved_or_auto(headers: list[str], kind: str, saved: SavedMapping | None = None) -> list[str]:
    if not headers:
        return []
    saved = saved or _saved_mapping(headers)
    if saved:
        return list(saved.mapping)
    return mapping.auto_map(headers, kind) if kind in TARGETS_OF_KIND else [""] * len(headers)


def job_create(*, actor, branch, data: bytes, filename: str) -> ImportJob:
    """Read an upload's sheets and propose a mapping; a bad file raises ProblemError and
    leaves nothing behind."""
    source = readers.open_source(data, filename, max_bytes=_max_bytes())
    try:
        plans, previews = [], {}
        for info in source.sheets:
            plan, sample = _plan_sheet(source, info)
            plans.append(plan)
            previews[str(info.index)] = sample
    finally:
        source.close()
    if not any(p["headers"] for p in plans):
        raise ProblemError("file_no_header")
    with transaction.atomic():
        job = ImportJob.objects.create(
            file_name=filename[:200], file_size=len(data),
            file_sha256=hashlib.sha256(data).hexdigest(), file_kind=source.kind,
            branch=branch, created_by=actor, sheets=plans, options={"day_first": True},
        )  # fmt: skip
        ImportFile.objects.create(
            job=job, token=fernet().encrypt(data).decode("ascii"), preview=previews
        )
        audit_record(
            actor=actor, action=Action.IMPORT, client_id=None,
            summary=_("Uploaded %(file)s for import") % {"file": job.file_name},
        )  # fmt: skip
    return job


def job_preview(job: ImportJob) -> dict:
    return ImportFile.objects.filter(job=job).values_list("preview", flat=True).first() or {}


@dataclass
class SheetChoice:
    index: int
    kind: str
    header_row: int | None
    mapping: list[str]
    save: bool = False


def job_set_plan(*, actor, job: ImportJob, choices: list[SheetChoice]) -> ImportJob:
    """The user's sheet kinds and column mapping (optionally saved for next time)."""
    by_index = {c.index: c for c in choices}
    source = None
    try:
        for plan in job.sheets:
            choice = by_index.get(plan["index"])
            if not choice:
                continue
            if choice.header_row != plan["header_row"] and choice.header_row is not None:
                source = source or open_job_source(job)
                head = [
                    r
                    for _, r in zip(
                        range(choice.header_row + 1), source.rows(plan["index"]), strict=False
                    )
                ]
                if len(head) > choice.header_row:
                    plan["kind"] = choice.kind
                    plan["header_row"] = choice.header_row
                    plan["headers"] = [
                        str(c) if c is not None else "" for c in head[choice.header_row]
                    ]
                    plan["mapping"] = _saved_or_auto(plan["headers"], choice.kind)
                    continue
            plan["kind"] = choice.kind
            if len(choice.mapping) == len(plan["headers"]):
                plan["mapping"] = choice.mapping
            if choice.save and plan["headers"]:
                SavedMapping.objects.update_or_create(
                    signature=mapping.header_signature(plan["headers"]),
                    defaults={
                        "kind": choice.kind, "headers": plan["headers"],
                        "mapping": plan["mapping"], "saved_by": actor,
                    },
                )  # fmt: skip
                plan["mapping_saved"] = True
    finally:
        if source:
            source.close()
    job.save(update_fields=["sheets"])
    return job


# --- leases -----------------------------------------------------------------------------
def _lease() -> timedelta:
    return timedelta(seconds=settings.IMPORT_LEASE_SECONDS)


def _take_lease(job_id: int, owner: str, states: tuple[str, ...]) -> bool:
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id, state__in=states)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner))
        .update(lease_owner=owner, lease_until=now + _lease())
    )


def _renew(job: ImportJob, owner: str, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk, lease_owner=owner).update(
        **{"lease_until": timezone.now() + _lease(), **fields}
    )


# --- dry run ----------------------------------------------------------------------------
def dry_run_start(*, actor, job: ImportJob) -> None:
    from spa.imports import tasks

    if job.state not in (JobState.MAPPING, JobState.READY, JobState.FAILED):
        return
    ImportJob.objects.filter(pk=job.pk).update(
        state=JobState.ANALYSING, progress_done=0, error=None, lease_owner="", lease_until=None
    )
    tasks.import_analyse(job.pk)


def analyse(job_id: int, owner: str | None = None) -> str:
    """The dry run: every source row of every imported sheet gets an ImportRow saying what
    will happen to it. Writes nothing outside the import's own tables."""
    owner = owner or str(uuid.uuid4())
    if not _take_lease(job_id, owner, (JobState.ANALYSING,)):
        return "busy"
    job = ImportJob.objects.select_related("branch", "created_by").get(pk=job_id)
    ImportRow.objects.filter(job=job).delete()
    total = sum(p.get("rows_estimate") or 0 for p in job.sheets if p["kind"] in TARGETS_OF_KIND)
    _renew(job, owner, progress_total=total, progress_done=0)
    try:
        source = open_job_source(job)
    except ProblemError as exc:
        _renew(job, owner, state=JobState.FAILED, error=exc.problem.as_json())
        return "failed"
    try:
        context = _Context(job=job, owner=owner)
        order = {SheetKind.PRICES: 0, SheetKind.CLIENTS: 1, SheetKind.SESSIONS: 2}
        for plan in sorted(job.sheets, key=lambda p: order.get(p["kind"], 9)):
            if plan["kind"] == SheetKind.CLIENTS:
                _analyse_clients(context, source, plan)
            elif plan["kind"] in (SheetKind.SESSIONS, SheetKind.PRICES):
                from spa.imports import sessions

                sessions.analyse_sheet(context, source, plan)
    except ProblemError as exc:
        ImportRow.objects.filter(job=job).delete()
        _renew(job, owner, state=JobState.FAILED, error=exc.problem.as_json())
        return "failed"
    finally:
        source.close()
    _renew(
        job, owner, state=JobState.READY, counts=outcome_counts(job), analysed_at=timezone.now(),
        lease_owner="", lease_until=None,
    )  # fmt: skip
    return "ready"


@dataclass
class _Context:
    job: ImportJob
    owner: str
    done: int = 0

    def __post_init__(self):
        self.visible = clients_visible_to(self.job.created_by)
        self.lists = Lists.load()
        self.today = timezone.localdate()
        self.file_index = matching.Index()
        self.rows_by_ref: dict[int, ImportRow] = {}
        self.keys_seen: dict[str, ImportRow] = {}

    def progress(self, rows: int) -> None:
        self.done += rows
        _renew(self.job, self.owner, progress_done=self.done)


def _ref(sheet_index: int, row_number: int) -> int:
    return sheet_index * 10_000_000 + row_number


def _skip(job, plan, number: int, problem: Problem) -> ImportRow:
    return ImportRow(
        job=job, sheet_index=plan["index"], row_number=number, kind=plan["kind"],
        outcome=Outcome.SKIPPED, reason=problem.as_json(),
    )  # fmt: skip


def _analyse_clients(context: _Context, source, plan: dict) -> None:
    batch: list[tuple[ImportRow, dict | None]] = []
    header_row = plan["header_row"]
    for position, row in enumerate(source.rows(plan["index"])):
        number = position + 1
        if header_row is None or position < header_row:
            blank = not any(text_of(c) for c in row)
            batch.append(
                (
                    _skip(
                        context.job, plan, number, Problem("row_blank" if blank else "row_title")
                    ),
                    None,
                )
            )
        elif position == header_row:
            batch.append((_skip(context.job, plan, number, Problem("row_header")), None))
        else:
            batch.append(_client_row(context, plan, number, row))
        if len(batch) >= MATCH_BATCH:
            _flush_clients(context, batch)
            batch = []
    if batch:
        _flush_clients(context, batch)


def _client_row(
    context: _Context, plan: dict, number: int, row: list
) -> tuple[ImportRow, dict | None]:
    not_data = layout.classify_row(row, plan["mapping"], header=plan["headers"])
    if not_data:
        return _skip(context.job, plan, number, not_data), None
    parsed = parse_client_row(
        row, plan["mapping"], plan["headers"], context.lists, today=context.today
    )
    item = ImportRow(
        job=context.job, sheet_index=plan["index"], row_number=number, kind=plan["kind"],
        warnings=[w.as_json() for w in parsed.warnings],
    )  # fmt: skip
    if parsed.reject:
        item.outcome, item.reason = Outcome.REJECTED, parsed.reject.as_json()
        return item, None
    item.outcome = Outcome.NEW
    item.data = parsed.record
    item.key = row_key(parsed.record)
    return item, parsed.record


def _flush_clients(context: _Context, batch: list[tuple[ImportRow, dict | None]]) -> None:
    records = [record for _, record in batch if record]
    keys = {item.key for item, record in batch if record}
    already = dict(ImportedKey.objects.filter(key__in=keys).values_list("key", "client_id"))
    stored, hidden = matching.stored_index(context.visible, records)
    links: list[tuple[ImportRow, ImportRow]] = []
    for item, record in batch:
        if not record:
            continue
        if item.key in already:
            item.outcome, item.client_id = Outcome.ALREADY, already[item.key]
            item.reason = Problem("row_already_imported", {"client": already[item.key]}).as_json()
            continue
        if item.key in context.keys_seen:  # the very same row twice in the file
            first = context.keys_seen[item.key]
            item.outcome, item.match_rule = Outcome.SAME_ROW, matching.RULE_SOURCE_ID
            links.append((item, first))
            continue
        context.keys_seen[item.key] = item
        ref = _ref(item.sheet_index, item.row_number)
        person = matching.person_of_record(ref, record)
        match, sharers = stored.find(person)
        if match:
            item.outcome, item.match_client_id, item.match_rule = (
                Outcome.EXISTING, match.ref, match.rule,
            )  # fmt: skip
        else:
            in_file, file_sharers = context.file_index.find(person)
            if in_file:
                item.outcome, item.match_rule = Outcome.SAME_ROW, in_file.rule
                links.append((item, context.rows_by_ref[in_file.ref]))
            else:
                shared = [p[0] for p in record["phones"] if p[0] in hidden] + sharers + file_sharers
                if shared:
                    item.warnings = item.warnings + [Problem("phone_shared").as_json()]
        context.file_index.add(person)
        context.rows_by_ref[ref] = item
    ImportRow.objects.bulk_create([item for item, _ in batch], batch_size=BATCH)
    for item, first in links:
        item.match_row_id = first.pk
    ImportRow.objects.bulk_update([item for item, _ in links], ["match_row"], batch_size=BATCH)
    context.progress(len(batch))


def outcome_counts(job: ImportJob) -> dict[str, int]:
    rows = ImportRow.objects.filter(job=job).values("outcome").annotate(n=Count("id"))
    counts = {r["outcome"]: r["n"] for r in rows}
    counts["total"] = sum(counts.values())
    return counts


def row_decide(*, actor, row: ImportRow, separate: bool) -> ImportRow:
    """The user's word on a proposed pair: the same person (as proposed) or two people."""
    if row.job.state != JobState.READY or row.outcome not in (Outcome.EXISTING, Outcome.SAME_ROW):
        return row
    row.decision = Decision.SEPARATE if separate else Decision.PROPOSED
    row.save(update_fields=["decision"])
    return row


# --- commit -----------------------------------------------------------------------------
def commit_start(*, actor, job: ImportJob) -> bool:
    from spa.imports import tasks

    started = ImportJob.objects.filter(pk=job.pk, state=JobState.READY).update(
        state=JobState.COMMITTING, committed_by=actor, progress_done=0,
        progress_total=ImportRow.objects.filter(job=job).count(),
    )  # fmt: skip
    if started:
        audit_record(
            actor=actor, action=Action.IMPORT, client_id=None,
            summary=_("Import of %(file)s started") % {"file": job.file_name},
        )  # fmt: skip
        tasks.import_commit(job.pk)
    return bool(started)


def commit(job_id: int, owner: str | None = None) -> str:
    """Write the dry run's outcome, batch by batch: each batch is one transaction that
    also marks its rows done, so a worker killed mid-way loses nothing and repeats
    nothing when the job is taken up again."""
    from spa.imports import writer

    owner = owner or str(uuid.uuid4())
    if not _take_lease(job_id, owner, (JobState.COMMITTING,)):
        return "busy"
    job = ImportJob.objects.select_related("branch", "committed_by", "created_by").get(pk=job_id)
    todo = ImportRow.objects.filter(job=job, client_id__isnull=True, result={}).exclude(
        outcome__in=(Outcome.REJECTED, Outcome.SKIPPED, Outcome.ALREADY)
    )
    done = ImportRow.objects.filter(job=job).count() - todo.count()
    _renew(job, owner, progress_done=done)
    context = writer.Writer(job)
    # Rows were created sheet by sheet in the order they are written (price lists,
    # clients, treatment logs), so walking the primary key is the plan's order.
    last = 0
    while True:
        rows = list(todo.filter(pk__gt=last).order_by("pk")[:WRITE_BATCH])
        if not rows:
            break
        rows = [r for r in rows if r.kind == rows[0].kind]
        last = rows[-1].pk
        with transaction.atomic():
            if not ImportJob.objects.filter(pk=job.pk, lease_owner=owner).exists():
                return "lost lease"
            context.write(rows)
        done += len(rows)
        _renew(job, owner, progress_done=done)
    _renew(
        job, owner, state=JobState.COMMITTED, committed_at=timezone.now(),
        counts=outcome_counts(job), lease_owner="", lease_until=None,
    )  # fmt: skip
    if job.sheets and any(p["kind"] == SheetKind.SESSIONS for p in job.sheets):
        from spa.imports import sessions

        sessions.after_commit(job)
    return "committed"


def jobs_stalled() -> list[tuple[int, str]]:
    """Jobs whose worker died: their lease lapsed while they were being read or written."""
    now = timezone.now()
    return list(
        ImportJob.objects.filter(state__in=(JobState.ANALYSING, JobState.COMMITTING))
        .filter(Q(lease_until__lt=now) | Q(lease_until__isnull=True, created_at__lt=now - _lease()))
        .values_list("pk", "state")
    )


# --- undo -------------------------------------------------------------------------------
class UndoRefused(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def undo(*, actor, job: ImportJob) -> None:
    from spa.imports import writer

    if job.state != JobState.COMMITTED:
        raise UndoRefused(Problem("undo_not_committed"))
    if timezone.now() > job.undo_until:
        raise UndoRefused(Problem("undo_too_late", {"days": settings.IMPORT_UNDO_DAYS}))
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != JobState.COMMITTED:
            raise UndoRefused(Problem("undo_not_committed"))
        built = writer.built_on(job)
        if built:
            raise UndoRefused(Problem("undo_built_on", {"client": built}))
        writer.Writer(job).undo(actor)
        job.state, job.undone_at = JobState.UNDONE, timezone.now()
        job.save(update_fields=["state", "undone_at"])
        audit_record(
            actor=actor, action=Action.IMPORT, client_id=None,
            summary=_("Import of %(file)s undone") % {"file": job.file_name},
        )  # fmt: skip


# --- retention --------------------------------------------------------------------------
def purge_files(now=None) -> int:
    """Delete uploaded files (and the parsed rows' values) past their retention."""
    now = now or timezone.now()
    jobs = list(ImportJob.objects.filter(purge_after__lt=now, file_purged=False))
    for job in jobs:
        with transaction.atomic():
            ImportFile.objects.filter(job=job).delete()
            ImportRow.objects.filter(job=job).update(data=None)
            job.file_purged = True
            job.save(update_fields=["file_purged"])
    return len(jobs)


def jobs_visible_to(user):
    from spa.core import access

    branches = access.import_branch_ids(user)
    qs = ImportJob.objects.select_related("branch", "created_by")
    if branches is None:
        return qs
    return qs.filter(branch_id__in=branches)
