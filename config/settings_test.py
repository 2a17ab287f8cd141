"""Settings for the test suite: the real settings with test keys and fast hashing."""

import os
import tempfile

os.environ.setdefault("TESTING", "true")
# Playwright's sync API runs an event loop in the test thread; the ORM calls that
# set up browser tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# A fixed key for tests only; real installations get their own in .env.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "GbMrSt7MPGm8wbRg5BuBvbFtudZ2QYpdxHRivvNd7WE=")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="spa-test-media-"))

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
