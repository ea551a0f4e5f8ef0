"""Settings for the Jinshui party-building portal.

Everything that differs between a laptop and production comes from the environment:
DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS (plus a few optional ones below).
With none of them set the portal runs on a local SQLite file, with Celery tasks executed
in-process, so a first look needs no other server.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
#: False when no SECRET_KEY came from the environment. Management commands and development then run on a
#: known key; serving with DEBUG off refuses to start (jinshui/wsgi.py) and `check --deploy` fails
#: (core/checks.py), so production cannot run on it.
SECRET_KEY_FROM_ENV = bool(SECRET_KEY)
if not SECRET_KEY:
    SECRET_KEY = "django-insecure-dev-only-secret-key-not-for-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "django_celery_beat",
    "import_export",
    "core.apps.AxesConfig",
    "core.apps.CoreConfig",
    "accounts",
    "inbox",
    "jobs",
    "grids",
    "members",
    "assessment",
    "servicecenters",
    "community",
    "accountability",
    "participation",
    "dashboard",
    "learning",
    "workbench",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every page (CONTENT_SECURITY_POLICY below), the header built once (core.csp).
    "core.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An IntegrityError no form caught: the constraint's message on the page, never a 500 or its name.
    "core.constraints.IntegrityErrorMiddleware",
    # The second factor before the staff pages (accounts.scopes.requires_second_factor).
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it turns a locked-out sign-in into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jinshui.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workbench.nav.staff_nav",
            ],
        },
    },
]

WSGI_APPLICATION = "jinshui.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo database: wait for a writer instead of failing, and
    # take the write lock at BEGIN so that concurrent writers serialise.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A read replica (README "Scaling out"): the dashboard's refresh and the exports read from it (core.replica).
# In tests it mirrors the default database, so the routing is exercised on one server.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]

# Behind PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer) a connection is handed to another client
# between transactions: no server-side cursors (they live across transactions); the portal takes only
# transaction-level advisory locks and sets no session state, which transaction pooling allows.
# Nor prepared statements (core.prepared): a session's statements stay with the server connection, not the client.
DATABASE_PREPARED_STATEMENTS = True
if os.environ.get("DATABASE_POOLER", "").lower() == "pgbouncer":
    for _alias in DATABASES:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASE_PREPARED_STATEMENTS = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
    "accounts.backends.RoleModelPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Chinese by default, English on request; stored in UTC, shown in Beijing time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "core.staticfiles.CachedURLStaticFilesStorage"  # WhiteNoise's, each URL worked out once
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

LOGIN_URL = "admin:login"

# Redis: broker for Celery and the shared cache. Without it, tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_cache(url):
    """The cache on Redis, failing open: when Redis is down or frozen, reads miss and writes go to a local
    per-process cache with a logged warning (core.cache), so no page but /healthz depends on Redis. Short
    socket timeouts (REDIS_CACHE_TIMEOUT seconds) bound the wait on a frozen server; after a failure Redis is
    left alone for REDIS_CACHE_RETRY seconds."""
    timeout = float(os.environ.get("REDIS_CACHE_TIMEOUT", "0.5"))
    return {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout,
                    "retry_after": float(os.environ.get("REDIS_CACHE_RETRY", "10"))},
    }


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# Nothing handed to Celery may be lost when Redis, a worker or the database fails. The outbox (jobs.outbox) is
# what makes a hand-off durable: the work is a row written with the change that wants it, sent after commit, and
# sent again by the sweep (beat, every minute) when it was not, or when its worker's lease lapsed. The settings
# below are the broker's part, each chosen for that:
# - Acks late + reject on worker lost: a message is acknowledged only after its task ran, and if the worker child
#   running it dies (killed, out of memory) it goes back to the queue and runs again at once, instead of being
#   acknowledged as failed and lost. Every task is idempotent (the job ledger; an import restarts from scratch in
#   one transaction), so running twice is safe.
# - visibility_timeout (900 s): Redis gives an unacknowledged message (its whole worker died) back after this
#   (kombu's default is an hour). It must stay longer than the longest task time limit
#   (CELERY_TASK_TIME_LIMIT), or a task still running would be delivered a second time
#   (tests/jobs/test_outbox.py checks it). A dead worker's job is re-sent by the sweep when its lease
#   (JOBS_LEASE_SECONDS) lapses, much sooner.
# - Socket and connection timeouts, no publish retries after commit: a Redis that is down or frozen (SIGSTOP, a
#   dead network) fails a publish within seconds instead of hanging the request; the row waits for the sweep.
# - The worker reconnects to the broker for ever (no maximum): a long Redis outage must not stop it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 900,
    "socket_timeout": 3,
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The outbox (jobs.outbox): a worker's lease, and when the sweep hands work again.
JOBS_LEASE_SECONDS = int(os.environ.get("JOBS_LEASE_SECONDS", "60"))
JOBS_SEND_GRACE_SECONDS = 10
JOBS_RESEND_AFTER_SECONDS = CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
JOBS_WAITING_RETRY_SECONDS = 3600
JOBS_OUTBOX_KEEP_DAYS = 30

# Worker limits: no task, whatever its input, keeps a worker process forever or grows it without end. A child
# process whose memory passed the limit (KiB) after a task is replaced before the next one; a task past the soft
# time limit gets SoftTimeLimitExceeded (it can record its failure), past the hard one its process is killed and
# replaced. A 50,000-row sheet import reads in well under a minute and under 500 MB (members.imports.cells bounds it).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_MEMORY_PER_CHILD", str(768 * 1024)))
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_TASKS_PER_CHILD", "500"))
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", str(10 * 60)))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", str(12 * 60)))

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_authentication.TokenAuthentication",
        "accounts.api_authentication.SecondFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: people explore the API at /api/docs/ (DRF's browsable pages carry inline styles that the
    # Content-Security-Policy refuses).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.ApiSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON nested deeper than core.parsers.MAX_JSON_DEPTH is refused with a 400 (not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("API_ANON_RATE", "120/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jinshui party-building portal API",
    "DESCRIPTION": "REST API of the Jinshui District party-building portal (金水区基层党建平台).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets sharing a field name ("kind", "status") across apps get their own names.
    "ENUM_NAME_OVERRIDES": {
        "RequestKindEnum": "participation.models.RequestKind",
        "RequestStatusEnum": "participation.models.RequestStatus",
        "ServiceKindEnum": "participation.models.ServiceKind",
        "ActivityKindEnum": "participation.models.ActivityKind",
        "SignupStatusEnum": "participation.models.SignupStatus",
        "RoomKindEnum": "servicecenters.models.RoomKind",
        "BookingStatusEnum": "servicecenters.models.BookingStatus",
        # member work
        "DevelopmentStageEnum": "members.development.models.DevelopmentStage",
        "FilingStatusEnum": "members.development.models.FilingStatus",
        "TransferStatusEnum": "members.transfers.models.TransferStatus",
        "DuesKindEnum": "members.dues.models.DuesKind",
        "MeetingKindEnum": "members.orglife.models.MeetingKind",
        "PointCategoryEnum": "members.points.models.PointCategory",
        "DutyFrequencyEnum": "members.orglife.models.Frequency",
        # The names the members and bookings routes had before member work shared their field names.
        "CategoryEnum": "members.records.models.MemberCategory",
        "FrequencyEnum": "servicecenters.models.BookingSeries.Frequency",
        "ResourceKindEnum": "participation.models.ResourceKind",
        "UnitLevelEnum": "assessment.models.UnitLevel",
        "FindingStatusEnum": "assessment.models.FindingStatus",
        "InterviewStatusEnum": "assessment.models.InterviewStatus",
        "InterviewReasonEnum": "assessment.models.InterviewReason",
        "IssueStageEnum": "community.models.IssueStage",
        "VisitOutcomeEnum": "community.models.VisitOutcome",
    },
}

# Sign-in safety: lock a user name + address pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)

# Two-factor sign-in (django-otp: an authenticator app, recovery codes) for district staff, inspectors and everyone
# who may change member records (accounts.scopes.requires_second_factor): on unless OTP_REQUIRED=0, which only the
# SQLite demo (scripts/demo) sets. Each wrong code doubles the wait before the next try on that device.
OTP_REQUIRED = env_bool("OTP_REQUIRED", default=True)
OTP_TOTP_ISSUER = "金水区党建平台"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user row: anonymous visitors get nothing

# Production hardening whenever DEBUG is off.
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from the portal's own static files only:
# no inline script or style attribute anywhere (templates use static files, data-* attributes and CSS classes), no
# plug-ins, no framing, forms post to the portal only. The API docs use drf-spectacular-sidecar's files and the
# split Swagger view (its start-up script is a file too).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
# How long the cache keeps a user's resolved data scope between requests (accounts.scopes; dropped at once when
# their grants change); 0 reads the grants on every request.
SCOPE_CACHE_SECONDS = int(os.environ.get("SCOPE_CACHE_SECONDS", "300"))
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

PORTAL_NAME = _("Jinshui District party-building portal")

# Email (booking confirmations, reminders …): SMTP from the environment; printed to the console with
# DEBUG on and no EMAIL_HOST, so the demo needs no mail server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@jinshui.gov.cn")


# Text messages (core.sms): the backend (a dotted class path), Tencent Cloud SMS credentials and its approved template ids,
# quiet hours and per-phone limits. Without SMS_BACKEND, SMS are printed to the console.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.backends.ConsoleBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "sms.log"))
SMS_TENCENT_SECRET_ID = os.environ.get("SMS_TENCENT_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = os.environ.get("SMS_TENCENT_SECRET_KEY", "")
SMS_TENCENT_APP_ID = os.environ.get("SMS_TENCENT_APP_ID", "")
SMS_TENCENT_SIGN = os.environ.get("SMS_TENCENT_SIGN", "")
SMS_TENCENT_REGION = os.environ.get("SMS_TENCENT_REGION", "ap-guangzhou")
#: {template key (inbox.kinds.SMS_TEXTS): the provider's approved template id}, from "key=id,key=id".
SMS_TEMPLATE_IDS = dict(item.split("=", 1) for item in env_list("SMS_TEMPLATE_IDS") if "=" in item)
#: No SMS from the first hour to the second (Asia/Shanghai): they wait, they are not dropped.
SMS_QUIET_HOURS = (int(os.environ.get("SMS_QUIET_START", "22")), int(os.environ.get("SMS_QUIET_END", "7")))
SMS_RATE_PER_HOUR = int(os.environ.get("SMS_RATE_PER_HOUR", "5"))
SMS_RATE_PER_DAY = int(os.environ.get("SMS_RATE_PER_DAY", "10"))
#: Send new e-mail and SMS from the Celery worker instead of right after the request's commit.
INBOX_DELIVER_ASYNC = env_bool("INBOX_DELIVER_ASYNC", default=False)
