"""Looop settings: one module, read from the environment.

DEBUG is off unless LOOOP_DEBUG is set; `make run` sets it for local use.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from looop.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("LOOOP_DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when LOOOP_DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-not-for-production-use-0123456789"

# Hosts: the public host is the base domain; organisations live on its subdomains.
BASE_DOMAIN = env_str("LOOOP_BASE_DOMAIN", "looop.localhost").lower()
PUBLIC_SCHEME = env_str("LOOOP_SCHEME", "http" if DEBUG else "https")
PUBLIC_PORT = env_str("LOOOP_PUBLIC_PORT", "")  # appended to absolute URLs, e.g. ":8000"
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env_list("LOOOP_EXTRA_HOSTS")]
RESERVED_SLUGS = frozenset(
    {
        "www", "admin", "api", "app", "public", "sso", "static", "media", "mail", "smtp",
        "auth", "login", "logout", "signup", "help", "support", "status", "docs", "cdn",
        "assets", "scim", "oauth", "oidc", "account", "accounts", "billing", "dashboard",
        "looop", "template", "internal", "test", "localhost", "pg_catalog",
        "information_schema",
    }
)  # fmt: skip

SHARED_APPS = [
    "django_tenants",
    "accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",  # sign-in attempts on the public host (platform staff)
    "procrastinate.contrib.django",  # the job queue's tables live in the public schema
    "looop.jobs",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "accounts",
    "scim",
    "sso",
    "axes",  # sign-in attempts and lockouts live in each organisation's schema
    "looop.mail",  # each organisation's outgoing email and its delivery records
    "learning",  # workspaces, resources, pathways, shares and progress
    "api",  # /api/v1 and personal API tokens
    "campaigns",  # automated onboarding, share notices and reminders
]
# django.contrib.postgres renders operator classes on expression indexes (accounts.User).
INSTALLED_APPS = list(
    dict.fromkeys(
        SHARED_APPS
        + TENANT_APPS
        + [
            "django.contrib.postgres",
            "rest_framework",
            "drf_spectacular",
            "drf_spectacular_sidecar",
        ]
    )
)

TENANT_MODEL = "accounts.Organisation"
TENANT_DOMAIN_MODEL = "accounts.Domain"
# New organisations are cloned from this template schema instead of running migrations.
TENANT_BASE_SCHEMA = "looop_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# One `SET search_path` per request instead of one before every query (half the round trips).
# Safe: django-tenants forgets the setting on rollback, savepoint rollback and close.
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "looop.urls_public"
ROOT_URLCONF = "looop.urls_org"
DATABASE_ROUTERS = ["looop.routers.SchemaRouter"]
TENANT_SYNC_ROUTER = "looop.routers.SchemaRouter"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked accounts and addresses; must be first
    "accounts.throttle.SignInSlowDownBackend",  # asks for a pause before the lock
    "accounts.backends.EmailPasswordBackend",
    "sso.backend.MicrosoftBackend",  # loads sessions started by Sign in with Microsoft
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

MIDDLEWARE = [
    "looop.observability.ObservabilityMiddleware",  # first: probes, request id, log, metrics
    "looop.db.budgets.DatabaseBudgetMiddleware",  # covers routing and the SCIM API
    "looop.middleware.CachedTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "looop.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "looop.input_middleware.UnstorableInputMiddleware",  # NUL in a parameter: 400, not 500
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into the "Sign-in is locked" page
]

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
                "accounts.context_processors.organisation",
            ],
        },
    }
]

WSGI_APPLICATION = "looop.wsgi.application"


# Database budgets (looop/db/budgets.py): statement timeouts per kind of work, in ms (0: none).
DB_STATEMENT_TIMEOUT_MS = env_int("LOOOP_DB_STATEMENT_TIMEOUT_MS", 30_000)  # a web request
DB_LIST_STATEMENT_TIMEOUT_MS = env_int("LOOOP_DB_LIST_STATEMENT_TIMEOUT_MS", 5_000)  # SCIM lists
DB_BACKGROUND_STATEMENT_TIMEOUT_MS = env_int("LOOOP_DB_BACKGROUND_STATEMENT_TIMEOUT_MS", 600_000)
DB_LOCK_TIMEOUT_MS = env_int("LOOOP_DB_LOCK_TIMEOUT_MS", 10_000)
DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = env_int("LOOOP_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 60_000)
DB_CONNECT_TIMEOUT_SECONDS = env_int("LOOOP_DB_CONNECT_TIMEOUT_SECONDS", 5)
DB_RETRY_AFTER_SECONDS = 5  # what a request cut off by its budget tells the client


def _database() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 600))
    else:
        from looop.embedded_db import ensure_started

        config = {**ensure_started(), "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600)}
    # django-tenants' backend, minus redundant `SET search_path` round trips (looop/db/base.py).
    config["ENGINE"] = "looop.db"
    config["CONN_HEALTH_CHECKS"] = True
    config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    from looop.db.budgets import connection_options

    config["OPTIONS"] = connection_options(
        background_statement_ms=DB_BACKGROUND_STATEMENT_TIMEOUT_MS,
        lock_ms=DB_LOCK_TIMEOUT_MS,
        idle_in_transaction_ms=DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
        connect_timeout_s=DB_CONNECT_TIMEOUT_SECONDS,
        given=config["OPTIONS"],
    )
    # Parallel test runs (several checkouts on one server) each get their own database.
    config["TEST"] = {"NAME": f"test_looop_{env_str('LOOOP_TEST_DB', 'main')}"}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The default cache holds rate-limit and throttle counters, so every process shares it: Redis
# with REDIS_URL, else the database cache table (looop/cache.py). Keys are tenant-aware.
REDIS_URL = env_str("REDIS_URL")
CACHE_TABLE = "looop_cache"  # in the public schema; `manage.py setup_database` creates it
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
    if REDIS_URL
    else {
        "BACKEND": "looop.cache.CounterDatabaseCache",
        "LOCATION": CACHE_TABLE,
        # Past MAX_ENTRIES the database cache drops rows at random; a flood of addresses must
        # not wipe other addresses' counters, so that only happens far out.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
    # Host -> organisation routing is global, so its keys are not tenant-prefixed.
    "routing": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "routing"},
}
CACHES["default"].update(
    KEY_FUNCTION="django_tenants.cache.make_key",
    REVERSE_KEY_FUNCTION="django_tenants.cache.reverse_key",
)
TENANT_ROUTING_CACHE_SECONDS = env_int("LOOOP_ROUTING_CACHE_SECONDS", 60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "looop.static_storage.StaticStorage"  # whitenoise's, URLs kept
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security: secure by default; local development over plain HTTP opts out via LOOOP_DEBUG.
SECURE = not DEBUG and env_bool("LOOOP_SECURE", True)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("LOOOP_SESSION_SECONDS", 12 * 3600)
SESSION_ENGINE = "accounts.sessions"  # database sessions, read with one plain statement
CSRF_TRUSTED_ORIGINS = [f"{PUBLIC_SCHEME}://*.{BASE_DOMAIN}", f"{PUBLIC_SCHEME}://{BASE_DOMAIN}"]
if PUBLIC_PORT:
    CSRF_TRUSTED_ORIGINS += [f"{o}{PUBLIC_PORT}" for o in CSRF_TRUSTED_ORIGINS]
SECURE_SSL_REDIRECT = SECURE and env_bool("LOOOP_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: see looop/csp.py (no inline scripts or styles anywhere).

# Client addresses: X-Forwarded-For is trusted only for this many proxies in front of us.
# Sign-in lockout and rate limits count per client address, so with production settings the
# number must be chosen: left at 0 behind a load balancer, every client would share the
# balancer's address and one person's failures would lock everyone out.
TRUSTED_PROXY_COUNT = env_int("LOOOP_TRUSTED_PROXIES", 0)
if not DEBUG and env_str("LOOOP_TRUSTED_PROXIES").strip() == "":
    raise ImproperlyConfigured(
        "LOOOP_TRUSTED_PROXIES must be set when LOOOP_DEBUG is off: the number of proxies "
        "(load balancers) in front of Looop that append to X-Forwarded-For, or 0 if clients "
        "connect to Looop directly."
    )
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("LOOOP_TRUSTED_PROXIES must be 0 or more.")

# Password sign-in throttling (django-axes, per organisation schema; see accounts/throttle.py).
AXES_FAILURE_LIMIT = env_int("LOOOP_SIGNIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOOOP_SIGNIN_LOCK_MINUTES", 15))
# Failures count per (account, address), and per address with a higher limit, so nobody can
# lock an account from their own address for people elsewhere (accounts/throttle.py).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.throttle.SignInAttemptHandler"
SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("LOOOP_SIGNIN_ADDRESS_FAILURE_LIMIT", 100)
# An attempt during a lock is refused without being recorded, so it doesn't restart the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form's field (USERNAME_FIELD is user_name)
AXES_USERNAME_CALLABLE = "accounts.throttle.signin_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.signin_locked_response"
AXES_RESET_ON_SUCCESS = False  # else one valid account could clear an address's failures
AXES_DISABLE_ACCESS_LOG = True  # keep failures only, not a row per successful sign-in
AXES_VERBOSE = False
SIGNIN_SLOWDOWN_AFTER = 3  # failures before each further attempt must wait 2, 4, 8 … s

# Organisation sign-up on the public host, per client address.
SIGNUP_PER_HOUR = env_int("LOOOP_SIGNUP_PER_HOUR", 10)
SLUG_CHECKS_PER_MINUTE = env_int("LOOOP_SLUG_CHECKS_PER_MINUTE", 60)

# SCIM API (/scim/v2): request body limit, page size, provisioning log retention.
SCIM_MAX_BODY_BYTES = env_int("LOOOP_SCIM_MAX_BODY_BYTES", 1024 * 1024)
# Fairness (scim/fairness.py): concurrent SCIM requests one organisation may run per process
# (0: no cap); keep it below gunicorn's threads per worker. More answer 429 + Retry-After.
ORG_CONCURRENT_REQUESTS = env_int("LOOOP_ORG_CONCURRENT_REQUESTS", 2)
# Costly filters (anything but eq on an indexed attribute) one organisation may run at once
# in the whole database (0: no cap).
ORG_CONCURRENT_COSTLY_FILTERS = env_int("LOOOP_ORG_CONCURRENT_COSTLY_FILTERS", 1)
ORG_RETRY_AFTER_SECONDS = env_int("LOOOP_ORG_RETRY_AFTER_SECONDS", 2)
# Filters: at most this many comparisons (scim/filters/grammar.py).
SCIM_FILTER_MAX_COMPARISONS = env_int("LOOOP_SCIM_FILTER_MAX_COMPARISONS", 100)
# JSON bodies may nest arrays and objects this deep (Entra's deepest is about 5); deeper
# ones are refused before parsing (looop/input_limits.py).
MAX_JSON_DEPTH = env_int("LOOOP_MAX_JSON_DEPTH", 32)
SCIM_MAX_RESULTS = env_int("LOOOP_SCIM_MAX_RESULTS", 200)
SCIM_EVENT_RETENTION_DAYS = env_int("LOOOP_SCIM_EVENT_RETENTION_DAYS", 30)
# Events are written in batches this often (0: each in its own INSERT), and at most this
# many wait in a process while the database is unreachable (see scim/event_log.py).
SCIM_EVENT_FLUSH_MS = env_int("LOOOP_SCIM_EVENT_FLUSH_MS", 200)
SCIM_EVENT_QUEUE_MAX = env_int("LOOOP_SCIM_EVENT_QUEUE_MAX", 100_000)
# Usable tokens are kept in memory this long at most; a revocation reaches every process at
# once through NOTIFY, and this bounds how late it can be if that fails (scim/token_cache.py).
# 0 reads the token from the database on every request.
SCIM_TOKEN_CACHE_SECONDS = env_int("LOOOP_SCIM_TOKEN_CACHE_SECONDS", 10)
# Analyse an organisation's users, groups and memberships as soon as provisioning has
# changed them by half, rather than wait for autovacuum (scim/table_statistics.py).
SCIM_ANALYSE_WHILE_PROVISIONING = env_bool("LOOOP_SCIM_ANALYSE_WHILE_PROVISIONING", True)

# Sign in with Microsoft (sso/): one multi-tenant Entra ID app registration. The authority
# is a setting so that tests can point it at a local OpenID Connect provider.
MICROSOFT_CLIENT_ID = env_str("MICROSOFT_CLIENT_ID")
MICROSOFT_CLIENT_SECRET = env_str("MICROSOFT_CLIENT_SECRET")
MICROSOFT_AUTHORITY = env_str("MICROSOFT_AUTHORITY", "https://login.microsoftonline.com")

# Background jobs (procrastinate on the same database; see looop/jobs) and email (looop/mail).
# A job whose worker sent no heartbeat for JOBS_STALLED_SECONDS is run again by another worker.
JOBS_STALLED_SECONDS = env_int("LOOOP_JOBS_STALLED_SECONDS", 30)
JOBS_STALLED_CHECK_CRON = env_str("LOOOP_JOBS_STALLED_CHECK_CRON", "* * * * * */10")
PROCRASTINATE_IMPORT_PATHS = ["looop.mail.sending"]  # besides every app's tasks.py
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": max(1, JOBS_STALLED_SECONDS // 3),
    "stalled_worker_timeout": JOBS_STALLED_SECONDS,
    "delete_jobs": env_str("LOOOP_JOBS_DELETE", "successful"),
    # A job deferred for later (a debounced campaign tick, a retry) starts within this long
    # of its time; procrastinate's default is 5 s. One cheap fetch per second per worker.
    "fetch_job_polling_interval": 1.0,
}
MAIL_DIR = BASE_DIR / ".looop" / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, usually port 465
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_SECONDS", 20)
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", f"Looop <no-reply@{BASE_DOMAIN}>")
# Files under .looop/mail/ when LOOOP_DEBUG is on and no EMAIL_HOST is set (`make run`).
EMAIL_BACKEND = (
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG and not env_str("EMAIL_HOST")
    else "looop.mail.smtp.EmailBackend"
)
EMAIL_FILE_PATH = MAIL_DIR
MAIL_MAX_ATTEMPTS = env_int("LOOOP_MAIL_MAX_ATTEMPTS", 8)  # waits 2, 4, 8 … 256 s between
INVITATION_DAYS = env_int("LOOOP_INVITATION_DAYS", 7)
PASSWORD_RESET_TIMEOUT = env_int("LOOOP_PASSWORD_RESET_MINUTES", 60) * 60
PASSWORD_RESETS_PER_HOUR = env_int("LOOOP_PASSWORD_RESETS_PER_HOUR", 5)  # per address and per IP

# Campaigns (docs/campaigns.md): provisioning changes re-evaluate audiences this many seconds
# later, in one job per organisation; a sweep every minute catches anything missed.
CAMPAIGNS_DEBOUNCE_SECONDS = env_int("LOOOP_CAMPAIGNS_DEBOUNCE_SECONDS", 2)
# While SCIM requests keep coming, that job waits for a pause, at most this long.
CAMPAIGNS_DEBOUNCE_MAX_SECONDS = env_int("LOOOP_CAMPAIGNS_DEBOUNCE_MAX_SECONDS", 30)
CAMPAIGNS_SWEEP_CRON = env_str("LOOOP_CAMPAIGNS_SWEEP_CRON", "* * * * *")
# How long a process trusts its answer to "does this organisation follow provisioning?"
# (campaigns/interest.py), which every SCIM write asks.
CAMPAIGNS_INTEREST_SECONDS = env_int("LOOOP_CAMPAIGNS_INTEREST_SECONDS", 2)
# A settable "now" for jobs (campaigns.ClockOffset), for tests and demos; never in production.
CAMPAIGNS_TEST_CLOCK = env_bool("LOOOP_CAMPAIGNS_TEST_CLOCK", False)

REST_FRAMEWORK = {
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    # Only describes views for /api/v1/schema/ (drf-spectacular); serving is unaffected.
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# Learning API (/api/v1, api/): its DRF classes are set on api.views.base.ApiView, not above,
# so the SCIM views keep theirs. Body limit, and failed token attempts per client address.
API_MAX_BODY_BYTES = env_int("LOOOP_API_MAX_BODY_BYTES", 256 * 1024)
API_TOKEN_FAILURES_PER_WINDOW = env_int("LOOOP_API_TOKEN_FAILURES_PER_WINDOW", 20)
API_TOKEN_FAILURE_WINDOW_SECONDS = env_int("LOOOP_API_TOKEN_FAILURE_WINDOW_SECONDS", 300)
SPECTACULAR_SETTINGS = {
    "TITLE": "Looop API",
    "DESCRIPTION": "Learning on an organisation's host: workspaces, resources, pathways, "
    "shares, your own learning and progress, quizzes and reports. Authenticate with the "
    "browser session or a personal API token (`Authorization: Bearer looop_api_…`).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # assets from our own static files (drf-spectacular-sidecar)
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ElementKindEnum": "learning.models.Element.Kind",
        "QuestionKindEnum": "learning.models.Question.Kind",
        "ResourceStatusEnum": "learning.models.Resource.Status",
        "LearningStatusEnum": ["overdue", "due_soon", "in_progress", "not_started", "completed"],
    },
}

# Logs: JSON lines in production, readable text in development (looop/observability.py).
# `looop.request` writes one line per request at INFO; LOOOP_REQUEST_LOG=0 turns it off.
LOG_FORMAT = env_str("LOOOP_LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "looop.observability.JsonFormatter"},
        "text": {"()": "looop.observability.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOOOP_LOG_LEVEL", "WARNING")},
    "loggers": {
        "looop.request": {"level": "INFO" if env_bool("LOOOP_REQUEST_LOG", True) else "WARNING"}
    },
}

# Metrics at /metrics (looop/metrics.py): closed unless a bearer token or client addresses
# (REMOTE_ADDR, i.e. the direct peer; addresses or networks) are set.
METRICS_TOKEN = env_str("LOOOP_METRICS_TOKEN")
METRICS_ALLOW_FROM = env_list("LOOOP_METRICS_ALLOW_FROM")
METRICS_MAX_ORGANISATIONS = env_int("LOOOP_METRICS_MAX_ORGANISATIONS", 500)

# Error reports go to Sentry only when SENTRY_DSN is set (looop/sentry.py).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from looop.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN)
SILENCED_SYSTEM_CHECKS = [
    "auth.W004"
]  # userName is unique case-insensitively among live users, by constraint
