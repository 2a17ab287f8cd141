"""Today's care queue: whom the desk calls or messages, per branch. An item someone has
marked done (QueueDone, unique per kind, client and occurrence) is gone for everyone."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from spa.care.models import CareSettings, CareTask, CheckInRule, QueueDone, QueueKind, TaskStatus
from spa.clients.models import Client, ClientPhone
from spa.clients.selectors import clients_visible_to
from spa.core import access
from spa.reports.due import clients_due
from spa.treatments.models import SessionService

LIMIT = 50  # per kind and branch: a day's work, not the whole file


@dataclass
class Item:
    kind: str
    client: Client
    ref: str
    why: str = ""
    kind_label: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.client.pk}-{self.ref}".replace(":", "-")


@dataclass
class BranchQueue:
    branch: object
    items: list = field(default_factory=list)


def _day_bounds(day: date):
    lo = timezone.make_aware(datetime.combine(day, time.min))
    return lo, lo + timedelta(days=1)


def _check_ins(clients, today: date) -> list[Item]:
    items = []
    for rule in CheckInRule.objects.filter(is_active=True).select_related("service"):
        for after in sorted({int(d) for d in rule.days if str(d).isdigit()}):
            lo, hi = _day_bounds(today - timedelta(days=after))
            lines = SessionService.objects.filter(
                service=rule.service, session__performed_at__gte=lo, session__performed_at__lt=hi,
                session__client__in=clients,
            ).values_list("session_id", "session__client_id")[:LIMIT]  # fmt: skip
            for session_id, client_id in lines:
                items.append((client_id, f"{session_id}:{after}", (rule.service.name, after)))
    return items


def queue_for(user, *, today: date | None = None) -> list[BranchQueue]:
    """Today's items for `user`, grouped by branch; done items left out."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    clients = clients_visible_to(user)
    branch_ids = access.care_branch_ids(user)
    if branch_ids is not None:
        clients = clients.filter(branch_id__in=branch_ids)
    raw: list[tuple[str, int, str, str]] = []  # (kind, client id, ref, why)
    for client_id, ref, (service, after) in _check_ins(clients, today):
        why = _("Day %(n)s after %(service)s") % {"n": after, "service": service}
        raw.append((QueueKind.CHECK_IN, client_id, ref, why))
    for row in clients_due(user=user, start=today, end=today, limit=LIMIT):
        if branch_ids is None or row.client.branch_id in branch_ids:
            raw.append((QueueKind.DUE, row.client.pk, f"{row.service.pk}:{row.due_on:%Y%m%d}",
                        _("Due for %(service)s") % {"service": row.service.name}))  # fmt: skip
    lapsed_days = CareSettings.current().lapsed_days
    cutoff = timezone.now() - timedelta(days=lapsed_days)
    for client_id, last in (
        clients.filter(last_visit_at__lt=cutoff).order_by("-last_visit_at")
        .values_list("pk", "last_visit_at")[:LIMIT]
    ):  # fmt: skip
        local = timezone.localtime(last).date()
        raw.append((QueueKind.LAPSED, client_id, f"{local:%Y%m%d}",
                    _("Last visit %(day)s") % {"day": local.strftime("%d/%m/%Y")}))  # fmt: skip
    for client_id in clients.filter(
        birth_date__month=today.month, birth_date__day=today.day
    ).values_list("pk", flat=True)[:LIMIT]:
        raw.append((QueueKind.BIRTHDAY, client_id, str(today.year), _("Birthday today")))
    for task in CareTask.objects.filter(status=TaskStatus.OPEN, client__in=clients).select_related(
        "feedback"
    )[:LIMIT]:
        why = task.get_reason_display()
        if task.feedback_id and task.feedback.comment:
            why = f"{why}: {task.feedback.comment[:120]}"
        raw.append((QueueKind.TASK, task.client_id, str(task.pk), why))
    done = set(
        QueueDone.objects.filter(client_id__in={r[1] for r in raw}).values_list(
            "kind", "client_id", "ref"
        )
    )
    raw = [r for r in raw if (r[0], r[1], r[2]) not in done]
    people = {
        c.pk: c
        for c in Client.objects.filter(pk__in={r[1] for r in raw})
        .select_related("branch")
        .prefetch_related(Prefetch("phones", queryset=ClientPhone.objects.order_by("-is_primary", "id")))
    }  # fmt: skip
    labels = dict(QueueKind.choices)
    by_branch: dict[int, BranchQueue] = {}
    for kind, client_id, ref, why in raw:
        client = people.get(client_id)
        if client is None:
            continue
        queue = by_branch.setdefault(client.branch_id, BranchQueue(branch=client.branch))
        queue.items.append(Item(kind=kind, client=client, ref=ref, why=why,
                                kind_label=str(labels[kind])))  # fmt: skip
    return sorted(by_branch.values(), key=lambda q: q.branch.name)


def message_link(client: Client) -> str:
    """Where "message" opens: the client's preferred channel, if it has a link."""
    phone = next(iter(client.phones.all()), None)
    if client.preferred_channel == "email" and client.email:
        return f"mailto:{client.email}"
    if phone is None:
        return ""
    if client.preferred_channel == "zalo":
        return f"https://zalo.me/{phone.e164.lstrip('+')}"
    return f"sms:{phone.e164}"
