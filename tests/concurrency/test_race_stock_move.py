"""Eight managers move goods out of the same stock at the same moment: only what is
there can leave, the level never goes below zero, and each branch's level equals its
ledger. Opposite moves between two branches queue instead of deadlocking."""

from decimal import Decimal

import pytest

from spa.catalog.models import MovementReason, StockMovement
from spa.catalog.selectors import stock_ledger_sum, stock_level
from spa.catalog.services import stock_receive

pytestmark = pytest.mark.django_db(transaction=True)


def levels(product, *branches):
    out = []
    for branch in branches:
        assert stock_level(product.pk, branch.pk) == stock_ledger_sum(product.pk, branch.pk)
        out.append(stock_level(product.pk, branch.pk))
    return out


def test_simultaneous_moves_cannot_take_more_than_the_stock(
    race, owner, manager_a, catalogue, branch_a, branch_b
):
    peel = catalogue["peel"]  # 100 ml at branch A
    data = {"product": peel.pk, "branch": branch_a.pk, "to_branch": branch_b.pk, "quantity": "30"}

    outcomes = race([owner, manager_a] * 4, "/settings/stock/move/", data)

    assert outcomes == [200] * 5 + [302] * 3
    assert levels(peel, branch_a, branch_b) == [Decimal(10), Decimal(90)]
    assert StockMovement.objects.filter(reason=MovementReason.MOVED_OUT).count() == 3
    assert StockMovement.objects.filter(reason=MovementReason.MOVED_IN).count() == 3


def test_opposite_moves_at_the_same_moment_both_happen(
    race, manager_a, manager_b, catalogue, branch_a, branch_b
):
    peel = catalogue["peel"]
    stock_receive(actor=None, product=peel, branch=branch_b, quantity=Decimal(50))

    def data(i):
        own, other = (branch_a, branch_b) if i % 2 == 0 else (branch_b, branch_a)
        return {"product": peel.pk, "branch": own.pk, "to_branch": other.pk, "quantity": "10"}

    outcomes = race([manager_a, manager_b] * 3, "/settings/stock/move/", data)

    assert outcomes == [302] * 6
    assert levels(peel, branch_a, branch_b) == [Decimal(100), Decimal(50)]
