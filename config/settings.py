"""Settings for the proctoring dashboard, read from environment variables.

Every variable is documented in docs/configuration.md (tests/test_docs.py checks it). Values are
parsed strictly by config.env: a bad value stops start-up with a message naming the variable.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from autoproctor.wire import parse_field_aliases
from config.env import (
    env_bool,
    env_choice,
    env_email_url,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)
from config.log_format import logging_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (or DJANGO_SECRET_KEY_FILE) to a long random "
            "string, or set DJANGO_DEBUG=true for local development only."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# --- HTTPS (production defaults; a developer's machine with DJANGO_DEBUG=true gets none) ----
# In production the site sits behind a proxy that terminates TLS and sets X-Forwarded-Proto
# (and overwrites whatever a client sent in it). Every setting can be turned off for a
# deployment that differs, and `manage.py check --deploy` stays quiet with the defaults.
if env_bool("DJANGO_BEHIND_PROXY", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies of ours appending to X-Forwarded-For (0: none trusted; access.logins.client_address).
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0, minimum=0)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Container health checks call /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)

INSTALLED_APPS = [
    # Django's admin, closed to users whose role is limited to some tests (access.admin_site).
    "access.admin_site.DashboardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_q",
    # Lowest layer first; each app imports only from the apps above it in this list
    # (docs/architecture.md, checked by import-linter).
    "proctoring",
    "access",
    "audit",
    "signon",
    "review",
    "retention",
    "notifications",
    "console",
    "candidates",
    "dashboard",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and friends, on every response (static files included).
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite under var/ by default (one machine, nothing to install); PostgreSQL for many machines.
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}"
_database_url = env_str("DATABASE_URL", DEFAULT_DATABASE_URL)
try:
    # A web or worker process keeps its PostgreSQL connection ten minutes (checked before each
    # reuse): opening one costs a server process, and the statements every page runs are
    # prepared once per connection (proctoring.prepared).
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=600)}
except Exception as error:  # dj-database-url raises several types for a bad URL
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a valid database URL ({error}). Examples: "
        "sqlite:///var/dashboard.sqlite3, postgres://user:password@host:5432/dbname"
    ) from None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # The worker and the web server write to the same file: wait for the lock instead of
        # failing, take it up front, and let readers run alongside the writer (WAL).
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file (not :memory:) so that threads and subprocesses see the same data.
    # The test file sits beside the database file, so two checkouts or two runs with different
    # DATABASE_URLs never share one.
    _sqlite_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {
        "NAME": str(_sqlite_file.with_name(f"test-{_sqlite_file.name}"))
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # An unreachable server fails within seconds (and /healthz says so) instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 10)
    # The statements prepared once per connection (proctoring.prepared) run on their one
    # generic plan: PostgreSQL's estimates would plan "next"'s walk again on every press.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c plan_cache_mode=force_generic_plan")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"TIME_ZONE={TIME_ZONE!r} is not a known time zone; use a name such as UTC or "
        "Europe/London."
    ) from None
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries installed from the npm registry (package-lock.json pins them).
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Logging: one line per record on stdout, the container's and the terminal's log -------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not a log level; use DEBUG, INFO, WARNING or ERROR."
    )
# JSON lines for log collectors in production, readable text on a developer's terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not a log format; use json or plain.")
LOGGING = logging_settings(LOG_FORMAT, LOG_LEVEL)  # stdout, with response-link tokens redacted

# --- AutoProctor --------------------------------------------------------------------------
# Everything assumed about AutoProctor's API that may differ on a real account is a setting
# here, read by the one module that speaks its wire format (autoproctor).
AUTOPROCTOR_BASE_URL = env_url("AUTOPROCTOR_BASE_URL", "https://www.autoproctor.co")
AUTOPROCTOR_CLIENT_ID = env_str("AUTOPROCTOR_CLIENT_ID")
AUTOPROCTOR_CLIENT_SECRET = env_secret("AUTOPROCTOR_CLIENT_SECRET")
AUTOPROCTOR_PRESIGN_PATH = env_str(
    "AUTOPROCTOR_PRESIGN_PATH", "/api/v2/test-attempts/{test_attempt_id}/presigned-urls/"
)
if "{test_attempt_id}" not in AUTOPROCTOR_PRESIGN_PATH or not AUTOPROCTOR_PRESIGN_PATH.startswith(
    "/"
):
    raise ImproperlyConfigured(
        f"AUTOPROCTOR_PRESIGN_PATH={AUTOPROCTOR_PRESIGN_PATH!r} must start with / and contain "
        "{test_attempt_id}."
    )
AUTOPROCTOR_USAGE_HEADERS = env_list(
    "AUTOPROCTOR_USAGE_HEADERS", default=["X-AP-Client-Id", "X-AP-Timestamp", "X-AP-Signature"]
)
if len(AUTOPROCTOR_USAGE_HEADERS) != 3:
    raise ImproperlyConfigured(
        "AUTOPROCTOR_USAGE_HEADERS must name three headers, comma-separated: client id, "
        "timestamp, signature (e.g. X-AP-Client-Id,X-AP-Timestamp,X-AP-Signature)."
    )
# Other names AutoProctor sends a mapped field under: `submitted_at=completed_at;...` (the
# built-in aliases are in autoproctor/wire.py). After a change, run
# `python manage.py reparse_autoproctor`.
try:
    AUTOPROCTOR_FIELD_ALIASES = parse_field_aliases(env_str("AUTOPROCTOR_FIELD_ALIASES"))
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None
AUTOPROCTOR_TIMEOUT = env_float("AUTOPROCTOR_TIMEOUT", 30.0, minimum=1.0, maximum=600.0)
AUTOPROCTOR_MAX_RETRIES = env_int("AUTOPROCTOR_MAX_RETRIES", 4, minimum=0)
# The first-contact check's total time for retrying 429 and 5xx answers (autoproctor_doctor).
AUTOPROCTOR_DOCTOR_BUDGET_SECONDS = env_float(
    "AUTOPROCTOR_DOCTOR_BUDGET_SECONDS", 120.0, minimum=1.0, maximum=3600.0
)
AUTOPROCTOR_DASHBOARD_URL = env_url(
    "AUTOPROCTOR_DASHBOARD_URL", "https://www.autoproctor.co/test-admin/developers"
)

# --- The product --------------------------------------------------------------------------
# AutoProctor advises reviewing attempts whose trust score is under 85 %.
REVIEW_THRESHOLD = env_float("REVIEW_THRESHOLD", 0.85, minimum=0.0, maximum=1.0)
# Opening an attempt from the review queue claims it for this many minutes (renewed while the
# reviewer works on it), so the queue offers it to nobody else meanwhile (review.claims).
REVIEW_CLAIM_MINUTES = env_int("REVIEW_CLAIM_MINUTES", 15, minimum=1)
# Test admins see a warning when the credits are forecast to run out within this many days,
# or when fewer than CREDITS_WARN_BELOW credits are left (0: never); either also sends
# credits.low (proctoring.credit_forecast, notifications.credits).
CREDITS_WARN_DAYS = env_int("CREDITS_WARN_DAYS", 14, minimum=0)
CREDITS_WARN_BELOW = env_int("CREDITS_WARN_BELOW", 0, minimum=0)
# Events of one label at most this many seconds apart are one incident on the report.
INCIDENT_GAP_SECONDS = env_int("INCIDENT_GAP_SECONDS", 60, minimum=0)
SYNC_RESULTS_EVERY_MINUTES = env_int("SYNC_RESULTS_EVERY_MINUTES", 5, minimum=1)
SYNC_USAGE_EVERY_MINUTES = env_int("SYNC_USAGE_EVERY_MINUTES", 60, minimum=1)
SYNC_EVIDENCE_WORKERS = env_int("SYNC_EVIDENCE_WORKERS", 4, minimum=1)
# The evidence pass adapts how many attempts it fetches at once (more while calls succeed, half
# on a 429, a 5xx or rising latency), never more than this.
SYNC_EVIDENCE_MAX_CONCURRENCY = env_int("SYNC_EVIDENCE_MAX_CONCURRENCY", 32, minimum=1)
# How long a worker's claim on a job (the results pass, one attempt's evidence) lasts without a
# heartbeat. A live worker renews its claims several times per lease; one that dies mid-job
# (kill -9, out of memory, a redeploy) holds nothing longer than this.
SYNC_LEASE_SECONDS = env_int("SYNC_LEASE_SECONDS", 20, minimum=1)
# An attempt still unsubmitted this many hours after it started is abandoned; one submitted more
# than this many hours ago, with its evidence stored, is settled: AutoProctor is not expected to
# re-score it. A settle-window sweep reads every younger attempt (proctoring.sync.incremental).
SYNC_SETTLE_HOURS = env_int("SYNC_SETTLE_HOURS", 48, minimum=1)
# How often a results pass is a settle-window sweep rather than an incremental one (which stops
# at the first page of complete attempts, at any age). 0: every pass is a settle-window sweep.
SYNC_SETTLE_SWEEP_MINUTES = env_int("SYNC_SETTLE_SWEEP_MINUTES", 60, minimum=0)
# A full sweep (every results page, catching re-scores of old attempts) runs this often.
SYNC_FULL_SWEEP_HOURS = env_int("SYNC_FULL_SWEEP_HOURS", 24, minimum=1)

# --- Background worker (django-q2) --------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
Q_CLUSTER = {
    # The queue's name, and the prefix of its keys on Redis: every web and worker process of one
    # installation must agree on it; two installations sharing one Redis must not.
    "name": env_str("Q_NAME", "proctoring"),
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": 600,
    "retry": 900,
    "max_attempts": 1,
    "queue_limit": 20,
    "catch_up": False,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Cache --------------------------------------------------------------------------------
# Per-process memory on one machine; with Redis, one cache shared by every web process, so
# per-user limits (the API console's) count across all of them.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": Q_CLUSTER["name"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Log-ins, sessions and email ----------------------------------------------------------
# Wrong passwords are counted by django-axes (in the database, for every web process) per user
# name and address together (LOGIN_FAILURE_LIMIT) and per address (LOGIN_ADDRESS_FAILURE_LIMIT):
# then that pair or address waits LOGIN_LOCKOUT_MINUTES (access.lockout says why).
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware", "dashboard.bidi.BidiEscapeMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Before any backend that grants permissions: refuses the account-wide ones to roles
    # limited to some tests (access.backends).
    "access.backends.ScopeBackend",
    "signon.backends.LocalPasswordBackend",  # Django's, obeying LOCAL_LOGIN
    "signon.backends.ProviderBackend",  # OIDC_ISSUER's sign-ins (none when it is not set)
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "access.logins.cool_off"
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 100, minimum=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "access.lockout.PairThenAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "access.logins.client_address"
AXES_USERNAME_CALLABLE = "access.logins.username_tried"
AXES_LOCKOUT_CALLABLE = "access.logins.locked_out"
# Failures are logged with the user name and address tried (never the password), as warnings;
# axes' own start-up and bookkeeping lines are left out.
AXES_SENSITIVE_PARAMETERS = []
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
# urllib3 logs every URL it requests at DEBUG, signatures and presigned queries included; our
# own client logs the host and the call instead (autoproctor.transport).
LOGGING["loggers"]["urllib3"] = {"level": "INFO"}
# Sessions are kept in the database by Django's store, read by a statement of our own. A session
# ends SESSION_IDLE_MINUTES after its last request, SESSION_MAX_HOURS after log-in.
SESSION_ENGINE = "access.sessions"
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12, minimum=1)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "access.sessions.IdleTimeoutMiddleware",
)
# Password reset and notifications send mail: nothing is sent unless EMAIL_HOST is set, by
# itself or by EMAIL_URL (smtp://user:password@host:587 for STARTTLS, smtps://...:465 for TLS).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = False
_email_url = env_email_url("EMAIL_URL")
if _email_url:
    if EMAIL_HOST:
        raise ImproperlyConfigured("Set either EMAIL_URL or EMAIL_HOST (and EMAIL_*), not both.")
    globals().update(_email_url)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# The address users open the dashboard at (https://proctoring.example.edu): emails link back to
# it. Empty: emails carry no links (the worker has no request to take the host from).
SITE_URL = env_url("SITE_URL", "")

# --- Data retention (docs/operations.md "Data retention"; 0 keeps for ever) ---------------
# Days counted from an attempt's submission or its last verdict, whichever is later.
RETAIN_EVIDENCE_DAYS = env_int("RETAIN_EVIDENCE_DAYS", 0, minimum=0)
RETAIN_ATTEMPTS_DAYS = env_int("RETAIN_ATTEMPTS_DAYS", 0, minimum=0)
RETAIN_ATTEMPTS_ACTION = env_choice("RETAIN_ATTEMPTS_ACTION", "erase", ("erase", "delete"))
RETAIN_AUDIT_DAYS = env_int("RETAIN_AUDIT_DAYS", 0, minimum=0)
RETAIN_SYNC_RUNS_DAYS = env_int("RETAIN_SYNC_RUNS_DAYS", 0, minimum=0)
RETAIN_BATCH_SIZE = env_int("RETAIN_BATCH_SIZE", 500, minimum=1)

from config.candidate_side import *  # noqa: E402, F403 - CANDIDATE_* (candidates)
from config.notifications import *  # noqa: E402, F403 - NOTIFY_* (notifications)
from config.single_sign_on import *  # noqa: E402, F403 - OIDC_* and LOCAL_LOGIN (signon)
