from django.utils.translation import gettext_lazy as _

from spa.core import access
from spa.office.sections import link

link(slug="imports", group="spa", order=5, title=_("Import clients and history"),
     url_name="imports:jobs", allowed=access.can_import,
     help=_("Excel, Google Sheets, phone contacts or another spa program: clients, "
            "packages, balances, debts and the treatment log."))  # fmt: skip
