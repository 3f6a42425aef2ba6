"""Drafts, review (publish or return with a reason), editing and resubmitting, withdrawing and closing, in the
browser pages. Every refusal asserts that nothing changed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge, ChallengeEvent, Status
from tests import factories

pytestmark = pytest.mark.django_db


def form_data(chain, **overrides):
    data = {
        "title": "注塑件表面缩痕检测",
        "description": "注塑件表面缩痕人工目检漏检率高，希望用机器视觉在线检测并自动分拣。",
        "chain": chain.pk,
        "keywords": "机器视觉，缺陷检测",
        "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "claim_mode": "choose_one",
    }
    data.update(overrides)
    return data


@pytest.fixture
def pending(enterprise, enterprise_user, chain):
    return factories.ChallengeFactory(enterprise=enterprise, author=enterprise_user, chain=chain,
                                      status=Status.PENDING_REVIEW, published_at=None)


@pytest.fixture
def rejected(enterprise, enterprise_user, chain):
    return factories.ChallengeFactory(enterprise=enterprise, author=enterprise_user, chain=chain,
                                      status=Status.REJECTED, published_at=None, review_note="请补充现有产线节拍数据")


def status_of(challenge):
    return Challenge.objects.get(pk=challenge.pk).status


def test_enterprise_saves_a_draft_then_submits_it(client, enterprise_user, chain):
    client.force_login(enterprise_user)
    # when they press 保存草稿
    response = client.post(reverse("challenges:create"), {**form_data(chain), "action": "draft"})
    # then a draft exists, not yet sent for review, and its page offers edit and submit
    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.status == Status.DRAFT
    assert not challenge.events.filter(kind=ChallengeEvent.Kind.SUBMITTED).exists()
    content = client.get(reverse("challenges:detail", args=[challenge.pk])).content.decode()
    assert "已保存为草稿" in content
    assert reverse("challenges:edit", args=[challenge.pk]) in content
    assert reverse("challenges:submit", args=[challenge.pk]) in content
    # when they submit it
    assert client.post(reverse("challenges:submit", args=[challenge.pk])).status_code == 302
    assert status_of(challenge) == Status.PENDING_REVIEW


def test_expert_cannot_submit_someone_elses_draft(client, expert_user, enterprise, chain):
    draft = factories.ChallengeFactory(enterprise=enterprise, chain=chain, status=Status.DRAFT, published_at=None)
    client.force_login(expert_user)
    assert client.post(reverse("challenges:submit", args=[draft.pk])).status_code == 404
    assert status_of(draft) == Status.DRAFT


def test_chain_leader_lists_pending_challenges_of_their_chain_only(client, chain_leader, pending, other_chain):
    elsewhere = factories.ChallengeFactory(chain=other_chain, enterprise__chain=other_chain,
                                           status=Status.PENDING_REVIEW, title="缓释片释放度不稳定")
    client.force_login(chain_leader)
    response = client.get(reverse("challenges:review_list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert pending.title in content
    assert elsewhere.title not in content
    # and the navbar links the page
    assert f'href="{reverse("challenges:review_list")}"' in content


def test_park_staff_see_every_pending_challenge(client, park_staff, pending):
    client.force_login(park_staff)
    assert pending.title in client.get(reverse("challenges:review_list")).content.decode()


@pytest.mark.parametrize("user_fixture", ["expert_user", "enterprise_user"])
def test_review_list_is_refused_to_experts_and_enterprises(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse("challenges:review_list")).status_code == 403


def test_chain_leader_publishes_from_the_page(client, chain_leader, pending):
    client.force_login(chain_leader)
    content = client.get(reverse("challenges:detail", args=[pending.pk])).content.decode()
    assert "审核通过并发布" in content and reverse("challenges:review", args=[pending.pk]) in content
    response = client.post(reverse("challenges:review", args=[pending.pk]), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    challenge = Challenge.objects.get(pk=pending.pk)
    assert challenge.status == Status.OPEN and challenge.published_at is not None


def test_chain_leader_returns_with_a_reason_and_the_enterprise_sees_it(client, chain_leader, enterprise_user,
                                                                       pending):
    client.force_login(chain_leader)
    response = client.post(reverse("challenges:review", args=[pending.pk]),
                           {"decision": "return", "reason": "请补充现有产线节拍数据"})
    assert response.status_code == 302
    challenge = Challenge.objects.get(pk=pending.pk)
    assert (challenge.status, challenge.review_note) == (Status.REJECTED, "请补充现有产线节拍数据")
    # then the enterprise sees the reason prominently, on the page, the edit form and 我的需求
    client.force_login(enterprise_user)
    content = client.get(reverse("challenges:detail", args=[pending.pk])).content.decode()
    assert 'id="review-note"' in content and "请补充现有产线节拍数据" in content
    assert "重新提交审核" in content
    assert "请补充现有产线节拍数据" in client.get(reverse("challenges:edit", args=[pending.pk])).content.decode()
    assert "请补充现有产线节拍数据" in client.get(reverse("challenges:mine")).content.decode()


def test_returning_without_a_reason_is_a_400_and_nothing_changes(client, chain_leader, pending):
    client.force_login(chain_leader)
    response = client.post(reverse("challenges:review", args=[pending.pk]), {"decision": "return", "reason": " "})
    assert response.status_code == 400
    assert "驳回时请填写原因，便于企业修改。" in response.content.decode()
    assert status_of(pending) == Status.PENDING_REVIEW


def test_reviewing_twice_shows_409(client, chain_leader, pending):
    Challenge.objects.filter(pk=pending.pk).update(status=Status.OPEN)
    client.force_login(chain_leader)
    response = client.post(reverse("challenges:review", args=[pending.pk]), {"decision": "approve"})
    assert response.status_code == 409
    assert "当前状态的需求不能发布。" in response.content.decode()
    assert status_of(pending) == Status.OPEN


def test_other_chain_leader_and_enterprise_cannot_review(client, other_chain_leader, enterprise_user, pending):
    client.force_login(other_chain_leader)
    assert client.post(reverse("challenges:review", args=[pending.pk]), {"decision": "approve"}).status_code == 404
    client.force_login(enterprise_user)
    assert client.post(reverse("challenges:review", args=[pending.pk]), {"decision": "approve"}).status_code == 403
    assert status_of(pending) == Status.PENDING_REVIEW
    assert not pending.events.exists()


def test_enterprise_edits_a_returned_challenge_and_resubmits(client, enterprise_user, rejected, chain):
    client.force_login(enterprise_user)
    form = client.get(reverse("challenges:edit", args=[rejected.pk])).content.decode()
    assert rejected.title in form  # the form starts from the current text
    response = client.post(reverse("challenges:edit", args=[rejected.pk]),
                           form_data(chain, title="异形件包装线柔性改造（补充节拍数据）", action="submit"))
    assert response.status_code == 302
    challenge = Challenge.objects.get(pk=rejected.pk)
    assert challenge.title == "异形件包装线柔性改造（补充节拍数据）"
    assert challenge.status == Status.PENDING_REVIEW
    assert challenge.keywords == ["机器视觉", "缺陷检测"]


def test_edit_with_only_save_keeps_it_returned(client, enterprise_user, rejected, chain):
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:edit", args=[rejected.pk]), form_data(chain, action="draft"))
    assert response.status_code == 302
    challenge = Challenge.objects.get(pk=rejected.pk)
    assert (challenge.status, challenge.title) == (Status.REJECTED, "注塑件表面缩痕检测")


def test_edit_with_bad_input_rerenders_with_chinese_errors_and_changes_nothing(client, enterprise_user, rejected,
                                                                               chain):
    client.force_login(enterprise_user)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("challenges:edit", args=[rejected.pk]),
                           form_data(chain, title="", deadline=yesterday))
    assert response.status_code == 400
    assert "请填写需求名称。" in response.content.decode()
    challenge = Challenge.objects.get(pk=rejected.pk)
    assert (challenge.title, challenge.status) == (rejected.title, Status.REJECTED)


def test_editing_an_open_challenge_is_refused_with_409(client, enterprise_user, open_challenge, chain):
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:edit", args=[open_challenge.pk]), form_data(chain, title="改名"))
    assert response.status_code == 409
    assert "不能修改" in response.content.decode()
    assert Challenge.objects.get(pk=open_challenge.pk).title == open_challenge.title


def test_others_cannot_edit(client, other_enterprise_user, expert_user, rejected, open_challenge, chain):
    client.force_login(other_enterprise_user)
    assert client.post(reverse("challenges:edit", args=[rejected.pk]), form_data(chain)).status_code == 404
    client.force_login(expert_user)
    assert client.get(reverse("challenges:edit", args=[open_challenge.pk])).status_code == 403
    assert Challenge.objects.get(pk=rejected.pk).title == rejected.title


def test_enterprise_withdraws_an_open_challenge(client, enterprise_user, open_challenge):
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:withdraw", args=[open_challenge.pk]), {"reason": "已自行解决"})
    assert response.status_code == 302
    assert status_of(open_challenge) == Status.WITHDRAWN
    assert open_challenge.events.get(kind=ChallengeEvent.Kind.WITHDRAWN).note == "已自行解决"


def test_expert_and_chain_leader_cannot_withdraw(client, expert_user, chain_leader, open_challenge):
    for user in (expert_user, chain_leader):
        client.force_login(user)
        assert client.post(reverse("challenges:withdraw", args=[open_challenge.pk])).status_code == 403
    assert status_of(open_challenge) == Status.OPEN


def test_park_staff_close_with_a_reason(client, park_staff, open_challenge):
    client.force_login(park_staff)
    content = client.get(reverse("challenges:detail", args=[open_challenge.pk])).content.decode()
    assert reverse("challenges:close", args=[open_challenge.pk]) in content
    response = client.post(reverse("challenges:close", args=[open_challenge.pk]), {"reason": "企业已注销"})
    assert response.status_code == 302
    assert status_of(open_challenge) == Status.CLOSED


def test_closing_without_reason_is_400_and_enterprise_cannot_close(client, chain_leader, enterprise_user,
                                                                   open_challenge):
    client.force_login(chain_leader)
    response = client.post(reverse("challenges:close", args=[open_challenge.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "请填写关闭原因。" in response.content.decode()
    client.force_login(enterprise_user)
    assert client.post(reverse("challenges:close", args=[open_challenge.pk]), {"reason": "不想要了"}).status_code == 403
    assert status_of(open_challenge) == Status.OPEN


def test_mine_filters_by_status_and_shows_drafts(client, enterprise_user, enterprise, chain, open_challenge):
    draft = factories.ChallengeFactory(enterprise=enterprise, chain=chain, status=Status.DRAFT, published_at=None,
                                       title="草稿：冲压模具寿命预测")
    client.force_login(enterprise_user)
    content = client.get(reverse("challenges:mine"), {"status": "draft"}).content.decode()
    assert draft.title in content and open_challenge.title not in content
    everything = client.get(reverse("challenges:mine")).content.decode()
    assert draft.title in everything and open_challenge.title in everything
    response = client.get(reverse("challenges:mine"), {"status": "nonsense"})
    assert response.status_code == 400
    assert "请选择有效的状态。" in response.content.decode()
