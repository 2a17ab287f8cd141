from decimal import Decimal

from django.db.models import Sum

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
