from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The breach register (incidents, their 72-hour clock, affected clients, notification
    drafts) and the records-of-processing page."""

    name = "spa.privacy"
    label = "privacy"
    verbose_name = _("Data protection")
