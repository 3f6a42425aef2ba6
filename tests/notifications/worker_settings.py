"""Settings of the Celery worker SUBPROCESS in the kill test: the test database and broker come from the
environment; e-mails are slow files (see slow_mail.py)."""

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.notifications.slow_mail.SlowFileEmailBackend"
# A killed worker's unacknowledged message comes back quickly instead of after an hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 5}
NOTIFICATION_RETRY_BASE_SECONDS = 0.2
