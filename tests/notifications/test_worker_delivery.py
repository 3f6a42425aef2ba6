"""End to end through a real Celery worker and a real Redis: a claim reaches the enterprise by e-mail, once."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail

from challenges.services import claim_challenge
from config.celery_app import app
from notifications.models import Delivery, Notification
from notifications.services import Message, enqueue_deliveries, notify
from notifications.tasks import deliver_notifications_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 30


def wait_until(condition, *, timeout: float = TIMEOUT_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def celery_worker():
    # The project's own app, talking to Redis: the point is to prove the real path, not the eager shortcut.
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")
    app.control.purge()  # messages left by earlier runs belong to rows that no longer exist
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_claim_is_emailed_to_the_enterprise_member_once_by_the_worker(
    celery_worker, expert, open_challenge, enterprise_user
):
    # given an open challenge of the member's enterprise and a worker listening on Redis
    # when an expert claims it (the service commits, then enqueues the delivery)
    claim_challenge(
        expert=expert, challenge=open_challenge, proposal="采用三维视觉测量加柔性夹爪，按尺寸自动匹配包装规格。",
        expected_days=45,
    )
    notification = Notification.objects.get(recipient=enterprise_user, kind=Notification.Kind.CLAIM_SUBMITTED)

    # then the worker delivers both channels
    def delivered() -> bool:
        return set(notification.deliveries.values_list("state", flat=True)) == {Delivery.State.SENT}

    assert wait_until(delivered), list(notification.deliveries.values("channel", "state", "last_error"))
    # and exactly one e-mail reached the member, about this challenge
    assert len(mail.outbox) == 1
    [email] = mail.outbox
    assert email.to == [enterprise_user.email]
    assert email.subject.startswith("【共享专家联盟】")
    assert open_challenge.title in email.subject
    assert f"/challenges/{open_challenge.pk}/" in email.body


def test_running_the_task_again_through_the_worker_sends_nothing_more(celery_worker, enterprise_user):
    # given a notification the worker has delivered
    [notification_id] = notify(
        recipients=[enterprise_user],
        message=Message(
            kind=Notification.Kind.GENERIC, title="系统维护通知", body="今晚 22:00 系统维护。", url="/",
            dedupe_key="maintenance",
        ),
    )
    assert wait_until(lambda: len(mail.outbox) == 1)
    assert wait_until(
        lambda: not Delivery.objects.filter(notification_id=notification_id, state=Delivery.State.PENDING).exists()
    )
    finished: list[int] = []

    def count_finished(sender=None, args=None, **kwargs) -> None:
        if getattr(sender, "name", None) == deliver_notifications_task.name and list(args or ()) == [[notification_id]]:
            finished.append(notification_id)

    task_postrun.connect(count_finished, weak=False)
    try:
        # when the same delivery is enqueued twice more (a resend, a redelivered message) and the worker runs both
        enqueue_deliveries(notification_ids=[notification_id])
        enqueue_deliveries(notification_ids=[notification_id])
        assert wait_until(lambda: len(finished) >= 2)
    finally:
        task_postrun.disconnect(count_finished)
    # then no second e-mail goes out
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(notification_id=notification_id, channel="email").attempts == 1
