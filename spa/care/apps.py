from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Feedback after a visit (surveys and in person), care tasks, the care queue."""

    name = "spa.care"
    label = "care"
    verbose_name = _("Client care")
