"""Reads of money: a client's figures, an invoice, a branch's day."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from spa.sales.ledger import balances_of
from spa.sales.models import (
    Account,
    Deposit,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    LedgerEntry,
    LineKind,
    Method,
    Payment,
    PaymentPurpose,
)


def client_money(client) -> dict:
    """The profile's derived figures: spent, debt, prepaid, points, deposits, invoices."""
    balances = balances_of(client)
    invoices = Invoice.objects.filter(client=client).aggregate(
        spent=Sum("total"), count=Count("id", filter=Q(kind=InvoiceKind.INVOICE))
    )
    products = InvoiceLine.objects.filter(invoice__client=client, kind=LineKind.PRODUCT).aggregate(
        n=Sum("quantity")
    )
    return {
        "spent": invoices["spent"] or 0,
        "invoices": invoices["count"] or 0,
        "debt": balances.get(Account.DEBT, 0),
        "prepaid": balances.get(Account.PREPAID, 0),
        "points": balances.get(Account.POINTS, 0),
        "deposit_held": balances.get(Account.DEPOSIT, 0),
        "deposits": Deposit.objects.filter(client=client).count(),
        "products_bought": products["n"] or 0,
    }


def client_ledger(client, limit: int = 50) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(client=client)
        .select_related("invoice")
        .order_by("-at", "-id")[:limit]
    )


def client_invoices(client, limit: int = 50) -> list[Invoice]:
    return list(Invoice.objects.filter(client=client).select_related("branch")[:limit])


def cash_report(*, branch, day: date) -> dict:
    """A branch's day: takings by method, debts created and collected, prepaid sold and
    used, deposits taken, applied and forfeited. A handful of grouped queries."""
    start = timezone.make_aware(datetime.combine(day, time(0, 0)))
    end = start + timedelta(days=1)
    payments = Payment.objects.filter(branch=branch, at__gte=start, at__lt=end)
    by = defaultdict(dict)
    for purpose, method, total in (
        payments.values_list("purpose", "method").annotate(total=Sum("amount")).order_by()
    ):
        by[purpose][method] = total
    takings = defaultdict(int)
    for purpose in (PaymentPurpose.INVOICE, PaymentPurpose.DEBT, PaymentPurpose.TOP_UP, PaymentPurpose.DEPOSIT,
                    PaymentPurpose.REFUND):  # fmt: skip
        for method, total in by.get(purpose, {}).items():
            if method in ("cash", "card", "transfer", "ewallet"):
                takings[method] += total
    invoices = Invoice.objects.filter(
        branch=branch, issued_at__gte=start, issued_at__lt=end
    ).aggregate(count=Count("id"), total=Sum("total"), debt=Sum("debt_created"))
    forfeited = Deposit.objects.filter(
        state=Deposit.State.FORFEITED,
        settled_at__gte=start,
        settled_at__lt=end,
        payment__branch=branch,
    ).aggregate(s=Sum("amount"))["s"]
    return {
        "day": day,
        "takings": dict(takings),
        "takings_rows": [
            (Method(method).label, amount) for method, amount in sorted(takings.items())
        ],
        "takings_total": sum(takings.values()),
        "invoices": invoices["count"] or 0,
        "sales_total": invoices["total"] or 0,
        "debt_created": invoices["debt"] or 0,
        "debt_collected": sum(by.get(PaymentPurpose.DEBT, {}).values()),
        "prepaid_sold": sum(by.get(PaymentPurpose.TOP_UP, {}).values()),
        "prepaid_used": by.get(PaymentPurpose.INVOICE, {}).get("prepaid", 0),
        "deposits_taken": sum(by.get(PaymentPurpose.DEPOSIT, {}).values()),
        "deposits_applied": by.get(PaymentPurpose.INVOICE, {}).get("deposit", 0),
        "deposits_forfeited": forfeited or 0,
        "refunds": -sum(by.get(PaymentPurpose.REFUND, {}).values()),
    }
