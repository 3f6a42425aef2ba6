"""Reads of challenges and claims. Each takes the acting user and returns only what that user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.http import Http404

from alliance import roles
from alliance.models import User
from challenges.models import (
    PUBLISHED_STATUSES,
    Agreement,
    Attachment,
    ChainRecommendation,
    Challenge,
    ChallengeEvent,
    ChallengeInvitation,
    Claim,
    ClaimMember,
    ConfidentialityAcceptance,
    Milestone,
    Question,
    Rating,
    Status,
)
from experts.models import Expert


def visible_challenges(*, user: User) -> QuerySet[Challenge]:
    """Park staff see everything; chain leaders their chains; enterprises their own; everyone signed in the hall."""
    qs = Challenge.objects.select_related("enterprise", "chain", "field", "expert")
    if roles.is_park_staff(user):
        return qs
    condition = Q(status__in=PUBLISHED_STATUSES) if user.is_authenticated else Q(pk__in=[])
    enterprise_ids = roles.enterprise_ids_of(user)
    if enterprise_ids:
        condition |= Q(enterprise_id__in=enterprise_ids)
    chain_ids = roles.led_chain_ids_of(user)
    if chain_ids:
        condition |= Q(chain_id__in=chain_ids)
    return qs.filter(condition)


def get_challenge(*, user: User, pk: int) -> Challenge:
    """Fetch and authorise in one step: someone who may not see it gets a 404."""
    try:
        return visible_challenges(user=user).get(pk=pk)
    except (Challenge.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def hall_challenges(*, user: User) -> QuerySet[Challenge]:
    """The challenge hall (榜单大厅): published challenges, newest first."""
    return visible_challenges(user=user).filter(status__in=PUBLISHED_STATUSES).order_by("-published_at", "-id")


def enterprise_challenges(*, user: User) -> QuerySet[Challenge]:
    """我的需求: the challenges of the user's enterprises."""
    return (
        Challenge.objects.select_related("chain", "field", "expert", "enterprise")
        .filter(enterprise_id__in=roles.enterprise_ids_of(user))
        .order_by("-created_at")
    )


def chain_challenges(*, user: User) -> QuerySet[Challenge]:
    """Every challenge of the chains the user leads (all chains for park staff)."""
    qs = Challenge.objects.select_related("chain", "field", "expert", "enterprise").order_by("-created_at")
    if roles.is_park_staff(user):
        return qs
    return qs.filter(chain_id__in=roles.led_chain_ids_of(user))


def can_manage_challenge(*, user: User, challenge: Challenge) -> bool:
    """The posting enterprise's members (they choose among claims)."""
    return roles.is_enterprise_member(user, challenge.enterprise)


def can_steer_challenge(*, user: User, challenge: Challenge) -> bool:
    """Chain leaders of the challenge's chain and park staff."""
    return roles.is_park_staff(user) or roles.is_chain_leader(user, challenge.chain_id)


def expert_may_see_full_details(*, expert: Expert, challenge: Challenge) -> bool:
    """An expert sees a confidential challenge in full once they accepted its terms, were invited (by the
    enterprise, a chain leader, or a claim's lead to their team), were recommended for it, claimed it or took it."""
    if not challenge.is_confidential:
        return True
    if challenge.expert_id == expert.pk:
        return True
    return (
        ConfidentialityAcceptance.objects.filter(challenge=challenge, expert=expert).exists()
        or ChallengeInvitation.objects.filter(challenge=challenge, expert=expert).exists()
        or challenge.claims.filter(expert=expert).exists()
        or challenge.recommendations.filter(expert=expert).exists()
        or ClaimMember.objects.filter(claim__challenge=challenge, expert=expert)
        .exclude(status=ClaimMember.Status.DECLINED).exists()
    )


def can_see_full_details(*, user: User, challenge: Challenge) -> bool:
    """Confidential challenges show only title, chain and field to experts who are not involved."""
    if not challenge.is_confidential:
        return True
    if can_manage_challenge(user=user, challenge=challenge) or can_steer_challenge(user=user, challenge=challenge):
        return True
    expert = roles.expert_of(user)
    if expert is None:
        return False
    return expert_may_see_full_details(expert=expert, challenge=challenge)


def has_accepted_confidentiality(*, user: User, challenge: Challenge) -> bool:
    expert = roles.expert_of(user)
    return expert is not None and ConfidentialityAcceptance.objects.filter(challenge=challenge, expert=expert).exists()


def can_review_challenge(*, user: User, challenge: Challenge) -> bool:
    """The chain's leaders and park staff review (publish or return) a challenge waiting for review."""
    return challenge.status == Status.PENDING_REVIEW and can_steer_challenge(user=user, challenge=challenge)


def is_engaged_expert(*, user: User, challenge: Challenge) -> bool:
    """The lead expert of the chosen claim (acts for the team in the agreement, milestones and delivery)."""
    expert = roles.expert_of(user)
    return expert is not None and challenge.expert_id is not None and challenge.expert_id == expert.pk


def is_team_member(*, user: User, challenge: Challenge) -> bool:
    """The lead or a member who joined the team of the chosen claim."""
    expert = roles.expert_of(user)
    if expert is None or challenge.expert_id is None:
        return False
    return challenge.expert_id == expert.pk or ClaimMember.objects.filter(
        claim__challenge=challenge, claim__status=Claim.Status.ACCEPTED, expert=expert,
        status=ClaimMember.Status.ACCEPTED,
    ).exists()


def is_participant(*, user: User, challenge: Challenge) -> bool:
    """Who sees the work after a claim is chosen: the enterprise, the team, the chain's leaders and park staff."""
    return (
        can_manage_challenge(user=user, challenge=challenge)
        or can_steer_challenge(user=user, challenge=challenge)
        or is_team_member(user=user, challenge=challenge)
    )


def visible_claims(*, user: User, challenge: Challenge) -> QuerySet[Claim]:
    """The enterprise, chain leader and staff see every claim; an expert sees only their own."""
    qs = (
        challenge.claims.select_related("expert", "expert__organisation")
        .prefetch_related(Prefetch("members", queryset=ClaimMember.objects.select_related("expert")))
        .order_by("-created_at")
    )
    if can_manage_challenge(user=user, challenge=challenge) or can_steer_challenge(user=user, challenge=challenge):
        return qs
    expert = roles.expert_of(user)
    if expert is None:
        return qs.none()
    # An expert sees their own claims and the claims whose team invited them.
    return qs.filter(Q(expert=expert) | Q(members__expert=expert)).distinct()


def expert_claims(*, user: User) -> QuerySet[Claim]:
    """我的揭榜: the signed-in expert's claims."""
    expert = roles.expert_of(user)
    if expert is None:
        return Claim.objects.none()
    return Claim.objects.filter(expert=expert).select_related("challenge", "challenge__chain", "challenge__enterprise")


def get_claim(*, user: User, pk: int) -> Claim:
    """A claim its expert, the posting enterprise, the chain's leader or park staff may see; else 404."""
    try:
        claim = Claim.objects.select_related("challenge__enterprise", "expert").get(pk=pk)
    except (Claim.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    challenge = claim.challenge
    expert = roles.expert_of(user)
    if expert is not None and claim.members.filter(expert=expert).exists():
        return claim  # the lead, or an expert invited to the team
    if (expert is not None and claim.expert_id == expert.pk) or can_manage_challenge(
        user=user, challenge=challenge
    ) or can_steer_challenge(user=user, challenge=challenge):
        return claim
    raise Http404


# Events anyone who sees the challenge may see; the rest concern particular experts (their claims, their team).
PUBLIC_EVENT_KINDS = frozenset(
    {
        ChallengeEvent.Kind.CREATED, ChallengeEvent.Kind.SUBMITTED, ChallengeEvent.Kind.PUBLISHED,
        ChallengeEvent.Kind.RETURNED, ChallengeEvent.Kind.ACCEPTED, ChallengeEvent.Kind.DELIVERED,
        ChallengeEvent.Kind.COMPLETED, ChallengeEvent.Kind.WITHDRAWN, ChallengeEvent.Kind.EXPIRED,
        ChallengeEvent.Kind.CLOSED, ChallengeEvent.Kind.UPDATED, ChallengeEvent.Kind.QUESTION_ANSWERED,
    }
)
# The work after a choice (terms, milestones, delivery notes, ratings) is for the participants only.
PARTICIPANT_EVENT_KINDS = frozenset(
    {
        ChallengeEvent.Kind.AGREEMENT_PROPOSED, ChallengeEvent.Kind.AGREEMENT_CONFIRMED,
        ChallengeEvent.Kind.MILESTONE_ADDED, ChallengeEvent.Kind.MILESTONE_SUBMITTED,
        ChallengeEvent.Kind.MILESTONE_CONFIRMED, ChallengeEvent.Kind.CHANGES_REQUESTED, ChallengeEvent.Kind.RATED,
        ChallengeEvent.Kind.ATTACHMENT_ADDED,
    }
)


def challenge_timeline(*, user: User, challenge: Challenge) -> QuerySet[ChallengeEvent]:
    """The audit trail, oldest first. The enterprise, chain leaders and staff see every event; the team also sees
    the work; other experts see the public milestones and what concerns their own claims."""
    events = challenge.events.select_related("actor", "claim__expert").order_by("created_at", "id")
    if can_manage_challenge(user=user, challenge=challenge) or can_steer_challenge(user=user, challenge=challenge):
        return events
    expert = roles.expert_of(user)
    if expert is None:
        return events.filter(kind__in=PUBLIC_EVENT_KINDS)
    visible = Q(kind__in=PUBLIC_EVENT_KINDS) | Q(claim__expert=expert) | Q(claim__members__expert=expert)
    if is_team_member(user=user, challenge=challenge):
        visible |= Q(kind__in=PARTICIPANT_EVENT_KINDS)
    return events.filter(visible).distinct()


def recommendations_for_expert(*, user: User) -> QuerySet[ChainRecommendation]:
    expert = roles.expert_of(user)
    if expert is None:
        return ChainRecommendation.objects.none()
    return expert.chain_recommendations.select_related("challenge", "recommended_by", "challenge__chain").filter(
        challenge__status=Status.OPEN
    )


# ---------------------------------------------------------------------------------------------- review


def challenges_to_review(*, user: User) -> QuerySet[Challenge]:
    """待审核: challenges of the chains the user leads (every chain for park staff), oldest first."""
    return chain_challenges(user=user).filter(status=Status.PENDING_REVIEW).order_by("updated_at", "id")


# ---------------------------------------------------------------------------------------------- teams


def claim_team(*, user: User, claim: Claim) -> QuerySet[ClaimMember]:
    """The team on a claim (lead first), for whoever may see the claim (get_claim) or was invited to it."""
    members = ClaimMember.objects.filter(claim=claim).select_related("expert", "expert__organisation")
    expert = roles.expert_of(user)
    if expert is not None and members.filter(expert=expert).exists():
        return members
    get_claim(user=user, pk=claim.pk)  # 404 for anyone else
    return members


def team_invitations_for_expert(*, user: User, pending_only: bool = False) -> QuerySet[ClaimMember]:
    """团队邀请: the teams the signed-in expert was invited to (not the ones they lead)."""
    expert = roles.expert_of(user)
    if expert is None:
        return ClaimMember.objects.none()
    qs = ClaimMember.objects.filter(expert=expert, role=ClaimMember.Role.MEMBER).select_related(
        "claim__expert", "claim__challenge", "claim__challenge__chain", "claim__challenge__enterprise"
    ).order_by("-invited_at", "-id")
    return qs.filter(status=ClaimMember.Status.INVITED) if pending_only else qs


def get_team_member(*, user: User, pk: int) -> ClaimMember:
    """A team membership its invitee, the claim's lead, the enterprise, chain leaders or staff may see; else 404."""
    try:
        member = ClaimMember.objects.select_related("expert", "claim__expert", "claim__challenge__enterprise").get(
            pk=pk
        )
    except (ClaimMember.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    expert = roles.expert_of(user)
    if expert is not None and member.expert_id == expert.pk:
        return member
    get_claim(user=user, pk=member.claim_id)
    return member


def suggest_team(*, user: User, claim: Claim, limit: int = 5) -> list:
    """The matcher's suggestion of experts to invite to a claim's team (lead only): best fits not yet asked."""
    from matching.services import rank_experts_for_challenge

    expert = roles.expert_of(user)
    if expert is None or claim.expert_id != expert.pk:
        return []
    asked = set(claim.members.values_list("expert_id", flat=True))
    matches = rank_experts_for_challenge(claim.challenge, limit=limit + len(asked) + 1)
    return [match for match in matches if match.expert.pk not in asked][:limit]


# ---------------------------------------------------------------------------------------------- questions


def visible_questions(*, user: User, challenge: Challenge) -> QuerySet[Question]:
    """答疑: the enterprise, chain leaders and staff see all; an expert who can see the challenge in full sees every
    answered question and their own unanswered ones; others see none."""
    qs = challenge.questions.select_related("asked_by", "answered_by").order_by("created_at", "id")
    if can_manage_challenge(user=user, challenge=challenge) or can_steer_challenge(user=user, challenge=challenge):
        return qs
    expert = roles.expert_of(user)
    if expert is None or not expert_may_see_full_details(expert=expert, challenge=challenge):
        return qs.none()
    return qs.filter(Q(answered_at__isnull=False) | Q(asked_by=expert))


def get_question(*, user: User, pk: int) -> Question:
    try:
        question = Question.objects.select_related("challenge").get(pk=pk)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    challenge = get_challenge(user=user, pk=question.challenge_id)
    if not visible_questions(user=user, challenge=challenge).filter(pk=pk).exists():
        raise Http404
    return question


# ---------------------------------------------------------------------------------------------- invitations


def challenge_invitations(*, user: User, challenge: Challenge) -> QuerySet[ChallengeInvitation]:
    """Who was invited to a challenge: for the enterprise, chain leaders and staff only."""
    qs = challenge.invitations.select_related("expert", "invited_by").order_by("-created_at")
    if can_manage_challenge(user=user, challenge=challenge) or can_steer_challenge(user=user, challenge=challenge):
        return qs
    return qs.none()


def invitations_for_expert(*, user: User) -> QuerySet[ChallengeInvitation]:
    """邀请我的需求: challenges the signed-in expert was invited to see."""
    expert = roles.expert_of(user)
    if expert is None:
        return ChallengeInvitation.objects.none()
    return expert.challenge_invitations.select_related("challenge", "challenge__chain", "invited_by").order_by(
        "-created_at"
    )


# ---------------------------------------------------------------------------------------------- the work


def get_agreement(*, user: User, challenge: Challenge) -> Agreement | None:
    """The agreement of a challenge, for its participants; None when there is none or the user is not one."""
    if not is_participant(user=user, challenge=challenge):
        return None
    return Agreement.objects.filter(challenge=challenge).select_related("claim__expert", "proposed_by").first()


def challenge_milestones(*, user: User, challenge: Challenge) -> QuerySet[Milestone]:
    if not is_participant(user=user, challenge=challenge):
        return Milestone.objects.none()
    return challenge.milestones.prefetch_related("attachments").order_by("due_date", "id")


def get_milestone(*, user: User, pk: int) -> Milestone:
    try:
        milestone = Milestone.objects.select_related("challenge__enterprise").get(pk=pk)
    except (Milestone.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    challenge = get_challenge(user=user, pk=milestone.challenge_id)
    if not is_participant(user=user, challenge=challenge):
        raise Http404
    return milestone


def challenge_attachments(*, user: User, challenge: Challenge) -> QuerySet[Attachment]:
    """The challenge's own files for whoever sees it in full; milestone and delivery files for participants."""
    qs = challenge.attachments.select_related("uploaded_by", "milestone").order_by("created_at", "id")
    if is_participant(user=user, challenge=challenge):
        return qs
    if can_see_full_details(user=user, challenge=challenge):
        return qs.filter(kind=Attachment.Kind.CHALLENGE)
    return qs.none()


def get_attachment(*, user: User, pk: int) -> Attachment:
    """Fetch and authorise a file for download in one step: 404 for anyone who may not have it."""
    try:
        attachment = Attachment.objects.select_related("challenge").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    challenge = get_challenge(user=user, pk=attachment.challenge_id)
    if not challenge_attachments(user=user, challenge=challenge).filter(pk=pk).exists():
        raise Http404
    return attachment


def challenge_ratings(*, user: User, challenge: Challenge) -> QuerySet[Rating]:
    if not is_participant(user=user, challenge=challenge):
        return Rating.objects.none()
    return challenge.ratings.select_related("rater", "expert").order_by("created_at")


@dataclass(frozen=True)
class TrackRecord:
    accepted_count: int  # claims chosen by an enterprise (as lead)
    completed_count: int  # of those, challenges accepted on delivery (已完成)
    rating_count: int
    average_rating: float | None  # enterprises' ratings of the expert, 1-5


def expert_track_record(*, expert: Expert) -> TrackRecord:
    """An expert's record on the platform: what they took on, finished, and how enterprises rated them."""
    claims = Claim.objects.filter(expert=expert, status=Claim.Status.ACCEPTED).aggregate(
        accepted=Count("id"), completed=Count("id", filter=Q(challenge__status=Status.COMPLETED))
    )
    ratings = Rating.objects.filter(expert=expert, direction=Rating.Direction.OF_EXPERT).aggregate(
        count=Count("id"), average=Avg("score")
    )
    average = ratings["average"]
    return TrackRecord(
        accepted_count=claims["accepted"], completed_count=claims["completed"], rating_count=ratings["count"],
        average_rating=round(float(average), 2) if average is not None else None,
    )


def challenge_actions(*, user: User, challenge: Challenge) -> frozenset[str]:
    """The services the user may call on this challenge now (for showing buttons); the services still decide."""
    actions: set[str] = set()
    status = challenge.status
    is_manager = can_manage_challenge(user=user, challenge=challenge)
    is_steerer = can_steer_challenge(user=user, challenge=challenge)
    expert = roles.expert_of(user)
    if is_manager:
        if status in (Status.DRAFT, Status.REJECTED):
            actions |= {"update_challenge", "submit_challenge"}
        if status in (Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED, Status.OPEN):
            actions.add("withdraw_challenge")
        if status == Status.OPEN:
            actions |= {"accept_claim", "answer_question", "invite_expert"}
        if status not in (Status.COMPLETED, Status.WITHDRAWN, Status.CLOSED, Status.EXPIRED):
            actions.add("add_attachment")
        if status == Status.DELIVERED:
            actions |= {"accept_delivery", "request_changes"}
    if is_steerer:
        if status == Status.PENDING_REVIEW:
            actions.add("review_challenge")
        if status == Status.OPEN:
            actions |= {"recommend_expert", "invite_expert"}
        if status in (Status.OPEN, Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED, Status.EXPIRED,
                      Status.REJECTED):
            actions.add("close_challenge")
    is_lead = is_engaged_expert(user=user, challenge=challenge)
    if is_manager or is_lead:
        if status == Status.MATCHING:
            actions |= {"propose_agreement", "confirm_agreement", "add_milestone"}
        if status == Status.IN_PROGRESS:
            actions.add("add_milestone")
        if status == Status.COMPLETED:
            actions.add("rate_counterpart")
    if is_manager and status == Status.IN_PROGRESS:
        actions.add("confirm_milestone")
    if is_lead and status == Status.IN_PROGRESS:
        actions |= {"submit_milestone", "submit_delivery"}
    if expert is not None and not is_manager and status == Status.OPEN:
        if not expert_may_see_full_details(expert=expert, challenge=challenge):
            actions.add("accept_confidentiality")
        else:
            actions.add("ask_question")
            if not challenge.claims.filter(expert=expert, status__in=Claim.LIVE_STATUSES).exists():
                actions.add("claim_challenge")
        if challenge.claims.filter(expert=expert, status=Claim.Status.SUBMITTED).exists():
            actions.add("withdraw_claim")
    return frozenset(actions)
