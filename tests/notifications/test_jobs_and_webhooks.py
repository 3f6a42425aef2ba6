"""Periodic jobs (idempotent: run twice, notify once), the group-robot formats, and the staff page of failures."""

import datetime as dt
import json
import urllib.error
from unittest import mock

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from challenges.models import Challenge
from notifications import channels
from notifications.channels import PermanentChannelError, TransientChannelError, WebhookChannel, webhook_payload
from notifications.jobs import escalate_unclaimed_challenges, send_deadline_reminders, send_weekly_expert_digests
from notifications.models import Delivery, Notification
from tests import factories


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch("notifications.services.enqueue_deliveries"):
        yield


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_deadline_reminder_reaches_members_and_live_claimants_once(
    open_challenge, enterprise_user, expert, other_expert
):
    # given an open challenge closing in two days, one live claim and one withdrawn claim
    Challenge.objects.filter(pk=open_challenge.pk).update(deadline=timezone.localdate() + dt.timedelta(days=2))
    factories.ClaimFactory(challenge=open_challenge, expert=expert)
    factories.ClaimFactory(challenge=open_challenge, expert=other_expert, status="withdrawn")
    # when the job runs twice
    first, second = send_deadline_reminders(), send_deadline_reminders()
    # then the member and the live claimant are reminded, once
    assert (first, second) == (2, 0)
    assert kinds_for(enterprise_user) == ["deadline_reminder"]
    assert kinds_for(expert.user) == ["deadline_reminder"]
    assert kinds_for(other_expert.user) == []


def test_deadline_far_away_or_closed_challenge_is_not_reminded(open_challenge, enterprise_user):
    assert send_deadline_reminders() == 0  # the factory's deadline is a month away
    Challenge.objects.filter(pk=open_challenge.pk).update(
        deadline=timezone.localdate() + dt.timedelta(days=1), status=Challenge.Status.CLOSED
    )
    assert send_deadline_reminders() == 0
    assert not Notification.objects.exists()


def test_unclaimed_challenge_is_escalated_to_chain_leader_and_park_staff_once(
    open_challenge, chain_leader, park_staff, enterprise_user, settings
):
    settings.NO_CLAIM_SLA_DAYS = 7
    Challenge.objects.filter(pk=open_challenge.pk).update(published_at=timezone.now() - dt.timedelta(days=8))
    assert escalate_unclaimed_challenges() == 2
    assert escalate_unclaimed_challenges() == 0
    assert kinds_for(chain_leader) == ["no_claim_escalation"]
    assert kinds_for(park_staff) == ["no_claim_escalation"]
    assert kinds_for(enterprise_user) == []


def test_claimed_or_recent_challenge_is_not_escalated(open_challenge, chain_leader, expert, settings):
    settings.NO_CLAIM_SLA_DAYS = 7
    assert escalate_unclaimed_challenges() == 0  # published just now
    Challenge.objects.filter(pk=open_challenge.pk).update(published_at=timezone.now() - dt.timedelta(days=8))
    factories.ClaimFactory(challenge=open_challenge, expert=expert)
    assert escalate_unclaimed_challenges() == 0
    assert not Notification.objects.exists()


def test_weekly_digest_lists_new_fitting_challenges_once_a_week(open_challenge, expert, other_expert):
    # given a new open challenge on automatic packaging and an expert in that field
    from matching.services import ChallengeMatch

    def ranked(candidate, *, limit):
        return [ChallengeMatch(challenge=open_challenge, score=0.9, rank=1)] if candidate == expert else []

    with mock.patch("matching.services.rank_challenges_for_expert", side_effect=ranked):
        first, second = send_weekly_expert_digests(), send_weekly_expert_digests()
    assert (first, second) == (1, 0)
    digest = Notification.objects.get(recipient=expert.user)
    assert digest.kind == "weekly_digest" and open_challenge.title in digest.body
    assert kinds_for(other_expert.user) == []


def test_periodic_jobs_are_registered_in_beat_and_editable(db):
    tasks = dict(PeriodicTask.objects.values_list("task", "crontab__hour"))
    assert tasks["notifications.tasks.send_daily_digests_task"] == "8"
    assert "notifications.tasks.send_deadline_reminders_task" in tasks
    assert "notifications.tasks.escalate_unclaimed_challenges_task" in tasks
    assert "notifications.tasks.send_weekly_expert_digests_task" in tasks


ANNOUNCEMENT = Notification(
    kind="challenge_published", title="本链新需求：柔性包装", body="欢迎揭榜。", url="/challenges/3/"
)


def test_each_robot_gets_its_own_markdown_format():
    wecom = webhook_payload("wecom", ANNOUNCEMENT)
    assert wecom["msgtype"] == "markdown" and "本链新需求：柔性包装" in wecom["markdown"]["content"]
    dingtalk = webhook_payload("dingtalk", ANNOUNCEMENT)
    assert dingtalk["msgtype"] == "markdown" and dingtalk["markdown"]["title"] == "本链新需求：柔性包装"
    assert "/challenges/3/" in dingtalk["markdown"]["text"]
    feishu = webhook_payload("feishu", ANNOUNCEMENT)
    post = feishu["content"]["post"]["zh_cn"]
    assert feishu["msg_type"] == "post" and post["title"] == "本链新需求：柔性包装"
    assert post["content"][-1][0]["href"].endswith("/challenges/3/")


def robot_answer(body: dict):
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = json.dumps(body).encode()
    return response


@pytest.mark.parametrize(
    ("kind", "answer", "error"),
    [
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, PermanentChannelError),
        ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}, TransientChannelError),
        ("dingtalk", {"errcode": 310000, "errmsg": "keywords not in content"}, PermanentChannelError),
        ("feishu", {"code": 9499, "msg": "too many request"}, TransientChannelError),
        ("feishu", {"code": 0, "msg": "success"}, None),
    ],
)
def test_robot_error_codes_are_told_apart(chain, kind, answer, error):
    chain.webhook_url, chain.webhook_kind = "https://robot.example.cn/send", kind
    notification = Notification(chain=chain, kind="generic", title="t", url="/")
    with mock.patch.object(channels.urllib.request, "urlopen", return_value=robot_answer(answer)):
        if error is None:
            assert WebhookChannel().send(notification, delivery_id=1) is True
        else:
            with pytest.raises(error):
                WebhookChannel().send(notification, delivery_id=1)


def test_robot_refusing_with_4xx_is_permanent_and_5xx_transient(chain):
    chain.webhook_url = "https://robot.example.cn/send"
    notification = Notification(chain=chain, kind="generic", title="t", url="/")
    for code, error in ((404, PermanentChannelError), (500, TransientChannelError), (429, TransientChannelError)):
        refusal = urllib.error.HTTPError(chain.webhook_url, code, "refused", {}, None)
        with mock.patch.object(channels.urllib.request, "urlopen", side_effect=refusal):
            with pytest.raises(error):
                WebhookChannel().send(notification, delivery_id=1)


def test_chain_without_a_robot_gets_no_announcement(chain):
    from notifications.services import Message, announce_to_chain

    chain.webhook_url = ""
    chain.save()
    message = Message(kind="challenge_published", title="t", body="", url="/", dedupe_key="k")
    assert announce_to_chain(chain=chain, message=message) is None
    assert not Notification.objects.exists()


def test_failed_deliveries_page_is_for_park_staff_only(client, park_staff, enterprise_user, chain):
    notification = Notification.objects.create(chain=chain, kind="generic", title="群机器人失效", dedupe_key="k")
    Delivery.objects.create(
        notification=notification, channel="webhook", state="failed", attempts=6, last_error="HTTP 404 Not Found"
    )
    client.force_login(enterprise_user)
    assert client.get("/notifications/failed/").status_code == 403
    client.force_login(park_staff)
    page = client.get("/notifications/failed/").content.decode()
    assert "群机器人失效" in page and "HTTP 404 Not Found" in page and chain.name in page
