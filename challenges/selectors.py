"""Reads of challenges and claims. Each takes the acting user and returns only what that user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from alliance import roles
from alliance.models import User
from challenges.models import PUBLISHED_STATUSES, Challenge, ChallengeEvent, Claim, Status


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


def can_see_full_details(*, user: User, challenge: Challenge) -> bool:
    """Confidential challenges show only title, chain and field to experts who are not involved."""
    if not challenge.is_confidential:
        return True
    if can_manage_challenge(user=user, challenge=challenge) or can_steer_challenge(user=user, challenge=challenge):
        return True
    expert = roles.expert_of(user)
    if expert is None:
        return False
    return (
        challenge.expert_id == expert.pk
        or challenge.claims.filter(expert=expert).exists()
        or challenge.recommendations.filter(expert=expert).exists()
    )


def visible_claims(*, user: User, challenge: Challenge) -> QuerySet[Claim]:
    """The enterprise, chain leader and staff see every claim; an expert sees only their own."""
    qs = challenge.claims.select_related("expert", "expert__organisation").order_by("-created_at")
    if can_manage_challenge(user=user, challenge=challenge) or can_steer_challenge(user=user, challenge=challenge):
        return qs
    expert = roles.expert_of(user)
    if expert is None:
        return qs.none()
    return qs.filter(expert=expert)


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
    if (expert is not None and claim.expert_id == expert.pk) or can_manage_challenge(
        user=user, challenge=challenge
    ) or can_steer_challenge(user=user, challenge=challenge):
        return claim
    raise Http404


def challenge_timeline(*, user: User, challenge: Challenge) -> QuerySet[ChallengeEvent]:
    return challenge.events.select_related("actor", "claim__expert").order_by("created_at", "id")


def recommendations_for_expert(*, user: User):
    expert = roles.expert_of(user)
    if expert is None:
        from challenges.models import ChainRecommendation

        return ChainRecommendation.objects.none()
    return expert.chain_recommendations.select_related("challenge", "recommended_by", "challenge__chain").filter(
        challenge__status=Status.OPEN
    )
