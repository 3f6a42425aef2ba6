"""榜单大厅: filters, search, pagination that keeps the filters, and bad filter values."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.models import Status
from tests import factories

pytestmark = pytest.mark.django_db


def titles(response):
    return [challenge.title for challenge in response.context["page"].object_list]


@pytest.fixture
def hall(chain, other_chain, enterprise, enterprise_user):
    """Four published challenges in two chains with different rewards, and a draft nobody else may see."""
    field = factories.TechnicalFieldFactory(name="智能检测", chain=chain)
    factories.ChallengeFactory(enterprise=enterprise, chain=chain, field=field, title="焊缝缺陷视觉检测",
                               keywords=["机器视觉", "焊接"], reward_wan=Decimal("50"))
    factories.ChallengeFactory(enterprise=enterprise, chain=chain, title="伺服电机降噪",
                               keywords=["振动", "噪声"], reward_wan=Decimal("10"))
    factories.ChallengeFactory(enterprise=enterprise, chain=other_chain, title="缓释制剂工艺放大",
                               description="实验室工艺稳定，放大到中试后批间差异大，需要优化工艺参数。",
                               keywords=["药物制剂"], reward_wan=None)
    factories.ChallengeFactory(enterprise=enterprise, chain=chain, title="已完工的包装线", status=Status.COMPLETED,
                               keywords=["自动包装"], reward_wan=Decimal("80"))
    factories.ChallengeFactory(enterprise=enterprise, chain=chain, title="未发布的草稿", status=Status.DRAFT,
                               published_at=None)
    return field


def test_expert_sees_published_challenges_but_not_drafts(client, expert_user, hall):
    client.force_login(expert_user)
    response = client.get(reverse("challenges:hall"))
    assert response.status_code == 200
    assert set(titles(response)) == {"焊缝缺陷视觉检测", "伺服电机降噪", "缓释制剂工艺放大", "已完工的包装线"}


def test_filters_by_chain_field_status_and_reward(client, expert_user, hall, chain, other_chain):
    client.force_login(expert_user)
    url = reverse("challenges:hall")
    assert titles(client.get(url, {"chain": other_chain.pk})) == ["缓释制剂工艺放大"]
    assert titles(client.get(url, {"field": hall.pk})) == ["焊缝缺陷视觉检测"]
    assert titles(client.get(url, {"status": "completed"})) == ["已完工的包装线"]
    assert set(titles(client.get(url, {"chain": chain.pk, "reward_min": "20", "reward_max": "60"}))) == {
        "焊缝缺陷视觉检测"
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [("焊缝", {"焊缝缺陷视觉检测"}), ("中试", {"缓释制剂工艺放大"}), ("噪声", {"伺服电机降噪"}), ("不存在的词", set())],
)
def test_search_covers_title_description_and_keywords(client, expert_user, hall, query, expected):
    client.force_login(expert_user)
    assert set(titles(client.get(reverse("challenges:hall"), {"q": query}))) == expected


def test_search_and_reward_filter_do_not_reveal_a_confidential_challenge(client, expert_user, chain, enterprise):
    # given a confidential challenge whose description and reward only involved experts may see
    factories.ChallengeFactory(enterprise=enterprise, chain=chain, title="电池壳体焊接", is_confidential=True,
                               description="激光焊接气孔率高，需要工艺优化。", keywords=["激光焊"],
                               reward_wan=Decimal("99"))
    client.force_login(expert_user)
    url = reverse("challenges:hall")
    # then searching its hidden words or probing its reward finds nothing, while its title still finds it
    assert titles(client.get(url, {"q": "气孔"})) == []
    assert titles(client.get(url, {"q": "激光焊"})) == []
    assert titles(client.get(url, {"reward_min": "90"})) == []
    assert titles(client.get(url, {"q": "壳体"})) == ["电池壳体焊接"]


def test_bad_filter_values_are_reported_and_ignored_not_a_500(client, expert_user, hall):
    client.force_login(expert_user)
    response = client.get(
        reverse("challenges:hall"), {"chain": "abc", "status": "deleted", "reward_min": "lots", "q": "焊缝"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "请选择有效的产业链。" in content
    assert "请输入有效的金额。" in content
    # the valid filter still applies
    assert titles(response) == ["焊缝缺陷视觉检测"]


def test_reward_range_upside_down_is_an_error(client, expert_user, hall):
    client.force_login(expert_user)
    response = client.get(reverse("challenges:hall"), {"reward_min": "60", "reward_max": "10"})
    assert response.status_code == 400
    assert "最高悬赏不能低于最低悬赏。" in response.content.decode()


def test_pagination_keeps_filters(client, expert_user, chain, enterprise):
    deadline = timezone.localdate() + dt.timedelta(days=20)
    for number in range(14):
        factories.ChallengeFactory(enterprise=enterprise, chain=chain, title=f"需求{number:02d}", deadline=deadline)
    client.force_login(expert_user)
    first = client.get(reverse("challenges:hall"), {"chain": chain.pk})
    assert len(titles(first)) == 12
    assert f"chain={chain.pk}&amp;page=2" in first.content.decode()
    second = client.get(reverse("challenges:hall"), {"chain": chain.pk, "page": 2})
    assert len(titles(second)) == 2
    assert client.get(reverse("challenges:hall"), {"page": "abc"}).status_code == 200


def test_htmx_request_gets_only_the_results(client, expert_user, hall):
    client.force_login(expert_user)
    response = client.get(reverse("challenges:hall"), {"q": "焊缝"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "焊缝缺陷视觉检测" in content
    assert "<html" not in content
