"""The project's one Celery app. Workers: `celery -A config.celery_app worker -B -l info` (beat reads the database)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("alliance")
# Every CELERY_* Django setting configures the app, so each environment's settings file decides broker and eagerness.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
