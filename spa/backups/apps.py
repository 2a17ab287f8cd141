from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """Encrypted backups of the database and the private files, their restore drill, and
    the erasure journal that keeps erased clients erased after a restore."""

    name = "spa.backups"
    label = "backups"
    verbose_name = _("Backups")
