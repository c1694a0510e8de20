"""Settings, all driven by environment variables (see `.env.example`).

SQLite in `RELANCE_DATA_DIR` by default, so nothing but Python is needed to run
relance; `DATABASE_URL` switches to PostgreSQL for real deployments.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [x.strip() for x in os.environ.get(name, default).split(",") if x.strip()]


DATA_DIR = Path(os.environ.get("RELANCE_DATA_DIR") or Path.cwd() / "data").resolve()
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use RELANCE_SECRET_KEY, else a random key kept in the data directory."""
    if key := os.environ.get("RELANCE_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _timeline_key() -> bytes:
    """Use RELANCE_TIMELINE_KEY, else a random key kept in the data directory
    (created readable by its owner only): the timeline's links are keyed with
    it, so someone who can write the database alone cannot rewrite them."""
    if key := os.environ.get("RELANCE_TIMELINE_KEY"):
        return key.encode()
    path = DATA_DIR / "timeline_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if key := path.read_text().strip():
            return key.encode()
        raise ValueError(f"{path} is empty: restore the timeline key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as file:
        file.write(key)
    return key.encode()


TIMELINE_KEY = _timeline_key()
# Signs the timeline's checkpoints (Ed25519, PEM); created on first use.
TIMELINE_SIGNING_KEY_FILE = Path(
    os.environ.get("RELANCE_TIMELINE_SIGNING_KEY_FILE")
    or DATA_DIR / "timeline_signing_key"
)
TIMELINE_CHECKPOINTS_DIR = DATA_DIR / "checkpoints"


def _field_keys() -> list[str]:
    """Fernet keys that encrypt secrets kept in the database (mailbox passwords):
    RELANCE_FIELD_KEY (comma-separated; the first encrypts, all decrypt, so a key
    can be rotated), else a key created in the data directory, owner-only."""
    from cryptography.fernet import Fernet

    if keys := envlist("RELANCE_FIELD_KEY", ""):
        for key in keys:
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(
                    "RELANCE_FIELD_KEY must be Fernet keys (32 url-safe base64 "
                    "bytes, e.g. from Fernet.generate_key()), comma-separated"
                ) from None
        return keys
    path = DATA_DIR / "field_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if key := path.read_text().strip():
            return [key]
        raise ValueError(f"{path} is empty: restore the field key") from None
    key = Fernet.generate_key().decode()
    with os.fdopen(fd, "w") as file:
        file.write(key)
    return [key]


FIELD_KEYS = _field_keys()
DEBUG = envbool("RELANCE_DEBUG", False)
ALLOWED_HOSTS = envlist("RELANCE_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("RELANCE_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "relance.orgs",
    "relance.timeline",
    "relance.ledger",
    "relance.dunning",
    "relance.comms",
    "relance.legal",
    "relance.einvoicing",
    "relance.firms",
    "relance.ops",
    "relance.portal",
    "ninja",  # serves the API docs page with its own static files, not a CDN
    "relance.api",
    "relance.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "relance.orgs.middleware.CurrentOrganisationMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "relance.orgs.middleware.organisation_context",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "relance.sqlite3",
            "OPTIONS": {
                # 128 MB of page cache: a large import updates indexes all over.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-131072;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_VALIDATION}.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before the password is hashed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one account from one address lock that pair out for
# fifteen minutes: a guesser is stopped, the account's owner elsewhere is not.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "relance.orgs.lockout.login_username"
AXES_CLIENT_IP_CALLABLE = "relance.orgs.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "relance.orgs.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "relance" / "locale"]
TIME_ZONE = os.environ.get("RELANCE_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "documents"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("RELANCE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind TLS (RELANCE_SECURE_COOKIES): HTTPS only, and browsers told so for a year.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE
# A monitor or load balancer may ask for /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_HSTS_PRELOAD = SESSION_COOKIE_SECURE
# A TLS-terminating proxy in front of relance says which scheme and which client
# address it saw (X-Forwarded-Proto, X-Forwarded-For; it must set both).
RELANCE_BEHIND_PROXY = envbool("RELANCE_BEHIND_PROXY", False)
if RELANCE_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style, nothing from elsewhere, never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Files written through Django's storage (invoice PDFs, proofs) are private.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Uploads: a form's fields are read into memory up to 2.5 MB; a file larger than
# that goes to a temporary file, and the import refuses one over the import cap.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 100
# The largest file an import reads (invoices, bank statements, invoice PDFs), MB.
RELANCE_IMPORT_MAX_MB = envint("RELANCE_IMPORT_MAX_MB", 50)

_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
_task_backend = os.environ.get("RELANCE_TASKS_BACKEND", "immediate")
if _task_backend not in _TASK_BACKENDS:
    raise ValueError(
        f"RELANCE_TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}, "
        f"got {_task_backend!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}
# A `relance` command that serves no page (relance.cli says which it is) does
# without the API docs' app: importing django-ninja and pydantic is a third of a
# trivial command's start-up.
_SERVING = ("serve", "runserver", "check", "collectstatic", "test")
if (os.environ.get("RELANCE_COMMAND") or "serve") not in _SERVING:
    INSTALLED_APPS.remove("ninja")
if _task_backend == "rq":  # several machines share the work through Redis
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("RELANCE_REDIS_URL", "redis://127.0.0.1:6379/0")
        }
    }
# The worker (relance worker): how often it looks for work, and how long an
# organisation's day stays claimed by a worker that stopped saying it is alive.
RELANCE_WORKER_TICK_SECONDS = envint("RELANCE_WORKER_TICK_SECONDS", 30)
RELANCE_WORKER_LEASE_SECONDS = envint("RELANCE_WORKER_LEASE_SECONDS", 600)

# Outgoing mail. With no host, messages stay in the outbox as previews.
RELANCE_SMTP_HOST = os.environ.get("RELANCE_SMTP_HOST", "")
RELANCE_SMTP_PORT = envint("RELANCE_SMTP_PORT", 25)
RELANCE_SMTP_USER = os.environ.get("RELANCE_SMTP_USER", "")
RELANCE_SMTP_PASSWORD = os.environ.get("RELANCE_SMTP_PASSWORD", "")
RELANCE_SMTP_TLS = os.environ.get("RELANCE_SMTP_TLS", "none")
if RELANCE_SMTP_TLS not in ("none", "starttls", "ssl"):
    raise ValueError(
        f"RELANCE_SMTP_TLS must be none, starttls or ssl, got {RELANCE_SMTP_TLS!r}"
    )
RELANCE_SMTP_TIMEOUT = envint("RELANCE_SMTP_TIMEOUT", 30)
# After a dropped connection: try again at once, then after this, then twice this.
RELANCE_SMTP_RECONNECT_SECONDS = envint("RELANCE_SMTP_RECONNECT_SECONDS", 5)
# A message claimed for sending longer ago than this is marked uncertain.
RELANCE_SEND_STALE_MINUTES = envint("RELANCE_SEND_STALE_MINUTES", 10)
# One message in an organisation's own wording: the most its rendering may take
# (seconds) and write (characters); past either, it is not written and its
# action goes back to a person with the reason.
RELANCE_WORDING_SECONDS = envint("RELANCE_WORDING_SECONDS", 2)
RELANCE_WORDING_MAX_OUTPUT = envint("RELANCE_WORDING_MAX_OUTPUT", 262_144)
# DKIM: messages whose sender is at RELANCE_DKIM_DOMAIN are signed with the
# private key in RELANCE_DKIM_KEY_FILE, published under RELANCE_DKIM_SELECTOR.
RELANCE_DKIM_DOMAIN = os.environ.get("RELANCE_DKIM_DOMAIN", "")
RELANCE_DKIM_SELECTOR = os.environ.get("RELANCE_DKIM_SELECTOR", "")
RELANCE_DKIM_KEY_FILE = os.environ.get("RELANCE_DKIM_KEY_FILE", "")
if RELANCE_DKIM_SELECTOR and not Path(RELANCE_DKIM_KEY_FILE).is_file():
    raise ValueError(
        "RELANCE_DKIM_SELECTOR is set but RELANCE_DKIM_KEY_FILE "
        f"({RELANCE_DKIM_KEY_FILE!r}) is not a readable file"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("RELANCE_LOG_LEVEL", "WARNING"),
    },
}
# Where debtors reach the portal: the address of this server as the internet
# sees it, written into the links of reminders.
RELANCE_PUBLIC_URL = os.environ.get(
    "RELANCE_PUBLIC_URL", "http://127.0.0.1:8000"
).rstrip("/")
RELANCE_DEFAULT_FROM_EMAIL = os.environ.get(
    "RELANCE_DEFAULT_FROM_EMAIL", "relance@localhost"
)
# Where letters go: a daily print batch by default; an LRE provider class otherwise.
RELANCE_LETTER_PROVIDER = os.environ.get(
    "RELANCE_LETTER_PROVIDER", "relance.comms.letters.PrintBatch"
)
# Where texts go (comms.texts): a file under the data directory by default; an
# SMS or WhatsApp gateway class otherwise.
RELANCE_SMS_PROVIDER = os.environ.get(
    "RELANCE_SMS_PROVIDER", "relance.comms.texts.FileOutbox"
)
RELANCE_WHATSAPP_PROVIDER = os.environ.get(
    "RELANCE_WHATSAPP_PROVIDER", "relance.comms.texts.FileOutbox"
)
