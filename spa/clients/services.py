"""Writes of client data. Every change goes through here and leaves an audit entry."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from spa.audit.models import Action, AuditEntry
from spa.audit.services import audit_record, audit_record_many, changes_between
from spa.backups import journal as erasure_journal
from spa.clients.duplicates import DuplicateReport, client_duplicates
from spa.clients.models import (
    Allergen,
    CareLink,
    CareReason,
    Client,
    ClientHealth,
    ClientNameKey,
    ClientPhone,
    Condition,
    ConsentMethod,
    ConsentRecord,
    ConsentRequest,
    MergeRecord,
)
from spa.clients.photos import process_photo
from spa.core.phone import Phone
from spa.core.text import (
    fold,
    is_han,
    lower_exact,
    normalise_name,
    search_keys,
    sorted_key,
    tokens,
)

# Fields recorded in the audit history (health is separate and encrypted).
AUDITED_FIELDS = [
    "full_name", "gender", "birth_date", "birth_year", "email", "address", "occupation", "facebook",
    "zalo", "wechat", "preferred_channel", "content_wanted", "language", "branch", "staff_in_charge",
    "source", "group", "referrer", "notes_preferences", "notes_family", "notes_personality",
    "notes", "custom_fields", "tier",
]  # fmt: skip


class DuplicateSuspected(Exception):
    """The profile may already exist; the user must open it or confirm a new one."""

    def __init__(self, report: DuplicateReport):
        super().__init__("duplicate suspected")
        self.report = report


@dataclass
class PhoneInput:
    phone: Phone
    label: str = "mobile"


def given_name_of(full_name: str) -> str:
    """The name a client is greeted by: the last word (Vietnamese), or what follows the
    one-character surname of a Chinese name (王秀英 -> 秀英)."""
    name = normalise_name(full_name)
    if name and all(is_han(ch) for ch in name.replace(" ", "")):
        compact = name.replace(" ", "")
        return compact[1:] if len(compact) >= 2 else compact
    return name.split(" ")[-1] if name else ""


def _apply_name(client: Client) -> None:
    client.full_name = normalise_name(client.full_name)
    folded = tokens(fold(client.full_name))
    client.given_name = given_name_of(client.full_name)[:60]
    client.name_search = f" {' '.join(folded)} "
    client.name_folded_key = sorted_key(folded)
    client.name_exact_key = sorted_key(tokens(lower_exact(client.full_name)))
    client.email_normalised = client.email.strip().lower()


def _write_name_keys(client: Client) -> None:
    ClientNameKey.objects.filter(client_id=client.pk).delete()
    keys = search_keys(client.name_search.split())
    ClientNameKey.objects.bulk_create(
        ClientNameKey(client_id=client.pk, branch_id=client.branch_id, key=k) for k in keys
    )


def _snapshot(client: Client) -> dict[str, Any]:
    """Audited fields as people read them (names, not ids), with tags and phones."""
    out = _snapshot_fields(client)
    out["tags"] = sorted(t.name for t in client.tags.all()) if client.pk else []
    out["phones"] = [p.e164 for p in client.phones.all()] if client.pk else []
    return out


def _sync_phones(client: Client, phones: list[PhoneInput], confirmed_shared: bool) -> None:
    """Make the client's phones exactly `phones` (the first one primary)."""
    wanted = {p.phone.e164: p for p in phones}
    client.phones.exclude(e164__in=list(wanted)).delete()
    existing = {p.e164: p for p in client.phones.all()}
    others = set(
        ClientPhone.objects.filter(e164__in=list(wanted))
        .exclude(client=client)
        .values_list("e164", flat=True)
    )
    for position, item in enumerate(phones):
        e164 = item.phone.e164
        row = existing.get(e164) or ClientPhone(client=client, e164=e164)
        row.national = item.phone.national
        row.digits_reversed = item.phone.significant[::-1]
        row.label = item.label
        row.is_primary = position == 0
        if e164 in others:
            if not confirmed_shared and not row.shared_confirmed:
                raise _ContactClash()
            row.shared_confirmed = True
        row.save()
    client.primary_phone = phones[0].phone.national if phones else ""
    Client.objects.filter(pk=client.pk).update(primary_phone=client.primary_phone)


class _ContactClash(Exception):
    pass


def _check_duplicates(
    *, actor, client: Client, phones: list[PhoneInput], confirm_different: bool
) -> None:
    report = client_duplicates(
        user=actor,
        e164s=[p.phone.e164 for p in phones],
        email=client.email,
        full_name=client.full_name,
        birth_date=client.birth_date,
        exclude_id=client.pk,
    )
    if report.any and not confirm_different:
        raise DuplicateSuspected(report)


def client_create(
    *,
    actor,
    fields: dict[str, Any],
    phones: list[PhoneInput],
    tags=(),
    confirm_different: bool = False,
) -> Client:
    """Create a profile (name + one phone are enough); refuses a suspected duplicate
    unless the user confirmed this is a different person."""
    if not phones:
        raise ValueError("a client needs at least one phone")
    client = Client(**fields, created_by=actor if getattr(actor, "pk", None) else None)
    _apply_name(client)
    _check_duplicates(
        actor=actor, client=client, phones=phones, confirm_different=confirm_different
    )
    try:
        with transaction.atomic():
            client.save()
            _sync_phones(client, phones, confirmed_shared=confirm_different)
            client.tags.set(tags)
            _write_name_keys(client)
            if client.staff_in_charge_id:
                CareLink.objects.get_or_create(
                    client=client, staff_id=client.staff_in_charge_id, reason=CareReason.IN_CHARGE
                )
            audit_record(
                actor=actor,
                action=Action.CREATE,
                client_id=client.pk,
                summary=client.full_name,
                changes=changes_between({}, _snapshot(client)),
            )
    except (_ContactClash, IntegrityError):
        # Someone saved the same phone a moment ago: nothing of ours is kept.
        client.pk = None
        raise DuplicateSuspected(
            client_duplicates(user=actor, e164s=[p.phone.e164 for p in phones], email=client.email)
        ) from None
    return client


def client_update(
    *,
    actor,
    client: Client,
    fields: dict[str, Any],
    phones: list[PhoneInput] | None = None,
    tags=None,
    confirm_different: bool = False,
) -> Client:
    """Change a profile's identity, contact, relationship or notes."""
    before = _snapshot(client)
    for name, value in fields.items():
        setattr(client, name, value)
    _apply_name(client)
    if phones is not None:
        new_numbers = [p for p in phones if p.phone.e164 not in set(before["phones"])]
        email_changed = client.email_normalised != (before["email"] or "").strip().lower()
        if new_numbers or email_changed:
            report = client_duplicates(
                user=actor,
                e164s=[p.phone.e164 for p in new_numbers],
                email=client.email if email_changed else "",
                exclude_id=client.pk,
            )
            if report.contact_clash and not confirm_different:
                raise DuplicateSuspected(report)
    try:
        with transaction.atomic():
            client.save()
            if phones is not None:
                _sync_phones(client, phones, confirmed_shared=confirm_different)
            if tags is not None:
                client.tags.set(tags)
            _write_name_keys(client)
            if client.staff_in_charge_id:
                CareLink.objects.get_or_create(
                    client=client, staff_id=client.staff_in_charge_id, reason=CareReason.IN_CHARGE
                )
            changes = changes_between(before, _snapshot(client))
            if changes:
                audit_record(
                    actor=actor, action=Action.UPDATE, client_id=client.pk,
                    summary=", ".join(changes), changes=changes,
                )  # fmt: skip
    except (_ContactClash, IntegrityError):
        client.refresh_from_db()
        raise DuplicateSuspected(
            client_duplicates(
                user=actor, e164s=[p.phone.e164 for p in phones or []], exclude_id=client.pk
            )
        ) from None
    return client


def _health_for_update(client: Client) -> ClientHealth:
    health, _created = ClientHealth.objects.select_for_update().get_or_create(client=client)
    return health


def client_health_update(
    *,
    actor,
    client: Client,
    values: dict[str, Any],
    confirmed: bool = False,
) -> ClientHealth:
    """Change the health section (only the keys given; a receptionist gives only the
    allergy keys). `confirmed` records that the client confirmed it today."""
    unknown = set(values) - set(ClientHealth.EMPTY)
    if unknown:
        raise ValueError(f"unknown health keys: {sorted(unknown)}")
    with transaction.atomic():
        health = _health_for_update(client)
        before = health.values()
        after = {**before, **values}
        for key in ("allergen_ids", "condition_ids"):
            if key in values:
                after[key] = sorted({int(i) for i in values[key]})
        health.data = after
        old_confirmed = health.confirmed_at
        if confirmed:
            health.confirmed_at = timezone.localdate()
        health.save()
        readable = _readable_health
        sensitive = changes_between(readable(before), readable(after))
        plain = {}
        if health.confirmed_at != old_confirmed:
            plain["health_confirmed_at"] = [
                old_confirmed.isoformat() if old_confirmed else None,
                health.confirmed_at.isoformat(),
            ]
        if sensitive or plain:
            audit_record(
                actor=actor,
                action=Action.HEALTH,
                client_id=client.pk,
                summary=", ".join([*sensitive, *plain]),
                changes=plain,
                sensitive_changes=sensitive,
            )
    return health


def _readable_health(
    values: dict[str, Any], codes: dict[str, dict] | None = None
) -> dict[str, Any]:
    """Health values with list ids replaced by their stable codes, for the history.
    `codes` ({"allergen_ids": {id: code}, ...}) saves the lookups when writing many."""
    out = dict(values)
    for key, model in (("allergen_ids", Allergen), ("condition_ids", Condition)):
        ids = values.get(key) or []
        by_id = (codes or {}).get(key)
        if by_id is None:
            by_id = dict(model.objects.filter(pk__in=ids).values_list("pk", "code"))
        out[key] = sorted(by_id.get(i, str(i)) for i in ids)
    return out


def client_consent_record(
    *, actor, client: Client, channel: str, granted: bool, method: str, note: str = ""
) -> ConsentRecord:
    """Record that the client gave or withdrew marketing consent on a channel."""
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            client=client, channel=channel, granted=granted, method=method, note=note,
            recorded_by=actor,
        )  # fmt: skip
        audit_record(
            actor=actor,
            action=Action.CONSENT,
            client_id=client.pk,
            summary=f"{channel}: {'granted' if granted else 'withdrawn'} ({method})",
            changes={f"consent_{channel}": [None, {"granted": granted, "method": method}]},
        )
    return record


def consent_request_add(*, client: Client, channel: str) -> ConsentRequest:
    """Note a consent asked for anonymously (online booking); not in force until confirmed."""
    with transaction.atomic():
        request = ConsentRequest.objects.create(client=client, channel=channel)
        audit_record(
            actor=None, action=Action.CONSENT, client_id=client.pk,
            summary=f"{channel}: requested online, waiting for confirmation",
            changes={f"consent_request_{channel}": [None, ConsentRequest.State.PENDING]},
        )  # fmt: skip
    return request


def consent_request_decide(*, actor, request: ConsentRequest, confirm: bool) -> ConsentRequest:
    """Staff checked with the client: confirming records the consent (and the channel
    as preferred if the client had none); discarding leaves consent as it was."""
    with transaction.atomic():
        state = ConsentRequest.State.CONFIRMED if confirm else ConsentRequest.State.DISCARDED
        if not ConsentRequest.objects.filter(
            pk=request.pk, state=ConsentRequest.State.PENDING
        ).update(state=state, decided_at=timezone.now(), decided_by=actor):
            return request  # already decided
        client = Client.objects.get(pk=request.client_id)
        if confirm:
            client_consent_record(actor=actor, client=client, channel=request.channel, granted=True,
                                  method=ConsentMethod.ONLINE, note="online booking, confirmed with the client")  # fmt: skip
            if not client.preferred_channel:
                client_update(
                    actor=actor, client=client, fields={"preferred_channel": request.channel}
                )
        else:
            audit_record(actor=actor, action=Action.CONSENT, client_id=client.pk,
                         summary=f"{request.channel}: online request discarded",
                         changes={f"consent_request_{request.channel}": [
                             ConsentRequest.State.PENDING, ConsentRequest.State.DISCARDED]})  # fmt: skip
    request.refresh_from_db()
    return request


def client_photo_set(*, actor, client: Client, data: bytes) -> Client:
    """Store a new profile photo (metadata stripped, thumbnail made)."""
    photo, thumb = process_photo(data)
    old = [f.name for f in (client.photo, client.photo_thumb) if f]
    with transaction.atomic():
        client.photo.save(photo.name, photo, save=False)
        client.photo_thumb.save(thumb.name, thumb, save=False)
        client.save(update_fields=["photo", "photo_thumb", "updated_at"])
        audit_record(actor=actor, action=Action.PHOTO, client_id=client.pk, summary="photo")
    storage = client.photo.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in old])
    return client


def client_merge(*, actor, survivor: Client, absorbed: Client) -> MergeRecord:
    """Merge `absorbed` into `survivor`: phones, tags, links, referrals and notes move;
    empty fields of the survivor are filled; the absorbed profile is kept, marked merged,
    with a full snapshot of it in the merge record."""
    if survivor.pk == absorbed.pk:
        raise ValueError("cannot merge a profile into itself")
    with transaction.atomic():
        # Lock both rows in a fixed order so two merges cannot interleave.
        locked = {
            c.pk: c
            for c in Client.objects.select_for_update()
            .filter(pk__in=[survivor.pk, absorbed.pk])
            .order_by("pk")
        }
        survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
        if survivor.merged_into_id or absorbed.merged_into_id:
            raise ValueError("one of the profiles has already been merged")
        before = _snapshot(survivor)
        absorbed_health = ClientHealth.objects.filter(client=absorbed).first()
        snapshot = {
            "client": _snapshot(absorbed),
            "id": absorbed.pk,
            "phones": [
                {"e164": p.e164, "national": p.national, "label": p.label}
                for p in absorbed.phones.all()
            ],
            "health": absorbed_health.values() if absorbed_health else None,
            "health_confirmed_at": (
                absorbed_health.confirmed_at.isoformat()
                if absorbed_health and absorbed_health.confirmed_at
                else None
            ),
        }
        # Empty fields of the survivor take the absorbed profile's values.
        for name in [
            "gender", "birth_date", "email", "address", "occupation", "facebook", "zalo",
            "wechat", "preferred_channel", "staff_in_charge_id", "source_id", "group_id",
            "referrer_id",
        ]:  # fmt: skip
            if not getattr(survivor, name) and getattr(absorbed, name):
                setattr(survivor, name, getattr(absorbed, name))
        if survivor.referrer_id == survivor.pk:
            survivor.referrer_id = None
        for name in ["notes_preferences", "notes_family", "notes_personality", "notes"]:
            a, b = getattr(survivor, name), getattr(absorbed, name)
            if b and b not in a:
                setattr(survivor, name, f"{a}\n{b}".strip())
        survivor.custom_fields = {**absorbed.custom_fields, **survivor.custom_fields}
        if not survivor.photo and absorbed.photo:
            survivor.photo, survivor.photo_thumb = absorbed.photo, absorbed.photo_thumb
        if absorbed.last_visit_at and (
            not survivor.last_visit_at or absorbed.last_visit_at > survivor.last_visit_at
        ):
            survivor.last_visit_at = absorbed.last_visit_at
        _apply_name(survivor)
        survivor.save()

        # Phones: move those the survivor does not have; drop exact repeats.
        have = set(survivor.phones.values_list("e164", flat=True))
        for phone in absorbed.phones.all():
            if phone.e164 in have:
                phone.delete()
            else:
                phone.client = survivor
                phone.is_primary = False
                phone.save(update_fields=["client", "is_primary"])
        survivor.tags.add(*absorbed.tags.all())
        for link in CareLink.objects.filter(client=absorbed):
            CareLink.objects.get_or_create(
                client=survivor, staff_id=link.staff_id, reason=link.reason
            )
        Client.objects.filter(referrer=absorbed).exclude(pk=survivor.pk).update(referrer=survivor)
        ConsentRecord.objects.filter(client=absorbed).update(client=survivor)
        _add_balances(absorbed, survivor)
        _move_other_records(absorbed, survivor)

        # Health: union of allergies, texts joined; the later confirmation date wins.
        if absorbed_health:
            health = _health_for_update(survivor)
            mine, theirs = health.values(), absorbed_health.values()
            merged = dict(mine)
            for key in ("allergen_ids", "condition_ids"):
                merged[key] = sorted(set(mine[key]) | set(theirs[key]))
            for key in ["allergy_notes", "conditions", "medications", "skin_concerns"]:
                if theirs[key] and theirs[key] not in mine[key]:
                    merged[key] = f"{mine[key]}\n{theirs[key]}".strip()
            for key in ["pregnancy", "skin_type"]:
                merged[key] = mine[key] or theirs[key]
            health.data = merged
            dates = [d for d in (health.confirmed_at, absorbed_health.confirmed_at) if d]
            health.confirmed_at = max(dates) if dates else None
            health.save()

        absorbed.merged_into = survivor
        absorbed.save(update_fields=["merged_into", "updated_at"])
        ClientNameKey.objects.filter(client_id=absorbed.pk).delete()
        _write_name_keys(survivor)
        survivor.primary_phone = (
            survivor.phones.order_by("-is_primary", "id").values_list("national", flat=True).first()
            or ""
        )
        Client.objects.filter(pk=survivor.pk).update(primary_phone=survivor.primary_phone)

        record = MergeRecord.objects.create(
            survivor=survivor, absorbed=absorbed, merged_by=actor, snapshot=snapshot
        )
        audit_record(
            actor=actor,
            action=Action.MERGE,
            client_id=survivor.pk,
            summary=_("Merged profile #%(id)s (%(name)s) into this one")
            % {"id": absorbed.pk, "name": absorbed.full_name},
            changes={
                **changes_between(before, _snapshot(survivor)),
                "merged_from": [None, absorbed.pk],
            },
        )
        audit_record(
            actor=actor,
            action=Action.MERGED_AWAY,
            client_id=absorbed.pk,
            summary=f"-> #{survivor.pk}",
            changes={"merged_into": [None, survivor.pk]},
        )
    return record


# Relations that client_merge handles itself; every other model pointing at a client
# (sessions, packages, patch tests, later appointments and invoices) simply moves.
_MERGE_HANDLED = {
    "phones",
    "care_links",
    "consents",
    "merges",
    "health",
    "referrals",
    "merged_from",
    "balances",
}


def _add_balances(absorbed: Client, survivor: Client) -> None:
    """Money and points add up (one balance per account); the ledger entries behind
    them move with the other records, so each balance still equals its ledger."""
    balance = apps.get_model("sales", "Balance")
    for account, amount in balance.objects.filter(client=absorbed).values_list("account", "amount"):
        mine, _created = balance.objects.select_for_update().get_or_create(
            client=survivor, account=account
        )
        balance.objects.filter(pk=mine.pk).update(amount=models.F("amount") + amount)
    balance.objects.filter(client=absorbed).delete()


def _move_other_records(absorbed: Client, survivor: Client) -> None:
    relations = Client._meta.get_fields(include_hidden=True)  # "+" relations too
    for rel in relations:
        if not (rel.auto_created and rel.one_to_many) or rel.related_model._meta.auto_created:
            continue  # not a reverse foreign key, or a many-to-many's own table
        if rel.related_model in (
            ClientNameKey, MergeRecord, Client,
        ):  # fmt: skip
            continue
        if rel.get_accessor_name() in _MERGE_HANDLED:
            continue
        rows = rel.related_model._base_manager.filter(**{rel.field.name: absorbed})
        if rel.get_accessor_name() == "campaign_messages":
            # One message per campaign run: a run both profiles are on stays with the
            # absorbed copy (and is skipped as merged), the others follow the person.
            both = rel.related_model._base_manager.filter(
                client=survivor, campaign_id=OuterRef("campaign_id"), run=OuterRef("run")
            )
            rows = rows.exclude(Exists(both))
        rows.update(**{rel.field.name: survivor})


def _private_files_of(client_ids: set[int]) -> list[str]:
    """Names of every stored file that belongs to these clients, in any app."""
    names: list[str] = []
    for model in apps.get_models():
        file_fields = [f.name for f in model._meta.fields if isinstance(f, models.FileField)]
        if not file_fields:
            continue
        if model is Client:
            lookup = {"pk__in": client_ids}
        elif any(f.name == "client" and f.related_model is Client for f in model._meta.fields):
            lookup = {"client_id__in": client_ids}
        else:
            continue
        for row in model._base_manager.filter(**lookup).values_list(*file_fields):
            names.extend(name for name in row if name)
    return names


def client_delete(*, actor, client: Client, reason: str) -> None:
    """Erase a profile for good (a client's request, or end of retention).

    Everything of the person goes, files included. The history keeps who did what and
    when, but the values it recorded (names, phones, health) are scrubbed: the erase
    entry holds only the id, who and why."""
    with transaction.atomic():
        client_id = client.pk
        # The profiles merged into this one are old copies of the same person: erase them too.
        ids, frontier = {client.pk}, [client.pk]
        while frontier:
            frontier = list(
                Client.objects.filter(merged_into_id__in=frontier).values_list("id", flat=True)
            )
            ids.update(frontier)
        files = _private_files_of(ids)
        _touch_days_of(ids)
        Client.objects.filter(referrer_id__in=ids).exclude(pk__in=ids).update(referrer=None)
        Client.objects.filter(pk__in=ids).update(merged_into=None, referrer=None)
        Client.objects.filter(pk__in=ids).delete()
        AuditEntry.objects.filter(client_id__in=ids).update(
            changes={}, sensitive_changes=None, summary=""
        )
        audit_record(actor=actor, action=Action.DELETE, client_id=client_id, summary=reason[:255])
        storage = Client._meta.get_field("photo").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
        # Outside the database: a restore of an older backup erases them again.
        transaction.on_commit(lambda: erasure_journal.record(ids))


def _touch_days_of(client_ids: set[int]) -> None:
    """The days whose figures change when these clients' sessions and bookings go."""
    from spa.booking.models import Appointment
    from spa.reports.marks import days_touch
    from spa.treatments.models import TreatmentSession

    days = set()
    for model, field in ((TreatmentSession, "performed_at"), (Appointment, "start")):
        for branch_id, at in model.objects.filter(client_id__in=client_ids).values_list(
            "branch_id", field
        ):
            days.add((branch_id, timezone.localdate(at)))
    days_touch(days)


def care_link_add(*, client: Client, staff, reason: str) -> None:
    """Record that `staff` served / is booked with / is in charge of `client`."""
    CareLink.objects.get_or_create(client=client, staff=staff, reason=reason)


# --- imports ---------------------------------------------------------------------------
@dataclass
class ImportedClient:
    """One client to create from an import row (see spa.imports)."""

    fields: dict[str, Any]
    phones: list[Phone]
    tags: list[Any]
    summary: str  # "Imported from khach.xlsx, sheet KH, row 12"
    health: dict[str, Any] | None = None


def _phones_held(e164s: set[str]) -> set[str]:
    return set(ClientPhone.objects.filter(e164__in=e164s).values_list("e164", flat=True))


def clients_bulk_import(*, actor, items: list[ImportedClient]) -> list[Client]:
    """Create many profiles at once, with their phones, search keys, health section and
    an audit entry each. The duplicate checks were made by the import's dry run; a number
    someone else holds (now, or another row of the batch) is saved as a confirmed shared
    number, so the one-unconfirmed-holder rule still holds. Call inside a transaction."""
    assert transaction.get_connection().in_atomic_block, "clients_bulk_import needs a transaction"
    by = actor if getattr(actor, "pk", None) else None
    clients = []
    for item in items:
        client = Client(**item.fields, created_by=by)
        _apply_name(client)
        client.primary_phone = item.phones[0].national if item.phones else ""
        clients.append(client)
    Client.objects.bulk_create(clients, batch_size=500)
    held = _phones_held({p.e164 for item in items for p in item.phones})
    phones, keys, tag_links, audits, healths = [], [], [], [], []
    tag_model = Client.tags.through
    codes = {
        "allergen_ids": dict(Allergen.objects.values_list("pk", "code")),
        "condition_ids": dict(Condition.objects.values_list("pk", "code")),
    }
    for client, item in zip(clients, items, strict=True):
        for position, phone in enumerate(item.phones):
            shared = phone.e164 in held
            held.add(phone.e164)
            phones.append(
                ClientPhone(
                    client=client, e164=phone.e164, national=phone.national,
                    digits_reversed=phone.significant[::-1], is_primary=position == 0,
                    shared_confirmed=shared,
                )
            )  # fmt: skip
        keys += [
            ClientNameKey(client_id=client.pk, branch_id=client.branch_id, key=k)
            for k in search_keys(client.name_search.split())
        ]
        tag_links += [tag_model(client_id=client.pk, tag_id=t.pk) for t in item.tags]
        snapshot = _snapshot_fields(client)
        snapshot["tags"] = sorted(t.name for t in item.tags)
        snapshot["phones"] = [p.e164 for p in item.phones]
        audits.append(
            AuditEntry(
                actor=by, action=Action.IMPORT, client_id=client.pk, summary=item.summary[:255],
                changes=changes_between({}, snapshot),
                sensitive_changes=_readable_health(item.health, codes) if item.health else None,
            )
        )  # fmt: skip
        if item.health:
            healths.append(ClientHealth(client=client, data={**ClientHealth.EMPTY, **item.health}))
    ClientPhone.objects.bulk_create(phones, batch_size=1000)
    ClientNameKey.objects.bulk_create(keys, batch_size=2000)
    tag_model.objects.bulk_create(tag_links, batch_size=2000)
    ClientHealth.objects.bulk_create(healths, batch_size=500)
    audit_record_many(audits, batch_size=500)
    return clients


def _snapshot_fields(client: Client) -> dict[str, Any]:
    """The audited fields alone (no queries: a bulk import writes thousands at once)."""
    out: dict[str, Any] = {}
    for name in AUDITED_FIELDS:
        value = getattr(client, name)
        if hasattr(value, "pk"):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


FILLABLE_FIELDS = [
    "gender", "birth_date", "birth_year", "email", "address", "occupation", "facebook",
    "zalo", "wechat", "source", "group", "notes_preferences", "notes",
]  # fmt: skip


def client_import_fill(
    *,
    actor,
    client: Client,
    fields: dict[str, Any],
    phones: list[Phone],
    tags,
    summary: str,
    health: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Bring an import row into an existing profile: blanks are filled, notes appended,
    new numbers and tags added, allergies and conditions added to the health section —
    nothing already recorded is overwritten. Returns what was changed, so the import can
    be undone. Call inside a transaction."""
    before = _snapshot(client)
    changed: dict[str, Any] = {}
    for name, value in fields.items():
        if value in (None, "", [], {}):
            continue
        old = getattr(client, name)
        if name in ("notes", "notes_preferences") and old:
            if value in old:
                continue
            new = f"{old}\n{value}"
        elif old not in (None, "") or name not in FILLABLE_FIELDS:
            continue
        else:
            new = value
        changed[name] = (
            old.pk if hasattr(old, "pk") else (old.isoformat() if isinstance(old, date) else old)
        )
        setattr(client, name, new)
    _apply_name(client)
    client.save()
    existing = set(client.phones.values_list("e164", flat=True))
    held = _phones_held({p.e164 for p in phones} - existing)
    added_phones = []
    for phone in phones:
        if phone.e164 in existing:
            continue
        existing.add(phone.e164)
        ClientPhone.objects.create(
            client=client, e164=phone.e164, national=phone.national,
            digits_reversed=phone.significant[::-1], is_primary=not client.primary_phone,
            shared_confirmed=phone.e164 in held,
        )  # fmt: skip
        if not client.primary_phone:
            client.primary_phone = phone.national
            Client.objects.filter(pk=client.pk).update(primary_phone=phone.national)
        added_phones.append(phone.e164)
    have = set(client.tags.values_list("pk", flat=True))
    added_tags = [t.pk for t in tags if t.pk not in have]
    client.tags.add(*added_tags)
    health_before = None
    if health:
        record = _health_for_update(client)
        health_before = record.values()
        merged = dict(health_before)
        for key, value in health.items():
            if key.endswith("_ids"):
                merged[key] = sorted(set(merged.get(key) or []) | set(value))
            elif value and not merged.get(key):
                merged[key] = value
            elif value and value not in merged.get(key, ""):
                merged[key] = f"{merged[key]}\n{value}"
        record.data = merged
        record.save()
    changes = changes_between(before, _snapshot(client))
    audit_record(
        actor=actor, action=Action.IMPORT, client_id=client.pk, summary=summary, changes=changes,
        sensitive_changes=_readable_health(health) if health else None,
    )  # fmt: skip
    return {
        "fields": changed, "phones": added_phones, "tags": added_tags,
        "health": health_before,
    }  # fmt: skip


def client_import_unfill(*, actor, client: Client, undo: dict[str, Any], summary: str) -> None:
    """Take back what client_import_fill changed (an import undone)."""
    before = _snapshot(client)
    client.refresh_from_db()
    if undo.get("notes_added") and "notes" not in undo.get("fields", {}):
        client.notes = client.notes.replace(undo["notes_added"], "").strip()
    for name, value in undo.get("fields", {}).items():
        field = Client._meta.get_field(name)
        if field.is_relation:
            setattr(client, f"{name}_id", value)
        else:
            setattr(client, name, field.to_python(value) if value is not None else None)
    _apply_name(client)
    client.save()
    client.phones.filter(e164__in=undo.get("phones", [])).delete()
    first = client.phones.order_by("-is_primary", "id").first()
    Client.objects.filter(pk=client.pk).update(primary_phone=first.national if first else "")
    client.tags.remove(*undo.get("tags", []))
    if undo.get("health") is not None:
        record = _health_for_update(client)
        record.data = undo["health"]
        record.save()
    audit_record(
        actor=actor, action=Action.IMPORT, client_id=client.pk, summary=summary,
        changes=changes_between(before, _snapshot(client)),
    )  # fmt: skip
