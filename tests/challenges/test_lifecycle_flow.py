"""One challenge walked from 草稿 to 已完成 with a team claim, through the services, as the site would do it."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from challenges import selectors, services
from challenges.models import Challenge, ChallengeEvent, Claim, ClaimMember, Milestone, Rating, Status
from notifications.models import Notification

PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"
PDF = b"%PDF-1.4\n% demo report\n"


def challenge_input(chain, **changes):
    data = dict(
        title="异形件自动包装线柔性改造",
        description="户外车库与宠物屋零部件尺寸、重量差异大，标准自动包装线无法适配，需要柔性包装方案。",
        chain=chain, deadline=timezone.localdate() + dt.timedelta(days=30), keywords=["自动包装", "机器视觉"],
        claim_mode=Challenge.ClaimMode.CHOOSE_ONE,
    )
    data.update(changes)
    return services.ChallengeInput(**data)


def kinds_of(challenge):
    return list(challenge.events.order_by("created_at", "id").values_list("kind", flat=True))


def test_a_challenge_goes_from_draft_to_completed_with_a_team_claim(
    enterprise, enterprise_user, chain, chain_leader, expert, other_expert
):
    # given an enterprise member who saves a draft
    challenge = services.post_challenge(
        enterprise=enterprise, author=enterprise_user, data=challenge_input(chain), submit=False
    )
    assert challenge.status == Status.DRAFT
    # when they submit it, the chain leader is asked to review
    services.submit_challenge(challenge=challenge, by=enterprise_user)
    assert challenge.status == Status.PENDING_REVIEW
    assert Notification.objects.filter(recipient=chain_leader, kind="review_submitted").exists()
    # the leader returns it with a reason, the enterprise edits and resubmits, the leader publishes
    services.review_challenge(challenge=challenge, by=chain_leader, approve=False, reason="请补充现有产线节拍")
    challenge.refresh_from_db()
    assert challenge.status == Status.REJECTED and challenge.review_note == "请补充现有产线节拍"
    services.update_challenge(
        challenge=challenge, by=enterprise_user,
        data=challenge_input(chain, description="现有产线节拍每分钟 6 件，零部件尺寸、重量差异大，需要柔性包装方案。"),
    )
    services.submit_challenge(challenge=challenge, by=enterprise_user)
    services.review_challenge(challenge=challenge, by=chain_leader, approve=True)
    challenge.refresh_from_db()
    assert challenge.status == Status.OPEN and challenge.published_at is not None
    assert Notification.objects.filter(recipient=enterprise_user, kind="review_published").exists()

    # an expert asks a question and the enterprise answers it
    question = services.ask_question(challenge=challenge, expert=other_expert, text="是否允许增加一个工位？")
    services.answer_question(question=question, by=enterprise_user, answer="可以，车间东侧有 20 平方米余量。")

    # the expert claims as the lead of a team and invites a colleague, who accepts
    claim = services.claim_challenge(
        expert=expert, challenge=challenge, proposal=PROPOSAL, expected_days=90, team=[other_expert]
    )
    invitation = ClaimMember.objects.get(claim=claim, expert=other_expert)
    assert invitation.status == ClaimMember.Status.INVITED
    assert Notification.objects.filter(recipient=other_expert.user, kind="team_invitation").exists()
    services.respond_team_invitation(member=invitation, by=other_expert.user, accept=True)
    assert Notification.objects.filter(recipient=expert.user, kind="team_response").exists()
    team = selectors.claim_team(user=enterprise_user, claim=claim)
    assert [(m.expert, m.role, m.status) for m in team] == [
        (expert, "lead", "accepted"), (other_expert, "member", "accepted")
    ]

    # the enterprise chooses the claim: 对接中, and everyone in the team is told
    services.accept_claim(claim=claim, by=enterprise_user)
    challenge.refresh_from_db()
    assert challenge.status == Status.MATCHING and challenge.expert == expert
    for member in (expert, other_expert):
        assert Notification.objects.filter(recipient=member.user, kind="claim_accepted").exists()

    # the expert proposes the agreement, the enterprise confirms: 实施中
    agreement = services.propose_agreement(
        challenge=challenge, by=expert.user, scope="完成柔性包装样线设计、安装调试与三个月试运行。",
        amount_wan=Decimal("75.00"), start_date=timezone.localdate(),
        end_date=timezone.localdate() + dt.timedelta(days=120),
    )
    assert agreement.expert_confirmed_at is not None and agreement.enterprise_confirmed_at is None
    challenge.refresh_from_db()
    assert challenge.status == Status.MATCHING
    services.confirm_agreement(agreement=agreement, by=enterprise_user)
    challenge.refresh_from_db()
    assert challenge.status == Status.IN_PROGRESS

    # a milestone is planned, delivered with a file and confirmed
    milestone = services.add_milestone(
        challenge=challenge, by=enterprise_user, title="样线方案评审", due_date=timezone.localdate()
    )
    services.submit_milestone(
        milestone=milestone, by=expert.user, note="方案评审材料已上传。",
        files=[SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")],
    )
    services.confirm_milestone(milestone=milestone, by=enterprise_user)
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.CONFIRMED and milestone.attachments.count() == 1

    # the expert delivers, the enterprise asks for changes, the expert delivers again, the enterprise accepts
    services.submit_delivery(challenge=challenge, by=expert.user, note="样线已完成试运行，报告见附件。")
    assert challenge.status == Status.DELIVERED
    services.request_changes(challenge=challenge, by=enterprise_user, note="请补充错漏件率的统计数据。")
    assert challenge.status == Status.IN_PROGRESS
    assert Notification.objects.filter(recipient=other_expert.user, kind="changes_requested").exists()
    services.submit_delivery(challenge=challenge, by=expert.user, note="已补充一个月的错漏件率统计。")
    services.accept_delivery(challenge=challenge, by=enterprise_user, note="达到预期指标。")
    challenge.refresh_from_db()
    assert challenge.status == Status.COMPLETED and challenge.completed_at is not None

    # both sides rate each other; the expert's track record shows it
    services.rate_counterpart(challenge=challenge, by=enterprise_user, score=5, comment="方案扎实")
    services.rate_counterpart(challenge=challenge, by=expert.user, score=4, comment="配合积极")
    assert Rating.objects.filter(challenge=challenge).count() == 2
    record = selectors.expert_track_record(expert=expert)
    assert (record.accepted_count, record.completed_count, record.average_rating) == (1, 1, 5.0)

    # and the audit trail tells the whole story, each move from → to
    moves = list(challenge.events.exclude(to_status="").order_by("created_at", "id").values_list(
        "from_status", "to_status"))
    assert moves == [
        ("", "draft"), ("draft", "pending_review"), ("pending_review", "rejected"), ("rejected", "pending_review"),
        ("pending_review", "open"), ("open", "matching"), ("matching", "in_progress"),
        ("in_progress", "delivered"), ("delivered", "in_progress"), ("in_progress", "delivered"),
        ("delivered", "completed"),
    ]
    assert {"question_asked", "question_answered", "claimed", "team_invited", "team_joined", "rated"} <= set(
        kinds_of(challenge)
    )
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.ACCEPTED
    assert ChallengeEvent.objects.filter(challenge=challenge, actor__isnull=True).count() == 0
