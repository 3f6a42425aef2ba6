"""The lifecycle endpoints: for each, anonymous, wrong role, other owner and right role; refusals change nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from challenges import services
from challenges.models import (
    Agreement,
    Attachment,
    Challenge,
    ChallengeEvent,
    ChallengeInvitation,
    ClaimMember,
    ConfidentialityAcceptance,
    Milestone,
    Question,
    Rating,
    Status,
)
from tests import factories

PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"
PDF = b"%PDF-1.4\n% report\n"


def url(challenge, tail=""):
    return f"/api/v1/challenges/{challenge.pk}/{tail}"


def status_of(challenge):
    return Challenge.objects.get(pk=challenge.pk).status


@pytest.fixture
def pending_challenge(enterprise, enterprise_user, chain):
    return factories.ChallengeFactory(enterprise=enterprise, author=enterprise_user, chain=chain,
                                      status=Status.PENDING_REVIEW, published_at=None)


@pytest.fixture
def matching_challenge(open_challenge, expert, enterprise_user):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    services.accept_claim(claim=claim, by=enterprise_user)
    open_challenge.refresh_from_db()
    return open_challenge


@pytest.fixture
def working_challenge(matching_challenge, expert, enterprise_user):
    agreement = services.propose_agreement(
        challenge=matching_challenge, by=expert.user, scope="完成样线设计、安装调试与三个月试运行。", amount_wan=60,
        start_date=timezone.localdate(), end_date=timezone.localdate() + dt.timedelta(days=90))
    services.confirm_agreement(agreement=agreement, by=enterprise_user)
    matching_challenge.refresh_from_db()
    return matching_challenge


# ---- review, withdraw, close ------------------------------------------------------------------------------------


def test_review_anonymous_expert_other_chain_are_refused_and_nothing_changes(
    api_client, signed_in, pending_challenge, expert_user, other_chain_leader
):
    assert api_client.post(url(pending_challenge, "review/"), {"approve": True}).status_code in (401, 403)
    assert signed_in(expert_user).post(url(pending_challenge, "review/"), {"approve": True}).status_code == 404
    assert signed_in(other_chain_leader).post(url(pending_challenge, "review/"), {"approve": True}).status_code == 404
    assert status_of(pending_challenge) == Status.PENDING_REVIEW


def test_enterprise_cannot_review_its_own_challenge(signed_in, pending_challenge, enterprise_user):
    response = signed_in(enterprise_user).post(url(pending_challenge, "review/"), {"approve": True}, format="json")
    assert response.status_code == 403
    assert status_of(pending_challenge) == Status.PENDING_REVIEW


def test_chain_leader_returns_with_a_reason_then_enterprise_resubmits(
    signed_in, pending_challenge, chain_leader, enterprise_user
):
    client = signed_in(chain_leader)
    assert client.get("/api/v1/challenges/to-review/").json()["results"][0]["id"] == pending_challenge.pk
    response = client.post(url(pending_challenge, "review/"), {"approve": False, "reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = client.post(url(pending_challenge, "review/"), {"approve": False, "reason": "请补充节拍"}, format="json")
    assert response.status_code == 200 and response.json()["review_note"] == "请补充节拍"
    client = signed_in(enterprise_user)
    response = client.patch(url(pending_challenge, "edit/"), {"title": "包装线柔性改造（补充节拍）"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "包装线柔性改造（补充节拍）"
    assert client.post(url(pending_challenge, "submit/")).status_code == 200
    assert status_of(pending_challenge) == Status.PENDING_REVIEW
    assert signed_in(chain_leader).post(url(pending_challenge, "review/"), {"approve": True},
                                        format="json").status_code == 200
    assert status_of(pending_challenge) == Status.OPEN


def test_other_enterprise_cannot_edit_submit_or_withdraw(signed_in, pending_challenge, other_enterprise_user):
    client = signed_in(other_enterprise_user)
    assert client.patch(url(pending_challenge, "edit/"), {"title": "改"}, format="json").status_code == 404
    assert client.post(url(pending_challenge, "withdraw/")).status_code == 404
    assert status_of(pending_challenge) == Status.PENDING_REVIEW
    assert Challenge.objects.get(pk=pending_challenge.pk).title == "异形件自动包装线柔性改造"


def test_withdraw_and_close_by_the_right_roles(signed_in, open_challenge, enterprise_user, expert_user, park_staff):
    assert signed_in(expert_user).post(url(open_challenge, "withdraw/")).status_code == 403
    assert signed_in(expert_user).post(url(open_challenge, "close/"), {"reason": "x"}).status_code == 403
    assert status_of(open_challenge) == Status.OPEN
    assert signed_in(park_staff).post(url(open_challenge, "close/"), {"reason": ""}).status_code == 400
    assert signed_in(enterprise_user).post(url(open_challenge, "withdraw/"), {"reason": "已解决"}).status_code == 200
    assert status_of(open_challenge) == Status.WITHDRAWN
    response = signed_in(park_staff).post(url(open_challenge, "close/"), {"reason": "重复"})
    assert response.status_code == 409 and status_of(open_challenge) == Status.WITHDRAWN


# ---- confidentiality, invitations, questions -------------------------------------------------------------------


def test_confidential_details_open_after_accepting_terms(api_client, signed_in, open_challenge, expert_user,
                                                         enterprise_user):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    assert api_client.post(url(open_challenge, "confidentiality/")).status_code in (401, 403)
    assert signed_in(enterprise_user).post(url(open_challenge, "confidentiality/")).status_code == 403
    client = signed_in(expert_user)
    assert "description" not in client.get(url(open_challenge)).json()
    assert not ConfidentialityAcceptance.objects.exists()
    assert client.post(url(open_challenge, "confidentiality/")).status_code == 201
    body = client.get(url(open_challenge)).json()
    assert body["is_full_details"] and body["description"].startswith("户外车库")


def test_invitations_by_enterprise_or_leader_only(signed_in, open_challenge, other_expert, expert_user,
                                                  other_enterprise_user, chain_leader):
    payload = {"expert": other_expert.pk, "note": "方向相关"}
    assert signed_in(expert_user).post(url(open_challenge, "invitations/"), payload).status_code == 403
    assert signed_in(other_enterprise_user).post(url(open_challenge, "invitations/"), payload).status_code == 403
    assert not ChallengeInvitation.objects.exists()
    assert signed_in(expert_user).get(url(open_challenge, "invitations/")).json() == []
    assert signed_in(chain_leader).post(url(open_challenge, "invitations/"), payload).status_code == 201
    assert signed_in(chain_leader).post(url(open_challenge, "invitations/"), payload).status_code == 409


def test_questions_asked_by_experts_answered_by_the_enterprise(api_client, signed_in, open_challenge, expert_user,
                                                               other_expert, enterprise_user, other_enterprise_user):
    assert api_client.post(url(open_challenge, "questions/"), {"text": "节拍？"}).status_code in (401, 403)
    assert signed_in(enterprise_user).post(url(open_challenge, "questions/"), {"text": "自问自答？"}).status_code == 403
    assert signed_in(expert_user).post(url(open_challenge, "questions/"), {"text": ""}).status_code == 400
    assert not Question.objects.exists()
    response = signed_in(expert_user).post(url(open_challenge, "questions/"), {"text": "现有节拍是多少？"})
    assert response.status_code == 201
    answer_url = f"/api/v1/questions/{response.json()['id']}/answer/"
    assert signed_in(other_enterprise_user).post(answer_url, {"answer": "6 件"}).status_code == 404
    assert signed_in(other_expert.user).post(answer_url, {"answer": "6 件"}).status_code == 404
    assert Question.objects.get().answered_at is None
    assert signed_in(enterprise_user).post(answer_url, {"answer": "每分钟 6 件"}).status_code == 200
    listed = signed_in(other_expert.user).get(url(open_challenge, "questions/")).json()
    assert [(q["answer"], q["asked_by"]) for q in listed] == [("每分钟 6 件", None)]


# ---- teams ------------------------------------------------------------------------------------------------------


def test_team_claim_invite_and_respond(signed_in, open_challenge, expert, other_expert, enterprise_user):
    third = factories.ExpertFactory(user__username="expert_third", chains=[open_challenge.chain])
    response = signed_in(expert.user).post(url(open_challenge, "claims/"), {
        "proposal": PROPOSAL, "expected_days": 60, "team": [other_expert.pk]}, format="json")
    assert response.status_code == 201
    claim_id = response.json()["id"]
    assert [m["role"] for m in response.json()["team"]] == ["lead", "member"]
    team_url = f"/api/v1/claims/{claim_id}/team/"
    # only the lead invites; the enterprise and the invitee see the team
    assert signed_in(other_expert.user).post(team_url, {"expert": third.pk}).status_code == 403
    assert signed_in(enterprise_user).post(team_url, {"expert": third.pk}).status_code == 403
    assert not ClaimMember.objects.filter(expert=third).exists()
    assert signed_in(expert.user).post(team_url, {"expert": third.pk}).status_code == 201
    assert len(signed_in(enterprise_user).get(team_url).json()) == 3
    # the invitee answers; nobody else may
    invitation = signed_in(other_expert.user).get("/api/v1/team-invitations/mine/").json()["results"][0]
    respond_url = f"/api/v1/team-invitations/{invitation['id']}/respond/"
    assert signed_in(third.user).post(respond_url, {"accept": True}).status_code == 403  # a teammate, not the invitee
    assert signed_in(expert.user).post(respond_url, {"accept": True}).status_code == 403
    assert signed_in(other_expert.user).post(respond_url, {"accept": True}).status_code == 200
    assert signed_in(other_expert.user).post(respond_url, {"accept": False}).status_code == 409
    assert ClaimMember.objects.get(pk=invitation["id"]).status == "accepted"


# ---- agreement, milestones, delivery, ratings -------------------------------------------------------------------


def test_agreement_by_the_two_sides_only(api_client, signed_in, matching_challenge, expert, other_expert,
                                         enterprise_user, other_enterprise_user):
    terms = {"scope": "完成样线设计、安装调试与试运行。", "amount_wan": "60.00",
             "start_date": timezone.localdate().isoformat(),
             "end_date": (timezone.localdate() + dt.timedelta(days=90)).isoformat()}
    assert api_client.put(url(matching_challenge, "agreement/"), terms, format="json").status_code in (401, 403)
    assert signed_in(other_expert.user).put(url(matching_challenge, "agreement/"), terms,
                                            format="json").status_code == 403
    assert signed_in(other_enterprise_user).put(url(matching_challenge, "agreement/"), terms,
                                                format="json").status_code == 403
    bad = signed_in(expert.user).put(url(matching_challenge, "agreement/"), {**terms, "amount_wan": "很多"},
                                     format="json")
    assert bad.status_code == 400 and "amount_wan" in bad.json()["errors"]
    assert not Agreement.objects.exists()
    assert signed_in(expert.user).put(url(matching_challenge, "agreement/"), terms, format="json").status_code == 200
    assert signed_in(other_expert.user).get(url(matching_challenge, "agreement/")).status_code == 404
    assert signed_in(expert.user).post(url(matching_challenge, "agreement/confirm/")).status_code == 409
    assert signed_in(enterprise_user).post(url(matching_challenge, "agreement/confirm/")).status_code == 200
    assert status_of(matching_challenge) == Status.IN_PROGRESS


def test_milestones_delivery_acceptance_and_ratings(signed_in, working_challenge, expert, other_expert,
                                                    enterprise_user):
    milestones_url = url(working_challenge, "milestones/")
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert signed_in(other_expert.user).post(milestones_url, {"title": "评审", "due_date": due}).status_code == 403
    response = signed_in(enterprise_user).post(milestones_url, {"title": "方案评审", "due_date": due})
    assert response.status_code == 201
    milestone_id = response.json()["id"]
    submit_url = f"/api/v1/milestones/{milestone_id}/submit/"
    def upload():
        return {"delivery_note": "评审材料见附件。", "files": [SimpleUploadedFile("评审.pdf", PDF)]}

    assert signed_in(other_expert.user).post(submit_url, upload(), format="multipart").status_code == 404
    assert signed_in(enterprise_user).post(submit_url, {"delivery_note": "代交"}).status_code == 403
    assert Milestone.objects.get(pk=milestone_id).status == "planned"
    response = signed_in(expert.user).post(submit_url, upload(), format="multipart")
    assert response.status_code == 200 and len(response.json()["attachments"]) == 1
    assert signed_in(expert.user).post(f"/api/v1/milestones/{milestone_id}/confirm/").status_code == 403
    assert signed_in(enterprise_user).post(f"/api/v1/milestones/{milestone_id}/confirm/").status_code == 200
    # delivery, changes requested, delivery again, accepted
    delivery_url = url(working_challenge, "delivery/")
    assert signed_in(enterprise_user).post(delivery_url, {"note": "代交成果"}).status_code == 403
    assert signed_in(expert.user).post(delivery_url, {"note": "成果报告已提交。"}).status_code == 200
    assert signed_in(expert.user).post(url(working_challenge, "delivery/accept/")).status_code == 403
    assert status_of(working_challenge) == Status.DELIVERED
    response = signed_in(enterprise_user).post(url(working_challenge, "delivery/request-changes/"), {"note": ""})
    assert response.status_code == 400 and status_of(working_challenge) == Status.DELIVERED
    assert signed_in(enterprise_user).post(url(working_challenge, "delivery/request-changes/"),
                                           {"note": "请补充统计数据。"}).status_code == 200
    assert status_of(working_challenge) == Status.IN_PROGRESS
    assert signed_in(expert.user).post(delivery_url, {"note": "已补充统计数据。"}).status_code == 200
    response = signed_in(enterprise_user).post(url(working_challenge, "delivery/accept/"), {"note": "通过"})
    assert response.status_code == 200
    assert status_of(working_challenge) == Status.COMPLETED
    # ratings: each side once, outsiders never
    ratings_url = url(working_challenge, "ratings/")
    assert signed_in(other_expert.user).post(ratings_url, {"score": 1}).status_code == 403
    assert signed_in(enterprise_user).post(ratings_url, {"score": 9}).status_code == 400
    assert not Rating.objects.exists()
    assert signed_in(enterprise_user).post(ratings_url, {"score": 5, "comment": "很好"}).status_code == 201
    assert signed_in(expert.user).post(ratings_url, {"score": 4}).status_code == 201
    assert signed_in(expert.user).post(ratings_url, {"score": 1}).status_code == 409
    record = signed_in(other_expert.user).get(f"/api/v1/experts/{expert.pk}/track-record/").json()
    assert record == {"accepted_count": 1, "completed_count": 1, "rating_count": 1, "average_rating": 5.0}
    events = signed_in(other_expert.user).get(url(working_challenge, "events/")).json()
    assert "rated" not in {event["kind"] for event in events}  # the work is for its participants
    assert "completed" in {event["kind"] for event in events}


# ---- attachments ------------------------------------------------------------------------------------------------


def test_attachments_upload_and_download_only_for_those_who_may_see_them(
    api_client, signed_in, open_challenge, enterprise_user, other_enterprise_user, expert_user
):
    attachments_url = url(open_challenge, "attachments/")
    assert signed_in(expert_user).post(attachments_url, {"file": SimpleUploadedFile("a.pdf", PDF)},
                                       format="multipart").status_code == 403
    assert signed_in(other_enterprise_user).post(attachments_url, {"file": SimpleUploadedFile("a.pdf", PDF)},
                                                 format="multipart").status_code == 403
    bad = signed_in(enterprise_user).post(attachments_url, {"file": SimpleUploadedFile("a.pdf", b"MZ exe")},
                                          format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()["errors"]
    assert not Attachment.objects.exists()
    response = signed_in(enterprise_user).post(attachments_url, {"file": SimpleUploadedFile("工艺.pdf", PDF)},
                                               format="multipart")
    assert response.status_code == 201
    download = response.json()["download_url"]
    assert APIClient().get(download).status_code in (401, 403)
    got = signed_in(expert_user).get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["Content-Disposition"].startswith("attachment")
    # a confidential challenge's files are not served to an expert who has not accepted the terms
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    assert signed_in(expert_user).get(download).status_code == 404
    assert signed_in(expert_user).get(attachments_url).json() == []


def test_events_endpoint_lists_the_audit_trail(signed_in, pending_challenge, chain_leader):
    services.review_challenge(challenge=pending_challenge, by=chain_leader, approve=True)
    events = signed_in(chain_leader).get(url(pending_challenge, "events/")).json()
    assert [(e["kind"], e["from_status"], e["to_status"], e["actor"]) for e in events] == [
        ("published", "pending_review", "open", chain_leader.name)
    ]
    assert ChallengeEvent.objects.filter(challenge=pending_challenge).count() == 1
