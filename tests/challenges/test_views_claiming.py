"""Team claims and invitations, confidentiality terms, expert invitations and Q&A on the challenge page."""

import pytest
from django.urls import reverse

from challenges.models import (
    Challenge,
    ChallengeInvitation,
    Claim,
    ClaimMember,
    ConfidentialityAcceptance,
    Question,
)
from tests import factories

pytestmark = pytest.mark.django_db

PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"


def detail(client, challenge):
    return client.get(reverse("challenges:detail", args=[challenge.pk])).content.decode()


@pytest.fixture
def robotics_expert(chain):
    return factories.ExpertFactory(name="赵刚", user__username="expert_zhao", chains=[chain],
                                   research_areas=["工业机器人", "柔性夹爪", "自动包装"])


@pytest.fixture
def team_claim(open_challenge, expert, other_expert):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    factories.ClaimMemberFactory(claim=claim, expert=expert, role=ClaimMember.Role.LEAD,
                                 status=ClaimMember.Status.ACCEPTED)
    member = factories.ClaimMemberFactory(claim=claim, expert=other_expert)
    return claim, member


def test_claim_form_offers_the_matchers_team_with_the_terms_each_adds(client, expert, open_challenge,
                                                                      robotics_expert, monkeypatch):
    from matching import services as matching_services
    from matching.services import ExpertMatch

    # given the matcher suggests a co-claimant who adds 柔性夹爪
    calls = []

    def suggest_team(challenge, *, lead=None, size=3):
        calls.append((challenge.pk, lead.pk if lead else None))
        return [ExpertMatch(expert=robotics_expert, score=0.5, rank=1, matched_terms=["柔性夹爪"])]

    monkeypatch.setattr(matching_services, "suggest_team", suggest_team)
    client.force_login(expert.user)
    content = detail(client, open_challenge)
    # then the claim form shows them as a possible co-claimant with what they add, and a select of other experts
    assert calls == [(open_challenge.pk, expert.pk)]
    assert f'name="team_suggested" value="{robotics_expert.pk}"' in content
    assert "补充：柔性夹爪" in content
    assert 'name="team_others"' in content


def test_expert_claims_with_a_team_and_the_invitees_are_asked(client, expert_user, expert, other_expert,
                                                              robotics_expert, open_challenge):
    client.force_login(expert_user)
    response = client.post(reverse("challenges:claim", args=[open_challenge.pk]), {
        "proposal": PROPOSAL, "expected_days": "60", "team_others": [other_expert.pk, robotics_expert.pk],
    })
    assert response.status_code == 302
    claim = Claim.objects.get()
    members = {member.expert: member for member in claim.members.all()}
    assert members[expert].role == ClaimMember.Role.LEAD
    assert members[other_expert].status == members[robotics_expert].status == ClaimMember.Status.INVITED
    # and the page shows the team with each member's answer
    content = detail(client, open_challenge)
    assert "揭榜团队" in content and "王芳" in content and "已邀请" in content


def test_inviting_oneself_to_the_team_rerenders_with_the_reason_and_claims_nothing(client, expert_user, expert,
                                                                                  open_challenge):
    client.force_login(expert_user)
    # the lead is left out of the select, so picking them is an invalid choice
    response = client.post(reverse("challenges:claim", args=[open_challenge.pk]),
                           {"proposal": PROPOSAL, "expected_days": "60", "team_others": [expert.pk]})
    assert response.status_code == 400
    assert "请选择在库的专家。" in response.content.decode()
    assert not Claim.objects.exists()


def test_invited_expert_accepts_from_the_team_invitations_page(client, other_expert, team_claim):
    claim, member = team_claim
    client.force_login(other_expert.user)
    content = client.get(reverse("challenges:team_invitations")).content.decode()
    assert claim.challenge.title in content and "李明" in content
    respond = reverse("challenges:respond_team_invitation", args=[member.pk])
    assert respond in content
    response = client.post(respond, {"accept": "1", "next": "invitations"})
    assert response.status_code == 302 and response.url == reverse("challenges:team_invitations")
    member.refresh_from_db()
    assert member.status == ClaimMember.Status.ACCEPTED
    # answering twice is a clean 409
    response = client.post(respond, {"accept": "0", "next": "invitations"})
    assert response.status_code == 409
    assert "您已回复过该邀请。" in response.content.decode()
    member.refresh_from_db()
    assert member.status == ClaimMember.Status.ACCEPTED


def test_invited_expert_declines_from_the_challenge_page(client, other_expert, team_claim):
    claim, member = team_claim
    client.force_login(other_expert.user)
    assert "团队邀请" in detail(client, claim.challenge)
    response = client.post(reverse("challenges:respond_team_invitation", args=[member.pk]), {"accept": "0"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == ClaimMember.Status.DECLINED


def test_nobody_else_answers_an_invitation(client, expert_user, enterprise_user, robotics_expert, team_claim):
    _claim, member = team_claim
    client.force_login(robotics_expert.user)
    assert client.post(reverse("challenges:respond_team_invitation", args=[member.pk]),
                       {"accept": "1"}).status_code == 404
    for user in (expert_user, enterprise_user):  # the lead and the enterprise see it but may not answer for them
        client.force_login(user)
        assert client.post(reverse("challenges:respond_team_invitation", args=[member.pk]),
                           {"accept": "1"}).status_code == 403
    member.refresh_from_db()
    assert member.status == ClaimMember.Status.INVITED


def test_team_invitations_page_is_for_experts(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("challenges:team_invitations")).status_code == 403


def test_lead_invites_one_more_and_others_cannot(client, expert_user, other_expert, robotics_expert, team_claim):
    claim, _member = team_claim
    url = reverse("challenges:invite_team_member", args=[claim.pk])
    client.force_login(other_expert.user)  # an invitee is not the lead
    assert client.post(url, {"expert": robotics_expert.pk}).status_code == 403
    assert not claim.members.filter(expert=robotics_expert).exists()
    client.force_login(expert_user)
    assert url in detail(client, claim.challenge)
    assert client.post(url, {"expert": robotics_expert.pk}).status_code == 302
    assert claim.members.get(expert=robotics_expert).status == ClaimMember.Status.INVITED
    # inviting the same expert again is refused with the reason
    response = client.post(url, {"expert": robotics_expert.pk})
    assert response.status_code == 409
    assert "已邀请过专家 赵刚。" in response.content.decode()
    assert claim.members.filter(expert=robotics_expert).count() == 1


def test_outsider_sees_confidentiality_terms_and_accepts_them(client, expert_user, expert, open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    client.force_login(expert_user)
    content = detail(client, open_challenge)
    assert "保密承诺" in content and "我已阅读并同意保密条款" in content
    assert open_challenge.description not in content
    response = client.post(reverse("challenges:accept_confidentiality", args=[open_challenge.pk]))
    assert response.status_code == 302
    assert ConfidentialityAcceptance.objects.filter(challenge=open_challenge, expert=expert).exists()
    content = detail(client, open_challenge)
    assert open_challenge.description in content
    assert "我已阅读并同意保密条款" not in content


def test_enterprise_cannot_accept_confidentiality_and_conflicted_expert_is_refused(client, enterprise_user, expert,
                                                                                   open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    client.force_login(enterprise_user)
    assert client.post(reverse("challenges:accept_confidentiality", args=[open_challenge.pk])).status_code == 403
    factories.ConflictOfInterestFactory(expert=expert, organisation=open_challenge.enterprise)
    client.force_login(expert.user)
    response = client.post(reverse("challenges:accept_confidentiality", args=[open_challenge.pk]))
    assert response.status_code == 409
    assert "利益关联" in response.content.decode()
    assert not ConfidentialityAcceptance.objects.exists()


def test_enterprise_invites_an_expert_who_then_sees_everything(client, enterprise_user, other_expert,
                                                               open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    client.force_login(enterprise_user)
    assert reverse("challenges:invite", args=[open_challenge.pk]) in detail(client, open_challenge)
    response = client.post(reverse("challenges:invite", args=[open_challenge.pk]),
                           {"expert": other_expert.pk, "note": "方向相关"})
    assert response.status_code == 302
    assert ChallengeInvitation.objects.filter(challenge=open_challenge, expert=other_expert).exists()
    client.force_login(other_expert.user)
    assert open_challenge.description in detail(client, open_challenge)


def test_invite_with_unknown_expert_is_400_and_experts_cannot_invite(client, enterprise_user, expert_user,
                                                                     other_expert, open_challenge):
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:invite", args=[open_challenge.pk]), {"expert": "999999"})
    assert response.status_code == 400
    assert "请选择在库的专家。" in response.content.decode()
    client.force_login(expert_user)
    assert client.post(reverse("challenges:invite", args=[open_challenge.pk]),
                       {"expert": other_expert.pk}).status_code == 403
    assert not ChallengeInvitation.objects.exists()


def test_expert_asks_enterprise_answers_and_another_expert_reads_it(client, expert_user, enterprise_user,
                                                                    other_expert, open_challenge):
    client.force_login(expert_user)
    response = client.post(reverse("challenges:ask", args=[open_challenge.pk]), {"text": "现有包装线节拍是多少？"})
    assert response.status_code == 302
    question = Question.objects.get()
    client.force_login(enterprise_user)
    assert reverse("challenges:answer", args=[question.pk]) in detail(client, open_challenge)
    response = client.post(reverse("challenges:answer", args=[question.pk]), {"answer": "每分钟 12 件。"})
    assert response.status_code == 302
    client.force_login(other_expert.user)
    content = detail(client, open_challenge)
    assert "现有包装线节拍是多少？" in content and "每分钟 12 件。" in content


def test_short_question_rerenders_with_error_and_wrong_roles_are_refused(client, expert_user, enterprise_user,
                                                                         other_enterprise_user, open_challenge):
    client.force_login(expert_user)
    response = client.post(reverse("challenges:ask", args=[open_challenge.pk]), {"text": "多少"})
    assert response.status_code == 400
    assert "问题至少 5 个字。" in response.content.decode()
    client.force_login(enterprise_user)
    assert client.post(reverse("challenges:ask", args=[open_challenge.pk]),
                       {"text": "企业不能自己提问吧？"}).status_code == 403
    assert not Question.objects.exists()
    question = factories.QuestionFactory(challenge=open_challenge)
    client.force_login(other_enterprise_user)  # cannot see the unanswered question of another enterprise
    assert client.post(reverse("challenges:answer", args=[question.pk]), {"answer": "乱答"}).status_code == 404
    client.force_login(expert_user)  # an expert who did not ask cannot see it either
    assert client.post(reverse("challenges:answer", args=[question.pk]), {"answer": "乱答"}).status_code == 404
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:answer", args=[question.pk]), {"answer": ""})
    assert response.status_code == 400
    assert "请填写答复内容。" in response.content.decode()
    question.refresh_from_db()
    assert question.answer == "" and question.answered_at is None


def test_checking_a_suggested_co_claimant_invites_them(client, expert, open_challenge, robotics_expert, monkeypatch):
    from matching import services as matching_services
    from matching.services import ExpertMatch

    monkeypatch.setattr(matching_services, "suggest_team", lambda challenge, *, lead=None, size=3: [
        ExpertMatch(expert=robotics_expert, score=0.5, rank=1, matched_terms=["柔性夹爪"])])
    client.force_login(expert.user)
    response = client.post(reverse("challenges:claim", args=[open_challenge.pk]),
                           {"proposal": PROPOSAL, "expected_days": "60", "team_suggested": [robotics_expert.pk]})
    assert response.status_code == 302
    assert Claim.objects.get().members.get(expert=robotics_expert).status == ClaimMember.Status.INVITED
