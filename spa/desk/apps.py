from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """Pages that gather several apps for the front desk (today's arrivals); no models."""

    name = "spa.desk"
    label = "desk"
    verbose_name = _("Front desk")
