"""The campaign rules (a page of spa.campaigns): quiet hours, the frequency cap, the
control group, the results window."""

from django.utils.translation import gettext_lazy as _

from spa.core import access
from spa.office.sections import link

link(slug="campaign-rules", group="messages", order=70, title=_("Campaign rules"),
     url_name="campaigns:rules", allowed=access.can_manage_campaign_rules,
     help=_("Quiet hours, how many marketing messages a client may get, the control group, "
            "how long results are counted."))  # fmt: skip
