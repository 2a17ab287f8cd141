from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "spa.accounts"
    label = "accounts"
    verbose_name = _("Staff and branches")

    def ready(self):
        from spa.accounts import lockout  # noqa: F401  (connects the failed-login audit)
