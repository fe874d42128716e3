"""Tansiq settings: one module, driven by environment variables (see .env.example)."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from coordination.error_reports import init_error_reports
from coordination.observability import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# Where `make run`/`make test` keep the embedded PostgreSQL and the serverless broker.
DATA_DIR = BASE_DIR / ".data"
EMBEDDED_PG_DIR = DATA_DIR / "postgres"

env = environ.Env()
# A local .env is read if present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")  # no default: a deployment must set its own
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "pgtrigger",
    "pghistory",
    "csp",
    "coordination",
    "notifications",
    "organisations",
    "emergencies",
    "dialogue",
    "interventions",
    "referrals",
    "dashboards",
    "demo",
    "audit",
]

MIDDLEWARE = [
    "coordination.observability.RequestIdMiddleware",  # request id, log line, latency
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "coordination.db_unavailable.DatabaseUnavailableMiddleware",  # 503, not a hang
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "coordination.middleware.RejectNulMiddleware",  # PostgreSQL refuses NUL in text
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "organisations.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "organisations.middleware.SessionTimeoutMiddleware",
    "organisations.middleware.RequireMFAMiddleware",
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "coordination.urls"
WSGI_APPLICATION = "coordination.wsgi.application"
AUTH_USER_MODEL = "organisations.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "organisations.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: PostgreSQL only. Without DATABASE_URL, the embedded server that
# `make run` / `make test` start (pgserver) in .data/postgres.
# ---------------------------------------------------------------------------
# Two roles (README "Database roles and audit trail"): DATABASE_URL is the application's
# runtime role, which owns nothing and may only append to the audit tables;
# DATABASE_MIGRATE_URL the owner that runs OWNER_COMMANDS and the test suite (it creates
# databases). Without DATABASE_MIGRATE_URL one login does both. The embedded server has
# both: its superuser owns, `tansiq_app` runs the application.
_EMBEDDED = f"postgres://{{}}@/postgres?host={EMBEDDED_PG_DIR}"
DATABASE_URL = env.str("DATABASE_URL", default="")
DATABASE_MIGRATE_URL = env.str("DATABASE_MIGRATE_URL", default="") or (
    DATABASE_URL or _EMBEDDED.format("postgres")
)
DATABASE_URL = DATABASE_URL or _EMBEDDED.format("tansiq_app")
OWNER_COMMANDS = frozenset({"migrate", "setup_db_roles", "seed_demo"})
_AS_OWNER = (
    "pytest" in sys.modules  # the suite creates its test database
    or Path(sys.argv[0]).parent.name == "bench"  # `python -m bench` loads by COPY
    or (
        Path(sys.argv[0]).name in ("manage.py", "django-admin")
        and sys.argv[1:2] != []
        and sys.argv[1] in OWNER_COMMANDS
    )
)
DATABASES = {
    "default": env.db_url_config(DATABASE_MIGRATE_URL if _AS_OWNER else DATABASE_URL)
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "Tansiq runs on PostgreSQL only: set a postgres:// DATABASE_URL."
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Timeouts (seconds): a server that accepts TCP and never answers fails a request within
# DATABASE_CONNECT_TIMEOUT (a 503 page, coordination/db_unavailable.py), and no query
# runs longer than the statement timeout of its process: the web's, the worker's
# (imports take longer), none for management commands (`migrate` is never cut). 0: none.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=30)
DATABASE_WORKER_STATEMENT_TIMEOUT = env.float(
    "DATABASE_WORKER_STATEMENT_TIMEOUT", default=600
)
_program = Path(sys.argv[0] if sys.argv else "")
if _program.stem == "celery" or _program.parent.name == "celery":  # `python -m celery`
    _statement_timeout = DATABASE_WORKER_STATEMENT_TIMEOUT
elif (
    _program.name in ("manage.py", "django-admin") and sys.argv[1:2] != ["runserver"]
) or _program.parent.name == "bench":
    _statement_timeout = 0.0
else:
    _statement_timeout = DATABASE_STATEMENT_TIMEOUT
_db_options = DATABASES["default"].setdefault("OPTIONS", {})  # URL parameters win
_db_options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
# Over TCP a dead peer is noticed in about a minute, not the kernel's two hours.
_db_options.setdefault("keepalives", 1)
_db_options.setdefault("keepalives_idle", 30)
_db_options.setdefault("keepalives_interval", 10)
_db_options.setdefault("keepalives_count", 3)
_db_options.setdefault("tcp_user_timeout", 60_000)  # ms unacknowledged
if _statement_timeout > 0:
    _db_options["options"] = (
        f"{_db_options.get('options', '')} "
        f"-c statement_timeout={int(_statement_timeout * 1000)}"
    ).strip()

# ---------------------------------------------------------------------------
# Redis (cache, Celery broker). Without REDIS_URL: a per-process cache and
# Kombu's filesystem broker, which needs no server (development only).
# ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to open a connection to Redis and to wait for an answer (cache and broker).
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=3.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # RedisCache that keeps working while Redis is down (coordination/cache.py):
            # a per-process memory cache stands in, so reads miss and rate limits count
            # locally instead of every request failing.
            "BACKEND": "coordination.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="tansiq"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "RETRY_AFTER": 5,  # seconds Redis is left alone after a failure
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # Publishing is bounded: one connection attempt within the timeouts, no retry in the
    # request (the outbox sweep delivers what could not be published).
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "max_retries": 0,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = DATA_DIR / "broker"
    # The filesystem transport does not create its folders; every process may publish.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="tansiq")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Sessions stay in the database until cleared; clear the expired ones daily.
    "clear-expired-sessions": {
        "task": "coordination.tasks.clear_expired_sessions_task",
        "schedule": 24 * 3600.0,
    },
    # Idempotency-Key replays are kept for a day; drop the expired ones hourly.
    "purge-idempotency-keys": {
        "task": "coordination.tasks.purge_expired_idempotency_keys_task",
        "schedule": 3600.0,
    },
    # Notifications: re-enqueue outbox rows left undelivered (the broker was down when
    # their transaction committed, a worker died): an outage delays, never loses.
    "sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox_task",
        "schedule": 60.0,
    },
    # Daily digests go out at NOTIFICATION_DIGEST_HOUR in each user's time zone: an
    # hourly run reaches every time zone at its hour.
    "send-digests": {
        "task": "notifications.tasks.send_digests_task",
        "schedule": 3600.0,
    },
    # Recommendations: remind owners and addressees a week before the due date and once
    # it has passed; each reminder goes once per due date, so a daily run is enough.
    "send-recommendation-reminders": {
        "task": "dialogue.tasks.send_recommendation_reminders_task",
        "schedule": 24 * 3600.0,
    },
    # Retention (PRODUCT.md "Data responsibility"): identities of people with no
    # activity for BENEFICIARY_RETENTION_MONTHS are erased; a daily run is precise enough.
    "erase-expired-identities": {
        "task": "referrals.tasks.erase_expired_identities_task",
        "schedule": 24 * 3600.0,
    },
    # Referral deadlines (emergency 24 h, urgent 72 h, normal 14 days): remind the
    # receiver before the deadline, and tell it and the coordinators at the deadline.
    # Every five minutes keeps an emergency's escalation within minutes of its breach.
    "remind-due-referrals": {
        "task": "referrals.tasks.remind_due_referrals_task",
        "schedule": 300.0,
    },
    "escalate-overdue-referrals": {
        "task": "referrals.tasks.escalate_overdue_referrals_task",
        "schedule": 300.0,
    },
    # Follow-through: on the follow-up date, ask the sender whether the person was served.
    "ask-referral-follow-ups": {
        "task": "referrals.tasks.ask_due_follow_ups_task",
        "schedule": 3600.0,
    },
}

# ---------------------------------------------------------------------------
# 4W spreadsheet imports: files up to this many rows are checked and imported while
# the page waits; larger ones go to a worker and the page shows their progress.
# ---------------------------------------------------------------------------
INTERVENTION_IMPORT_SYNC_ROWS = env.int("INTERVENTION_IMPORT_SYNC_ROWS", default=2000)
# A file larger than this goes to the worker unread, whatever its rows: the web process
# never parses a big file (its rows are counted by the worker).
INTERVENTION_IMPORT_SYNC_BYTES = env.int(
    "INTERVENTION_IMPORT_SYNC_BYTES", default=1024 * 1024
)
# Uploads larger than this are refused before they are read (the request's body too).
INTERVENTION_IMPORT_MAX_UPLOAD_BYTES = env.int(
    "INTERVENTION_IMPORT_MAX_UPLOAD_BYTES", default=100 * 1024 * 1024
)
# An XLSX is a zip: refused before reading when its parts would expand past this many
# bytes, when its sheets hold more cells, or when its shared-strings table (which
# openpyxl holds in memory whole) has more strings or bytes than this.
INTERVENTION_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int(
    "INTERVENTION_IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024
)
INTERVENTION_IMPORT_MAX_CELLS = env.int(
    "INTERVENTION_IMPORT_MAX_CELLS", default=5_000_000
)
INTERVENTION_IMPORT_MAX_SHARED_STRINGS = env.int(
    "INTERVENTION_IMPORT_MAX_SHARED_STRINGS", default=500_000
)
INTERVENTION_IMPORT_MAX_SHARED_STRINGS_BYTES = env.int(
    "INTERVENTION_IMPORT_MAX_SHARED_STRINGS_BYTES", default=20 * 1024 * 1024
)
# Any file: at most this many data rows, and a CSV line (or field) of at most this many
# characters.
INTERVENTION_IMPORT_MAX_ROWS = env.int("INTERVENTION_IMPORT_MAX_ROWS", default=500_000)
INTERVENTION_IMPORT_MAX_LINE_CHARS = env.int(
    "INTERVENTION_IMPORT_MAX_LINE_CHARS", default=65_536
)

# ---------------------------------------------------------------------------
# Beneficiaries: identity encryption keys (first encrypts, all decrypt: rotation), the
# keyed-hash key of duplicate detection, and how long an inactive identity is kept.
# Empty keys are refused by `check --deploy` and when a beneficiary is saved.
# ---------------------------------------------------------------------------
BENEFICIARY_KEYS = env.list("BENEFICIARY_KEYS", default=[])
BENEFICIARY_HASH_KEY = env.str("BENEFICIARY_HASH_KEY", default="")
BENEFICIARY_RETENTION_MONTHS = env.int("BENEFICIARY_RETENTION_MONTHS", default=24)
# The referral slip's confirmation link (referrals/services/links.py): its token is an
# HMAC of the link's random nonce under this key (empty: a key derived from SECRET_KEY;
# changing either invalidates every printed slip). A pending referral's link works until
# the answer deadline plus the grace days; an accepted one's until the final answer, at
# most the accepted days (or the follow-up date) plus the grace. Each address may open
# confirmation pages RATE_LIMIT times per RATE_WINDOW seconds (wrong tokens count too).
REFERRAL_LINK_KEY = env.str("REFERRAL_LINK_KEY", default="")
REFERRAL_LINK_GRACE_DAYS = env.int("REFERRAL_LINK_GRACE_DAYS", default=7)
REFERRAL_LINK_ACCEPTED_DAYS = env.int("REFERRAL_LINK_ACCEPTED_DAYS", default=60)
REFERRAL_LINK_RATE_LIMIT = env.int("REFERRAL_LINK_RATE_LIMIT", default=30)
REFERRAL_LINK_RATE_WINDOW = env.int("REFERRAL_LINK_RATE_WINDOW", default=600)
# Days after acceptance the sender is asked "was the person served?", per priority.
REFERRAL_FOLLOW_UP_DAYS = {"emergency": 3, "urgent": 7, "normal": 30}

# ---------------------------------------------------------------------------
# Notifications and webhooks: outbox retries, daily digest, webhook safety
# ---------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)  # then "dead"
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=30)  # doubles
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=7)  # local time
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)  # seconds per delivery
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=10)
# Webhooks may not call private, loopback or link-local addresses (SSRF) unless this is
# set (tests use loopback receivers; a deployment with partners on its LAN may need it).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# Pending deliveries not tried after this long are listed to coordinators (no worker?).
NOTIFICATION_PENDING_ALERT_MINUTES = env.int(
    "NOTIFICATION_PENDING_ALERT_MINUTES", default=15
)
# An attempt with no recorded outcome after this long (the worker died while sending):
# an e-mail is marked "sent, unconfirmed" and never resent automatically (a coordinator
# may resend it, same Message-ID); a webhook is retried (same X-Tansiq-Delivery id).
OUTBOX_SENDING_STALE_SECONDS = env.int("OUTBOX_SENDING_STALE_SECONDS", default=900)

# ---------------------------------------------------------------------------
# Accounts (django-allauth): e-mail login, verified addresses, MFA, no open sign-up
# ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_ADAPTER = "organisations.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tansiq] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str(
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="https"
)
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, written out so they are visible and tunable. Failed logins are
    # limited per client address (behind the trusted proxies) and per account: ten
    # failures a minute from one address block that address only; five in five minutes
    # on one account block that account from everywhere. Counted in the cache; while
    # Redis is down, per process in memory (coordination/cache.py), never unlimited.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tansiq"
# TOTP secrets and recovery seeds are encrypted at rest with these Fernet keys (first
# encrypts, all decrypt: rotation with `manage.py rotate_mfa_keys`). Empty keys are
# refused by `check --deploy`; `make env` generates one for development.
MFA_ADAPTER = "organisations.mfa.MFAAdapter"
MFA_KEYS = env.list("MFA_KEYS", default=[])
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# Coordinators and focal points cannot use the platform until MFA is set up.
# The demo that `make run` starts may relax this (TANSIQ_REQUIRE_MFA=false) so a
# newcomer can try every role; it is on by default and must stay on in production.
TANSIQ_REQUIRE_MFA = env.bool("TANSIQ_REQUIRE_MFA", default=True)
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
# A signed-in session ends after this many seconds without a request (idle) and this many
# seconds after sign-in whatever the activity (absolute); organisations.middleware.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=24 * 3600)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# API tokens expire this many days after creation or renewal.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=365)

# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Tansiq <no-reply@tansiq.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP connect, read or write may take (a silent server blocks no worker).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)

# ---------------------------------------------------------------------------
# Languages and time
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
# Django has no locale data for Standard Moroccan Tamazight; declare it so that adding
# ("zgh", _("Tamazight")) to LANGUAGES and translating its catalogue is all it takes.
LANG_INFO.setdefault(
    "zgh",
    {
        "bidi": False,
        "code": "zgh",
        "name": "Standard Moroccan Tamazight",
        "name_local": "ⵜⴰⵎⴰⵣⵉⵖⵜ",
    },
)
LANGUAGES = [("fr", _("French")), ("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "coordination" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Africa/Casablanca"

# ---------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# ---------------------------------------------------------------------------
# Security (production defaults follow DEBUG; each can be set on its own)
# ---------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the web containers (coordination/client_ip.py): how many
# append the client's address to X-Forwarded-For (0: none, the address is REMOTE_ADDR and
# the header is ignored) and, optionally, their addresses or networks (the header is then
# believed only from them). API throttles, login rate limits and logs use that address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXIES = [
    p.strip() for p in env.list("TRUSTED_PROXIES", default=[]) if p.strip()
]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_error}") from None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/"]  # container checks speak plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
# Preload lists are hard to leave: opt in only when every subdomain is HTTPS for good.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Off on purpose (above): Django's reminder to turn it on is not a deployment defect.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# ---------------------------------------------------------------------------
# REST API
# ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organisations.authentication.OrganisationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "coordination.drf.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "coordination.drf.exception_handler",
    # DRF's throttles identifying clients with coordination/client_ip.py and failing
    # open on cache errors; NUM_PROXIES makes DRF's own classes agree.
    "DEFAULT_THROTTLE_CLASSES": [
        "coordination.throttling.AnonRateThrottle",
        "coordination.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The schema and its docs are for signed-in users and tokens unless this is true.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
# Cursor walks (coordination/cursor.py) hold back rows this recent: clock skew between
# the web/worker machines and PostgreSQL, and the moment between a row's `updated_at`
# and its first write, must stay below it.
SYNC_CURSOR_MARGIN_SECONDS = env.float("SYNC_CURSOR_MARGIN_SECONDS", default=2.0)
SPECTACULAR_SETTINGS = {
    "TITLE": "Tansiq API",
    "DESCRIPTION": "Coordination of emergency interventions for migrants in vulnerable situations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by name across apps get explicit schema names.
    "ENUM_NAME_OVERRIDES": {
        "InterventionStatusEnum": "interventions.models.Intervention.Status",
        "InterventionModalityEnum": "interventions.models.Intervention.Modality",
        "RecommendationStatusEnum": "dialogue.models.Recommendation.Status",
        "DialogueThemeEnum": "dialogue.models.Theme",
        "ServiceStatusEnum": "organisations.models.Service.Status",
        "WGSSAnswerEnum": "referrals.models.WGSSAnswer",
        "ReferralPriorityEnum": "referrals.models.Referral.Priority",
        "ReferralStatusEnum": "referrals.models.Referral.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "coordination.drf.document_not_found",  # 404 for a bad ?page= or ?format=
    ],
}

# ---------------------------------------------------------------------------
# Audit trail (django-pghistory)
# ---------------------------------------------------------------------------
PGHISTORY_APPEND_ONLY = True  # the application cannot rewrite history

# ---------------------------------------------------------------------------
# Operations (README "Operations"), never personal data: JSON log lines with a request
# id (plain lines with DEBUG), health checks, /metrics behind a token, error reports.
# ---------------------------------------------------------------------------
LOGGING = logging_config(
    log_format=env.str("LOG_FORMAT", default="plain" if DEBUG else "json"),
    level=env.str("LOG_LEVEL", default="INFO"),
)
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)  # s per check
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")  # empty: /metrics is a 404
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_error_reports(SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default=""))
