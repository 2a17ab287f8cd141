"""Data protection (pages of spa.privacy): the breach register with its 72-hour clock,
and the records of processing."""

from django.utils.translation import gettext_lazy as _

from spa.core import access
from spa.office.sections import link

link(slug="incidents", group="spa", order=90, title=_("Incidents (data breaches)"),
     url_name="privacy:incidents", allowed=access.can_manage_incidents,
     help=_("Record a breach of clients' data, notify the authority within 72 hours, list "
            "the clients affected and draft the notifications."))  # fmt: skip

link(slug="processing", group="spa", order=95, title=_("Records of processing"),
     url_name="privacy:processing", allowed=access.can_see_processing_record,
     help=_("What personal data this installation holds, why, for how long, where it is "
            "stored and which outside services receive it; printable for an inspection."))  # fmt: skip
