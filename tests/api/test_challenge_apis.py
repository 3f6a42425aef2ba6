"""The challenge hall, posting a challenge, 我的需求, one challenge, its matched experts and its timeline."""

import datetime as dt

from django.utils import timezone

from challenges.models import Challenge, ChallengeEvent, Status
from tests import factories

HALL = "/api/v1/challenges/"


def challenge_payload(**changes):
    payload = {
        "title": "注塑件表面缺陷在线检测",
        "description": "注塑件表面划痕、缩痕靠人工目检，漏检率高，希望引入在线视觉检测。",
        "keywords": ["机器视觉", "缺陷检测"],
        "reward_wan": "30.00",
        "deadline": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
    }
    payload.update(changes)
    return payload


# ---- the hall -------------------------------------------------------------------------------------------------


def test_hall_needs_a_signed_in_user(api_client, open_challenge):
    assert api_client.get(HALL).status_code in (401, 403)


def test_hall_lists_published_challenges_without_descriptions(signed_in, expert_user, open_challenge, enterprise):
    # given a draft that is not published yet
    factories.ChallengeFactory(enterprise=enterprise, status=Status.DRAFT, published_at=None, title="草稿需求")
    # when an expert opens the hall
    response = signed_in(expert_user).get(HALL)
    # then only the published challenge is listed, with no description
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["title"] for item in results] == ["异形件自动包装线柔性改造"]
    assert results[0]["status_display"] == "揭榜中"
    assert "description" not in results[0]


def test_hall_filters_by_chain_status_reward_and_text(signed_in, expert_user, open_challenge, other_chain_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(reward_wan=50)
    Challenge.objects.filter(pk=other_chain_challenge.pk).update(reward_wan=5, status=Status.CLOSED)
    client = signed_in(expert_user)

    def titles(**params):
        response = client.get(HALL, params)
        assert response.status_code == 200
        return [item["title"] for item in response.json()["results"]]

    assert titles(chain=open_challenge.chain_id) == ["异形件自动包装线柔性改造"]
    assert titles(status="closed") == ["缓释制剂工艺放大"]
    assert titles(reward_min="10") == ["异形件自动包装线柔性改造"]
    assert titles(reward_max="10") == ["缓释制剂工艺放大"]
    assert titles(q="药物制剂") == ["缓释制剂工艺放大"]  # a keyword
    assert titles(q="宠物屋") == ["异形件自动包装线柔性改造"]  # the description
    assert titles(ordering="reward_wan") == ["缓释制剂工艺放大", "异形件自动包装线柔性改造"]
    assert titles(ordering="-reward_wan") == ["异形件自动包装线柔性改造", "缓释制剂工艺放大"]


def test_hall_text_search_does_not_reveal_confidential_descriptions(signed_in, expert_user, open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    response = signed_in(expert_user).get(HALL, {"q": "宠物屋"})
    assert response.json()["count"] == 0


def test_hall_field_filter(signed_in, expert_user, open_challenge, field):
    factories.ChallengeFactory(enterprise=open_challenge.enterprise, field=field, title="包装领域需求")
    response = signed_in(expert_user).get(HALL, {"field": field.pk})
    assert [item["title"] for item in response.json()["results"]] == ["包装领域需求"]


def test_hall_refuses_malformed_filters_with_400(signed_in, expert_user, open_challenge):
    client = signed_in(expert_user)
    response = client.get(HALL, {"reward_min": "很多"})
    assert response.status_code == 400
    assert response.json()["errors"]["reward_min"] == ["请输入数字。"]
    assert client.get(HALL, {"status": "nonsense"}).status_code == 400
    assert client.get(HALL, {"chain": "abc"}).status_code == 400


def test_hall_is_paginated_by_twenty(signed_in, expert_user, enterprise):
    factories.ChallengeFactory.create_batch(23, enterprise=enterprise)
    client = signed_in(expert_user)
    first = client.get(HALL).json()
    assert first["count"] == 23
    assert len(first["results"]) == 20
    assert first["next"]
    second = client.get(HALL, {"page": 2}).json()
    assert len(second["results"]) == 3
    assert client.get(HALL, {"page": 9}).status_code == 404


# ---- posting a challenge ----------------------------------------------------------------------------------------


def test_enterprise_member_posts_a_challenge_that_goes_to_review(signed_in, enterprise_user, enterprise, chain, expert):
    # when the enterprise member posts with no enterprise id (they belong to one)
    response = signed_in(enterprise_user).post(HALL, challenge_payload(), format="json")
    # then the challenge is created for their enterprise and chain, submitted for the chain leader's review
    assert response.status_code == 201
    body = response.json()
    challenge = Challenge.objects.get(pk=body["id"])
    assert challenge.enterprise == enterprise
    assert challenge.chain == chain
    assert challenge.status == Status.PENDING_REVIEW
    assert body["description"].startswith("注塑件表面划痕")
    assert body["reward_wan"] == "30.00"
    assert ChallengeEvent.objects.filter(challenge=challenge, kind="submitted").exists()
    assert "withdraw_challenge" in body["actions"]


def test_enterprise_member_saves_a_draft_without_submitting(signed_in, enterprise_user, chain):
    response = signed_in(enterprise_user).post(HALL, challenge_payload(submit=False), format="json")
    assert response.status_code == 201
    challenge = Challenge.objects.get(pk=response.json()["id"])
    assert challenge.status == Status.DRAFT
    assert not ChallengeEvent.objects.filter(challenge=challenge, kind="submitted").exists()


def test_anonymous_cannot_post_and_nothing_is_created(api_client, chain):
    response = api_client.post(HALL, challenge_payload(chain=chain.pk), format="json")
    assert response.status_code in (401, 403)
    assert not Challenge.objects.exists()


def test_expert_cannot_post_and_nothing_is_created(signed_in, expert_user, chain):
    response = signed_in(expert_user).post(HALL, challenge_payload(chain=chain.pk), format="json")
    assert response.status_code == 403
    assert not Challenge.objects.exists()


def test_member_of_several_enterprises_must_choose_one(signed_in, enterprise_user, other_enterprise, expert):
    factories.EnterpriseMembershipFactory(user=enterprise_user, organisation=other_enterprise)
    client = signed_in(enterprise_user)
    # when they post without an enterprise
    response = client.post(HALL, challenge_payload(), format="json")
    # then they are asked to choose, and nothing is created
    assert response.status_code == 400
    assert response.json()["errors"]["enterprise"] == ["您属于多家企业，请选择发榜企业。"]
    assert not Challenge.objects.exists()
    # when they choose
    response = client.post(HALL, challenge_payload(enterprise=other_enterprise.pk), format="json")
    assert response.status_code == 201
    assert Challenge.objects.get().enterprise == other_enterprise


def test_cannot_post_for_another_enterprise(signed_in, enterprise_user, other_enterprise):
    response = signed_in(enterprise_user).post(HALL, challenge_payload(enterprise=other_enterprise.pk), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["enterprise"] == ["只能以您所在的企业发布需求。"]
    assert not Challenge.objects.exists()


def test_bad_input_is_refused_with_chinese_field_messages(signed_in, enterprise_user):
    client = signed_in(enterprise_user)
    cases = [
        ({"title": None}, "title", "请填写需求名称。"),
        ({"reward_wan": "三十万"}, "reward_wan", "悬赏金额必须是数字（单位：万元）。"),
        ({"deadline": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}, "deadline",
         "揭榜截止日期必须晚于今天。"),
        ({"deadline": "下个月"}, "deadline", "揭榜截止日期格式应为 YYYY-MM-DD。"),
        ({"description": "太短"}, "description", "需求描述至少 10 个字，请说明遇到的技术问题。"),
    ]
    for change, field_name, message in cases:
        payload = {key: value for key, value in challenge_payload(**change).items() if value is not None}
        response = client.post(HALL, payload, format="json")
        assert response.status_code == 400, change
        assert response.json()["errors"][field_name] == [message]
    assert not Challenge.objects.exists()


def test_wrong_types_are_400_not_500(signed_in, enterprise_user):
    client = signed_in(enterprise_user)
    for change in ({"keywords": 5}, {"chain": "链"}, {"field": [1]}, {"is_confidential": "也许"}, {"title": ["x"]}):
        response = client.post(HALL, challenge_payload(**change), format="json")
        assert response.status_code == 400, change
    assert client.post(HALL, "not json", content_type="application/json").status_code == 400
    assert not Challenge.objects.exists()


# ---- 我的需求 and one challenge -------------------------------------------------------------------------------


def test_my_challenges_lists_only_my_enterprise(signed_in, enterprise_user, open_challenge, other_enterprise):
    factories.ChallengeFactory(enterprise=other_enterprise, title="别家的需求")
    response = signed_in(enterprise_user).get("/api/v1/challenges/mine/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [open_challenge.pk]


def test_my_challenges_is_for_enterprise_members(api_client, signed_in, expert_user, open_challenge):
    assert api_client.get("/api/v1/challenges/mine/").status_code in (401, 403)
    assert signed_in(expert_user).get("/api/v1/challenges/mine/").status_code == 403


def test_detail_shows_description_of_open_challenge(signed_in, expert_user, open_challenge):
    response = signed_in(expert_user).get(f"/api/v1/challenges/{open_challenge.pk}/")
    assert response.status_code == 200
    assert response.json()["expected_outcome"] == "包装效率提升 50%"
    assert response.json()["is_full_details"] is True


def test_confidential_detail_hides_description_from_uninvolved_expert(
    signed_in, expert_user, enterprise_user, open_challenge
):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    outsider = signed_in(expert_user).get(f"/api/v1/challenges/{open_challenge.pk}/").json()
    assert outsider["title"] == "异形件自动包装线柔性改造"
    assert "description" not in outsider and "expected_outcome" not in outsider
    assert outsider["is_full_details"] is False
    owner = signed_in(enterprise_user).get(f"/api/v1/challenges/{open_challenge.pk}/").json()
    assert owner["description"].startswith("户外车库")


def test_another_enterprises_draft_is_404(signed_in, other_enterprise_user, enterprise):
    draft = factories.ChallengeFactory(enterprise=enterprise, status=Status.DRAFT, published_at=None)
    assert signed_in(other_enterprise_user).get(f"/api/v1/challenges/{draft.pk}/").status_code == 404


def test_detail_needs_sign_in(api_client, open_challenge):
    assert api_client.get(f"/api/v1/challenges/{open_challenge.pk}/").status_code in (401, 403)


# ---- matched experts --------------------------------------------------------------------------------------------


def test_posting_enterprise_chain_leader_and_staff_see_matched_experts(
    signed_in, enterprise_user, chain_leader, park_staff, expert, open_challenge
):
    url = f"/api/v1/challenges/{open_challenge.pk}/recommended-experts/"
    for user in (enterprise_user, chain_leader, park_staff):
        response = signed_in(user).get(url)
        assert response.status_code == 200
        first = response.json()[0]
        assert first["rank"] == 1
        assert first["expert"]["name"] == "李明"
        assert 0 < first["score"] <= 1
        assert "机器视觉" in first["matched_areas"]
        assert first["reasons"]
        assert set(first) >= {"matched_terms", "reasons"}


def test_others_may_not_see_matched_experts(
    api_client, signed_in, expert_user, other_enterprise_user, other_chain_leader, open_challenge
):
    url = f"/api/v1/challenges/{open_challenge.pk}/recommended-experts/"
    assert api_client.get(url).status_code in (401, 403)
    for user in (expert_user, other_enterprise_user, other_chain_leader):
        assert signed_in(user).get(url).status_code == 403


# ---- timeline ---------------------------------------------------------------------------------------------------


def test_timeline_shows_rival_claims_only_to_those_who_steer(
    signed_in, enterprise_user, expert_user, other_expert, open_challenge
):
    # given a published event and a rival expert's claim
    factories.ChallengeEventFactory(challenge=open_challenge, kind=ChallengeEvent.Kind.PUBLISHED)
    rival_claim = factories.ClaimFactory(challenge=open_challenge, expert=other_expert)
    factories.ChallengeEventFactory(challenge=open_challenge, kind=ChallengeEvent.Kind.CLAIMED, claim=rival_claim)
    url = f"/api/v1/challenges/{open_challenge.pk}/events/"
    # then the enterprise sees both events, an outside expert only the public one
    assert [event["kind"] for event in signed_in(enterprise_user).get(url).json()] == ["published", "claimed"]
    assert [event["kind"] for event in signed_in(expert_user).get(url).json()] == ["published"]


def test_timeline_of_invisible_challenge_is_404(signed_in, other_enterprise_user, enterprise, api_client):
    draft = factories.ChallengeFactory(enterprise=enterprise, status=Status.DRAFT, published_at=None)
    assert signed_in(other_enterprise_user).get(f"/api/v1/challenges/{draft.pk}/events/").status_code == 404
