"""The challenge page: what each role sees, and claiming, accepting, withdrawing and recommending from it."""

import pytest
from django.urls import reverse

from challenges.models import ChainRecommendation, Challenge, ChallengeEvent, Claim, Status
from tests import factories

pytestmark = pytest.mark.django_db



PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"


def detail_url(challenge):
    return reverse("challenges:detail", args=[challenge.pk])


def test_owner_sees_details_matched_experts_and_claims_with_accept_button(client, enterprise_user, open_challenge,
                                                                          expert):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    client.force_login(enterprise_user)
    response = client.get(detail_url(open_challenge))
    content = response.content.decode()
    assert response.status_code == 200
    assert open_challenge.description in content
    assert "推荐专家" in content
    assert [match.expert for match in response.context["matches"]] == [expert]
    assert "机器视觉" in content  # matched area badge
    assert reverse("challenges:accept_claim", args=[claim.pk]) in content


def test_expert_sees_claim_form_and_timeline(client, expert_user, open_challenge):
    factories.ChallengeEventFactory(challenge=open_challenge, kind=ChallengeEvent.Kind.PUBLISHED, to_status="open")
    client.force_login(expert_user)
    response = client.get(detail_url(open_challenge))
    content = response.content.decode()
    assert response.status_code == 200
    assert reverse("challenges:claim", args=[open_challenge.pk]) in content
    assert "方案概述" in content
    assert "进展记录" in content and "发布" in content
    assert "matches" not in response.context


def test_confidential_challenge_shows_only_title_chain_and_notice_to_uninvolved_expert(client, expert_user,
                                                                                        open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    client.force_login(expert_user)
    content = client.get(detail_url(open_challenge)).content.decode()
    assert open_challenge.title in content
    assert open_challenge.chain.name in content
    assert "保密需求" in content
    assert open_challenge.description not in content
    assert open_challenge.enterprise.name not in content


def test_another_enterprises_unpublished_challenge_is_404(client, other_enterprise_user, enterprise, chain):
    draft = factories.ChallengeFactory(enterprise=enterprise, chain=chain, status=Status.DRAFT, published_at=None)
    client.force_login(other_enterprise_user)
    assert client.get(detail_url(draft)).status_code == 404


def test_expert_claims_from_the_page(client, expert_user, expert, open_challenge):
    client.force_login(expert_user)
    response = client.post(
        reverse("challenges:claim", args=[open_challenge.pk]), {"proposal": PROPOSAL, "expected_days": "45"}
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.expert, claim.expected_days, claim.status) == (expert, 45, Claim.Status.SUBMITTED)
    # and the page now shows their claim and a withdraw button instead of the form
    content = client.get(detail_url(open_challenge)).content.decode()
    assert "揭榜成功" in content
    assert reverse("challenges:withdraw_claim", args=[claim.pk]) in content
    assert reverse("challenges:claim", args=[open_challenge.pk]) not in content


def test_claim_on_closed_challenge_shows_409_message_and_creates_nothing(client, expert_user, open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(status=Status.CLOSED)
    client.force_login(expert_user)
    response = client.post(
        reverse("challenges:claim", args=[open_challenge.pk]), {"proposal": PROPOSAL, "expected_days": "45"}
    )
    assert response.status_code == 409
    assert "该需求当前为「已关闭」，不能揭榜。" in response.content.decode()
    assert not Claim.objects.exists()


def test_short_proposal_rerenders_with_field_error_and_creates_nothing(client, expert_user, open_challenge):
    client.force_login(expert_user)
    response = client.post(
        reverse("challenges:claim", args=[open_challenge.pk]), {"proposal": "能做", "expected_days": "45"}
    )
    assert response.status_code == 400
    assert "方案概述至少 10 个字，请说明解决思路。" in response.content.decode()
    assert not Claim.objects.exists()


def test_bad_expected_days_is_a_400(client, expert_user, open_challenge):
    client.force_login(expert_user)
    response = client.post(
        reverse("challenges:claim", args=[open_challenge.pk]), {"proposal": PROPOSAL, "expected_days": "abc"}
    )
    assert response.status_code == 400
    assert "请输入整数天数。" in response.content.decode()
    assert not Claim.objects.exists()


def test_enterprise_member_cannot_claim(client, enterprise_user, open_challenge):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("challenges:claim", args=[open_challenge.pk]), {"proposal": PROPOSAL, "expected_days": "45"}
    )
    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_owner_accepts_a_claim(client, enterprise_user, open_challenge, expert, other_expert):
    chosen = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    other = factories.ClaimFactory(challenge=open_challenge, expert=other_expert)
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:accept_claim", args=[chosen.pk]))
    assert response.status_code == 302
    open_challenge.refresh_from_db()
    other.refresh_from_db()
    assert open_challenge.status == Status.MATCHING
    assert open_challenge.expert == expert
    assert other.status == Claim.Status.DECLINED


def test_other_enterprise_cannot_accept_and_nothing_changes(client, other_enterprise_user, open_challenge, expert):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    client.force_login(other_enterprise_user)
    response = client.post(reverse("challenges:accept_claim", args=[claim.pk]))
    assert response.status_code == 404
    claim.refresh_from_db()
    open_challenge.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert open_challenge.status == Status.OPEN


@pytest.mark.parametrize("user_fixture", ["chain_leader", "other_expert"])
def test_chain_leader_and_other_expert_cannot_accept(client, request, user_fixture, open_challenge, expert):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    actor = request.getfixturevalue(user_fixture)
    client.force_login(getattr(actor, "user", actor))
    response = client.post(reverse("challenges:accept_claim", args=[claim.pk]))
    assert response.status_code in (403, 404)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert Challenge.objects.get(pk=open_challenge.pk).status == Status.OPEN


def test_accepting_an_already_declined_claim_shows_409(client, enterprise_user, open_challenge, expert):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert, status=Claim.Status.DECLINED)
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:accept_claim", args=[claim.pk]))
    assert response.status_code == 409
    assert "该揭榜已被处理，不能再选定。" in response.content.decode()
    assert Challenge.objects.get(pk=open_challenge.pk).status == Status.OPEN


def test_expert_withdraws_own_claim_but_not_anothers(client, expert_user, expert, other_expert, open_challenge):
    own = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    foreign = factories.ClaimFactory(challenge=open_challenge, expert=other_expert)
    client.force_login(expert_user)
    assert client.post(reverse("challenges:withdraw_claim", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Claim.Status.SUBMITTED
    assert client.post(reverse("challenges:withdraw_claim", args=[own.pk])).status_code == 302
    own.refresh_from_db()
    assert own.status == Claim.Status.WITHDRAWN


def test_chain_leader_sees_recommend_form_and_recommends(client, chain_leader, open_challenge, expert, other_expert):
    client.force_login(chain_leader)
    # the matcher's pick is offered first, any other active expert too
    content = client.get(detail_url(open_challenge)).content.decode()
    assert reverse("challenges:recommend", args=[open_challenge.pk]) in content
    assert content.index(expert.name) < content.index(other_expert.name)
    response = client.post(
        reverse("challenges:recommend", args=[open_challenge.pk]), {"expert": other_expert.pk, "note": "做过类似项目"}
    )
    assert response.status_code == 302
    recommendation = ChainRecommendation.objects.get()
    assert (recommendation.expert, recommendation.recommended_by) == (other_expert, chain_leader)


def test_recommending_twice_shows_409_and_keeps_one(client, chain_leader, open_challenge, expert):
    factories.ChainRecommendationFactory(challenge=open_challenge, expert=expert, recommended_by=chain_leader)
    client.force_login(chain_leader)
    response = client.post(reverse("challenges:recommend", args=[open_challenge.pk]), {"expert": expert.pk})
    assert response.status_code == 409
    assert "已向该专家推荐过此需求。" in response.content.decode()
    assert ChainRecommendation.objects.count() == 1


def test_recommend_with_unknown_expert_is_400(client, chain_leader, open_challenge):
    client.force_login(chain_leader)
    response = client.post(reverse("challenges:recommend", args=[open_challenge.pk]), {"expert": "999999"})
    assert response.status_code == 400
    assert "请选择在库的专家。" in response.content.decode()
    assert not ChainRecommendation.objects.exists()


@pytest.mark.parametrize("user_fixture", ["other_chain_leader", "expert_user", "enterprise_user"])
def test_others_cannot_recommend(client, request, user_fixture, open_challenge, expert):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.post(reverse("challenges:recommend", args=[open_challenge.pk]), {"expert": expert.pk})
    assert response.status_code in (403, 404)
    assert not ChainRecommendation.objects.exists()
