from django.utils.translation import gettext_lazy as _

from spa.core import access
from spa.office.sections import link

link(slug="spa", group="spa", order=1, title=_("Name and policies"), url_name="office:spa",
     allowed=access.can_manage_spa,
     help=_("What technicians see, the allergy block, online booking, two-factor login."))  # fmt: skip
