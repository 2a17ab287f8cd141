"""When each client is due for each service again.

The expected next date comes from the client's own rhythm (the mean interval of their
sessions of that service), else from the service's typical interval (the median over
its repeat clients, relearnt nightly)."""

from datetime import date, timedelta

from django.db import transaction

from spa.reports.models import ClientService, ServiceStats


def due_on(*, last_on: date, own_interval: int | None, typical_interval: int | None) -> date | None:
    """The date a client who last had a service on `last_on` is expected back."""
    interval = own_interval or typical_interval
    return last_on + timedelta(days=interval) if interval else None


def due_dates_recompute() -> int:
    """Re-date the once-only histories after the typical intervals changed."""
    changed = 0
    typical = dict(ServiceStats.objects.values_list("service_id", "typical_interval_days"))
    for service_id in ClientService.objects.values_list("service_id", flat=True).distinct():
        with transaction.atomic():
            rows = list(
                ClientService.objects.filter(service_id=service_id, mean_interval_days=None).only(
                    "last_on", "due_on"
                )
            )
            for row in rows:
                row.due_on = due_on(
                    last_on=row.last_on, own_interval=None, typical_interval=typical.get(service_id)
                )
            ClientService.objects.bulk_update(rows, ["due_on"], batch_size=5_000)
            changed += len(rows)
    return changed
