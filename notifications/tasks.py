"""Celery tasks: thin, idempotent, taking ids. The work itself lives in notifications.services and .jobs."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from notifications.channels import TransientChannelError

MAX_RETRIES = 8


def retry_countdown(retries: int) -> float:
    """Exponential backoff in seconds: 10, 20, 40 … capped at ten minutes (both settings)."""
    base = float(getattr(settings, "NOTIFICATION_RETRY_BASE_SECONDS", 10))
    cap = float(getattr(settings, "NOTIFICATION_RETRY_MAX_SECONDS", 600))
    return min(cap, base * 2**retries)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def deliver_notifications_task(self, notification_ids: list[int]) -> int:
    from notifications.services import deliver_notifications

    try:
        return deliver_notifications(notification_ids=notification_ids)  # rows already delivered are skipped
    except TransientChannelError as exc:
        # Out of retries, the rows stay pending and resend_pending_notifications_task takes them up later.
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries))


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def deliver_notification_task(self, notification_id: int) -> int:
    """One notification; kept for messages already queued by earlier versions."""
    from notifications.services import deliver_notifications

    try:
        return deliver_notifications(notification_ids=[notification_id])
    except TransientChannelError as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries))


@shared_task(acks_late=True)
def resend_pending_notifications_task(older_than_minutes: int | None = None) -> int:
    from notifications.services import resend_pending_deliveries

    older_than = dt.timedelta(minutes=older_than_minutes) if older_than_minutes is not None else None
    return len(resend_pending_deliveries(older_than=older_than))


@shared_task(acks_late=True)
def send_daily_digests_task() -> int:
    from notifications.services import send_daily_digests

    return len(send_daily_digests())


@shared_task(acks_late=True)
def send_deadline_reminders_task() -> int:
    from notifications.jobs import send_deadline_reminders

    return send_deadline_reminders()


@shared_task(acks_late=True)
def escalate_unclaimed_challenges_task() -> int:
    from notifications.jobs import escalate_unclaimed_challenges

    return escalate_unclaimed_challenges()


@shared_task(acks_late=True)
def send_weekly_expert_digests_task() -> int:
    from notifications.jobs import send_weekly_expert_digests

    return send_weekly_expert_digests()
