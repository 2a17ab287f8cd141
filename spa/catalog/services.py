"""Writes to the catalogue: stock changes go through a ledger, never an edited number."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from spa.catalog.models import MovementReason, Product, StockLevel, StockMovement
from spa.catalog.selectors import format_quantity


class StockError(Exception):
    """A stock change refused, with the reason in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def _locked_levels(product: Product, branches) -> dict[int, StockLevel]:
    """The product's level rows at `branches`, created if missing and locked in id order
    (two opposite moves lock in the same order, so they queue instead of deadlocking)."""
    ids = sorted({b.pk for b in branches})
    for branch_id in ids:
        StockLevel.objects.get_or_create(product=product, branch_id=branch_id)
    rows = StockLevel.objects.select_for_update().filter(product=product, branch_id__in=ids)
    return {row.branch_id: row for row in rows.order_by("pk")}


def stock_count(
    *, actor, product: Product, branch, counted: Decimal, note: str = ""
) -> StockMovement | None:
    """A physical count: the difference from the level is one adjustment in the ledger
    (None when the count matches)."""
    if counted < 0:
        raise StockError(_("A count cannot be below zero."))
    with transaction.atomic():
        level = _locked_levels(product, [branch])[branch.pk]
        difference = counted - level.quantity
        if not difference:
            return None
        return stock_move(
            actor=actor, product=product, branch=branch, delta=difference,
            reason=MovementReason.ADJUSTED, note=note,
        )  # fmt: skip


def stock_transfer(
    *, actor, product: Product, from_branch, to_branch, quantity: Decimal, note: str = ""
) -> tuple[StockMovement, StockMovement]:
    """Move goods between branches: two movements in one transaction. Unlike a session,
    a move cannot take more than the sending branch has (goods not there cannot travel)."""
    if quantity <= 0:
        raise StockError(_("Enter a quantity above zero."))
    if from_branch.pk == to_branch.pk:
        raise StockError(_("Choose two different branches."))
    with transaction.atomic():
        levels = _locked_levels(product, [from_branch, to_branch])
        available = levels[from_branch.pk].quantity
        if available < quantity:
            raise StockError(
                _("Only %(available)s at %(branch)s.")
                % {"available": format_quantity(available, product.unit), "branch": from_branch}
            )
        out = stock_move(
            actor=actor, product=product, branch=from_branch, delta=-quantity,
            reason=MovementReason.MOVED_OUT, note=note or str(to_branch),
        )  # fmt: skip
        into = stock_move(
            actor=actor, product=product, branch=to_branch, delta=quantity,
            reason=MovementReason.MOVED_IN, note=note or str(from_branch),
        )  # fmt: skip
    return out, into


def stock_threshold_set(*, actor, product: Product, branch, low_at: Decimal | None) -> StockLevel:
    """Set (or clear, with None) the level at or below which the product is listed as low.
    The caller writes the settings audit entry in the same transaction."""
    if low_at is not None and low_at < 0:
        raise StockError(_("A threshold cannot be below zero."))
    with transaction.atomic():
        level = _locked_levels(product, [branch])[branch.pk]
        level.low_at = low_at
        level.save(update_fields=["low_at"])
    return level
