"""Tests: PostgreSQL and Redis, as in production. DATABASE_URL and REDIS_URL may point elsewhere."""

import dj_database_url

from .base import *  # noqa: F403
from .base import env

DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliance"))}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", env("REDIS_URL", "redis://127.0.0.1:6379/1"))
CELERY_TASK_ALWAYS_EAGER = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

PRIVATE_MEDIA_ROOT = Path(tempfile.gettempdir()) / "alliance-test-private"
MATCH_INDEX_DIR = Path(tempfile.gettempdir()) / "alliance-test-match-index"
LANGUAGE_CODE = "zh-hans"
