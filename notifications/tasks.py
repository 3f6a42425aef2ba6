from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def deliver_notification_task(notification_id: int) -> int:
    from notifications.services import deliver_notification

    return deliver_notification(notification_id=notification_id)
