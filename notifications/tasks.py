"""Celery tasks: thin, idempotent, taking ids. The work itself lives in notifications.services."""

from celery import shared_task

from notifications.channels import TransientChannelError

MAX_RETRIES = 8


def retry_countdown(retries: int) -> int:
    """Exponential backoff in seconds: 10, 20, 40 … capped at ten minutes."""
    return min(600, 10 * 2**retries)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def deliver_notification_task(self, notification_id: int) -> int:
    from notifications.services import deliver_notification

    try:
        return deliver_notification(notification_id=notification_id)  # no-op for rows already delivered
    except TransientChannelError as exc:
        # Out of retries, the row stays pending and resend_pending_notifications_task takes it up later.
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries))


@shared_task(acks_late=True)
def resend_pending_notifications_task(older_than_minutes: int | None = None) -> int:
    import datetime as dt

    from notifications.services import resend_pending_deliveries

    older_than = dt.timedelta(minutes=older_than_minutes) if older_than_minutes is not None else None
    return len(resend_pending_deliveries(older_than=older_than))
