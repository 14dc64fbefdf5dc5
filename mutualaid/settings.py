"""Settings, read from the environment.

Embedded mode (no variables set) runs on SQLite under var/ with a local file broker.
Services mode takes DATABASE_URL, REDIS_URL and SEALING_KEYS. MUTUALAID_PRODUCTION=1
refuses to start with unsafe values.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.conf.locale import LANG_INFO

from mutualaid.envconfig import ConfigError, env_bool, env_int, env_list, env_str

# Lets typed generics such as ModelAdmin[Item] work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

PRODUCTION = env_bool("MUTUALAID_PRODUCTION", False)
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# Debug pages only in the embedded demo: a services deployment that forgot
# MUTUALAID_PRODUCTION still hides its settings and tracebacks.
DEBUG = env_bool("DEBUG", not PRODUCTION and not env_str("DATABASE_URL"))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if PRODUCTION:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ConfigError("SECRET_KEY must be set to a random value of 50+ characters")
    if DEBUG:
        raise ConfigError("DEBUG must be off in production")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ConfigError("ALLOWED_HOSTS must name this site's hosts, without '*'")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

SECURE_CONTENT_TYPE_NOSNIFF = True
# Nothing to another site, not even our origin (a map link must not tell a map service that
# a driver came from a mutual-aid site); our own pages get the path, which our own server
# already sees. Not "no-referrer": browsers then send `Origin: null` with every POST, and
# Django's CSRF check refuses every form (THREAT_MODEL.md, "Headers").
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens stored as digests, expiring (issue 10)
    "axes",  # one lockout for every password login (issue 10)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mutualaid",
    "inventory",
    "household_requests",
    "deliveries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page (static files are served above): CSP_DIRECTIVES, PERMISSIONS_POLICY.
    "csp.middleware.CSPMiddleware",
    "mutualaid.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A link's `?lang=so` opens the page in that language and keeps it (the language cookie).
    "mutualaid.language_links.LanguageFromLinkMiddleware",
    "mutualaid.bounds.RefuseNulMiddleware",  # a NUL in a URL answers 400, in the language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mutualaid.middleware.OrganizationTimezoneMiddleware",
    "mutualaid.middleware.NoStoreMiddleware",
    "mutualaid.outage.DatabaseOutageMiddleware",
    # Last: turns a login that axes refused into the lockout page or JSON (mutualaid/lockout.py).
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp 4): our own files only, and no inline script or
# style anywhere (tests/mutualaid/test_security_headers.py scans the templates). Inline
# styles are refused too: injected CSS can read a page's secrets (a status link, a CSRF
# token) out through attribute selectors. The API docs page alone adds inline style and
# data: images (mutualaid/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Permissions-Policy: no page asks for a device or a sensor (navigation links open the
# driver's own map app; the server never locates anyone).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}

ROOT_URLCONF = "mutualaid.urls"
WSGI_APPLICATION = "mutualaid.wsgi.application"

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
                "mutualaid.roles.role_context",
                "mutualaid.hotline.hotline_context",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        # Connections are kept a minute; each request's first use checks its connection is
        # alive, so one killed while idle is replaced instead of failing that request.
        DATABASES = {
            "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
        }
        if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            # A query a connection has run twice is prepared on the server and planned
            # once (psycopg's prepared statements need server-side binding): a page's
            # planning, not its execution, was most of what PostgreSQL spent on it (issue 9).
            DATABASES["default"].setdefault("OPTIONS", {}).update(
                server_side_binding=True, prepare_threshold=2
            )
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL is not a database URL: {exc}") from None
else:
    if PRODUCTION:
        raise ConfigError("DATABASE_URL is required in production")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "mutualaid.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A lost worker's job is redone within two minutes: its message is queued again this many
# seconds after a worker took it (kombu's Redis visibility timeout). A job's hard time limit
# (mutualaid/celery.py) ends first, and no job waits in a worker (mutualaid/jobs.py).
JOB_VISIBILITY_TIMEOUT = 60

# Redis: Celery broker and cache. Without it, a file broker under var/ and a local cache.
REDIS_URL = env_str("REDIS_URL")
# What this site's cache keys and job queue are named in Redis, so that one Redis can serve
# a run beside another (CI's API fuzz beside the test suite) without either emptying it.
REDIS_PREFIX = env_str("REDIS_PREFIX", "mutualaid")
# Redis is never on a family's critical path: every connection to it (cache, job publish)
# gives up within seconds, and then the request limiter counts in the process and a job is
# left to its sweep. A cache that failed is not tried again for 10 s (redis_cache.py).
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mutualaid.redis_cache.FailFastRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            # No retry: a second wait on a Redis that does not answer helps no one.
            "OPTIONS": {**REDIS_TIMEOUTS, "retry_on_timeout": False},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_DEFAULT_QUEUE = REDIS_PREFIX
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # A job whose worker died unacknowledged goes back on its queue this long after it
        # was taken: every worker looks for such jobs at start and every 5 s (a killed
        # worker's hold on that look lapses in 30 s). Limits below it: mutualaid/celery.py.
        "visibility_timeout": JOB_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": 5,
        "unacked_restore_throttle": 1,
        "unacked_mutex_expire": 30,
    }
    CELERY_BROKER_TRANSPORT_OPTIONS.update(REDIS_TIMEOUTS)
    CELERY_BROKER_CONNECTION_TIMEOUT = 2
    # Publishing a job tries twice, half a second apart, then gives up (left to its sweep).
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 1,
        "interval_start": 0.5,
        "interval_step": 0.5,
        "interval_max": 0.5,
    }
else:
    if PRODUCTION:
        raise ConfigError("REDIS_URL is required in production")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    # The file broker needs its folders before the first job is queued.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "mutualaid.views.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "landing"

# --- Credentials at rest and password guessing (issue 10) ---
# Sessions live in the database (Redis stays off the login path), under a hash of their key:
# a dump of django_session holds no key that logs in (mutualaid/sessions.py).
SESSION_ENGINE = "mutualaid.sessions"
# API tokens: knox keeps a SHA-512 digest, never the token; each expires after this long
# (a delivery day) and logging out revokes it.
TOKEN_TTL_HOURS = env_int("TOKEN_TTL_HOURS", 10, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",  # the contract: `Authorization: Token ...`
    "AUTO_REFRESH": False,  # a token ends with its day, however busy
}
# One lockout for the login page, the admin login and the token endpoint: this many wrong
# passwords for one username from one address lock that pair out for the cool-off.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 30, minimum=1)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any check
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted in the database, so logins neither depend on Redis nor lose the count
# when it is down. No address is stored: axes sees a keyed pseudonym (mutualaid/lockout.py)
# and keeps no log of successful logins.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "mutualaid.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "mutualaid.lockout.address_pseudonym"
AXES_USERNAME_CALLABLE = "mutualaid.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "mutualaid.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False

# Django ships no locale data for Somali and Hmong; describe them so they can be selected.
LANG_INFO.update(
    {
        "so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"},
        "hmn": {"bidi": False, "code": "hmn", "name": "Hmong", "name_local": "Hmoob"},
    }
)
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("so", "Soomaali"),
    ("hmn", "Hmoob"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# Dates are shown in the organization's time zone.
ORGANIZATION_TIME_ZONE = env_str("ORGANIZATION_TIME_ZONE", "America/Chicago")
# The network's state (or province), added to a driver's map link with the address and
# its postal code. Blank: the link has no state.
NETWORK_STATE = env_str("NETWORK_STATE")
if len(NETWORK_STATE) > 40 or not all(c.isalpha() or c in " .-" for c in NETWORK_STATE):
    raise ConfigError(
        f"NETWORK_STATE must be a state's name or code, like MN, not {NETWORK_STATE!r}"
    )

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Sealing keys: a list of Fernet keys, newest first. Independent of SECRET_KEY. Each one
# opens nothing alone: contacts are sealed with a key derived from it and a period key in
# KEY_DIR (mutualaid/sealing.py says why).
SEALING_KEYS = env_list("SEALING_KEYS")
SEALING_KEY_FILE = VAR_DIR / "sealing.key"
if not SEALING_KEYS and PRODUCTION:
    raise ConfigError("SEALING_KEYS is required in production (manage.py new_sealing_key)")


def _not_fernet_keys(keys: list[str]) -> list[int]:
    """Positions (from 1) of the values that are not url-safe base64 of 32 bytes."""
    import base64
    import binascii

    bad = []
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32:
            bad.append(position)
    return bad


if _bad_sealing_keys := _not_fernet_keys(SEALING_KEYS):
    raise ConfigError(
        "SEALING_KEYS holds a value that is not a Fernet key (number "
        + ", ".join(map(str, _bad_sealing_keys))
        + "; url-safe base64 of 32 bytes; manage.py new_sealing_key prints one)"
    )
# Key of the keyed hashes that spot duplicate requests; kept apart from the sealing keys
# so rotating those does not break duplicate detection. Combined with a key in KEY_DIR
# that the emergency wipe replaces.
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY")
if not BLIND_INDEX_KEY and PRODUCTION:
    raise ConfigError("BLIND_INDEX_KEY is required in production (32+ random characters)")
if PRODUCTION and len(BLIND_INDEX_KEY) < 32:
    raise ConfigError(f"BLIND_INDEX_KEY must be 32+ random characters, not {len(BLIND_INDEX_KEY)}")
# The key store: one random key per period, and the blind-index key, in files on the
# application host, never in the database or its backups. The wipe overwrites them.
KEY_DIR = Path(env_str("KEY_DIR") or VAR_DIR / "keys")
SEALING_PERIOD = env_str("SEALING_PERIOD", "week").lower()
if SEALING_PERIOD not in ("week", "month"):
    raise ConfigError(f"SEALING_PERIOD must be week or month, not {SEALING_PERIOD!r}")
if PRODUCTION:
    if not env_str("KEY_DIR"):
        raise ConfigError(
            "KEY_DIR is required in production (a directory outside the database and its "
            "backups, shared by web, worker and beat)"
        )
    try:
        KEY_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        _key_dir_writable = os.access(KEY_DIR, os.W_OK | os.X_OK)
    except OSError:
        _key_dir_writable = False
    if not _key_dir_writable:
        raise ConfigError(f"KEY_DIR must be a writable directory: {str(KEY_DIR)!r}")

# Household requests: how long sealed contacts of finished requests are kept, and how many
# requests one network address may submit per window: generous, as a church's Wi-Fi or a
# volunteer's phone sends many families' requests (issue 11). What holds a flood is the
# bound on open requests per phone and per address (household_requests/flood_limit.py).
CONTACT_RETENTION_DAYS = env_int("CONTACT_RETENTION_DAYS", 7)
REQUEST_RATE_LIMIT = env_int("REQUEST_RATE_LIMIT", 30, minimum=1)
REQUEST_RATE_WINDOW_SECONDS = env_int("REQUEST_RATE_WINDOW_SECONDS", 3600, minimum=1)
OPEN_REQUESTS_PER_CONTACT = env_int("OPEN_REQUESTS_PER_CONTACT", 3, minimum=1)
# Requests one hotline volunteer may enter per window.
HOTLINE_RATE_LIMIT = env_int("HOTLINE_RATE_LIMIT", 30, minimum=1)
# Status-link lookups per network address per window: generous, as a family may reload its
# page and families may share a connection; a guesser walking references is held to a few
# tries a minute (household_requests/status_links.py).
STATUS_RATE_LIMIT = env_int("STATUS_RATE_LIMIT", 60, minimum=1)
STATUS_RATE_WINDOW_SECONDS = env_int("STATUS_RATE_WINDOW_SECONDS", 3600, minimum=1)
# The network's hotline, shown wherever a page or a message mentions it (issue 11).
HOTLINE_PHONE = env_str("HOTLINE_PHONE")
HOTLINE_HOURS = env_str("HOTLINE_HOURS")
# Issue 14: the "leave quickly" button on every family page replaces the page with this
# neutral address (the family's browser goes there; the server never calls it).
QUICK_EXIT_URL = env_str("QUICK_EXIT_URL", "https://www.weather.gov/")
if not QUICK_EXIT_URL.startswith(("https://", "http://", "/")):
    raise ConfigError("QUICK_EXIT_URL must be an http(s) address or a path on this site")
# Days a pickup's items stay set aside; then they go back to the shelves (issue 11).
PICKUP_HOLD_DAYS = env_int("PICKUP_HOLD_DAYS", 7, minimum=1)
# Zone pauses (issue 14): "until lifted" still ends after ZONE_PAUSE_MAX_HOURS unless
# renewed; the record of pauses is deleted after ZONE_PAUSE_RECORD_DAYS; the reveal waits
# at most ZONE_PAUSE_READ_TIMEOUT_MS for the pause table, then counts the zone as paused.
ZONE_PAUSE_MAX_HOURS = env_int("ZONE_PAUSE_MAX_HOURS", 24, minimum=1)
ZONE_PAUSE_RECORD_DAYS = env_int("ZONE_PAUSE_RECORD_DAYS", 90, minimum=1)
ZONE_PAUSE_READ_TIMEOUT_MS = env_int("ZONE_PAUSE_READ_TIMEOUT_MS", 2000, minimum=1)
# Matching and deliveries.
EARLIEST_DELIVERY_DAYS = env_int("EARLIEST_DELIVERY_DAYS", 1)
ROUTE_MAX_STOPS = env_int("ROUTE_MAX_STOPS", 8, minimum=1)
ROUTE_MAX_LOAD = env_int("ROUTE_MAX_LOAD", 200, minimum=1)
ROUTE_WINDOW = env_str("ROUTE_WINDOW", "10:00-14:00")
CLAIM_GRACE_MINUTES = env_int("CLAIM_GRACE_MINUTES", 60)
MAX_DELIVERY_ATTEMPTS = env_int("MAX_DELIVERY_ATTEMPTS", 2, minimum=1)
OFFER_DRIVERS_PER_ROUTE = env_int("OFFER_DRIVERS_PER_ROUTE", 3, minimum=1)
REVEAL_NEXT_STOP_ONLY = env_bool("REVEAL_NEXT_STOP_ONLY", False)
# A route can be started (and its addresses shown) on its day from this long before its window.
REVEAL_LEAD_MINUTES = env_int("REVEAL_LEAD_MINUTES", 60, minimum=0)
# Claims and releases one driver may make per local day; past them the action is refused.
DRIVER_CLAIMS_PER_DAY = env_int("DRIVER_CLAIMS_PER_DAY", 6, minimum=1)
DRIVER_RELEASES_PER_DAY = env_int("DRIVER_RELEASES_PER_DAY", 3, minimum=0)
# Releases within a week that flag a driver on the reveal log and the dashboard.
DRIVER_FLAG_RELEASES = env_int("DRIVER_FLAG_RELEASES", 3, minimum=1)

# Reverse proxies in front of the site that append to X-Forwarded-For (0: none). Production
# must say: behind a proxy, 0 would make every caller the proxy, and the login lockout and
# request limits would then count the whole internet as one address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if PRODUCTION and not env_str("TRUSTED_PROXY_COUNT"):
    raise ConfigError(
        "TRUSTED_PROXY_COUNT is required in production: the number of proxies in front of "
        "the site (1 behind one TLS proxy, 0 if none)"
    )

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mutualaid@localhost")
# The SMTP server (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend). EMAIL_TIMEOUT
# is read below with the notices' timeout, its default: a hung server never holds a sweep.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL: set one of them, not both")

# --- Notices to drivers and families (issue 13; deliveries/notices.py) ---
# Channels that may send: console (the log), email (Django's mail above), signal (a
# self-hosted signal-cli REST API), sms (Twilio). Drivers choose among them.
NOTIFY_CHANNELS = env_list("NOTIFY_CHANNELS", ["console", "email"])
for _channel in NOTIFY_CHANNELS:
    if _channel not in ("console", "email", "signal", "sms"):
        raise ConfigError(f"NOTIFY_CHANNELS: unknown channel {_channel!r}")
# The channel of drivers who chose none; blank: no notice.
NOTIFY_DRIVER_DEFAULT = env_str("NOTIFY_DRIVER_DEFAULT", "console")
# Families' automatic texts (only those who ticked them): signal, sms or console; blank: none.
NOTIFY_FAMILY_CHANNEL = env_str("NOTIFY_FAMILY_CHANNEL", "")
# Neutral by default: a text names the network only if this is set.
NOTIFY_SENDER_NAME = env_str("NOTIFY_SENDER_NAME", "")
# The site's address, for the board's link in drivers' notices (https://aid.example.org).
NOTIFY_SITE_URL = env_str("NOTIFY_SITE_URL", "http://localhost:8000")
# Per recipient per local day: a driver, or a family's phone (its blind index, so many
# requests with one number share it). A notice over a cap waits for the next day.
NOTIFY_PER_RECIPIENT_PER_DAY = env_int("NOTIFY_PER_RECIPIENT_PER_DAY", 6, minimum=1)
# Per network per local day: drivers' notices, and families' texts apart, so a flood of
# requests never crowds out the drivers' offers.
NOTIFY_PER_DAY = env_int("NOTIFY_PER_DAY", 500, minimum=1)
NOTIFY_FAMILY_PER_DAY = env_int("NOTIFY_FAMILY_PER_DAY", 200, minimum=1)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
NOTIFY_TIMEOUT_SECONDS = env_int("NOTIFY_TIMEOUT_SECONDS", 10, minimum=1)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", NOTIFY_TIMEOUT_SECONDS, minimum=1)
# A send sweep starts no send after this many seconds (the rest waits for the next one),
# well inside the jobs' soft time limit (40 s, mutualaid/celery.py) with a send's timeout.
NOTIFY_BATCH_SECONDS = env_int("NOTIFY_BATCH_SECONDS", 15, minimum=1)
if NOTIFY_BATCH_SECONDS + 2 * max(NOTIFY_TIMEOUT_SECONDS, EMAIL_TIMEOUT) >= 40:
    raise ConfigError(
        "NOTIFY_BATCH_SECONDS plus twice the send timeout (NOTIFY_TIMEOUT_SECONDS, "
        "EMAIL_TIMEOUT) must stay under the jobs' soft time limit of 40 seconds"
    )
SIGNAL_CLI_URL = env_str("SIGNAL_CLI_URL", "http://127.0.0.1:8080")
SIGNAL_NUMBER = env_str("SIGNAL_NUMBER")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
TWILIO_API_URL = env_str("TWILIO_API_URL", "https://api.twilio.com")

# --- Volunteers from the web (issue 12) ---
# Hours an invitation or a password-reset link works; each link works once. Links are
# emailed only when EMAIL_BACKEND sends mail (not the console); else the organizer hands it over.
MEMBER_LINK_HOURS = env_int("MEMBER_LINK_HOURS", 72, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so anonymous API calls answer 401 with a WWW-Authenticate header.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # A body nested past a small depth answers 400, not a RecursionError (issue 9).
    "DEFAULT_PARSER_CLASSES": [
        "mutualaid.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "mutualaid.bounds.BoundedLimitOffsetPagination",
    # A list answers 20 rows unless `?limit=` asks for more (up to mutualaid.bounds'
    # MAX_PAGE_SIZE): a page costs the same however many rows there are (issue 9).
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "mutualaid.schema.AutoSchema",  # refusals documented too
    # Without this DRF's throttles believe any X-Forwarded-For, so a guesser gets fresh tries.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # A service's ServiceError answers by its kind: 400, 403 or 409.
    "EXCEPTION_HANDLER": "mutualaid.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mutual aid tracker API",
    "DESCRIPTION": "Inventory, household requests and deliveries for one mutual-aid network.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API's contract is JSON; form bodies (the browsable API, tests) stay undocumented.
    "PARSER_WHITELIST": ["mutualaid.parsers.BoundedJSONParser"],
    # Two lists of close reasons share a field name: every reason a request can carry, and
    # the ones an organizer may choose. Named apart, or one would stand for both.
    "ENUM_NAME_OVERRIDES": {
        "CloseReasonEnum": "household_requests.models.CloseReason",
        "OrganizerCloseReasonEnum": "household_requests.models.ORGANIZER_CLOSE_REASONS",
    },
}

DEFAULT_EXCEPTION_REPORTER_FILTER = "mutualaid.reporting.NoPostDataFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_status_links": {"()": "mutualaid.logfilters.RedactStatusLinks"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_status_links"],
        },
        # Replaces Django's default handler of the same name, with the redaction added.
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "redact_status_links"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # These log request paths themselves; redact before any handler sees the record.
        "django.request": {"filters": ["redact_status_links"]},
        "django.security.csrf": {"filters": ["redact_status_links"]},
        # The development server's access log (`make run`) prints every path it serves.
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_status_links"],
        },
        "django.db.backends": {"level": "WARNING"},
        # Axes tells every login at INFO; failures and lockouts (WARNING) are enough.
        "axes": {"level": "WARNING"},
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Background jobs.
CELERY_TASK_ALWAYS_EAGER = False

# Quiet start-up warnings under the test runner and the type checker.
TESTING = "pytest" in sys.modules or "mypy" in sys.modules
