from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentsConfig(AppConfig):
    name = "spa.treatments"
    label = "treatments"
    verbose_name = _("Treatments")
