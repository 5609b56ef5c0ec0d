"""Concord settings, read from environment variables.

SQLite is the default so that a fresh clone runs at once; PostgreSQL is chosen with
DATABASE_URL. Production: DEBUG off, SECRET_KEY and ALLOWED_HOSTS set, served over HTTPS.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from concord.env import envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", "False")
# `make run`: DEBUG off, so nobody meets Django's technical pages, but over plain HTTP on
# this computer, with a secret key kept in a file beside the database (concord/local.py).
LOCAL_HTTP = envbool("CONCORD_LOCAL_HTTP", "False")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if LOCAL_HTTP:
        from concord.local import local_secret_key

        SECRET_KEY = local_secret_key(Path(os.environ.get("CONCORD_LOCAL_SECRET_FILE", BASE_DIR / ".concord-local-secret")))
    elif not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local use).")
    else:
        SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or LOCAL_HTTP else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Before django_tasks_db: review's db_worker (the library's, plus import recovery) wins.
    "review",
    "django_tasks",
    "django_tasks_db",
    "extraction",
    "analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "concord.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "concord.nul_bytes.RefuseNulMiddleware",  # before sessions: it drops a cookie carrying NUL
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "concord.no_store.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "concord.urls"

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

WSGI_APPLICATION = "concord.wsgi.application"
ASGI_APPLICATION = "concord.asgi.application"

SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
            # failing with "database is locked" halfway through a transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "review:list"
LOGOUT_REDIRECT_URL = "login"

# Accounts (docs/integrity/accounts.md). django-axes counts failed log-ins per username and,
# separately, per client address; at the limit either one is refused for the cool-off.
INSTALLED_APPS += ["axes", "accounts"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # axes turns its lockout flag into the 429 page
AXES_FAILURE_LIMIT = envint("CONCORD_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("CONCORD_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A refused attempt must not restart the cool-off, or a locked-out colleague who keeps
# trying (or an attacker who keeps hammering their name) would never get back in.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
CONCORD_PROXY_COUNT = envint("CONCORD_PROXY_COUNT", 0)  # reverse proxies that append X-Forwarded-For
AXES_ENABLE_ADMIN = False  # accounts/admin.py shows the records read-only, with an audited unlock
EMAIL_HOST = os.environ.get("CONCORD_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("CONCORD_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("CONCORD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CONCORD_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("CONCORD_EMAIL_USE_TLS", "True")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("CONCORD_DEFAULT_FROM_EMAIL", "Concord <concord@localhost>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

# Uploads: the request body cap bounds what one import may send; the importers apply
# their own caps (decompressed size, records) behind it.
# The import form counts the bytes as they stream to disk (review/upload_limits.py).
CONCORD_MAX_IMPORT_BYTES = envint("CONCORD_MAX_IMPORT_BYTES", 200 * 1024 * 1024)
CONCORD_MAX_IMPORT_RECORDS = envint("CONCORD_MAX_IMPORT_RECORDS", 500_000)
# Longer values are cut at import, flagged on the record and listed in the import report.
# Characters, or entries for authors and keywords (review/importers/caps.py).
CONCORD_IMPORT_FIELD_CAPS = {
    "title": 4_000, "abstract": 100_000, "journal": 1_000, "volume": 200, "issue": 200, "pages": 200,
    "language": 200, "url": 4_000, "authors": 20_000, "keywords": 2_000, "raw": 1_000_000,
}
# A worker renews its lease on a running import; one not renewed this long is failed with a Retry.
CONCORD_IMPORT_LEASE_SECONDS = envint("CONCORD_IMPORT_LEASE_SECONDS", 120)
# Form fields (not files) are held in memory; the largest form, extraction, is far below this.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
# Files above this go to a temporary file, not memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not LOCAL_HTTP:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "True")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
