"""One env-driven settings module.

TWIN_MODE=embedded (default): SQLite, in-memory channel layer, runs executed by in-process worker threads.
TWIN_MODE=distributed: DATABASE_URL (Postgres or SQLite), REDIS_URL for channels, Celery broker and frame
buffer; runs executed by Celery workers on the ``simulations`` queue.
"""
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url

from .env import env_bool, env_choice, env_int, env_list, env_str, persistent_secret_key
from .netinfo import embedded_allowed_hosts

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TWIN_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TWIN_MODE = env_choice("TWIN_MODE", "embedded", ("embedded", "distributed"))
# DEBUG is off unless asked for (DEBUG=1): no traceback pages, in embedded mode too (a classroom's laptop).
DEBUG = env_bool("DEBUG", False)
# Embedded mode (or a DEBUG development stack, e.g. `DEBUG=1 make run-distributed`) without SECRET_KEY: one
# generated on first start and kept in var/secret_key (0600). Distributed production must set SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", persistent_secret_key(VAR_DIR / "secret_key")
                     if TWIN_MODE == "embedded" or DEBUG else None)
# Embedded default: loopback plus this machine's names and LAN addresses (HOST=0.0.0.0 make run).
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", embedded_allowed_hosts() if TWIN_MODE == "embedded" else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Served over HTTPS (behind a TLS proxy)? Then secure cookies, HSTS and the redirect. Embedded mode serves plain
# HTTP on loopback or a classroom LAN; distributed production (DEBUG off) expects TLS.
TWIN_HTTPS = env_bool("TWIN_HTTPS", TWIN_MODE == "distributed" and not DEBUG)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "csp",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "web.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "web.throttle.LoginAddressThrottleMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout flagged by the backend into a 429
]

ROOT_URLCONF = "twin.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "twin.wsgi.application"
ASGI_APPLICATION = "twin.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'twin.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("TWIN_DB_POOL", True):
    # Under ASGI (daphne) every request runs in a new thread and Django's connections are per thread, so
    # CONN_MAX_AGE reuses nothing: each request paid a new PostgreSQL connection (~17 % of daphne's time under
    # benchmarks/load.py). A per-process psycopg pool keeps them instead (Django's documented way for ASGI).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # required with a pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": env_int("TWIN_DB_POOL_MAX", 20, minimum=1), "timeout": 30,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Test database in a per-process file, not shared-cache memory: worker threads and the test thread write
    # concurrently (shared-cache memory raises "database table is locked" instead of waiting).
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"twin-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling per account+address (django-axes) and per address (web/throttle.py, docs/security.md).
AUTHENTICATION_BACKENDS = ["web.throttle.ThrottledLoginBackend", "django.contrib.auth.backends.ModelBackend"]
TWIN_LOGIN_FAILURE_LIMIT = env_int("TWIN_LOGIN_FAILURE_LIMIT", 10, minimum=1)
TWIN_LOGIN_COOLOFF_MIN = env_int("TWIN_LOGIN_COOLOFF_MIN", 15, minimum=1)
TWIN_LOGIN_RATE_PER_ADDRESS = env_str("TWIN_LOGIN_RATE_PER_ADDRESS", "100/10m")
AXES_FAILURE_LIMIT = TWIN_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=TWIN_LOGIN_COOLOFF_MIN)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "web.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "web.throttle.client_address"
AXES_IPWARE_PROXY_COUNT = None
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "run-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # filled by collectstatic in distributed mode; WhiteNoise expects it
STATICFILES_DIRS = []
# Embedded mode serves the app's static files straight from their directories (no collectstatic), DEBUG or not.
WHITENOISE_USE_FINDERS = DEBUG or TWIN_MODE == "embedded"
RESULTS_DIR = VAR_DIR / "results"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
if TWIN_MODE == "distributed":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 defaults socket_timeout to 5 s, which aborts channels_redis' blocking 5 s BZPOPMIN
            # (consumers die with 1011 every 5 s idle; django/channels_redis#422): allow a longer read.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "capacity": 1500, "expiry": 30},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # In-memory layer that worker threads may publish to (see web/streaming.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "web.streaming.ThreadSafeInMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Runs ----------------------------------------------------------------------------------------
TWIN_EMBEDDED_WORKERS = env_int("TWIN_EMBEDDED_WORKERS", 2, minimum=1, maximum=32)
TWIN_EMBEDDED_REAPER = env_bool("TWIN_EMBEDDED_REAPER", True)  # reaper thread in the embedded ASGI process
TWIN_CHECKPOINT_EVERY_STEPS = env_int("TWIN_CHECKPOINT_EVERY_STEPS", 500, minimum=1)
TWIN_HEARTBEAT_S = env_int("TWIN_HEARTBEAT_S", 2, minimum=1)
TWIN_STALE_AFTER_S = env_int("TWIN_STALE_AFTER_S", 30, minimum=2)
TWIN_MAX_ATTEMPTS = env_int("TWIN_MAX_ATTEMPTS", 3, minimum=1)
TWIN_TASK_SLICE_S = env_int("TWIN_TASK_SLICE_S", 60, minimum=1)
# contracts' counterfactual runs at the end of a run or sweep point: at most this many steps in total (contracts ×
# steps; 24 hourly years ≈ 24–40 s for a Shanghai-size region), else skipped with the reason (docs/contracts.md)
TWIN_COUNTERFACTUAL_MAX_STEPS = env_int("TWIN_COUNTERFACTUAL_MAX_STEPS", 24 * 8760, minimum=0)
TWIN_FRAME_INTERVAL_MS = env_int("TWIN_FRAME_INTERVAL_MS", 200, minimum=200)
TWIN_FRAME_BUFFER = env_int("TWIN_FRAME_BUFFER", 500, minimum=10)  # ≥ 100 s of replay at 5 Hz
TWIN_MAX_BODY_BYTES = 2 * 1024 * 1024

# Budgets and quotas (docs/operations.md) ------------------------------------------------------------
# Memory budget of one run, estimated from its shape at validation (agents/budget.py reads the same variable).
TWIN_RUN_BUDGET_BYTES = env_int("TWIN_RUN_BUDGET_BYTES", 3_000_000_000, minimum=10_000_000)
# Hard limit of a Celery worker child's resident memory (watchdog; 0 = none): the run fails with the reason and
# the child exits. Default: the run budget plus 1 GB for the worker process itself.
# Niceness added to each Celery pool child (0-19): simulations use idle CPU but yield it to the web server, so
# pages stay fast on a small shared machine while workers run flat out (benchmarks/load.py).
TWIN_WORKER_NICE = env_int("TWIN_WORKER_NICE", 10, minimum=0, maximum=19)
TWIN_WORKER_MEMORY_LIMIT_BYTES = env_int("TWIN_WORKER_MEMORY_LIMIT_BYTES", TWIN_RUN_BUDGET_BYTES + 1_000_000_000,
                                         minimum=0)
TWIN_QUOTA_RUNNING_RUNS = env_int("TWIN_QUOTA_RUNNING_RUNS", 2, minimum=1)  # a user's runs executing at once
TWIN_QUOTA_WAITING_RUNS = env_int("TWIN_QUOTA_WAITING_RUNS", 10, minimum=1)  # queued + paused runs per user
TWIN_QUOTA_RESULT_BYTES = env_int("TWIN_QUOTA_RESULT_BYTES", 2_000_000_000, minimum=0)  # stored results per user
TWIN_QUOTA_WEBSOCKETS = env_int("TWIN_QUOTA_WEBSOCKETS", 20, minimum=1)  # open live viewers per user
TWIN_QUOTA_ACTIVE_SWEEPS = env_int("TWIN_QUOTA_ACTIVE_SWEEPS", 2, minimum=1)  # queued + running sweeps per user
TWIN_SWEEP_MAX_RUNS = env_int("TWIN_SWEEP_MAX_RUNS", 1000, minimum=1)  # points × seeds of one sweep
# One sweep point runs to its end in one task (no slices): its own Celery time limits [s].
TWIN_SWEEP_POINT_TIME_LIMIT_S = env_int("TWIN_SWEEP_POINT_TIME_LIMIT_S", 1800, minimum=10)
TWIN_RESULT_RETENTION_DAYS = env_int("TWIN_RESULT_RETENTION_DAYS", 30, minimum=0)  # 0 = keep finished runs forever
DATA_UPLOAD_MAX_MEMORY_SIZE = TWIN_MAX_BODY_BYTES

# Celery: JSON only, late acks, one message at a time, soft < hard < visibility timeout.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = TWIN_TASK_SLICE_S * 2
CELERY_TASK_TIME_LIMIT = TWIN_TASK_SLICE_S * 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": TWIN_TASK_SLICE_S * 5}
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The beat-driven reaper goes to the same queue: workers consume only `simulations` (-Q simulations).
CELERY_TASK_ROUTES = {
    "web.tasks.run_execute_task": {"queue": "simulations"},
    "web.tasks.run_reap_stale_task": {"queue": "simulations"},
    "web.tasks.sweep_point_task": {"queue": "simulations"},
}
CELERY_BEAT_SCHEDULE = {
    "reap-stale-runs": {"task": "web.tasks.run_reap_stale_task", "schedule": float(TWIN_HEARTBEAT_S * 5)}
}

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous/bad-token API calls 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested deeper than web.jsonlimits.MAX_JSON_DEPTH is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "web.jsonlimits.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # ?limit= is capped at web.api.pagination.MAX_LIMIT (200); bad limit/offset values are a 400.
    "DEFAULT_PAGINATION_CLASS": "web.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "web.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Compute–power–heat twin API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets served from the installed sidecar package (offline, no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Security: production values whenever the site is served over HTTPS (TWIN_HTTPS, default: distributed, DEBUG off).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", TWIN_HTTPS)
SESSION_COOKIE_SECURE = TWIN_HTTPS
CSRF_COOKIE_SECURE = TWIN_HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0) if TWIN_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TWIN_HTTPS
SECURE_HSTS_PRELOAD = TWIN_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp, docs/security.md): scripts only from our own static files (no inline
# script, no eval); inline *styles* stay allowed — ECharts writes its tooltips as HTML with style attributes and
# the Swagger UI page carries a <style> block — which cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # includes ws(s):// to this host (the run stream)
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Mesa logs every model.step at INFO: far too chatty (and slow) for workers.
    "loggers": {"MESA": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
