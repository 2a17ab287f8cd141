"""Call lists for the desk: who owes money (and since when), and packages with sessions
left that expire soon or just did. Scoped through clients_visible_to, paged by keyset
("next page" after the last row shown)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.utils import timezone

from spa.clients.selectors import clients_visible_to
from spa.clients.selectors_lists import cursor_sign, cursor_unsign, keyset_after
from spa.sales.models import Account, Balance, LedgerEntry, LedgerReason
from spa.treatments.models import PackageStatus, TreatmentPackage

PAGE_SIZE = 50
EXPIRY_WINDOWS = (7, 30, 60)


def _visible(user, branch_id: int | None):
    clients = clients_visible_to(user)
    if branch_id:
        clients = clients.filter(branch_id=branch_id)
    return clients


# --- Debts -----------------------------------------------------------------------------


@dataclass
class DebtRow:
    balance: Balance
    since: date | None  # the day of the oldest debt not yet paid off

    @property
    def client(self):
        return self.balance.client


@dataclass
class DebtPage:
    rows: list[DebtRow]
    next_cursor: str = ""
    cursor_ignored: bool = False
    debtors: int = 0
    total: int = 0


def debts_owed(*, user, branch_id: int | None = None) -> QuerySet[Balance]:
    """Open debt balances of the clients `user` may see (one row per client)."""
    visible = _visible(user, branch_id).filter(pk=OuterRef("client_id"))
    return Balance.objects.filter(account=Account.DEBT, amount__gt=0).filter(Exists(visible))


def debt_page(
    *, user, branch_id: int | None = None, cursor: str = "", size: int = PAGE_SIZE
) -> DebtPage:
    """Largest debts first, with the total owed and since when each is owed."""
    qs = debts_owed(user=user, branch_id=branch_id)
    totals = qs.aggregate(n=Count("id"), total=Sum("amount"))
    keys = ("amount", "client_id")
    start = cursor_unsign("debts", cursor, [len(keys)])
    page_qs = qs
    if start is not None:
        page_qs = qs.filter(keyset_after(keys, start[1], True))
    found = list(
        page_qs.select_related("client__branch").order_by("-amount", "-client_id")[: size + 1]
    )
    page = DebtPage(rows=[], debtors=totals["n"] or 0, total=totals["total"] or 0,
                    cursor_ignored=bool(cursor) and start is None)  # fmt: skip
    shown = found[:size]
    since = debt_since({b.client_id: b.amount for b in shown})
    page.rows = [DebtRow(balance=b, since=since.get(b.client_id)) for b in shown]
    if len(found) > size:
        last = shown[-1]
        page.next_cursor = cursor_sign("debts", 0, [last.amount, last.client_id])
    return page


def debt_since(balances: dict[int, int]) -> dict[int, date | None]:
    """For each client id -> open debt, the day of the oldest debt entry still unpaid.

    Payments pay the oldest debt first; a credit note cancels the debt of the invoice it
    reverses (not the oldest). One query over those clients' debt entries."""
    if not balances:
        return {}
    entries = (
        LedgerEntry.objects.filter(client_id__in=list(balances), account=Account.DEBT)
        .order_by("client_id", "at", "id")
        .values_list("client_id", "amount", "reason", "at", "invoice_id", "invoice__corrects_id")
    )
    owed: dict[int, list[list]] = defaultdict(list)  # [invoice id, amount left, at]
    paid: dict[int, int] = defaultdict(int)
    for client_id, amount, reason, at, invoice_id, corrects_id in entries:
        if amount > 0:
            owed[client_id].append([invoice_id, amount, at])
            continue
        left = -amount
        if reason == LedgerReason.CREDIT_NOTE and corrects_id:
            for item in owed[client_id]:
                if item[0] == corrects_id and left:
                    taken = min(item[1], left)
                    item[1] -= taken
                    left -= taken
        paid[client_id] += left
    out: dict[int, date | None] = {}
    for client_id in balances:
        pool = paid[client_id]
        out[client_id] = None
        for _invoice, amount, at in owed[client_id]:
            if amount <= pool:
                pool -= amount
                continue
            out[client_id] = timezone.localtime(at).date()
            break
    return out


# --- Expiring packages -----------------------------------------------------------------


@dataclass
class PackagePage:
    packages: list[TreatmentPackage] = field(default_factory=list)
    next_cursor: str = ""
    cursor_ignored: bool = False


def packages_expiring(
    *, user, days: int, expired: bool, branch_id: int | None = None, today: date | None = None
) -> QuerySet[TreatmentPackage]:
    """Live packages with sessions left whose expiry is within `days` from today, or
    (expired=True) that expired in the last `days` days. The client's branch decides
    whose list it is on, as it decides who sees the client."""
    today = today or timezone.localdate()
    visible = _visible(user, branch_id).filter(pk=OuterRef("client_id"))
    qs = TreatmentPackage.objects.filter(
        status=PackageStatus.ACTIVE, used_sessions__lt=F("total_sessions")
    ).filter(Exists(visible))
    if expired:
        return qs.filter(expires_on__lt=today, expires_on__gte=today - timedelta(days=days))
    return qs.filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=days))


def expiring_page(
    *, user, days: int, expired: bool, branch_id: int | None = None, cursor: str = "",
    size: int = PAGE_SIZE,
) -> PackagePage:  # fmt: skip
    """Soonest expiry first (or most recently expired first)."""
    qs = packages_expiring(user=user, days=days, expired=expired, branch_id=branch_id)
    keys = ("expires_on", "id")
    tag = "expired" if expired else "expiring"
    start = cursor_unsign(tag, cursor, [len(keys)])
    if start is not None:
        qs = qs.filter(keyset_after(keys, start[1], expired))
    order = ["-expires_on", "-id"] if expired else ["expires_on", "id"]
    found = list(qs.select_related("client__branch").order_by(*order)[: size + 1])
    page = PackagePage(packages=found[:size], cursor_ignored=bool(cursor) and start is None)
    if len(found) > size:
        last = found[size - 1]
        page.next_cursor = cursor_sign(tag, 0, [last.expires_on, last.pk])
    return page
