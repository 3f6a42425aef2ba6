"""Never lost, never twice: a real Redis that goes down, a real worker killed mid-batch, a flaky group robot."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction

from challenges.models import Challenge
from challenges.services import publish_challenge
from config.celery_app import app
from notifications.models import Delivery, Notification
from notifications.services import Message, announce_to_chain, notify, resend_pending_deliveries
from tests import factories
from tests.notifications.helpers import RedisServer, WebhookServer, broker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_redis():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fast_retries(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0.1
    settings.NOTIFICATION_WEBHOOK_MAX_ATTEMPTS = 3
    return settings


def in_process_worker():
    return start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10)


def nothing_pending() -> bool:
    return not Delivery.objects.filter(state=Delivery.State.PENDING).exists()


def test_publish_while_redis_is_down_succeeds_and_all_is_delivered_once_when_it_returns(
    own_redis, fast_retries, chain, chain_leader, expert, other_expert, enterprise, enterprise_user
):
    # given a challenge awaiting review, an expert whose research fits it, and the chain's group robot
    challenge = factories.ChallengeFactory(
        enterprise=enterprise, author=enterprise_user, chain=chain, status=Challenge.Status.PENDING_REVIEW,
        published_at=None,
    )
    with WebhookServer([200]) as robot, broker(own_redis.url):
        chain.webhook_url = robot.url
        chain.save()
        # and Redis goes down
        own_redis.stop()

        # when the chain leader publishes the challenge
        started = time.monotonic()
        publish_challenge(challenge=challenge, by=chain_leader)
        elapsed = time.monotonic() - started

        # then the publish is committed, quickly, and every delivery waits in the outbox
        challenge.refresh_from_db()
        assert challenge.status == Challenge.Status.OPEN
        assert elapsed < 5
        states = set(Delivery.objects.values_list("state", flat=True))
        assert states == {Delivery.State.PENDING}
        assert Notification.objects.filter(recipient=expert.user, kind="challenge_published").exists()
        assert Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK).count() == 1
        expected_emails = sorted(
            Delivery.objects.filter(channel=Delivery.Channel.EMAIL).values_list(
                "notification__recipient__email", flat=True
            )
        )
        assert expert.user.email in expected_emails and enterprise_user.email in expected_emails

        # when Redis comes back, a worker runs and the periodic resend enqueues what is pending
        own_redis.start()
        with in_process_worker():
            assert resend_pending_deliveries(older_than=dt.timedelta(0))
            assert wait_until(nothing_pending), list(Delivery.objects.values("channel", "state", "last_error"))
            time.sleep(0.5)  # room for a duplicate to show up, if there were one

    # then every notification was delivered, each exactly once
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    assert sorted(address for email in mail.outbox for address in email.to) == expected_emails
    assert len(robot.requests) == 1


def worker_process(*, broker_url: str, mail_dir: Path, delay: float) -> subprocess.Popen:
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    database_url = (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": database_url,  # the pytest test database, where this test's rows are committed
        "CELERY_BROKER_URL": broker_url,
        "TEST_MAIL_DIR": str(mail_dir),
        "TEST_MAIL_DELAY_SECONDS": str(delay),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "--concurrency=1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
    ]
    return subprocess.Popen(
        command, env=env, cwd=django_settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def test_worker_killed_mid_batch_delivers_every_email_exactly_once_after_a_restart(own_redis, settings, tmp_path):
    # given a worker subprocess whose e-mails take a while each, on our own Redis
    settings.NOTIFICATION_BATCH_SIZE = 100  # one batch: the kill lands in its middle
    delay = 0.3
    people = factories.UserFactory.create_batch(20)
    mail_files = lambda: list(tmp_path.glob("*.eml"))  # noqa: E731
    with broker(own_redis.url):
        worker = worker_process(broker_url=own_redis.url, mail_dir=tmp_path, delay=delay)
        try:
            # when an event notifies twenty people (one task, twenty e-mails)
            with transaction.atomic():
                notify(
                    recipients=people,
                    message=Message(
                        kind=Notification.Kind.GENERIC, title="园区停电检修通知", body="周六 8:00-12:00 停电检修。",
                        url="/", dedupe_key="maintenance:power",
                    ),
                )
            # and the worker is killed (SIGKILL) in the middle of the batch, between two e-mails
            assert wait_until(lambda: len(mail_files()) >= 5, timeout=60), "the worker sent nothing"
            time.sleep(delay / 2)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            sent_before_the_kill = len(mail_files())
            assert 5 <= sent_before_the_kill < 20

            # when a worker starts again and the periodic resend runs
            worker = worker_process(broker_url=own_redis.url, mail_dir=tmp_path, delay=0.01)
            resend_pending_deliveries(older_than=dt.timedelta(0))
            assert wait_until(nothing_pending, timeout=60), list(Delivery.objects.values("state", "last_error"))
            time.sleep(1)  # let a redelivered message (visibility timeout) run too: it must find nothing to do
        finally:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)

    # then each of the twenty e-mails exists exactly once
    email_ids = {str(pk) for pk in Delivery.objects.filter(channel="email").values_list("pk", flat=True)}
    per_delivery = collections.Counter(path.name.split("-")[0] for path in mail_files())
    assert set(per_delivery) == email_ids
    assert set(per_delivery.values()) == {1}
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}


def announce(chain) -> Delivery:
    with transaction.atomic():
        notification_id = announce_to_chain(
            chain=chain,
            message=Message(
                kind=Notification.Kind.CHALLENGE_PUBLISHED, title="本链新需求：异形件自动包装线柔性改造",
                body="苏州绿野户外用品有限公司 发布了技术需求。", url="/challenges/1/",
                dedupe_key="challenge:1:published",
            ),
        )
    return Delivery.objects.get(notification_id=notification_id)


@pytest.fixture
def redis_worker():
    app.control.purge()  # messages left by earlier runs belong to rows that no longer exist
    with in_process_worker() as worker:
        yield worker


def test_webhook_failing_twice_then_succeeding_is_delivered_exactly_once(fast_retries, redis_worker, chain):
    # given a group robot that answers 500 twice, then accepts
    with WebhookServer([500, 502, 200]) as robot:
        chain.webhook_url = robot.url
        chain.webhook_kind = "wecom"
        chain.save()
        # when a challenge is announced to the chain
        delivery = announce(chain)
        # then the worker retries with backoff until it goes through, once
        assert wait_until(lambda: Delivery.objects.get(pk=delivery.pk).state != Delivery.State.PENDING)
        time.sleep(0.5)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (Delivery.State.SENT, 3, "")
    assert [request["status"] for request in robot.requests] == [500, 502, 200]
    [success] = robot.successes()
    assert success["payload"]["msgtype"] == "markdown"
    assert "异形件自动包装线柔性改造" in success["payload"]["markdown"]["content"]


def test_webhook_failing_for_good_is_marked_failed_with_its_error_after_the_retry_limit(
    fast_retries, redis_worker, chain
):
    # given a group robot that is always down
    with WebhookServer([503]) as robot:
        chain.webhook_url = robot.url
        chain.save()
        # when a challenge is announced to the chain
        delivery = announce(chain)
        # then the worker gives up after the retry limit and stops knocking
        assert wait_until(lambda: Delivery.objects.get(pk=delivery.pk).state != Delivery.State.PENDING)
        time.sleep(1)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.FAILED, 3)
    assert "HTTP 503" in delivery.last_error
    assert len(robot.requests) == 3
