from django.utils.translation import gettext_lazy as _

from spa.core import access
from spa.office.sections import link

link(slug="backups", group="spa", order=90, title=_("Backups"), url_name="office:backups",
     allowed=access.can_manage_backups,
     help=_("The nightly backup, where it is kept, and the check that it can be restored."))  # fmt: skip
