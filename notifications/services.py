"""Writing notifications into the outbox, and delivering them channel by channel."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from alliance.models import User
from notifications.models import Delivery, Notification

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = (Delivery.Channel.IN_APP, Delivery.Channel.EMAIL)


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    body: str
    url: str
    dedupe_key: str


def notify(*, recipients: Iterable[User], message: Message, channels: Iterable[str] = DEFAULT_CHANNELS) -> list[int]:
    """Write one notification per recipient, with a pending delivery per channel, in the caller's transaction.

    Delivery is enqueued only after the transaction commits; if the broker is down the rows stay pending
    and the periodic resend task picks them up, so nothing is lost.
    """
    channels = tuple(channels)
    created: list[int] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        notification, was_created = Notification.objects.get_or_create(
            recipient=user,
            dedupe_key=message.dedupe_key,
            defaults={"kind": message.kind, "title": message.title, "body": message.body, "url": message.url},
        )
        if not was_created:
            continue
        Delivery.objects.bulk_create(
            [Delivery(notification=notification, channel=channel) for channel in channels]
        )
        created.append(notification.pk)
    if created:
        transaction.on_commit(lambda: enqueue_deliveries(notification_ids=created))
    return created


def enqueue_deliveries(*, notification_ids: list[int]) -> None:
    from notifications.tasks import deliver_notification_task

    for notification_id in notification_ids:
        try:
            deliver_notification_task.delay(notification_id)
        except Exception:  # broker down: the rows stay pending and the resend task delivers them later
            logger.warning("Could not enqueue notification %s; it stays pending", notification_id, exc_info=True)


def deliver_notification(*, notification_id: int) -> int:
    """Deliver every pending channel of one notification. Idempotent: sent rows are never sent again."""
    sent = 0
    pending_ids = list(
        Delivery.objects.filter(notification_id=notification_id, state=Delivery.State.PENDING).values_list(
            "id", flat=True
        )
    )
    for delivery_id in pending_ids:
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True)
                .select_related("notification__recipient")
                .filter(pk=delivery_id, state=Delivery.State.PENDING)
                .first()
            )
            if delivery is None:  # another worker has it, or it is done
                continue
            delivery.attempts += 1
            try:
                is_sent = _send(delivery)
            except Exception as exc:
                delivery.last_error = str(exc)[:2000]
                delivery.save(update_fields=["attempts", "last_error"])
                raise
            delivery.state = Delivery.State.SENT if is_sent else Delivery.State.SKIPPED
            delivery.sent_at = timezone.now()
            delivery.save(update_fields=["attempts", "state", "sent_at", "last_error"])
            sent += int(is_sent)
    return sent


def _send(delivery: Delivery) -> bool:
    notification = delivery.notification
    if delivery.channel == Delivery.Channel.IN_APP:
        return True  # the row itself is the in-app message
    if delivery.channel == Delivery.Channel.EMAIL:
        address = notification.recipient.email
        if not address:
            return False
        link = f"{settings.SITE_URL}{notification.url}" if notification.url else settings.SITE_URL
        send_mail(
            subject=f"【共享专家联盟】{notification.title}",
            message=f"{notification.body}\n\n{link}",
            from_email=None,
            recipient_list=[address],
        )
        return True
    return False


def mark_read(*, user: User, notification_id: int) -> bool:
    return bool(
        Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
