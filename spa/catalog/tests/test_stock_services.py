"""Stock changes through the ledger: receive, count, move between branches, thresholds.
The level always equals the sum of the ledger."""

from decimal import Decimal

import pytest

from spa.catalog import services
from spa.catalog.models import MovementReason, PackageTemplate, StockMovement
from spa.catalog.selectors import format_quantity, stock_ledger_sum, stock_level, stock_levels
from spa.catalog.services import (
    StockError,
    stock_count,
    stock_threshold_set,
    stock_transfer,
)

pytestmark = pytest.mark.django_db


def levels(product, *branches):
    out = []
    for branch in branches:
        level = stock_level(product.pk, branch.pk)
        assert level == stock_ledger_sum(product.pk, branch.pk)
        out.append(level)
    return out


def test_a_move_is_two_movements_and_both_levels_change(manager_a, catalogue, branch_a, branch_b):
    peel = catalogue["peel"]

    out, into = stock_transfer(actor=manager_a, product=peel, from_branch=branch_a,
                               to_branch=branch_b, quantity=Decimal("30"))  # fmt: skip

    assert levels(peel, branch_a, branch_b) == [Decimal(70), Decimal(30)]
    assert (out.delta, out.reason, out.branch, out.by) == (
        Decimal(-30), MovementReason.MOVED_OUT, branch_a, manager_a)  # fmt: skip
    assert (into.delta, into.reason, into.branch) == (
        Decimal(30),
        MovementReason.MOVED_IN,
        branch_b,
    )


def test_a_move_cannot_take_more_than_the_branch_has(manager_a, catalogue, branch_a, branch_b):
    peel = catalogue["peel"]
    before = StockMovement.objects.count()
    with pytest.raises(StockError) as refused:
        stock_transfer(actor=manager_a, product=peel, from_branch=branch_a, to_branch=branch_b,
                       quantity=Decimal("100.5"))  # fmt: skip
    assert "100 ml" in refused.value.message
    assert levels(peel, branch_a, branch_b) == [Decimal(100), Decimal(0)]
    assert StockMovement.objects.count() == before


def test_a_move_whose_second_leg_fails_leaves_nothing(
    monkeypatch, manager_a, catalogue, branch_a, branch_b
):
    peel = catalogue["peel"]
    before = StockMovement.objects.count()
    real_move = services.stock_move
    calls = []

    def second_leg_fails(**kwargs):
        calls.append(kwargs["reason"])
        if kwargs["reason"] == MovementReason.MOVED_IN:
            raise RuntimeError("the receiving branch's write failed")
        return real_move(**kwargs)

    monkeypatch.setattr(services, "stock_move", second_leg_fails)
    with pytest.raises(RuntimeError):
        stock_transfer(actor=manager_a, product=peel, from_branch=branch_a, to_branch=branch_b,
                       quantity=Decimal("10"))  # fmt: skip

    assert calls == [MovementReason.MOVED_OUT, MovementReason.MOVED_IN]  # the first leg ran
    assert levels(peel, branch_a, branch_b) == [Decimal(100), Decimal(0)]
    assert StockMovement.objects.count() == before


def test_a_count_records_the_difference_as_one_adjustment(manager_a, catalogue, branch_a):
    peel = catalogue["peel"]

    short = stock_count(actor=manager_a, product=peel, branch=branch_a, counted=Decimal("92.5"))
    same = stock_count(actor=manager_a, product=peel, branch=branch_a, counted=Decimal("92.5"))

    assert (short.delta, short.reason) == (Decimal("-7.5"), MovementReason.ADJUSTED)
    assert same is None
    assert levels(peel, branch_a) == [Decimal("92.5")]
    with pytest.raises(StockError):
        stock_count(actor=manager_a, product=peel, branch=branch_a, counted=Decimal(-1))


def test_a_count_at_a_branch_that_never_had_the_product(manager_b, catalogue, branch_b):
    stock_count(actor=manager_b, product=catalogue["peel"], branch=branch_b, counted=Decimal(4))
    assert levels(catalogue["peel"], branch_b) == [Decimal(4)]


def test_low_stock_lists_products_at_or_below_their_threshold_per_branch(
    owner, catalogue, branch_a, branch_b
):
    peel, cleanser, sunscreen = catalogue["peel"], catalogue["cleanser"], catalogue["sunscreen"]
    stock_threshold_set(actor=owner, product=peel, branch=branch_a, low_at=Decimal(100))  # equal
    stock_threshold_set(actor=owner, product=cleanser, branch=branch_a, low_at=Decimal(99))  # above
    stock_threshold_set(
        actor=owner, product=sunscreen, branch=branch_b, low_at=Decimal(1)
    )  # 0 there

    low = {(row.product, row.branch) for row in stock_levels(None, low_only=True)}

    assert low == {(peel, branch_a), (sunscreen, branch_b)}
    assert {row.product for row in stock_levels([branch_a.pk], low_only=True)} == {peel}


def test_quantities_read_the_vietnamese_way(settings):
    assert format_quantity(Decimal("1000.000"), "ml") == "1.000 ml"
    assert format_quantity(Decimal("-1000"), "ml") == "-1.000 ml"
    assert format_quantity(Decimal("2.500"), "g") == "2,5 g"
    assert format_quantity(Decimal("0"), "cái") == "0 cái"


@pytest.mark.parametrize(
    ("sold", "validity", "unit", "expires"),
    [
        ("2026-08-31", 6, "months", "2027-02-28"),
        ("2026-01-15", 12, "months", "2027-01-15"),
        ("2026-01-15", 30, "days", "2026-02-14"),
        ("2026-01-15", None, "months", None),
    ],
)
def test_a_package_card_expires_after_its_validity(sold, validity, unit, expires):
    from datetime import date

    card = PackageTemplate(name="x", total_sessions=1, price=0, validity=validity,
                           validity_unit=unit)  # fmt: skip
    got = card.expiry_from(date.fromisoformat(sold))
    assert got == (date.fromisoformat(expires) if expires else None)
