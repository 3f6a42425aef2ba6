"""Writing notifications into the outbox, and delivering them channel by channel."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance.models import IndustryChain, User
from config.exceptions import ApplicationError
from notifications.channels import PermanentChannelError, get_channel, notification_link, open_channels
from notifications.models import Delivery, Notification, NotificationPreference

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = (Delivery.Channel.IN_APP, Delivery.Channel.EMAIL)
# After this many failed attempts a delivery is given up (state "failed") instead of retried for ever.
MAX_DELIVERY_ATTEMPTS = 10
RESEND_BATCH_SIZE = 5000
# Kinds a person cannot tune: the daily digest is itself the answer to "send me less".
FIXED_KINDS = frozenset({Notification.Kind.DAILY_DIGEST})
Frequency = NotificationPreference.Frequency


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    body: str
    url: str
    dedupe_key: str


@dataclass(frozen=True)
class Preference:
    kind: str
    in_app: bool = True
    email: bool = True
    frequency: str = Frequency.IMMEDIATE

    @property
    def is_digest(self) -> bool:
        return self.email and self.frequency == Frequency.DAILY


def configurable_kinds() -> list[str]:
    return [kind for kind in Notification.Kind.values if kind not in FIXED_KINDS]


def default_preference(kind: str) -> Preference:
    """What a person gets before choosing anything: every kind in the inbox and by e-mail, at once."""
    return Preference(kind=kind)


def preferences_of(*, user_ids: Iterable[int], kind: str) -> dict[int, Preference]:
    """Stored preferences for one kind, by user id; users without a row are absent (use the default)."""
    if kind in FIXED_KINDS:
        return {}
    rows = NotificationPreference.objects.filter(user_id__in=list(user_ids), kind=kind)
    return {
        row.user_id: Preference(kind=kind, in_app=row.in_app, email=row.email, frequency=row.frequency)
        for row in rows
    }


def notification_batch_size() -> int:
    return max(1, int(getattr(settings, "NOTIFICATION_BATCH_SIZE", 100)))


def notify(*, recipients: Iterable[User], message: Message, channels: Iterable[str] = DEFAULT_CHANNELS) -> list[int]:
    """Write one notification per recipient, with a pending delivery per channel, in the caller's transaction.

    Each recipient's preference for this kind decides the channels (in-app, e-mail) and whether the e-mail waits
    for the daily digest. Delivery is enqueued only after the transaction commits; if the broker is down the rows
    stay pending and the periodic resend task picks them up, so nothing is lost. Rows are written in bulk, so an
    event that reaches thousands of experts costs a few statements, not thousands.
    """
    channels = tuple(channels)
    users: list[User] = []
    seen: set[int] = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        users.append(user)
    if not users:
        return []
    already = set(
        Notification.objects.filter(recipient_id__in=seen, dedupe_key=message.dedupe_key).values_list(
            "recipient_id", flat=True
        )
    )
    stored = preferences_of(user_ids=seen, kind=message.kind)
    now = timezone.now()
    planned: list[tuple[Notification, Preference]] = []
    for user in users:
        if user.pk in already:
            continue
        preference = stored.get(user.pk) or default_preference(message.kind)
        wants_in_app = preference.in_app and Delivery.Channel.IN_APP in channels
        wants_email = preference.email and Delivery.Channel.EMAIL in channels
        if not (wants_in_app or wants_email):
            continue  # the person turned this kind off everywhere
        notification = Notification(
            recipient=user, kind=message.kind, title=message.title, body=message.body, url=message.url,
            dedupe_key=message.dedupe_key,
            # Without the in-app channel the row is still the record of the e-mail, but it raises no badge.
            read_at=None if wants_in_app else now,
        )
        planned.append((notification, Preference(
            kind=message.kind, in_app=wants_in_app, email=wants_email, frequency=preference.frequency,
        )))
    if not planned:
        return []
    try:
        with transaction.atomic():  # a savepoint: a concurrent run of the same event must not break the caller's
            Notification.objects.bulk_create([notification for notification, _preference in planned], batch_size=1000)
    except IntegrityError:
        return _notify_one_by_one(planned=planned)
    deliveries = []
    for notification, preference in planned:
        if preference.in_app:
            deliveries.append(Delivery(notification=notification, channel=Delivery.Channel.IN_APP))
        if preference.email:
            deliveries.append(
                Delivery(notification=notification, channel=Delivery.Channel.EMAIL, is_digest=preference.is_digest)
            )
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    created = [notification.pk for notification, _preference in planned]
    transaction.on_commit(lambda: enqueue_deliveries(notification_ids=created))
    return created


def _notify_one_by_one(*, planned: list[tuple[Notification, Preference]]) -> list[int]:
    created: list[int] = []
    for planned_notification, preference in planned:
        notification, was_created = Notification.objects.get_or_create(
            recipient=planned_notification.recipient,
            dedupe_key=planned_notification.dedupe_key,
            defaults={
                "kind": planned_notification.kind, "title": planned_notification.title,
                "body": planned_notification.body, "url": planned_notification.url,
                "read_at": planned_notification.read_at,
            },
        )
        if not was_created:
            continue
        if preference.in_app:
            Delivery.objects.create(notification=notification, channel=Delivery.Channel.IN_APP)
        if preference.email:
            Delivery.objects.create(
                notification=notification, channel=Delivery.Channel.EMAIL, is_digest=preference.is_digest
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


# Publishing to a broker that is down must not hold the web request: one quick retry, then the rows wait for the
# periodic resend.
_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue_deliveries(*, notification_ids: Iterable[int]) -> int:
    """Enqueue delivery in batches; returns how many notifications were handed to the broker.

    If the broker refuses, stop at once: the remaining rows stay pending and the resend task enqueues them later.
    """
    from notifications.tasks import deliver_notifications_task

    ids = list(notification_ids)
    size = notification_batch_size()
    enqueued = 0
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        try:
            deliver_notifications_task.apply_async(args=[batch], retry=True, retry_policy=_PUBLISH_RETRY_POLICY)
        except Exception:  # broker down: the rows stay pending and the resend task delivers them later
            logger.warning(
                "Could not enqueue %s notifications; they stay pending", len(ids) - start, exc_info=True
            )
            break
        enqueued += len(batch)
    return enqueued


def deliver_notification(*, notification_id: int) -> int:
    """Deliver every pending channel of one notification and return how many were sent (see deliver_notifications)."""
    return deliver_notifications(notification_ids=[notification_id])


def deliver_notifications(*, notification_ids: Iterable[int]) -> int:
    """Deliver every pending, non-digest channel of a batch of notifications; return how many were sent.

    Idempotent: a delivery is sent only while it is pending, under a row lock, so a task that runs twice (or two
    workers at once) sends it once. In-app deliveries of the whole batch are one statement (the row is the message).
    E-mails and webhooks leave the building, so each is sent under its own lock and committed on its own: a worker
    killed mid-batch has marked sent exactly what it sent, and the rest is picked up again. A transient failure
    leaves the row pending and is raised after the others had their turn, so the task can retry with backoff.
    """
    ids = list(notification_ids)
    sent = _deliver_in_app(notification_ids=ids)
    first_error: Exception | None = None
    # Read the batch once (rows, notifications, recipients, chains); each row is then only locked by its id.
    outgoing = list(
        Delivery.objects.filter(notification_id__in=ids, state=Delivery.State.PENDING, is_digest=False)
        .exclude(channel=Delivery.Channel.IN_APP)
        .select_related("notification__recipient", "notification__chain")
        .order_by("id")
    )
    if outgoing:
        with open_channels(), relaxed_commits():
            for delivery in outgoing:
                is_sent, error = _deliver_one(delivery=delivery)
                sent += int(is_sent)
                first_error = first_error or error
    if first_error is not None:
        raise first_error
    return sent


def _deliver_in_app(*, notification_ids: list[int]) -> int:
    now = timezone.now()
    with transaction.atomic():
        locked = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(notification_id__in=notification_ids, channel=Delivery.Channel.IN_APP, state=Delivery.State.PENDING)
            .values_list("id", flat=True)
        )
        if not locked:
            return 0
        done = dict(attempts=F("attempts") + 1, last_attempt_at=now)
        sent = Delivery.objects.filter(pk__in=locked, notification__recipient__is_active=True).update(
            state=Delivery.State.SENT, sent_at=now, last_error="", **done
        )
        Delivery.objects.filter(pk__in=locked, state=Delivery.State.PENDING).update(
            state=Delivery.State.SKIPPED, **done
        )
    return sent


def max_attempts(channel: str) -> int:
    if channel == Delivery.Channel.WEBHOOK:
        return int(getattr(settings, "NOTIFICATION_WEBHOOK_MAX_ATTEMPTS", 6))
    return MAX_DELIVERY_ATTEMPTS


@contextlib.contextmanager
def relaxed_commits() -> Iterator[None]:
    """Commit the batch's small transactions without waiting for the disk (PostgreSQL, this session only).

    A row is visible to every other worker as soon as it commits, so a killed worker still never causes a second
    e-mail; only a crash of the database server itself could forget the last fraction of a second of "sent" marks
    (those e-mails would then go out again). This is what lets one worker hand over thousands of e-mails a second.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


_TABLE = Delivery._meta.db_table
_RECORD_ATTEMPT_SQL = (
    f"UPDATE {_TABLE} SET attempts = %s, last_attempt_at = %s, state = %s, sent_at = %s, last_error = %s "
    "WHERE id = %s"
)


def _lock_pending_sql() -> str:
    # SQLite (the quick start) has no row locks and serialises writers anyway.
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    return f"SELECT attempts FROM {_TABLE} WHERE id = %s AND state = %s{lock}"


def _deliver_one(*, delivery: Delivery) -> tuple[bool, Exception | None]:
    # The error is returned, not raised, so that the attempt count and the message are committed with the row.
    with transaction.atomic():
        # The lock is held while sending: a second worker with the same row skips it, and once committed the row is
        # no longer pending. The batch read above may be stale, hence the state check here.
        # Plain SQL for the two statements run per e-mail: building them with the ORM was a fifth of the CPU time.
        with connection.cursor() as cursor:
            cursor.execute(_lock_pending_sql(), [delivery.pk, Delivery.State.PENDING])
            row = cursor.fetchone()
        locked = row[0] if row else None
        if locked is None:  # another worker holds it, or it is done
            return False, None
        now = timezone.now()
        delivery.attempts = locked + 1
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
            logger.warning("Delivery %s failed for good: %s", delivery.pk, exc)
        except Exception as exc:  # transient, or a bug: keep it pending so it is tried again
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= max_attempts(delivery.channel):
                delivery.state = Delivery.State.FAILED  # given up: shown to park staff, not retried for ever
            else:
                error = exc
            logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc)
        with connection.cursor() as cursor:
            cursor.execute(
                _RECORD_ATTEMPT_SQL,
                [
                    delivery.attempts, connection.ops.adapt_datetimefield_value(now), delivery.state,
                    connection.ops.adapt_datetimefield_value(delivery.sent_at), delivery.last_error, delivery.pk,
                ],
            )
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
        Delivery.objects.filter(state=Delivery.State.PENDING, is_digest=False, created_at__lte=cutoff)
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


def send_daily_digests(*, day: dt.date | None = None) -> list[int]:
    """One digest e-mail per person with e-mails waiting for it; returns the digest notifications written."""
    day = day or timezone.localdate()
    user_ids = (
        Delivery.objects.filter(state=Delivery.State.PENDING, is_digest=True)
        .values_list("notification__recipient_id", flat=True)
        .distinct()
    )
    written = []
    for user in User.objects.filter(pk__in=list(user_ids), is_active=True).order_by("pk"):
        notification_id = send_daily_digest(user=user, day=day)
        if notification_id is not None:
            written.append(notification_id)
    return written


@transaction.atomic
def send_daily_digest(*, user: User, day: dt.date) -> int | None:
    """Fold the person's waiting e-mails into one digest notification, sent by e-mail through the outbox.

    The digest is a notification like any other (dedupe key per person and day), so it is delivered once, retried
    and resent the same way; the folded deliveries become "digested" in the same transaction. Run twice on the same
    day, the second run finds nothing waiting, or finds today's digest already written and leaves the rest for
    tomorrow.
    """
    waiting = list(
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=Delivery.State.PENDING, is_digest=True, notification__recipient=user)
        .select_related("notification")
        .order_by("notification__created_at", "notification_id")
    )
    if not waiting:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        lines = []
        for delivery in waiting:
            item = delivery.notification
            local_time = timezone.localtime(item.created_at).strftime("%m-%d %H:%M")
            lines.append(f"· [{local_time}] {item.title}")
            if item.url:
                lines.append(f"  {notification_link(item)}")
        title = _("每日通知摘要：%(date)s 共 %(count)d 条") % {"date": day.isoformat(), "count": len(waiting)}
    now = timezone.now()
    digest, was_created = Notification.objects.get_or_create(
        recipient=user,
        dedupe_key=f"daily-digest:{day.isoformat()}",
        # Read already: each item reached the inbox on its own; the digest is for the mailbox.
        defaults={
            "kind": Notification.Kind.DAILY_DIGEST, "title": title, "body": "\n".join(lines),
            "url": reverse("notifications:inbox"), "read_at": now,
        },
    )
    if not was_created:
        return None
    Delivery.objects.create(notification=digest, channel=Delivery.Channel.EMAIL)
    Delivery.objects.filter(pk__in=[delivery.pk for delivery in waiting]).update(
        state=Delivery.State.DIGESTED, sent_at=now
    )
    transaction.on_commit(lambda: enqueue_deliveries(notification_ids=[digest.pk]))
    return digest.pk


@transaction.atomic
def update_preferences(*, user: User, preferences: Iterable[Preference]) -> list[Preference]:
    """Store the person's choices, one row per kind; kinds left out keep what they had (or the defaults)."""
    allowed = set(configurable_kinds())
    frequencies = set(Frequency.values)
    chosen = list(preferences)
    for preference in chosen:
        if preference.kind not in allowed:
            raise ApplicationError(_("不支持的通知类型：%(kind)s") % {"kind": preference.kind}, field="kind")
        if preference.frequency not in frequencies:
            raise ApplicationError(_("请选择“即时发送”或“每日摘要”。"), field="frequency")
    for preference in chosen:
        NotificationPreference.objects.update_or_create(
            user=user, kind=preference.kind,
            defaults={"in_app": preference.in_app, "email": preference.email, "frequency": preference.frequency},
        )
    return chosen
