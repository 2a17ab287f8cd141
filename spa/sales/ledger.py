"""The one door to every balance: post a ledger entry and move the balance with it."""

from django.db import transaction
from django.db.models import F, Sum

from spa.sales.models import Balance, LedgerEntry


class InsufficientBalance(Exception):
    def __init__(self, account: str, available: int, wanted: int):
        super().__init__(f"{account}: {available} available, {wanted} wanted")
        self.account, self.available, self.wanted = account, available, wanted


def ledger_post(*, client, account: str, amount: int, reason: str, by=None, **links) -> LedgerEntry:
    """Append an entry and apply it to the balance. A debit only goes through while the
    balance covers it: the UPDATE's WHERE is evaluated under the row lock, so two
    concurrent spends of the same money cannot both succeed. Call inside a transaction."""
    if amount == 0:
        raise ValueError("a ledger entry moves something")
    assert transaction.get_connection().in_atomic_block, "ledger_post needs a transaction"
    Balance.objects.get_or_create(client=client, account=account)
    rows = Balance.objects.filter(client=client, account=account)
    if amount < 0:
        rows = rows.filter(amount__gte=-amount)
    if not rows.update(amount=F("amount") + amount):
        raise InsufficientBalance(account, balance_of(client, account), -amount)
    return LedgerEntry.objects.create(
        client=client, account=account, amount=amount, reason=reason,
        by=by if getattr(by, "pk", None) else None, **links,
    )  # fmt: skip


def balance_of(client, account: str) -> int:
    row = (
        Balance.objects.filter(client=client, account=account)
        .values_list("amount", flat=True)
        .first()
    )
    return row or 0


def balances_of(client) -> dict[str, int]:
    return dict(Balance.objects.filter(client=client).values_list("account", "amount"))


def ledger_sum(client, account: str) -> int:
    """The balance recomputed from the ledger (it must equal balance_of)."""
    return (
        LedgerEntry.objects.filter(client=client, account=account).aggregate(s=Sum("amount"))["s"]
        or 0
    )
