"""The lifecycle rules at the service level: review, confidentiality, Q&A, teams, the work, files and deadlines."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from challenges import selectors, services
from challenges.models import Agreement, Attachment, Challenge, ChallengeEvent, Claim, ClaimMember, Rating, Status
from challenges.tasks import expire_overdue_challenges_task
from config.exceptions import ApplicationError, Conflict
from notifications.models import Notification
from tests import factories

PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"


@pytest.fixture
def pending_challenge(enterprise, enterprise_user, chain):
    return factories.ChallengeFactory(enterprise=enterprise, author=enterprise_user, chain=chain,
                                      status=Status.PENDING_REVIEW, published_at=None)


# ---- review -----------------------------------------------------------------------------------------------------


def test_leader_of_another_chain_cannot_review_and_nothing_changes(pending_challenge, other_chain_leader):
    with pytest.raises(PermissionDenied):
        services.review_challenge(challenge=pending_challenge, by=other_chain_leader, approve=True)
    pending_challenge.refresh_from_db()
    assert pending_challenge.status == Status.PENDING_REVIEW
    assert not ChallengeEvent.objects.filter(challenge=pending_challenge).exists()


def test_returning_without_a_reason_is_a_field_error(pending_challenge, chain_leader):
    with pytest.raises(ApplicationError) as error:
        services.review_challenge(challenge=pending_challenge, by=chain_leader, approve=False, reason=" ")
    assert error.value.field == "reason"
    assert Challenge.objects.get(pk=pending_challenge.pk).status == Status.PENDING_REVIEW


def test_park_staff_publish_and_top_matched_experts_are_told(pending_challenge, park_staff, expert, enterprise_user):
    services.review_challenge(challenge=pending_challenge, by=park_staff, approve=True)
    assert pending_challenge.status == Status.OPEN
    assert Notification.objects.filter(recipient=enterprise_user, kind="review_published").exists()
    assert Notification.objects.filter(recipient=expert.user, kind="challenge_published").exists()


def test_an_open_challenge_cannot_be_reviewed_again(open_challenge, chain_leader):
    with pytest.raises(Conflict):
        services.review_challenge(challenge=open_challenge, by=chain_leader, approve=False, reason="重复审核")
    assert Challenge.objects.get(pk=open_challenge.pk).status == Status.OPEN


def test_withdrawing_declines_waiting_claims_and_tells_their_experts(open_challenge, enterprise_user, expert):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    services.withdraw_challenge(challenge=open_challenge, by=enterprise_user, reason="内部已解决")
    claim.refresh_from_db()
    assert open_challenge.status == Status.WITHDRAWN and claim.status == Claim.Status.DECLINED
    assert Notification.objects.filter(recipient=expert.user, kind="challenge_withdrawn").exists()


def test_other_enterprise_cannot_withdraw_or_close(open_challenge, other_enterprise_user):
    with pytest.raises(PermissionDenied):
        services.withdraw_challenge(challenge=open_challenge, by=other_enterprise_user)
    with pytest.raises(PermissionDenied):
        services.close_challenge(challenge=open_challenge, by=other_enterprise_user, reason="无关")
    assert Challenge.objects.get(pk=open_challenge.pk).status == Status.OPEN


# ---- deadlines --------------------------------------------------------------------------------------------------


def test_expiry_moves_overdue_open_challenges_once_and_notifies(open_challenge, enterprise_user, expert):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    Challenge.objects.filter(pk=open_challenge.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    fresh = factories.ChallengeFactory(chain=open_challenge.chain)
    # when the beat task runs twice
    assert expire_overdue_challenges_task() == 1
    assert expire_overdue_challenges_task() == 0
    # then only the overdue one expired, with one event, its waiting claim declined and everyone told
    open_challenge.refresh_from_db()
    fresh.refresh_from_db()
    claim.refresh_from_db()
    assert open_challenge.status == Status.EXPIRED and fresh.status == Status.OPEN
    assert ChallengeEvent.objects.filter(challenge=open_challenge, kind="expired").count() == 1
    assert claim.status == Claim.Status.DECLINED
    for user in (enterprise_user, expert.user):
        assert Notification.objects.filter(recipient=user, kind="challenge_expired").count() == 1


def test_expiry_is_registered_as_an_hourly_beat_task(db):
    task = PeriodicTask.objects.get(task="challenges.tasks.expire_overdue_challenges_task")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "hours"


# ---- confidentiality, questions ----------------------------------------------------------------------------------


def test_confidential_challenge_opens_after_accepting_terms_and_only_then_can_be_claimed(open_challenge, expert):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    open_challenge.refresh_from_db()
    assert not selectors.can_see_full_details(user=expert.user, challenge=open_challenge)
    with pytest.raises(Conflict) as error:
        services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=30)
    assert error.value.code == "confidentiality_required"
    assert not Claim.objects.exists()
    acceptance = services.accept_confidentiality(challenge=open_challenge, expert=expert)
    assert acceptance.accepted_at is not None
    assert selectors.can_see_full_details(user=expert.user, challenge=open_challenge)
    services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=30)


def test_an_invitation_opens_a_confidential_challenge(open_challenge, chain_leader, expert):
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    open_challenge.refresh_from_db()
    services.invite_expert(challenge=open_challenge, expert=expert, by=chain_leader, note="方向相关")
    assert selectors.can_see_full_details(user=expert.user, challenge=open_challenge)
    assert Notification.objects.filter(recipient=expert.user, kind="challenge_invitation").exists()


def test_answers_are_visible_to_every_expert_who_can_see_the_challenge(open_challenge, enterprise_user, expert,
                                                                        other_expert):
    question = services.ask_question(challenge=open_challenge, expert=expert, text="现有产线节拍是多少？")
    assert list(selectors.visible_questions(user=other_expert.user, challenge=open_challenge)) == []
    services.answer_question(question=question, by=enterprise_user, answer="每分钟 6 件。")
    assert list(selectors.visible_questions(user=other_expert.user, challenge=open_challenge)) == [question]
    with pytest.raises(Conflict):
        services.answer_question(question=question, by=enterprise_user, answer="改口")
    question.refresh_from_db()
    assert question.answer == "每分钟 6 件。"


def test_only_the_posting_enterprise_answers(open_challenge, other_enterprise_user, expert):
    question = services.ask_question(challenge=open_challenge, expert=expert, text="现有产线节拍是多少？")
    with pytest.raises(PermissionDenied):
        services.answer_question(question=question, by=other_enterprise_user, answer="不是我们的需求")
    question.refresh_from_db()
    assert question.answered_at is None


# ---- teams ------------------------------------------------------------------------------------------------------


def test_an_expert_with_a_conflict_cannot_be_invited_to_a_team(open_challenge, enterprise, expert):
    insider = factories.ExpertFactory(organisation=enterprise)
    with pytest.raises(Conflict) as error:
        services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=30,
                                 team=[insider])
    assert error.value.code == "conflict_of_interest"
    assert not Claim.objects.exists() and not ClaimMember.objects.exists()


def test_only_the_invitee_answers_and_only_once(open_challenge, expert, other_expert):
    claim = services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=30,
                                     team=[other_expert])
    member = claim.members.get(expert=other_expert)
    with pytest.raises(PermissionDenied):
        services.respond_team_invitation(member=member, by=expert.user, accept=True)
    services.respond_team_invitation(member=member, by=other_expert.user, accept=False)
    with pytest.raises(Conflict):
        services.respond_team_invitation(member=member, by=other_expert.user, accept=True)
    member.refresh_from_db()
    assert member.status == ClaimMember.Status.DECLINED and member.responded_at is not None


def test_lead_invites_later_and_withdrawing_tells_the_team(open_challenge, expert, other_expert, enterprise_user):
    claim = services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=30)
    with pytest.raises(PermissionDenied):
        services.invite_team_member(claim=claim, expert=expert, by=other_expert.user)
    services.invite_team_member(claim=claim, expert=other_expert, by=expert.user)
    with pytest.raises(Conflict):
        services.invite_team_member(claim=claim, expert=other_expert, by=expert.user)
    services.withdraw_claim(claim=claim, by=expert.user)
    assert Notification.objects.filter(recipient=enterprise_user, kind="claim_withdrawn").exists()
    assert Notification.objects.filter(recipient=other_expert.user, kind="claim_withdrawn").exists()


# ---- the work ---------------------------------------------------------------------------------------------------


@pytest.fixture
def matching_challenge(open_challenge, expert, enterprise_user):
    claim = factories.ClaimFactory(challenge=open_challenge, expert=expert)
    services.accept_claim(claim=claim, by=enterprise_user)
    open_challenge.refresh_from_db()
    return open_challenge


def agreement_terms(**changes):
    terms = dict(scope="完成样线设计、安装调试与三个月试运行。", amount_wan=Decimal("60"),
                 start_date=timezone.localdate(), end_date=timezone.localdate() + dt.timedelta(days=90))
    terms.update(changes)
    return terms


def test_rewriting_the_agreement_asks_the_other_side_again(matching_challenge, expert, enterprise_user):
    agreement = services.propose_agreement(challenge=matching_challenge, by=enterprise_user, **agreement_terms())
    services.propose_agreement(challenge=matching_challenge, by=expert.user, **agreement_terms(amount_wan=70))
    agreement.refresh_from_db()
    assert agreement.amount_wan == 70 and agreement.enterprise_confirmed_at is None
    with pytest.raises(Conflict):
        services.confirm_agreement(agreement=agreement, by=expert.user)  # their own side already agreed
    services.confirm_agreement(agreement=agreement, by=enterprise_user)
    assert Challenge.objects.get(pk=matching_challenge.pk).status == Status.IN_PROGRESS


def test_agreement_dates_in_the_wrong_order_are_a_field_error(matching_challenge, enterprise_user):
    with pytest.raises(ApplicationError) as error:
        services.propose_agreement(challenge=matching_challenge, by=enterprise_user,
                                   **agreement_terms(end_date=timezone.localdate() - dt.timedelta(days=1)))
    assert error.value.field == "end_date"
    assert not Agreement.objects.exists()


def test_a_rival_expert_cannot_touch_the_work(matching_challenge, other_expert):
    with pytest.raises(PermissionDenied):
        services.propose_agreement(challenge=matching_challenge, by=other_expert.user, **agreement_terms())
    with pytest.raises(PermissionDenied):
        services.submit_delivery(challenge=matching_challenge, by=other_expert.user, note="冒名提交成果")
    assert Challenge.objects.get(pk=matching_challenge.pk).status == Status.MATCHING


def test_delivery_before_the_agreement_is_refused(matching_challenge, expert):
    with pytest.raises(Conflict):
        services.submit_delivery(challenge=matching_challenge, by=expert.user, note="提前提交成果")
    assert Challenge.objects.get(pk=matching_challenge.pk).status == Status.MATCHING


def test_rating_waits_for_completion_and_is_once_per_side(matching_challenge, expert, enterprise_user):
    with pytest.raises(Conflict):
        services.rate_counterpart(challenge=matching_challenge, by=enterprise_user, score=5)
    Challenge.objects.filter(pk=matching_challenge.pk).update(status=Status.COMPLETED)
    with pytest.raises(ApplicationError):
        services.rate_counterpart(challenge=matching_challenge, by=enterprise_user, score=6)
    services.rate_counterpart(challenge=matching_challenge, by=enterprise_user, score=4, comment="不错")
    with pytest.raises(Conflict):
        services.rate_counterpart(challenge=matching_challenge, by=enterprise_user, score=1)
    assert list(Rating.objects.values_list("score", flat=True)) == [4]
    assert selectors.expert_track_record(expert=expert).average_rating == 4.0


# ---- attachments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("脚本.exe", b"MZ\x90\x00", "file_type"),
        ("伪装.pdf", b"MZ\x90\x00 not a pdf", "file_content"),
        ("图片.png", b"%PDF-1.4 wrong type", "file_content"),
        ("空.pdf", b"", "file_empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(open_challenge, enterprise_user, name, content, code):
    with pytest.raises(ApplicationError) as error:
        services.add_attachment(challenge=open_challenge, by=enterprise_user,
                                file=SimpleUploadedFile(name, content))
    assert error.value.code == code and error.value.field == "file"
    assert not Attachment.objects.exists()


def test_files_over_20_mb_are_refused(open_challenge, enterprise_user):
    big = SimpleUploadedFile("大.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))
    with pytest.raises(ApplicationError) as error:
        services.add_attachment(challenge=open_challenge, by=enterprise_user, file=big)
    assert error.value.code == "file_too_large"
    assert not Attachment.objects.exists()


def test_attachments_are_stored_privately_outside_media_root(open_challenge, enterprise_user):
    attachment = services.add_attachment(challenge=open_challenge, by=enterprise_user,
                                         file=SimpleUploadedFile("工艺图.png", b"\x89PNG\r\n\x1a\n0000"))
    path = Path(attachment.file.path)
    assert path.is_file()
    assert Path(settings.PRIVATE_MEDIA_ROOT) in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents
    assert attachment.original_name == "工艺图.png" and attachment.content_type == "image/png"
