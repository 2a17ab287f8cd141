from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The owner's view of the business: rollups kept beside the raw rows, the reports
    drawn from them, client segments and what each client needs next."""

    name = "spa.reports"
    label = "reports"
    verbose_name = _("Reports")
