"""Umubyeyi settings: one module, every deployment-specific value read from the environment.

Local defaults give a working embedded system (SQLite, a Redis on localhost); production sets
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DEBUG=0``.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "local-development-only-not-secret"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_tables2",
    "phonenumber_field",
    "rapidsms",
    "rapidsms.backends.database",
    "rapidsms.backends.kannel",
    "rapidsms.contrib.httptester",
    "messaging",
    "maternal",
    "reminders",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # early, so that every answer (refusals too) gets the policy
    "config.middleware.RefuseNullCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.MessageTesterPermissionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
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

DATABASES = {
    # Connections live up to a minute and are checked before reuse, so that a database restart
    # costs a reconnection, not a failed request or task.
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that the Celery worker processes of the integration tests share it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TEST_DATABASE_PATH", str(BASE_DIR / "test.sqlite3"))
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters bound on the server, and statements prepared from their second use: PostgreSQL
    # then plans the few statements every SMS runs once per connection, not once per message
    # (28 % less database CPU per report, docs/benchmarks.md). Set DATABASE_PREPARED_STATEMENTS=0
    # behind a pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
    # With parameters bound on the server a statement takes at most 65,535 of them: never build an
    # IN list from data that grows with the country (run_due and work_for_today show the ways round).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
# RapidSMS's own apps were migrated with AutoField; ours set BigAutoField in their AppConfig.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login brute force (django-axes): 5 failed logins for one username from one address lock that
# pair out for an hour; a successful login clears the count. The lockout backend comes first.
AUTHENTICATION_BACKENDS = [
    "config.authentication.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"  # config.views.home: each role on its own page
LOGOUT_REDIRECT_URL = "login"  # back to the front door, not the admin's "Logged out" page

# Content-Security-Policy on every page (django-csp): scripts, styles, images and fonts from this
# site only; an inline <script> or <style> runs only with the page's nonce ({{ request.csp_nonce }}),
# which the project's templates and its copy of the tester's script carry. No page may be framed,
# and forms post to this site only (docs/security.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Languages: Kinyarwanda is the default; catalogues live in locale/ ---
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "rw")
LANGUAGES = [("rw", "Kinyarwanda"), ("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates as Rwanda writes them (31.01.2026 14:05) in every language, the message tester's included.
FORMAT_MODULE_PATH = ["config.formats"]
DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_ZONE = os.environ.get("TIME_ZONE", "Africa/Kigali")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# --- Phones ---
PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONE_REGION", "RW")
PHONENUMBER_DB_FORMAT = "E164"

# --- RapidSMS ---
RAPIDSMS_ROUTER = "messaging.router.OutboxRouter"
PROJECT_NAME = "Umubyeyi"
INSTALLED_BACKENDS: dict[str, dict[str, Any]] = {
    "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
    "simulator": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
    "kannel-backend": {
        "ENGINE": "messaging.backends.KannelBackend",
        "sendsms_url": os.environ.get("KANNEL_SENDSMS_URL", "http://127.0.0.1:13013/cgi-bin/sendsms"),
        "sendsms_params": {
            "smsc": os.environ.get("KANNEL_SMSC", "usb0-modem"),
            "from": os.environ.get("KANNEL_FROM", "+250788000000"),
            "username": os.environ.get("KANNEL_USERNAME", "rapidsms"),
            "password": os.environ.get("KANNEL_PASSWORD", ""),
        },
        "coding": 0,
        "charset": "UTF-8",
        "encode_errors": "ignore",
    },
}
# The production backend: every message the system starts (alerts, escalations, digests, reminders,
# notices) goes out through it, whichever backend the phone last wrote from; only a reply goes back
# through the backend its message came in on (the web tester, the simulator). In production it
# must be a real gateway ("kannel-backend"), never a database backend (a deploy check says so).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "message_tester")
# The reply language of a phone, for the transport layer's own last-resort reply (messaging
# knows nothing of people: the app layer answers).
SMS_LANGUAGE_OF = "maternal.selectors.language_of"
# Gateway security (docs/security.md): inbound requests must carry this secret (an empty one refuses every
# request); optional allow-list of addresses or networks ("127.0.0.1,10.0.0.0/24"), matched
# against REMOTE_ADDR (behind a proxy, the proxy's address).
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET", "" if not DEBUG else "local-gateway-secret")
SMS_GATEWAY_ALLOWED_ADDRESSES = env_list("SMS_GATEWAY_ALLOWED_ADDRESSES")

# --- The conversation (docs/sms-commands.md) ---
DUPLICATE_WINDOW = timedelta(minutes=int(os.environ.get("DUPLICATE_WINDOW_MINUTES", "10")))
# Whether a volunteer may report only on mothers of their own facility's catchment.
CATCHMENT_RESTRICTED = env_bool("CATCHMENT_RESTRICTED", True)
INBOUND_RATE_LIMIT = (int(os.environ.get("INBOUND_RATE_LIMIT", "30")), timedelta(minutes=5))
LOOP_GUARD = (20, timedelta(minutes=5))

# --- Schedules and escalation (README, "Configuration") ---
ANC_SCHEDULE = os.environ.get("ANC_SCHEDULE", "who2016")  # or "focused4"
REMINDER_WINDOW = (
    os.environ.get("REMINDER_WINDOW_START", "08:00"),
    os.environ.get("REMINDER_WINDOW_END", "18:00"),
)
REMINDER_MAX_DELAY = timedelta(days=int(os.environ.get("REMINDER_MAX_DELAY_DAYS", "3")))
# The morning check of duty cover (reminders/cover.py) runs from this time until the end of the
# reminder window; a time outside the window is refused at start-up (reminders/checks.py); empty
# switches the check off.
COVER_CHECK_TIME = os.environ.get("COVER_CHECK_TIME", "08:00")
MISSED_VISIT_AFTER = timedelta(days=14)

# --- Clinical plausibility (each with its source in docs/clinical-rules.md) ---
VIABILITY_WEEKS = 22  # a birth or stillbirth before this is a pregnancy loss
POST_TERM_WEEKS = 42  # registered at or after this: high-risk, refer now
MIN_WEEKS_AT_REGISTRATION = 4  # an LMP less than this ago is taken for a typing mistake
NEONATAL_DAYS = 28  # a death up to this age is a newborn death (nd), after it a child death (cd)
ESCALATE_AFTER = [timedelta(minutes=float(m)) for m in env_list("ESCALATE_AFTER_MINUTES", "10,20")]
# How often beat runs the escalation and outbox sweeps (a lost task is late by at most this).
SWEEP_INTERVAL = timedelta(seconds=float(os.environ.get("SWEEP_INTERVAL_SECONDS", "60")))
REMINDER_SWEEP_INTERVAL = timedelta(seconds=float(os.environ.get("REMINDER_SWEEP_SECONDS", "900")))

ALERT_OPEN_REMINDER_AFTER = timedelta(hours=48)
# The ambulance number volunteers are told after a RED: per district code, with a national default.
# AMBULANCE_NUMBERS="303=0788311111,101=0788322222"
AMBULANCE_NUMBERS = {
    "default": os.environ.get("AMBULANCE_NUMBER", "912"),
    **dict(item.split("=", 1) for item in env_list("AMBULANCE_NUMBERS")),
}
# The national duty contacts, as a ladder of levels: "phone,phone;phone;phone" is level 1 (two
# phones), level 2, level 3, climbing at the ESCALATE_AFTER times. An alert nobody local can take
# (an unknown phone about an unknown mother) climbs this ladder; a facility's ladder whose every
# level had nobody on duty ends with its level 1.
FALLBACK_EMERGENCY_CONTACTS = [
    [phone.strip() for phone in level.split(",") if phone.strip()]
    for level in os.environ.get("FALLBACK_EMERGENCY_CONTACTS", "+250788999111").split(";")
    if level.strip()
]

# --- Reports ---
# Targets of the indicators, overriding the national defaults of reports/indicators.py:
# REPORT_TARGETS="facility_births=90,anc4_births=70" (docs/indicators.md, "Targets").
REPORT_TARGETS = {
    name.strip(): float(value) for name, value in (item.split("=", 1) for item in env_list("REPORT_TARGETS"))
}
# DHIS2 export (reports/dhis2.py, docs/dhis2.md): the organisation-unit level of the values
# ("health_facility" or "sector"), the CSV file mapping our codes to DHIS2's (kind,code,dhis2), the
# scheme of the org units sent (CODE: our codes or mapped codes; UID: mapped UIDs), and the instance
# the dhis2_send command posts to (an API token, or a username and password).
DHIS2_ORG_UNIT_LEVEL = os.environ.get("DHIS2_ORG_UNIT_LEVEL", "health_facility")
DHIS2_MAPPING_FILE = os.environ.get("DHIS2_MAPPING_FILE", "")
DHIS2_ORG_UNIT_ID_SCHEME = os.environ.get("DHIS2_ORG_UNIT_ID_SCHEME", "CODE")
DHIS2_URL = os.environ.get("DHIS2_URL", "")
DHIS2_TOKEN = os.environ.get("DHIS2_TOKEN", "")
DHIS2_USERNAME = os.environ.get("DHIS2_USERNAME", "")
DHIS2_PASSWORD = os.environ.get("DHIS2_PASSWORD", "")

# --- Celery (Redis broker); beat schedule lives in config/celery.py ---
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when Redis is away: the outbox row is already stored and
# the periodic sweep will deliver it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Emergencies have their own queue (and worker in production) so reminders never delay them.
CELERY_TASK_ROUTES = {
    "messaging.tasks.deliver_emergency": {"queue": "emergency"},
    "reminders.tasks.sweep_escalations": {"queue": "emergency"},
    "messaging.tasks.sweep_emergency_outbox": {"queue": "emergency"},
    "reminders.tasks.send_due_reminders": {"queue": "reminders"},
    "reminders.tasks.check_duty_cover": {"queue": "reminders"},
}
# Celery's Django fix-up opens a new database connection for every task unless this is set; with
# it, a worker keeps its connection as a web process does (config/celery.py closes it when broken
# or older than CONN_MAX_AGE): less than half the CPU per delivered SMS (docs/benchmarks.md).
CELERY_DB_REUSE_MAX = 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # RapidSMS logs message texts (mothers' IDs) at INFO: never below WARNING.
    "loggers": {"rapidsms": {"level": "WARNING"}},
}

# --- Production hardening (manage.py check --deploy) ---
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
