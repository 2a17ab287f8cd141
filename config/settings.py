"""Settings, read from the environment (and from a local `.env` file if present).

Every setting that differs between a one-computer spa and a chain comes from the
environment; the defaults are the embedded, single-machine ones.
"""

import sys
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# Commands that read the code but never sign, serve or send anything work on a fresh
# checkout without .env (a developer's `manage.py makemigrations --check`, say).
_KEYLESS_COMMANDS = {"makemigrations", "check", "makemessages", "compilemessages",
                     "generate_field_key", "help", "version"}  # fmt: skip
_command = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" else ""
if not SECRET_KEY:
    if DEBUG or env.bool("TESTING", default=False) or _command in _KEYLESS_COMMANDS:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise environ.ImproperlyConfigured("Set SECRET_KEY (./start.sh writes one into .env).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "spa.core",
    "spa.accounts",
    "spa.audit",
    "spa.clients",
    "spa.catalog",
    "spa.treatments",
    "spa.booking",
    "spa.sales",
    "spa.office",
    "spa.desk",
    "spa.imports",
    "spa.reports",
    "spa.care",
    "spa.campaigns",
    "spa.backups",
    "spa.privacy",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the privacy headers (they may be cached).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "spa.core.middleware.PrivacyHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "spa.accounts.two_factor.TwoFactorMiddleware",
    "spa.accounts.middleware.LanguageMiddleware",
    "spa.core.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "spa.accounts.context_processors.staff_context",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite file by default (one small spa); DATABASE_URL=postgres://... for a chain.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'spa.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let readers run beside the one writer; IMMEDIATE
    # transactions take the write lock up front, so concurrent writers queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (spa/accounts/lockout.py): a lockout per account with back-off, and a
# rate per address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Login attempts from one address, any accounts (a spa's desks share one address).
LOGIN_RATE_PER_ADDRESS = env.str("LOGIN_RATE_PER_ADDRESS", default="30/15m")
AXES_COOLOFF_TIME = "spa.accounts.lockout.cool_off"
AXES_LOCKOUT_CALLABLE = "spa.accounts.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
# Each attempt expires after its own account's cool-off (else a login on one account would
# clean the others' attempts with its own, shorter, cool-off).
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_VERBOSE = False
# Per-address throttling is django-ratelimit's (LOGIN_RATE_PER_ADDRESS), not an axes lockout.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
OTP_TOTP_ISSUER = env.str("OTP_ISSUER", default="Spa")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions are read from the shared cache (files here, Redis for a chain) and written
# through to the database: one query fewer on every page, and a logout still ends the
# session in every web process.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# No inline script anywhere (behaviour lives in static/js/app.js, htmx is configured by
# a meta tag); inline style attributes place appointments on the calendar grid.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Languages and formats -------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Ho_Chi_Minh")
# The phone region assumed for numbers typed without a country code.
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="VN")

# --- Files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Client photos are health data: they live outside any public URL and are only
# served by views that check access (see spa.clients.views.client_photo).
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/nonexistent-private/"},
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# A chain keeps photos in any S3-compatible object store (AWS, MinIO, Wasabi, …): set
# S3_BUCKET (and S3_ENDPOINT_URL for non-AWS). Objects are private; the app streams
# them through its access checks and never hands out their address.
if env.str("S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY", default=None),
            "secret_key": env.str("S3_SECRET_KEY", default=None),
            "location": env.str("S3_PREFIX", default="private"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
CLIENT_PHOTO_MAX_BYTES = env.int("CLIENT_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Field-level encryption --------------------------------------------------
# Comma-separated Fernet keys, newest first. Data is written with the first key
# and read with any; `manage.py rotate_field_keys` re-encrypts with the first.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Backups (spa.backups) -----------------------------------------------------------
# The key that encrypts backups. Keep a copy away from the backups (a password manager,
# a paper in the safe): whoever has both can read everything; without it nobody can.
BACKUP_KEY = env.str("BACKUP_KEY", default="")
# The second place: a folder on another disk (a USB disk, a network share) …
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups")))
# … and / or any S3-compatible store (its own bucket, not the photos' one).
BACKUP_S3 = {
    "bucket_name": env.str("BACKUP_S3_BUCKET", default=""),
    "endpoint_url": env.str("BACKUP_S3_ENDPOINT_URL", default=None),
    "region_name": env.str("BACKUP_S3_REGION", default=None),
    "access_key": env.str("BACKUP_S3_ACCESS_KEY", default=None),
    "secret_key": env.str("BACKUP_S3_SECRET_KEY", default=None),
    "location": env.str("BACKUP_S3_PREFIX", default="backups"),
    "default_acl": "private",
    "file_overwrite": True,
}
# Client ids and times of every erasure, appended on commit, outside the database (so a
# restore can erase again whoever an older backup brings back). No personal data.
# Beside the backups by default (on the second disk), and copied to the S3 store.
ERASURE_JOURNAL = Path(env.str("ERASURE_JOURNAL", default=str(BACKUP_DIR / "erasures.jsonl")))
# Health rows decrypted by each restore drill.
BACKUP_DRILL_SAMPLE = env.int("BACKUP_DRILL_SAMPLE", default=50)

# --- Background work -------------------------------------------------------------
# A real queue with its own worker process (`manage.py run_huey`). One computer: the
# queue is a SQLite file, no server needed. A chain: REDIS_URL puts it on Redis.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "spa", "url": REDIS_URL}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "spa",
        "filename": env.str("HUEY_SQLITE_PATH", default=str(BASE_DIR / "var" / "queue.sqlite3")),
    }
HUEY.update(
    {
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "utc": True,
        "consumer": {"workers": env.int("WORKER_THREADS", default=2), "worker_type": "thread"},
    }
)

# Seconds before a failed reminder is tried again (up to 4 attempts in all).
# Client searches a minute per user (the search box searches as you type).
SEARCH_RATE = env.str("SEARCH_RATE", default="300/m")
SEARCH_RATE_MASKED = env.str("SEARCH_RATE_MASKED", default="30/m")  # roles that see phones masked
# Imports: the uploaded file (it holds health data) is kept encrypted this many days,
# an import may be undone for this many days, and files over this size are refused.
IMPORT_FILE_KEEP_DAYS = env.int("IMPORT_FILE_KEEP_DAYS", default=30)
IMPORT_UNDO_DAYS = env.int("IMPORT_UNDO_DAYS", default=14)
IMPORT_MAX_MB = env.int("IMPORT_MAX_MB", default=20)
# A worker's claim on an import it is reading or writing (renewed after each batch).
IMPORT_LEASE_SECONDS = env.int("IMPORT_LEASE_SECONDS", default=180)
REMINDER_RETRY_SECONDS = env.int("REMINDER_RETRY_SECONDS", default=60)
# A worker's claim on a reminder it is sending lasts this long; a worker that died
# mid-send is given up on after it, and the reminder is tried again. Longer than any
# one send can take (the gateway and SMTP time out after 10 and 15 s).
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=120)
# The address clients reach the product at, for the links sent to them (survey pages,
# a campaign's click and opt-out links).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
# Campaigns: a worker's claim on a batch of recipients lasts this long (as reminders'),
# and it sends up to this many recipients per claim.
CAMPAIGN_LEASE_SECONDS = env.int("CAMPAIGN_LEASE_SECONDS", default=120)
CAMPAIGN_BATCH = env.int("CAMPAIGN_BATCH", default=200)

# --- Email and caches --------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="spa@localhost")

# Shared by all web processes (rate limits of the public booking page): files on one
# computer, Redis for a chain.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.str("CACHE_DIR", default=str(BASE_DIR / "var" / "cache")),
        }
    }
RATELIMIT_VIEW = "spa.booking.views_public.rate_limited"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
