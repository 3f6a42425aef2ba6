"""Delivery from the outbox: once per channel, retried when the mail server is away, re-sent when left pending."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notifications import services, tasks
from notifications.channels import EmailChannel, TransientChannelError
from notifications.models import Delivery, Notification
from notifications.services import Message, notify

MESSAGE = Message(
    kind=Notification.Kind.CLAIM_SUBMITTED,
    title="李明 揭榜了您的需求「异形件自动包装线柔性改造」",
    body="专家 李明（教授）提交了揭榜方案，预计 45 天完成。请查看并选定揭榜方。",
    url="/challenges/7/",
    dedupe_key="claim:1:submitted",
)


def notify_member(user) -> Notification:
    [notification_id] = notify(recipients=[user], message=MESSAGE)
    return Notification.objects.get(pk=notification_id)


def states(notification) -> dict[str, str]:
    return dict(notification.deliveries.values_list("channel", "state"))


def enqueued(apply_async: mock.MagicMock) -> list[int]:
    """The notification ids handed to the broker through deliver_notifications_task.apply_async."""
    return [pk for call in apply_async.call_args_list for pk in call.kwargs["args"][0]]


def enqueue_patch(**kwargs):
    return mock.patch.object(tasks.deliver_notifications_task, "apply_async", **kwargs)


def test_notify_writes_rows_and_enqueues_only_after_commit(enterprise_user, django_capture_on_commit_callbacks):
    # when an event notifies a member inside a transaction
    with enqueue_patch() as apply_async:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notification = notify_member(enterprise_user)
            # then nothing is enqueued before the commit
            assert apply_async.call_count == 0
    # and one batch task afterwards, with both channels pending
    assert len(callbacks) == 1
    assert enqueued(apply_async) == [notification.pk]
    assert states(notification) == {"in_app": "pending", "email": "pending"}


def test_notify_twice_for_the_same_event_writes_one_notification(enterprise_user):
    notify(recipients=[enterprise_user], message=MESSAGE)
    assert notify(recipients=[enterprise_user], message=MESSAGE) == []
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 2


def test_broker_down_does_not_break_the_request_and_rows_stay_pending(enterprise_user,
                                                                     django_capture_on_commit_callbacks):
    # given a broker that refuses connections
    with enqueue_patch(side_effect=ConnectionError("redis down")):
        # when the event commits
        with django_capture_on_commit_callbacks(execute=True):
            notification = notify_member(enterprise_user)
    # then no error reached the caller and the deliveries wait for the resend task
    assert states(notification) == {"in_app": "pending", "email": "pending"}


def test_delivering_twice_sends_one_email(enterprise_user):
    # given a pending notification
    notification = notify_member(enterprise_user)
    # when the task runs twice (a redelivered message, a resend)
    first = tasks.deliver_notifications_task.apply(args=[[notification.pk]]).get()
    second = tasks.deliver_notifications_task.apply(args=[[notification.pk]]).get()
    # then exactly one e-mail went out and both channels are sent
    assert (first, second) == (2, 0)
    assert len(mail.outbox) == 1
    assert states(notification) == {"in_app": "sent", "email": "sent"}
    assert notification.deliveries.get(channel="email").attempts == 1


def test_email_is_chinese_html_and_text_with_prefixed_subject_and_full_link(enterprise_user):
    notification = notify_member(enterprise_user)
    services.deliver_notification(notification_id=notification.pk)
    [email] = mail.outbox
    link = f"{settings.SITE_URL.rstrip('/')}/challenges/7/"
    assert email.subject == f"【共享专家联盟】{MESSAGE.title}"
    assert email.to == [enterprise_user.email]
    assert link in email.body and MESSAGE.body in email.body
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html and "查看详情" in html
    assert "您好" in email.body


def test_user_without_email_gets_in_app_only(enterprise_user):
    enterprise_user.email = ""
    enterprise_user.save()
    notification = notify_member(enterprise_user)
    services.deliver_notification(notification_id=notification.pk)
    assert mail.outbox == []
    assert states(notification) == {"in_app": "sent", "email": "skipped"}


def test_smtp_outage_keeps_email_pending_and_the_task_retries_with_backoff(enterprise_user):
    # given a mail server that refuses connections
    notification = notify_member(enterprise_user)
    with mock.patch.object(EmailChannel, "build_message") as build:
        build.return_value.send.side_effect = ConnectionRefusedError("smtp down")
        # when the task runs
        with mock.patch.object(tasks.deliver_notifications_task, "retry", side_effect=Retry()) as retry:
            with pytest.raises(Retry):
                tasks.deliver_notifications_task.run([notification.pk])
    # then in-app is sent, the e-mail stays pending with the error recorded, and a retry is scheduled
    assert states(notification) == {"in_app": "sent", "email": "pending"}
    email_delivery = notification.deliveries.get(channel="email")
    assert email_delivery.attempts == 1
    assert "smtp down" in email_delivery.last_error
    assert retry.call_args.kwargs["countdown"] == 10
    assert isinstance(retry.call_args.kwargs["exc"], TransientChannelError)
    assert mail.outbox == []


def test_backoff_grows_exponentially_and_is_capped():
    assert [tasks.retry_countdown(n) for n in range(8)] == [10, 20, 40, 80, 160, 320, 600, 600]


def test_refused_recipient_is_marked_failed_without_retry(enterprise_user):
    notification = notify_member(enterprise_user)
    refused = smtplib.SMTPRecipientsRefused({enterprise_user.email: (550, b"no such user")})
    with mock.patch.object(EmailChannel, "build_message") as build:
        build.return_value.send.side_effect = refused
        assert tasks.deliver_notification_task.apply(args=[notification.pk]).get() == 1
    assert states(notification) == {"in_app": "sent", "email": "failed"}


def test_delivery_gives_up_after_the_maximum_attempts_and_asks_for_no_retry(enterprise_user):
    notification = notify_member(enterprise_user)
    notification.deliveries.filter(channel="email").update(attempts=services.MAX_DELIVERY_ATTEMPTS - 1)
    with mock.patch.object(EmailChannel, "build_message") as build:
        build.return_value.send.side_effect = TimeoutError("timed out")
        # the last attempt fails: no error reaches the task, so it schedules no retry
        services.deliver_notification(notification_id=notification.pk)
    email_delivery = notification.deliveries.get(channel="email")
    assert (email_delivery.state, email_delivery.attempts) == ("failed", services.MAX_DELIVERY_ATTEMPTS)
    assert "timed out" in email_delivery.last_error


def test_resend_task_enqueues_only_old_pending_deliveries(enterprise_user, other_enterprise_user):
    # given one notification pending for 30 minutes, one just written, and one old but already sent
    stale = notify_member(enterprise_user)
    notify(recipients=[other_enterprise_user], message=MESSAGE)
    done = notify(recipients=[enterprise_user], message=Message(**{**MESSAGE.__dict__, "dedupe_key": "other"}))[0]
    half_an_hour_ago = timezone.now() - dt.timedelta(minutes=30)
    Delivery.objects.filter(notification_id__in=[stale.pk, done]).update(created_at=half_an_hour_ago)
    Delivery.objects.filter(notification_id=done).update(state=Delivery.State.SENT)
    # when the periodic task runs
    with enqueue_patch() as apply_async:
        count = tasks.resend_pending_notifications_task.apply(kwargs={"older_than_minutes": 10}).get()
    # then only the stale one is enqueued again
    assert count == 1
    assert enqueued(apply_async) == [stale.pk]


def test_resend_leaves_rows_tried_recently_to_their_retry(enterprise_user):
    notification = notify_member(enterprise_user)
    notification.deliveries.update(
        created_at=timezone.now() - dt.timedelta(hours=1), last_attempt_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with enqueue_patch() as apply_async:
        assert services.resend_pending_deliveries(older_than=dt.timedelta(minutes=10)) == []
    apply_async.assert_not_called()


def test_resent_pending_notification_is_delivered(enterprise_user):
    # given a notification whose task was lost half an hour ago
    notification = notify_member(enterprise_user)
    notification.deliveries.update(created_at=timezone.now() - dt.timedelta(minutes=30))
    # when the resend task runs with tasks executed at once
    with enqueue_patch(side_effect=lambda args, **kwargs: tasks.deliver_notifications_task.apply(args=args)):
        tasks.resend_pending_notifications_task.apply()
    # then the e-mail goes out
    assert len(mail.outbox) == 1
    assert states(notification) == {"in_app": "sent", "email": "sent"}


def test_resend_is_a_periodic_task_every_five_minutes_editable_in_admin(db):
    task = PeriodicTask.objects.get(task="notifications.tasks.resend_pending_notifications_task")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")


def test_admin_retry_makes_failed_rows_pending_again(enterprise_user, django_capture_on_commit_callbacks):
    notification = notify_member(enterprise_user)
    email_delivery = notification.deliveries.get(channel="email")
    Delivery.objects.filter(pk=email_delivery.pk).update(state=Delivery.State.FAILED, attempts=10)
    with enqueue_patch() as apply_async:
        with django_capture_on_commit_callbacks(execute=True):
            services.retry_deliveries(delivery_ids=[email_delivery.pk])
    email_delivery.refresh_from_db()
    assert (email_delivery.state, email_delivery.attempts) == ("pending", 0)
    assert enqueued(apply_async) == [notification.pk]
