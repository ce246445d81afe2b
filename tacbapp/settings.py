"""Settings for tacbapp: one file, every value from the environment.

Every variable is documented in README.md and .env.example. With no environment at
all the app runs on a SQLite file in the project folder, in DEBUG mode, which is
what a newcomer gets after `make run`.
"""

import datetime
import os
from pathlib import Path
from typing import Any

import dj_database_url

from tacbapp.replicas import replica_databases

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", True)
# The development key only works with DEBUG on; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "activities",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Officers on slow lines: pages and JSON compressed (the dashboard's 264 kB of map is
    # 86 kB). Django's GZip pads responses against BREACH; it wraps the ETag middleware
    # so the tag is computed on the body and made weak, as compression requires.
    "django.middleware.gzip.GZipMiddleware",
    # Which database a request reads from: a streaming replica, or the primary for a
    # write and for a client whose last write the replica has not replayed yet
    # (tacbapp/replicas.py). Above sessions, so it sees the session saved. Without
    # DATABASE_REPLICA_URLS it does nothing.
    "tacbapp.replicas.ReplicaMiddleware",
    # After a write request, the activities it touched are rolled up again
    # (activities/rollups/): the next answer sums summary rows, not base rows.
    "activities.rollups.middleware.RollupMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: the cookie set by the switcher (/i18n/setlang/), else the
    # browser's Accept-Language, else English. URLs carry no language prefix, so every
    # link stays as it was. After sessions, before CommonMiddleware (Django's rule).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag from the response body and 304 on If-None-Match for every GET: derived from
    # the data itself, so it changes the moment any record changes (no stale cache).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Every answer to a request with credentials is private to it (answer_cache/private.py).
    "activities.answer_cache.private.PrivateAnswerMiddleware",
    # A kept answer for a visitor not signed in, before the view (activities/answer_cache/):
    # below every middleware that adds headers, so a hit has the same as a miss.
    "activities.answer_cache.middleware.AnswerCacheMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A view that meets an unreachable database answers 503, not 500 (activities/outage.py).
    "activities.outage.DatabaseUnavailableMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes' own rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tacbapp.urls"
WSGI_APPLICATION = "tacbapp.wsgi.application"
ASGI_APPLICATION = "tacbapp.asgi.application"

# Select boxes written in Python, character for character as Django's templates would
# (the filter sidebars' 250-option selects cost a list 60 % of its rendering).
FORM_RENDERER = "tacbapp.form_renderer.FastSelectRenderer"

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
                # The review counts of the navigation bar (one query, when shown).
                "activities.review_selectors.navigation_counts",
            ],
        },
    },
]

# DATABASE_URL defaults to the embedded SQLite file; postgres://user@host:port/name
# uses PostgreSQL through psycopg 3.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The counts are short analytical queries: PostgreSQL's JIT compiler spends longer
    # compiling them than running them, and their sorts fit in a little more work_mem.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit=off -c work_mem={os.environ.get('PG_WORK_MEM', '32MB')}"
    )
# Streaming replicas of the primary (comma-separated postgres:// URLs): reads go to them,
# writes to `default` (tacbapp/replicas.py, README "Scale"). A client that just wrote
# reads from the primary until the replica has replayed its write, at most this long.
DATABASES.update(replica_databases(env_list("DATABASE_REPLICA_URLS", ""), DATABASES["default"]))
DATABASE_ROUTERS = ["tacbapp.replicas.ReplicaRouter"]
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 60)
# A replica found unreachable is skipped this long before it is tried again.
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out login never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Without a `next`, sign-in lands on the user's own work (officer_views.signed_in).
LOGIN_REDIRECT_URL = "signed-in"
LOGOUT_REDIRECT_URL = "/"

# Login throttling: lock a username+address pair after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind NUM_PROXIES reverse proxies (a load balancer: 1), the client's address is the
# one the nearest of them appended to X-Forwarded-For; unset (direct): REMOTE_ADDR, and
# X-Forwarded-For is ignored, so a client cannot pick the address its failures count
# against (DRF's default, None, would take the whole header a client wrote). One setting
# for the login lockout (django-axes) and the API throttles (DRF).
NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES:
    AXES_IPWARE_PROXY_COUNT = NUM_PROXIES
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Content-Security-Policy, in development too (so that tests and browsers catch a
# violation before production does): everything from this origin only, no inline
# script or style, no framing. The API docs page relaxes style-src for Swagger UI's own
# <style> block (activities/api/urls.py); nothing else is relaxed.
# A directive is a list of sources, or one string (report-uri).
CONTENT_SECURITY_POLICY: dict[str, dict[str, list[str] | str]] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if os.environ.get("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = os.environ["CSP_REPORT_URI"]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# The interface in three languages (README "Languages"; catalogs in locale/, the glossary
# in docs/glossary-i18n.md). Numbers and dates follow the active language's formats.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switcher's choice, remembered for a year; readable by no script.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Evidence files (activities/evidence/, README "Evidence files"): the storage alias
# "evidence". By default a private folder, EVIDENCE_ROOT, that no URL serves (not under
# STATIC_ROOT nor a MEDIA_ROOT): every download goes through a view that checks who asks.
# EVIDENCE_STORAGE=s3: an S3-compatible bucket through django-storages (AWS S3, MinIO,
# Ceph...), private objects, configured by the AWS_* variables below.
EVIDENCE_ROOT = os.environ.get("EVIDENCE_ROOT", str(BASE_DIR / "var" / "evidence"))
EVIDENCE_STORAGE = os.environ.get("EVIDENCE_STORAGE", "filesystem").strip().lower()
if EVIDENCE_STORAGE == "s3":
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            # A prefix inside the bucket, so that one bucket can hold other things.
            "location": os.environ.get("EVIDENCE_S3_PREFIX", "evidence"),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            # Private objects, never overwritten; read only through the download view.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif EVIDENCE_STORAGE == "filesystem":
    STORAGES["evidence"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": EVIDENCE_ROOT,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
else:
    raise RuntimeError("EVIDENCE_STORAGE must be 'filesystem' or 's3'")
if Path(EVIDENCE_ROOT).resolve().is_relative_to(Path(STATIC_ROOT).resolve()):
    raise RuntimeError("EVIDENCE_ROOT must not lie under STATIC_ROOT: it would be served")
# The largest file accepted (bytes): a larger upload is a 413 (API) or a 400 (page)
# naming this limit.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# What a spreadsheet or document (a ZIP inside) may hold once unpacked, in bytes; more is
# refused as a likely ZIP bomb (the declared sizes are read, nothing is unpacked).
EVIDENCE_MAX_UNPACKED_BYTES = env_int("EVIDENCE_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)
# The front server sends the bytes when it can: "nginx" (X-Accel-Redirect to
# EVIDENCE_SENDFILE_PREFIX + the stored name, an `internal` location aliased to
# EVIDENCE_ROOT), "apache" (X-Sendfile with the file's path, mod_xsendfile); "" (the
# default): Django streams the file itself. Filesystem storage only.
EVIDENCE_SENDFILE = os.environ.get("EVIDENCE_SENDFILE", "").strip().lower()
if EVIDENCE_SENDFILE not in ("", "nginx", "apache"):
    raise RuntimeError("EVIDENCE_SENDFILE must be '', 'nginx' or 'apache'")
EVIDENCE_SENDFILE_PREFIX = os.environ.get("EVIDENCE_SENDFILE_PREFIX", "/_evidence/")

# Limits on every write (README, "Limits and errors"). A request body over this many
# bytes is a 413 from the API and a 400 from a form (Django's own default is 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024)
# JSON nested deeper than this is a 400 (an activity needs 3 levels).
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
# Beneficiary rows one activity may have, through the API or the officer's form: a 400.
MAX_BENEFICIARY_ROWS = env_int("MAX_BENEFICIARY_ROWS", 1000)
# Sessions one activity may have (a series, a course), through the API: a 400.
MAX_SESSIONS = env_int("MAX_SESSIONS", 500)
# Person-level counts (people, learning) between 1 and this - 1 are shown as "<5" to
# anonymous users, donor viewers and officers, with secondary suppression
# (activities/people/suppression.py). 1 turns suppression off.
PERSON_COUNT_THRESHOLD = env_int("PERSON_COUNT_THRESHOLD", 5)

# Personal data (README, "Personal data"): a person whose last attended activity ended
# more than this many years ago is erased by `manage.py erase_expired_people`.
PERSONAL_DATA_RETENTION_YEARS = env_int("PERSONAL_DATA_RETENTION_YEARS", 7)

REST_FRAMEWORK = {
    # Token first: an anonymous write is then a 401 with WWW-Authenticate: Token (the
    # first class decides), not a 403. Sessions work as before.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's, with a limit on wrong tokens per address (API_TOKEN_FAILURE_RATE).
        "activities.api.authentication.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "activities.api.permissions.ModelPermissionsOrAnonReadOnly",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # A page size the consumer chooses (up to 1000), a 400 for a bad one: api/pagination.py
    "DEFAULT_PAGINATION_CLASS": "activities.api.pagination.Pagination",
    # Bodies within DATA_UPLOAD_MAX_MEMORY_SIZE (else 413), JSON within API_MAX_JSON_DEPTH
    # levels (else 400): api/parsers.py.
    "DEFAULT_PARSER_CLASSES": [
        "activities.api.parsers.BoundedJSONParser",
        "activities.api.parsers.BoundedFormParser",
        "activities.api.parsers.BoundedMultiPartParser",
    ],
    "PAGE_SIZE": 50,
    # JSON by default; ?format=csv (flattened, &hxl=1 for HXL hashtags) for every view.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "activities.api.renderers.CSVRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # An unknown ?format= is a 400 naming the parameter (DRF's default is a bare 404).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "activities.api.params.StrictContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "activities.api.schema.AutoSchema",  # anonymous reads, stats filters
    # Counted in the "throttle" cache, which all workers share when Redis is configured.
    "DEFAULT_THROTTLE_CLASSES": ["activities.api.throttling.AnonRateThrottle"],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "600/minute"),
        # Wrong API tokens per client address before every token is refused (429).
        "token_failure": os.environ.get("API_TOKEN_FAILURE_RATE", "10/minute"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "tacbapp API",
    "DESCRIPTION": (
        "Technical assistance and capacity-building delivered by a programme: activities, "
        "where and to whom, and counts that never double-count. Codes, numbers and "
        "place names are the same in every language; error messages and display labels "
        "(kind_label, period_label, role_label) follow Accept-Language (en, fr, es; "
        "English without it)."
    ),
    "VERSION": "1.0.0",
    # 3.1: a nullable reference is oneOf [$ref, null], which strict readers accept
    # (3.0's allOf + nullable without a type is refused by openapi-core).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online validator badge: /api/v1/docs/ loads nothing from outside the site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "validatorUrl": None},
    # Request bodies name related records by code, responses nest them: two components.
    "COMPONENT_SPLIT_REQUEST": True,
    # A stored value says "more than"; a sum of values says "at least" (counting.py).
    "ENUM_NAME_OVERRIDES": {
        "RecordQualifierEnum": "activities.models.Qualifier",
        "SumQualifierEnum": ["exact", "at_least", "about"],
        "CountriesQualifierEnum": ["exact", "at_least"],
        "IndicatorKindEnum": "activities.models.IndicatorKind",
        "SexPartEnum": ["", "female", "male", "not_recorded"],
        "DatePrecisionEnum": "activities.models.DatePrecision",
        "EvidenceKindEnum": "activities.models.EvidenceKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "activities.api.schema.postprocess",  # CSV as text; the error responses
    ],
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tacbapp",
    },
    # Counts, lists and pages, keyed by the data version that database triggers bump with
    # every write (activities/answer_cache/): a changed record misses at once.
    "answers": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tacbapp-answers",
        "TIMEOUT": env_int("ANSWER_CACHE_SECONDS", 3600),
        "OPTIONS": {"MAX_ENTRIES": env_int("ANSWER_CACHE_ENTRIES", 1000)},
    },
    # Each activity's API representation, kept under its stamp (answer_cache/records.py):
    # apart from the answers, so that paging through the list does not push them out.
    "answer_records": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tacbapp-answer-records",
        "TIMEOUT": env_int("ANSWER_CACHE_SECONDS", 3600),
        "OPTIONS": {"MAX_ENTRIES": env_int("ANSWER_CACHE_RECORDS", 20000)},
    },
}
# With several workers (or machines), one shared tier behind each worker's own: after a
# write, an answer is computed once, not once per worker. Short timeouts: a Redis that is
# down or slow makes answers computed, never requests hang.
# Computed answers sum each activity's counts kept cell by cell (activities/rollups/)
# where they hold the question; ROLLUPS=0 counts from the base tables always.
ROLLUPS = env_bool("ROLLUPS", True)
# A reader that finds writes not yet rolled up rolls them up first (else it counts from
# the base tables). The test suite turns it off so that a page's statements do not
# depend on whether an earlier write was rolled up (tests/conftest.py).
ROLLUPS_READERS_CATCH_UP = env_bool("ROLLUPS_READERS_CATCH_UP", True)
# On PostgreSQL the rollups' statements, the same for every write but for its ids, are
# prepared once per connection (stats/sql.py fetch_prepared). 0 for a connection pooler
# that does not keep prepared statements (PgBouncer before 1.22 in transaction mode).
PREPARED_STATEMENTS = env_bool("PREPARED_STATEMENTS", True)
ANSWER_CACHE_SHARED_URL = os.environ.get("ANSWER_CACHE_SHARED_URL", "")
if ANSWER_CACHE_SHARED_URL:
    CACHES["answers_shared"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": ANSWER_CACHE_SHARED_URL,
        "KEY_PREFIX": "tacbapp-answers",
        "TIMEOUT": env_int("ANSWER_CACHE_SECONDS", 3600),
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
ANSWER_CACHE_ENABLED = env_bool("ANSWER_CACHE", True)
# API throttle counts (activities/api/throttling.py): in Redis, shared by all workers, when
# a URL is set (by default the answer cache's); else in each worker's memory.
THROTTLE_CACHE_URL = os.environ.get("THROTTLE_CACHE_URL", ANSWER_CACHE_SHARED_URL)
CACHES["throttle"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": THROTTLE_CACHE_URL,
        "KEY_PREFIX": "tacbapp-throttle",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    if THROTTLE_CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tacbapp-throttle",
    }
)
# API clients' read-your-writes pins (tacbapp/replicas.py): where the throttles are, so
# that every worker on every host sees a token's last write.
CACHES["replica_pins"] = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache"
    if THROTTLE_CACHE_URL
    else "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": THROTTLE_CACHE_URL or "tacbapp-replica-pins",
    "KEY_PREFIX": "tacbapp-replica-pins",
    "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
    if THROTTLE_CACHE_URL
    else {},
}
# Retry-After of the 503 that answers while the database is unreachable (activities/outage.py).
DATABASE_UNAVAILABLE_RETRY_AFTER = env_int("DATABASE_UNAVAILABLE_RETRY_AFTER", 5)

# The years a date may fall in, first and last included: a write dated outside is a 400
# naming the field (services.period_errors), so is a year or month filter outside it, and
# the year grouping of the stats never spans more (one officer's draft dated 9999 must
# not make every public answer cost more). Not from the environment: it is a domain rule.
PLAUSIBLE_YEARS = (1950, datetime.date.today().year + 10)

# Production hardening: on whenever DEBUG is off, so `check --deploy` is clean.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Never below INFO, whatever LOG_LEVEL says: at DEBUG the template engine logs the
    # whole context of every missing variable (the request with its query string, the
    # records on the page), which would carry people's names into the logs.
    "loggers": {"django.template": {"level": "INFO"}},
}

# Mail (README "Review and notifications"): the console in development (mails are
# printed), SMTP otherwise; EMAIL_BACKEND may name any Django mail backend. A short
# timeout: mail goes after the commit, and a mail server that does not answer must not
# hold the request (the notification stays unsent and the next digest retries it).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tacbapp <noreply@localhost>")
# The address of the site, for the links in e-mails (no trailing slash).
SITE_BASE_URL = os.environ.get("SITE_BASE_URL", "http://localhost:8000").rstrip("/")

# Attendance sheets (activities/people/sheets.py): a file over this many bytes, a sheet of
# more rows or columns, is refused with a message naming the setting.
ATTENDANCE_MAX_FILE_BYTES = env_int("ATTENDANCE_MAX_FILE_BYTES", 10 * 1024 * 1024)
ATTENDANCE_MAX_ROWS = env_int("ATTENDANCE_MAX_ROWS", 50_000)
ATTENDANCE_MAX_COLUMNS = env_int("ATTENDANCE_MAX_COLUMNS", 50)
# Near matches (activities/people/matching.py): rapidfuzz's token_sort_ratio, 0 to 100.
ATTENDANCE_MATCH_SCORE = env_int("ATTENDANCE_MATCH_SCORE", 85)
# Where an uploaded sheet waits between its preview and its confirmation (personal data:
# kept at most ATTENDANCE_UPLOAD_HOURS, deleted on confirmation).
ATTENDANCE_UPLOAD_DIR = os.environ.get(
    "ATTENDANCE_UPLOAD_DIR", str(BASE_DIR / "var" / "attendance-uploads")
)
ATTENDANCE_UPLOAD_HOURS = env_int("ATTENDANCE_UPLOAD_HOURS", 24)

# Bulk entry of activities (activities/bulk/): the largest sheet, in bytes,
# rows and columns, refused with a message naming the setting. Between its preview and its
# confirmation the sheet waits where attendance sheets do (ATTENDANCE_UPLOAD_DIR).
ACTIVITY_IMPORT_MAX_FILE_BYTES = env_int("ACTIVITY_IMPORT_MAX_FILE_BYTES", 5 * 1024 * 1024)
ACTIVITY_IMPORT_MAX_ROWS = env_int("ACTIVITY_IMPORT_MAX_ROWS", 5000)
ACTIVITY_IMPORT_MAX_COLUMNS = env_int("ACTIVITY_IMPORT_MAX_COLUMNS", 60)

# IATI 2.03 export (activities/iati/, README "Reports and IATI"). The reporting
# organisation's IATI identifier prefixes every iati-identifier: the default is IATI's own
# documentation placeholder, NOT a real organisation; set the publisher's registered ref
# (from the IATI Registry) before publishing. Type 40: multilateral (OrganisationType).
IATI_REPORTING_ORG_REF = os.environ.get("IATI_REPORTING_ORG_REF", "AA-AAA-123456789")
IATI_REPORTING_ORG_NAME = os.environ.get(
    "IATI_REPORTING_ORG_NAME", "United Nations Office on Drugs and Crime"
)
IATI_REPORTING_ORG_TYPE = os.environ.get("IATI_REPORTING_ORG_TYPE", "40")
# The language of the records' titles and descriptions (ISO 639-1): the default xml:lang.
IATI_DEFAULT_LANGUAGE = os.environ.get("IATI_DEFAULT_LANGUAGE", "en")
# Where validated IATI files are kept, by data version and filters (regenerated when the
# data version moves), and how many filtered exports are kept at most.
IATI_FEED_DIR = os.environ.get("IATI_FEED_DIR", str(BASE_DIR / "var" / "iati"))
IATI_FEED_MAX_FILES = env_int("IATI_FEED_MAX_FILES", 50)
