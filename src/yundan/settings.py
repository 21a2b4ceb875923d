"""Django settings, read from ``YUNDAN_*`` environment variables (see ``.env.example``).

The defaults run on one machine with nothing else installed: SQLite in WAL mode inside
``YUNDAN_HOME``. ``YUNDAN_DATABASE_URL`` switches to PostgreSQL with the same code.
"""

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url

from yundan.clock import parse_frozen_now


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"YUNDAN_{name}", default).strip()


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    return default if not value else value.lower() in {"1", "true", "yes", "on"}


def _env_number(name: str, default: str, kind=int):
    """A number setting; a value that is not one stops the start with the variable's name."""
    value = _env(name, default)
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"YUNDAN_{name}={value!r}: expected a {'whole ' if kind is int else ''}number") from None


def _default_home() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "yundan"


def _secret_key(home: Path) -> str:
    """Use YUNDAN_SECRET_KEY, else a random key kept in the data folder (stable across restarts)."""
    configured = _env("SECRET_KEY")
    if configured:
        return configured
    key_file = home / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


YUNDAN_HOME = Path(_env("HOME") or _default_home()).expanduser()
YUNDAN_HOME.mkdir(parents=True, exist_ok=True)

SECRET_KEY = _secret_key(YUNDAN_HOME)
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h for h in _env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]

YUNDAN_NOW = parse_frozen_now(_env("NOW")) if _env("NOW") else None
# Force one simulated scenario for every sandbox package (see yundan.carriers.sandbox).
YUNDAN_SANDBOX_SCENARIO = _env("SANDBOX_SCENARIO") or None
# `batch query --refresh` asks carriers again for live packages whose data is older than this.
YUNDAN_BATCH_REFRESH_AGE_MINUTES = _env_number("BATCH_REFRESH_AGE_MINUTES", "30")
# Batch query jobs that ended (done or failed) more than this many days ago are deleted with their
# upload and result files, every night; 0 keeps them for ever.
YUNDAN_BATCH_JOB_DAYS = _env_number("BATCH_JOB_DAYS", "30")


def _numbers_by_name(name: str, example: str, number: type = int) -> dict[str, int | float]:
    """``YUNDAN_<name>="in_transit=240,out_for_delivery=60"`` → {"in_transit": 240, …}."""
    text = _env(name)
    try:
        return {key: number(value) for key, value in (
            part.split("=", 1) for part in text.replace(" ", "").split(",") if part)}
    except ValueError:
        raise ValueError(f"YUNDAN_{name}={text!r}: expected name=number,… e.g. {example}") from None


# Tracking refresh: minutes between polls by status (defaults in yundan.tracking.schedule), days
# without change before polling stops, and the polling fallback for packages the carrier pushes.
YUNDAN_REFRESH_MINUTES = _numbers_by_name("REFRESH_MINUTES", "in_transit=240")
YUNDAN_RETIRE_DAYS = _env_number("RETIRE_DAYS", "60")
YUNDAN_SUBSCRIBED_REFRESH_MINUTES = _env_number("SUBSCRIBED_REFRESH_MINUTES", "720")
# Most due packages the scheduler claims a minute (the next minute takes the rest), and how many
# of them go in one run: the runs are queued and every worker takes them.
YUNDAN_REFRESH_BATCH = _env_number("REFRESH_BATCH", "5000")
YUNDAN_REFRESH_RUN = _env_number("REFRESH_RUN", "500")
if YUNDAN_REFRESH_RUN < 1:
    raise ValueError(f"YUNDAN_REFRESH_RUN={YUNDAN_REFRESH_RUN}: expected at least 1")

# Exception rules: hours (working time by the Chinese calendar) overriding the defaults of
# yundan.exceptions.rules, e.g. "stalled=48,stalled_remote=72,delivery_timeout=36", and the
# provinces that get the remote threshold (comma-separated; empty = the six of the rules).
YUNDAN_EXCEPTION_HOURS = _numbers_by_name("EXCEPTION_HOURS", "stalled=48", float)
YUNDAN_REMOTE_PROVINCES = [p for p in _env("REMOTE_PROVINCES").replace(" ", "").split(",") if p]

# Webhooks out (docs/webhooks.md): the waits between tries (empty = the default of
# yundan.webhooks.retry, "5s,5m,30m,2h,5h,10h,10h"), when an endpoint whose tries all fail is
# disabled (a run this many hours long with at least this many failures), how the worker sends
# (seconds per request, requests at once, deliveries per claim, an egress proxy such as smokescreen
# so webhooks cannot reach internal addresses), and how long finished ones are kept.
YUNDAN_WEBHOOK_RETRY_SCHEDULE = _env("WEBHOOK_RETRY_SCHEDULE")
YUNDAN_WEBHOOK_DISABLE_AFTER_HOURS = _env_number("WEBHOOK_DISABLE_AFTER_HOURS", "24", float)
YUNDAN_WEBHOOK_DISABLE_MIN_FAILURES = _env_number("WEBHOOK_DISABLE_MIN_FAILURES", "5")
YUNDAN_WEBHOOK_TIMEOUT = _env_number("WEBHOOK_TIMEOUT", "15", float)
YUNDAN_WEBHOOK_CONCURRENCY = _env_number("WEBHOOK_CONCURRENCY", "8")
YUNDAN_WEBHOOK_BATCH = _env_number("WEBHOOK_BATCH", "200")
YUNDAN_WEBHOOK_PROXY = _env("WEBHOOK_PROXY")
YUNDAN_WEBHOOK_KEEP_DAYS = _env_number("WEBHOOK_KEEP_DAYS", "30")

# The 看板 (dashboard) numbers are recomputed by the worker every this many minutes (1–59; see
# docs/dashboard.md): the page reads the last result instead of scanning every order per view.
_dashboard_minutes = _env("DASHBOARD_REFRESH_MINUTES", "10")
if not _dashboard_minutes.isdigit() or not 1 <= int(_dashboard_minutes) <= 59:
    raise ValueError(f"YUNDAN_DASHBOARD_REFRESH_MINUTES={_dashboard_minutes!r}: expected whole minutes from 1 to 59")
YUNDAN_DASHBOARD_REFRESH_MINUTES = int(_dashboard_minutes)

# JD order sync (docs/jd-sync.md): the worker runs each JD shop's sync every this many minutes, and
# a refused shipment report is retried after this many minutes, doubling per try up to a day.
YUNDAN_JD_SYNC_MINUTES = _env_number("JD_SYNC_MINUTES", "10")
YUNDAN_JD_SHIPMENT_RETRY_MINUTES = _env_number("JD_SHIPMENT_RETRY_MINUTES", "10")

# REST API (docs/api.md): requests a minute per API key; past it the API answers 429 with Retry-After.
YUNDAN_API_RATE_LIMIT = _env_number("API_RATE_LIMIT", "600")

# Background work (Huey): SQLite in YUNDAN_HOME by default; Redis when YUNDAN_REDIS_URL is set.
YUNDAN_REDIS_URL = _env("REDIS_URL")
HUEY = {
    # Huey's classes, each periodic tick queued once however many schedulers run (yundan.queue).
    "huey_class": "yundan.queue.RedisHuey" if YUNDAN_REDIS_URL else "yundan.queue.SqliteHuey",
    "name": "yundan",
    "immediate": False,
    "results": False,
    "connection": {"url": YUNDAN_REDIS_URL} if YUNDAN_REDIS_URL else {"filename": str(YUNDAN_HOME / "queue.sqlite3")},
    "consumer": {"workers": _env_number("WORKER_THREADS", "2"), "worker_type": "thread", "periodic": True},
}

# Public tracking page and buyer page (docs/public-pages.md): waybill numbers a minute per client
# address (a lookup of N numbers costs N, a buyer lookup 1), and lookups an hour per order number on
# the buyer page. The client address is REMOTE_ADDR, or X-Forwarded-For when the request comes
# from one of YUNDAN_TRUSTED_PROXIES (comma-separated addresses or networks, e.g. 10.0.0.0/8).
YUNDAN_PUBLIC_RATE_LIMIT = _env_number("PUBLIC_RATE_LIMIT", "30")
YUNDAN_BUYER_LOOKUPS_PER_ORDER = _env_number("BUYER_LOOKUPS_PER_ORDER", "10")
YUNDAN_TRUSTED_PROXIES = [p for p in _env("TRUSTED_PROXIES").replace(" ", "").split(",") if p]
for _proxy in YUNDAN_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ValueError(f"YUNDAN_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network, e.g. 10.0.0.0/8") from None

# Django's cache (the shared rate limiter, yundan.ratelimit, counts in it): Redis when configured, so
# every web process shares one count; this process's memory otherwise.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": YUNDAN_REDIS_URL,
        "KEY_PREFIX": "yundan",
    } if YUNDAN_REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "yundan",
    "yundan.orders",
    "yundan.shipping",
    "yundan.tracking",
    "yundan.carriers",
    "yundan.batch",
    "yundan.exceptions",
    "yundan.integrations",
    "yundan.api",
    "ninja",  # REST API docs page: Swagger UI served from the package, no CDN
    "yundan.webhooks",
    "yundan.console",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "yundan.logs.RequestIdMiddleware",  # first: every line logged for a request carries its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "yundan.console.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "yundan.urls"
WSGI_APPLICATION = "yundan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "yundan.console.context.console",
            ]
        },
    }
]

# WAL lets a web process read while a worker writes; IMMEDIATE transactions take the write lock
# up front so two writers queue (busy timeout) instead of failing with "database is locked".
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

_database_url = _env("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": YUNDAN_HOME / "yundan.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    # Each web thread keeps its connection (and SQLite's page cache with it) between requests:
    # reconnecting per request re-read the pages of a big database every time.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A file, not memory: tests that run yundan in other processes share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(YUNDAN_HOME / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = _env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = YUNDAN_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves collected files from here, the package's otherwise
# Static files are served by the app itself (WhiteNoise), from the package when not collected.
WHITENOISE_USE_FINDERS = True
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "orders"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Served over HTTPS by a reverse proxy that sets X-Forwarded-Proto (docs/deploy.md): requests it
# forwards count as secure (Django's CSRF check then expects the https origin) and cookies go
# over HTTPS only.
YUNDAN_HTTPS = _env_bool("HTTPS")
if YUNDAN_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

# Logs (docs/operations.md): one line per record on stderr, as text or as JSON lines for a log
# shipper, with personal data masked in every record (yundan.logs).
YUNDAN_LOG_FORMAT = _env("LOG_FORMAT", "text").lower()
if YUNDAN_LOG_FORMAT not in {"text", "json"}:
    raise ValueError(f"YUNDAN_LOG_FORMAT={YUNDAN_LOG_FORMAT!r}: expected text or json")
YUNDAN_LOG_LEVEL = _env("LOG_LEVEL", "WARNING").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "yundan.logs.PersonalDataFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "yundan.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": YUNDAN_LOG_FORMAT, "filters": ["personal_data"],
                    "level": YUNDAN_LOG_LEVEL},
        "none": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": YUNDAN_LOG_LEVEL},
    "loggers": {
        # Every record goes through the root's one masked handler: Django's own console handler and
        # the one `run_huey` adds to a "huey" logger without handlers would write unmasked lines.
        "django": {"handlers": [], "level": "NOTSET"},
        "huey": {"handlers": ["none"], "level": "NOTSET"},
        # Never logged, whatever the level: SQL with its parameters, and the template engine's debug
        # records of a missing variable, which print the whole context (receivers included).
        "django.db.backends": {"level": "INFO"},
        "django.template": {"level": "INFO"},
    },
}
