"""Writing notifications into the outbox, and delivering them channel by channel."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alliance.models import IndustryChain, User
from notifications.channels import PermanentChannelError, get_channel
from notifications.models import Delivery, Notification

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = (Delivery.Channel.IN_APP, Delivery.Channel.EMAIL)
# After this many failed attempts a delivery is given up (state "failed") instead of retried for ever.
MAX_DELIVERY_ATTEMPTS = 10
RESEND_BATCH_SIZE = 500


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


def announce_to_chain(*, chain: IndustryChain, message: Message) -> int | None:
    """Write one announcement for the chain's group robot (webhook) in the caller's transaction.

    Delivered by Celery after commit like every other notification. Returns the notification id, or None when the
    chain has no robot configured or this event was already announced (same dedupe key).
    """
    if chain is None or not chain.webhook_url:
        return None
    notification, was_created = Notification.objects.get_or_create(
        chain=chain,
        dedupe_key=message.dedupe_key,
        defaults={"kind": message.kind, "title": message.title, "body": message.body, "url": message.url},
    )
    if not was_created:
        return None
    Delivery.objects.create(notification=notification, channel=Delivery.Channel.WEBHOOK)
    transaction.on_commit(lambda: enqueue_deliveries(notification_ids=[notification.pk]))
    return notification.pk


def enqueue_deliveries(*, notification_ids: Iterable[int]) -> None:
    from notifications.tasks import deliver_notification_task

    for notification_id in notification_ids:
        try:
            deliver_notification_task.delay(notification_id)
        except Exception:  # broker down: the rows stay pending and the resend task delivers them later
            logger.warning("Could not enqueue notification %s; it stays pending", notification_id, exc_info=True)


def deliver_notification(*, notification_id: int) -> int:
    """Deliver every pending channel of one notification and return how many were sent.

    Idempotent: a delivery is sent only while it is pending, under a row lock, so a task that runs twice (or two
    workers at once) sends it once. A transient failure leaves the row pending and is raised after the other
    channels had their turn, so the task can retry with backoff.
    """
    sent = 0
    first_error: Exception | None = None
    pending_ids = list(
        Delivery.objects.filter(notification_id=notification_id, state=Delivery.State.PENDING).values_list(
            "id", flat=True
        )
    )
    for delivery_id in pending_ids:
        is_sent, error = _deliver_one(delivery_id=delivery_id)
        sent += int(is_sent)
        first_error = first_error or error
    if first_error is not None:
        raise first_error
    return sent


def _deliver_one(*, delivery_id: int) -> tuple[bool, Exception | None]:
    # The error is returned, not raised, so that the attempt count and the message are committed with the row.
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient", "notification__chain")
            .filter(pk=delivery_id, state=Delivery.State.PENDING)
            .first()
        )
        if delivery is None:  # another worker holds it, or it is done
            return False, None
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_attempt_at = now
        channel = get_channel(delivery.channel)
        recipient = delivery.notification.recipient
        error: Exception | None = None
        try:
            if channel is None:
                delivery.state = Delivery.State.SKIPPED
                delivery.last_error = f"no channel named {delivery.channel!r}"
            elif recipient is not None and not recipient.is_active:
                delivery.state = Delivery.State.SKIPPED
            elif channel.send(delivery.notification, delivery_id=delivery.pk):
                delivery.state = Delivery.State.SENT
                delivery.sent_at = now
                delivery.last_error = ""
            else:
                delivery.state = Delivery.State.SKIPPED
        except PermanentChannelError as exc:
            delivery.state = Delivery.State.FAILED
            delivery.last_error = str(exc)[:2000]
        except Exception as exc:  # transient, or a bug: keep it pending so it is tried again
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
                delivery.state = Delivery.State.FAILED
            error = exc
            logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc)
        delivery.save(update_fields=["attempts", "last_attempt_at", "state", "sent_at", "last_error"])
    return delivery.state == Delivery.State.SENT, error


def resend_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "NOTIFICATION_RESEND_AFTER_MINUTES", 10)))


def resend_pending_deliveries(*, older_than: dt.timedelta | None = None) -> list[int]:
    """Enqueue again the notifications whose deliveries are still pending after a while.

    Covers a broker that was down when the event committed, a worker that died mid-task and retries that ran out.
    Rows tried recently are left alone: a Celery retry is probably already on its way for them.
    """
    cutoff = timezone.now() - (older_than if older_than is not None else resend_after())
    notification_ids = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, created_at__lte=cutoff)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=cutoff))
        .order_by("notification_id")
        .values_list("notification_id", flat=True)
        .distinct()[:RESEND_BATCH_SIZE]
    )
    enqueue_deliveries(notification_ids=notification_ids)
    return notification_ids


def retry_deliveries(*, delivery_ids: Iterable[int]) -> list[int]:
    """Staff asked to try again: failed rows become pending with a fresh attempt count, then all are enqueued."""
    delivery_ids = list(delivery_ids)
    with transaction.atomic():
        Delivery.objects.filter(pk__in=delivery_ids, state=Delivery.State.FAILED).update(
            state=Delivery.State.PENDING, attempts=0
        )
        notification_ids = sorted(
            set(
                Delivery.objects.filter(pk__in=delivery_ids, state=Delivery.State.PENDING).values_list(
                    "notification_id", flat=True
                )
            )
        )
        transaction.on_commit(lambda: enqueue_deliveries(notification_ids=notification_ids))
    return notification_ids


def mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; False if it was already read or is not theirs."""
    return bool(
        Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
