"""揭榜 through the API: claiming, the claims list, accepting, withdrawing, 我的揭榜. Refusals change nothing."""

from challenges.models import Challenge, Claim, Status
from tests import factories
from tests.api.conftest import PROPOSAL


def claims_url(challenge):
    return f"/api/v1/challenges/{challenge.pk}/claims/"


def test_expert_claims_an_open_challenge(signed_in, expert_user, expert, open_challenge):
    # when the expert claims with a proposal
    response = signed_in(expert_user).post(
        claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 45}, format="json"
    )
    # then a claim waits for the enterprise's choice
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "submitted"
    assert body["status_display"] == "待选定"
    assert body["expert"]["name"] == "李明"
    assert Claim.objects.get(pk=body["id"]).expert == expert


def test_anonymous_cannot_claim(api_client, open_challenge):
    response = api_client.post(claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 45})
    assert response.status_code in (401, 403)
    assert not Claim.objects.exists()


def test_enterprise_member_cannot_claim(signed_in, other_enterprise_user, open_challenge):
    response = signed_in(other_enterprise_user).post(
        claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 45}
    )
    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_claim_on_invisible_challenge_is_404(signed_in, expert_user, enterprise):
    draft = factories.ChallengeFactory(enterprise=enterprise, status=Status.DRAFT, published_at=None)
    response = signed_in(expert_user).post(claims_url(draft), {"proposal": PROPOSAL, "expected_days": 45})
    assert response.status_code == 404
    assert not Claim.objects.exists()


def test_claim_on_closed_challenge_is_409(signed_in, expert_user, open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(status=Status.CLOSED)
    response = signed_in(expert_user).post(claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 45})
    assert response.status_code == 409
    assert response.json()["code"] == "challenge_not_open"
    assert "不能揭榜" in response.json()["detail"]
    assert not Claim.objects.exists()


def test_second_claim_is_409(signed_in, expert_user, submitted_claim, open_challenge):
    response = signed_in(expert_user).post(claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 30})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_claim"
    assert Claim.objects.count() == 1


def test_claim_over_the_limit_is_409(signed_in, expert_user, expert, enterprise, open_challenge):
    # given the expert already holds as many live claims as their limit
    for _ in range(expert.max_active_claims):
        factories.ClaimFactory(expert=expert, challenge=factories.ChallengeFactory(enterprise=enterprise))
    before = Claim.objects.count()
    response = signed_in(expert_user).post(claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 30})
    assert response.status_code == 409
    assert response.json()["code"] == "over_limit"
    assert Claim.objects.count() == before


def test_claim_with_conflict_of_interest_is_409(signed_in, expert_user, expert, enterprise, open_challenge):
    factories.ConflictOfInterestFactory(expert=expert, organisation=enterprise)
    response = signed_in(expert_user).post(claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 30})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict_of_interest"
    assert not Claim.objects.exists()


def test_claim_input_errors_are_400_in_chinese(signed_in, expert_user, open_challenge):
    client = signed_in(expert_user)
    cases = [
        ({"proposal": "太短了", "expected_days": 30}, "proposal", "方案概述至少 10 个字，请说明解决思路。"),
        ({"expected_days": 30}, "proposal", "请填写方案概述。"),
        ({"proposal": PROPOSAL, "expected_days": "两个月"}, "expected_days", "预计周期必须是整数（天）。"),
        ({"proposal": PROPOSAL, "expected_days": 0}, "expected_days", "预计周期应在 1 到 3650 天之间。"),
    ]
    for payload, field_name, message in cases:
        response = client.post(claims_url(open_challenge), payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["errors"][field_name] == [message]
    assert not Claim.objects.exists()


def test_claims_list_shows_every_claim_to_the_enterprise_and_only_own_to_an_expert(
    signed_in, enterprise_user, expert_user, other_expert, submitted_claim, open_challenge
):
    rival = factories.ClaimFactory(challenge=open_challenge, expert=other_expert)
    all_ids = {claim["id"] for claim in signed_in(enterprise_user).get(claims_url(open_challenge)).json()}
    assert all_ids == {submitted_claim.pk, rival.pk}
    own_ids = [claim["id"] for claim in signed_in(expert_user).get(claims_url(open_challenge)).json()]
    assert own_ids == [submitted_claim.pk]


def test_claims_list_needs_sign_in(api_client, open_challenge):
    assert api_client.get(claims_url(open_challenge)).status_code in (401, 403)


# ---- accepting --------------------------------------------------------------------------------------------------


def test_posting_enterprise_accepts_a_claim(signed_in, enterprise_user, submitted_claim, open_challenge, expert):
    response = signed_in(enterprise_user).post(f"/api/v1/claims/{submitted_claim.pk}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    open_challenge.refresh_from_db()
    assert open_challenge.status == Status.MATCHING
    assert open_challenge.expert == expert


def test_accepting_twice_is_409(signed_in, enterprise_user, submitted_claim):
    client = signed_in(enterprise_user)
    client.post(f"/api/v1/claims/{submitted_claim.pk}/accept/")
    response = client.post(f"/api/v1/claims/{submitted_claim.pk}/accept/")
    assert response.status_code == 409


def assert_claim_untouched(claim):
    claim.refresh_from_db()
    claim.challenge.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert claim.challenge.status == Status.OPEN
    assert claim.challenge.expert_id is None


def test_others_cannot_accept_and_nothing_changes(
    api_client, signed_in, expert_user, other_enterprise_user, chain_leader, other_chain_leader, submitted_claim
):
    url = f"/api/v1/claims/{submitted_claim.pk}/accept/"
    assert api_client.post(url).status_code in (401, 403)
    # the claiming expert and the chain leader see the claim but may not choose
    assert signed_in(expert_user).post(url).status_code == 403
    assert signed_in(chain_leader).post(url).status_code == 403
    # another enterprise and another chain's leader do not even see it
    assert signed_in(other_enterprise_user).post(url).status_code == 404
    assert signed_in(other_chain_leader).post(url).status_code == 404
    assert_claim_untouched(submitted_claim)


# ---- withdrawing ------------------------------------------------------------------------------------------------


def test_expert_withdraws_own_claim(signed_in, expert_user, submitted_claim):
    response = signed_in(expert_user).post(f"/api/v1/claims/{submitted_claim.pk}/withdraw/")
    assert response.status_code == 200
    submitted_claim.refresh_from_db()
    assert submitted_claim.status == Claim.Status.WITHDRAWN


def test_others_cannot_withdraw_and_nothing_changes(
    api_client, signed_in, enterprise_user, other_expert, submitted_claim
):
    url = f"/api/v1/claims/{submitted_claim.pk}/withdraw/"
    assert api_client.post(url).status_code in (401, 403)
    assert signed_in(enterprise_user).post(url).status_code == 403
    assert signed_in(other_expert.user).post(url).status_code == 404
    assert_claim_untouched(submitted_claim)


def test_withdrawing_an_accepted_claim_is_409(signed_in, expert_user, submitted_claim):
    Claim.objects.filter(pk=submitted_claim.pk).update(status=Claim.Status.ACCEPTED)
    response = signed_in(expert_user).post(f"/api/v1/claims/{submitted_claim.pk}/withdraw/")
    assert response.status_code == 409
    submitted_claim.refresh_from_db()
    assert submitted_claim.status == Claim.Status.ACCEPTED


# ---- 我的揭榜 ----------------------------------------------------------------------------------------------------


def test_my_claims_lists_only_mine_with_their_challenge(signed_in, expert_user, other_expert, submitted_claim):
    factories.ClaimFactory(challenge=submitted_claim.challenge, expert=other_expert)
    response = signed_in(expert_user).get("/api/v1/claims/mine/")
    assert response.status_code == 200
    body = response.json()
    assert [claim["id"] for claim in body["results"]] == [submitted_claim.pk]
    assert body["results"][0]["challenge"]["title"] == "异形件自动包装线柔性改造"


def test_my_claims_is_for_experts(api_client, signed_in, enterprise_user):
    assert api_client.get("/api/v1/claims/mine/").status_code in (401, 403)
    assert signed_in(enterprise_user).get("/api/v1/claims/mine/").status_code == 403
