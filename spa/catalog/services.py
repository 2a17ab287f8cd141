"""Writes to the catalogue: stock changes go through a ledger, never an edited number."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from spa.catalog.models import MovementReason, Product, StockLevel, StockMovement


def stock_move(
    *,
    actor,
    product: Product,
    branch,
    delta: Decimal,
    reason: str,
    batch: str = "",
    session_id: int | None = None,
    note: str = "",
) -> StockMovement:
    """Record one stock change and apply it to the branch's level in the same transaction.

    Stock may go below zero: a treatment is never refused for a counting error, and a
    negative level is how the manager sees the count is wrong.
    """
    with transaction.atomic():
        level = StockLevel.objects.filter(product=product, branch=branch)
        if not level.update(quantity=F("quantity") + delta):  # first movement at this branch
            StockLevel.objects.get_or_create(product=product, branch=branch)
            level.update(quantity=F("quantity") + delta)
        return StockMovement.objects.create(
            product=product, branch=branch, delta=delta, reason=reason, batch=batch,
            session_id=session_id, note=note, by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip


def stock_receive(
    *, actor, product: Product, branch, quantity: Decimal, batch: str = ""
) -> StockMovement:
    """Goods received at a branch."""
    if quantity <= 0:
        raise ValueError("received quantity must be positive")
    return stock_move(
        actor=actor, product=product, branch=branch, delta=quantity,
        reason=MovementReason.RECEIVED, batch=batch,
    )  # fmt: skip
