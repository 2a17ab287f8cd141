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

# Backups: a test key, and the folder and the erasure journal in a temp folder.
os.environ.setdefault("BACKUP_KEY", "3q2-7wWbfxh0Y1S0m0CqX2m3oXxm5u0kV0KJZ8mKq0k=")
os.environ.setdefault("BACKUP_DIR", tempfile.mkdtemp(prefix="spa-test-backups-"))
os.environ.setdefault(
    "ERASURE_JOURNAL", os.path.join(tempfile.mkdtemp(prefix="spa-test-journal-"), "e.jsonl")
)

os.environ.setdefault("REMINDER_RETRY_SECONDS", "2")
os.environ.setdefault("HUEY_IMMEDIATE", "true")  # tasks run inline, except in the worker test
os.environ.setdefault(
    "HUEY_SQLITE_PATH", os.path.join(tempfile.mkdtemp(prefix="spa-test-queue-"), "q.sqlite3")
)
os.environ.setdefault("CACHE_DIR", tempfile.mkdtemp(prefix="spa-test-cache-"))
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from config.settings import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the live server's threads and the worker process must all
    # see the same test database, as they do on PostgreSQL.
    test_db = os.path.join(tempfile.mkdtemp(prefix="spa-test-db-"), "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": test_db}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
