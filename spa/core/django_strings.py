"""Messages of Django that staff meet but whose Vietnamese and Chinese translations
Django 5.2 does not ship. Named here so that makemessages keeps them in our catalogues,
which Django reads before its own (LOCALE_PATHS)."""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    8,
)
