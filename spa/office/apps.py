from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    """The spa's own settings pages (what Django's admin did, in the staff's words)."""

    name = "spa.office"
    label = "office"
    verbose_name = _("Settings")

    def ready(self):
        from spa.office import sections

        sections.discover()
