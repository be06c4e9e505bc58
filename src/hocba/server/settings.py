"""Django settings for hocba. Every value that varies comes from ``hocba.server.config``."""

from __future__ import annotations

from pathlib import Path

from csp.constants import NONE, SELF

from hocba.server.config import load_config
from hocba.server.log import logging_config

CONFIG = load_config()

HOCBA_ENV = CONFIG.env
HOCBA_HOME = CONFIG.home
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
HOCBA_DEBUG_TRACEBACKS = CONFIG.debug_tracebacks
ALLOWED_HOSTS = CONFIG.allowed_hosts
DATABASES = {"default": CONFIG.database}
# Shared by every server process: login lockout and rate limits count here.
CACHES = {"default": CONFIG.cache}
HOCBA_TRUSTED_PROXIES = CONFIG.trusted_proxies
# The public base URL issued records print and their QR codes open (hocba.public_url).
HOCBA_PUBLIC_URL = CONFIG.public_url
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "hocba.apps.directory",
    "hocba.apps.records",
    "hocba.apps.accounts",
    "hocba.apps.audit",
    "hocba.apps.portal",
    "hocba.apps.reports",
    "hocba.apps.verification",
    "hocba.apps.signing",
    "hocba.apps.schooladmin",
    "hocba.apps.api",
    "hocba.apps.transfers",
    "hocba.apps.imports",
]

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MEDIA_ROOT = HOCBA_HOME / "media"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60

MIDDLEWARE = [
    "hocba.apps.accounts.middleware.ProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hocba.apps.accounts.middleware.NotAllowedAs404Middleware",
    "hocba.apps.accounts.middleware.PrivateResponseMiddleware",
    # Last: its process_exception runs first (before the NotAllowed -> 404 conversion).
    "hocba.server.errors.ErrorPagesMiddleware",
]

ROOT_URLCONF = "hocba.server.urls"
WSGI_APPLICATION = "hocba.server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
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

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# One language: with LocaleMiddleware an English browser would otherwise get English.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOCBA_HOME / "static"
STATICFILES_DIRS = [Path(__file__).parent / "static"]

# --- HTTP security headers -------------------------------------------------------------------
# No inline script or style anywhere: scripts and styles are static files (tests/security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CONFIG.production
CSRF_COOKIE_HTTPONLY = True
if CONFIG.production:
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = True
    if HOCBA_TRUSTED_PROXIES:
        # Only a trusted proxy in front may say the client spoke HTTPS to it (the header of
        # anybody else is dropped by ProxyHeadersMiddleware).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING_CONFIG = "logging.config.dictConfig"
LOGGING = logging_config(debug=DEBUG)
