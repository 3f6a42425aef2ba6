"""Chain leaders recommend experts (指派推荐); experts see what was recommended to them and 为我推荐."""

from challenges.models import ChainRecommendation, Challenge, Status
from notifications.models import Notification
from tests import factories


def recommend_url(challenge):
    return f"/api/v1/challenges/{challenge.pk}/recommendations/"


def test_chain_leader_recommends_an_expert_who_is_notified(signed_in, chain_leader, expert, open_challenge):
    response = signed_in(chain_leader).post(
        recommend_url(open_challenge), {"expert": expert.pk, "note": "做过同类包装线改造"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["expert"]["name"] == "李明"
    assert body["recommended_by"] == "张链长"
    assert ChainRecommendation.objects.filter(challenge=open_challenge, expert=expert).exists()
    assert Notification.objects.filter(recipient=expert.user, kind="chain_recommendation").exists()


def test_park_staff_may_recommend(signed_in, park_staff, expert, open_challenge):
    response = signed_in(park_staff).post(recommend_url(open_challenge), {"expert": expert.pk}, format="json")
    assert response.status_code == 201


def test_others_cannot_recommend_and_nothing_changes(
    api_client, signed_in, expert_user, enterprise_user, other_chain_leader, other_expert, open_challenge
):
    payload = {"expert": other_expert.pk}
    assert api_client.post(recommend_url(open_challenge), payload).status_code in (401, 403)
    for user in (expert_user, enterprise_user, other_chain_leader):
        assert signed_in(user).post(recommend_url(open_challenge), payload, format="json").status_code == 403
    assert not ChainRecommendation.objects.exists()


def test_recommending_on_another_chains_draft_is_404(signed_in, chain_leader, expert, other_chain_enterprise):
    draft = factories.ChallengeFactory(enterprise=other_chain_enterprise, status=Status.DRAFT, published_at=None)
    response = signed_in(chain_leader).post(recommend_url(draft), {"expert": expert.pk}, format="json")
    assert response.status_code == 404
    assert not ChainRecommendation.objects.exists()


def test_recommendation_refusals_by_state(signed_in, chain_leader, expert, enterprise, open_challenge):
    client = signed_in(chain_leader)
    # a twice-made recommendation
    factories.ChainRecommendationFactory(challenge=open_challenge, expert=expert, recommended_by=chain_leader)
    response = client.post(recommend_url(open_challenge), {"expert": expert.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_recommendation"
    # an expert with a conflict of interest
    conflicted = factories.ExpertFactory()
    factories.ConflictOfInterestFactory(expert=conflicted, organisation=enterprise)
    response = client.post(recommend_url(open_challenge), {"expert": conflicted.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict_of_interest"
    # a closed challenge
    Challenge.objects.filter(pk=open_challenge.pk).update(status=Status.CLOSED)
    other = factories.ExpertFactory()
    assert client.post(recommend_url(open_challenge), {"expert": other.pk}, format="json").status_code == 409
    assert ChainRecommendation.objects.count() == 1


def test_recommendation_input_errors_are_400_in_chinese(signed_in, chain_leader, open_challenge):
    client = signed_in(chain_leader)
    response = client.post(recommend_url(open_challenge), {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["expert"] == ["请选择要推荐的专家。"]
    response = client.post(recommend_url(open_challenge), {"expert": 999999}, format="json")
    assert response.json()["errors"]["expert"] == ["所选专家不存在或已不在库。"]
    response = client.post(recommend_url(open_challenge), {"expert": "李明"}, format="json")
    assert response.json()["errors"]["expert"] == ["专家应填写编号。"]
    assert not ChainRecommendation.objects.exists()


def test_expert_sees_recommendations_made_to_them(signed_in, expert_user, expert, other_expert, open_challenge):
    mine = factories.ChainRecommendationFactory(challenge=open_challenge, expert=expert)
    factories.ChainRecommendationFactory(challenge=open_challenge, expert=other_expert)
    response = signed_in(expert_user).get("/api/v1/recommendations/mine/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [mine.pk]
    assert results[0]["challenge"]["id"] == open_challenge.pk


def test_my_recommendations_is_for_experts(api_client, signed_in, chain_leader):
    assert api_client.get("/api/v1/recommendations/mine/").status_code in (401, 403)
    assert signed_in(chain_leader).get("/api/v1/recommendations/mine/").status_code == 403


def test_recommended_for_me_ranks_open_challenges_that_fit(signed_in, expert_user, open_challenge):
    response = signed_in(expert_user).get("/api/v1/challenges/recommended/")
    assert response.status_code == 200
    first = response.json()[0]
    assert first["challenge"]["id"] == open_challenge.pk
    assert first["rank"] == 1
    assert 0 < first["score"] <= 1
    assert first["reasons"]
    assert "description" not in first["challenge"]


def test_recommended_for_me_is_for_experts(api_client, signed_in, enterprise_user):
    assert api_client.get("/api/v1/challenges/recommended/").status_code in (401, 403)
    assert signed_in(enterprise_user).get("/api/v1/challenges/recommended/").status_code == 403
