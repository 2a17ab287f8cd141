from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Messages to many clients at once: one-off campaigns to a segment and automations
    (birthday, welcome, tier, win-back, care tips), sent by the worker under the consent
    and care rules, with vouchers, opt-out, clicks and a control group for the results."""

    name = "spa.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
