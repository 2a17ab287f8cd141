"""Field-level encryption of health data at rest.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).
Keys come from settings.FIELD_ENCRYPTION_KEYS, newest first: every key can decrypt,
only the first encrypts, and `manage.py rotate_field_keys` re-encrypts stored values
with the first key so old ones can then be retired.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: health data cannot be stored without a key. "
            "Generate one with `python manage.py generate_field_key`."
        )
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(plain: str) -> str:
    return fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored encrypted value cannot be decrypted with any configured key "
            "(was a key removed from FIELD_ENCRYPTION_KEYS before rotation?)."
        ) from exc


def rotate_token(token: str) -> str:
    """Re-encrypt a stored token with the newest key (keeps its original timestamp)."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


class EncryptedField(models.TextField):
    """Marks a field stored as Fernet tokens (rotate_field_keys re-encrypts them all)."""


class EncryptedJSONField(EncryptedField):
    """A JSON value stored as a Fernet token: unreadable in the database or a dump.

    It cannot be filtered on in SQL by design; anything that must be queried (such
    as the date health data was confirmed) is kept in a plain field beside it.
    """

    description = "JSON encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return None
        return json.loads(decrypt_text(value))

    def to_python(self, value):
        if isinstance(value, str) and value.startswith("gAAAA"):
            return json.loads(decrypt_text(value))
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_text(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, default=str)


class EncryptedTextField(EncryptedField):
    """Free text stored as a Fernet token: a treatment's reaction, result and notes are
    health data. Empty text is encrypted too, so the database does not even show which
    sessions have notes. Not searchable in SQL, by design."""

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return "" if value == "" else value
        return decrypt_text(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith("gAAAA"):
            return decrypt_text(value)
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_text(str(value))
