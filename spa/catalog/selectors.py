from decimal import Decimal

from django.db.models import F, Sum
from django.utils.formats import number_format

from spa.catalog.models import ServicePrice, StockLevel, StockMovement


def service_prices(branch_id: int, service_ids) -> dict[int, int]:
    """{service_id: price at this branch} (services without a price there are absent)."""
    return dict(
        ServicePrice.objects.filter(
            branch_id=branch_id, service_id__in=list(service_ids)
        ).values_list("service_id", "price")
    )


def stock_level(product_id: int, branch_id: int) -> Decimal:
    row = StockLevel.objects.filter(product_id=product_id, branch_id=branch_id).first()
    return row.quantity if row else Decimal(0)


def stock_ledger_sum(product_id: int, branch_id: int) -> Decimal:
    """The level recomputed from the ledger (it must equal stock_level)."""
    total = StockMovement.objects.filter(product_id=product_id, branch_id=branch_id).aggregate(
        s=Sum("delta")
    )["s"]
    return total or Decimal(0)


def format_quantity(quantity: Decimal | None, unit: str = "") -> str:
    """``Decimal("1000.000")`` -> ``1.000 ml`` in Vietnamese (no trailing zeros)."""
    if quantity is None:
        return ""
    value = Decimal(quantity).normalize()
    places = max(0, -value.as_tuple().exponent)
    text = number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{text} {unit}".strip()


def stock_levels(branch_ids: list[int] | None, *, branch_id: int | None = None, low_only=False):
    """Stock rows of active products at the given branches (None: every branch)."""
    rows = StockLevel.objects.filter(product__is_active=True).select_related("product", "branch")
    if branch_ids is not None:
        rows = rows.filter(branch_id__in=branch_ids)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    if low_only:
        rows = rows.filter(low_at__isnull=False, quantity__lte=F("low_at"))
    return rows.order_by("branch__name", "product__name")


def stock_movements(branch_ids: list[int] | None, *, branch_id=None, product_id=None):
    """The ledger, newest first, limited to the branches one may see."""
    rows = StockMovement.objects.select_related("product", "branch", "by")
    if branch_ids is not None:
        rows = rows.filter(branch_id__in=branch_ids)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    if product_id is not None:
        rows = rows.filter(product_id=product_id)
    return rows
