"""发布需求 in the browser: who may post, what bad input looks like, and that a good form publishes."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge, Status
from tests import factories

pytestmark = pytest.mark.django_db




def valid_form(industry_chain, **overrides):
    data = {
        "title": "注塑件表面缺陷在线检测",
        "description": "注塑件表面存在划痕和缩痕，人工目检漏检率高，希望实现在线自动检测。",
        "chain": industry_chain.pk,
        "field": "",
        "keywords": "机器视觉，缺陷检测, 注塑",
        "expected_outcome": "漏检率低于 1%",
        "reward_wan": "30",
        "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "claim_mode": Challenge.ClaimMode.CHOOSE_ONE,
    }
    data.update(overrides)
    return data


def test_enterprise_member_sees_the_form(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.get(reverse("challenges:create"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "需求名称" in content
    assert 'type="date"' in content


def test_enterprise_member_posts_a_challenge_and_it_goes_to_review(client, enterprise_user, enterprise, chain):
    client.force_login(enterprise_user)
    # when they submit a complete form
    response = client.post(reverse("challenges:create"), valid_form(chain, is_confidential="on"))
    # then the challenge waits for the chain leader's review with its keywords split, and they land on its page
    challenge = Challenge.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("challenges:detail", args=[challenge.pk])
    assert challenge.enterprise == enterprise
    assert challenge.status == Status.PENDING_REVIEW
    assert challenge.keywords == ["机器视觉", "缺陷检测", "注塑"]
    assert challenge.is_confidential is True
    assert str(challenge.reward_wan) == "30.00"


def test_missing_title_rerenders_with_chinese_error_and_creates_nothing(client, enterprise_user, chain):
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:create"), valid_form(chain, title=""))
    assert response.status_code == 400
    assert "请填写需求名称。" in response.content.decode()
    assert not Challenge.objects.exists()


def test_past_deadline_is_refused_by_the_service_on_the_deadline_field(client, enterprise_user, chain):
    client.force_login(enterprise_user)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("challenges:create"), valid_form(chain, deadline=yesterday))
    assert response.status_code == 400
    assert "揭榜截止日期必须晚于今天。" in response.context["form"].errors["deadline"]
    assert not Challenge.objects.exists()


def test_garbage_values_are_field_errors_not_a_500(client, enterprise_user, chain):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("challenges:create"),
        valid_form(chain, reward_wan="很多", deadline="明天", chain="999999", claim_mode="whatever"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"reward_wan", "deadline", "chain", "claim_mode"}
    assert "请输入有效的金额。" in errors["reward_wan"]
    assert not Challenge.objects.exists()


def test_field_of_another_chain_is_refused(client, enterprise_user, chain, other_chain):
    field = factories.TechnicalFieldFactory(name="基因检测", chain=other_chain)
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:create"), valid_form(chain, field=field.pk))
    assert response.status_code == 400
    assert "所选技术领域不属于该产业链。" in response.content.decode()
    assert not Challenge.objects.exists()


def test_member_of_two_enterprises_chooses_which_and_cannot_pick_a_stranger(client, enterprise_user, chain):
    # given a user who acts for two enterprises, and a third enterprise they do not belong to
    second = factories.EnterpriseMembershipFactory(user=enterprise_user).organisation
    stranger = factories.OrganisationFactory(name="无关企业")
    client.force_login(enterprise_user)
    # then the form offers a choice of their two enterprises only
    content = client.get(reverse("challenges:create")).content.decode()
    assert second.name in content
    assert stranger.name not in content
    # when they post for the second enterprise, it is filed under it
    response = client.post(reverse("challenges:create"), valid_form(chain, enterprise=second.pk))
    assert response.status_code == 302
    assert Challenge.objects.get().enterprise == second
    # and posting for the stranger is refused
    response = client.post(reverse("challenges:create"), valid_form(chain, enterprise=stranger.pk))
    assert response.status_code == 400
    assert not Challenge.objects.filter(enterprise=stranger).exists()


@pytest.mark.parametrize("user_fixture", ["expert_user", "chain_leader"])
def test_non_enterprise_users_cannot_post(client, request, user_fixture, chain):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.post(reverse("challenges:create"), valid_form(chain))
    assert response.status_code == 403
    assert not Challenge.objects.exists()
