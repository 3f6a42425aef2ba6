"""The claim rules at the service level: who may claim, when, and what a refusal leaves behind."""

import pytest

from challenges import services
from challenges.models import Challenge, ChallengeEvent, Claim, Status
from config.exceptions import ApplicationError, Conflict
from notifications.models import Notification
from tests import factories

PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"


def test_expert_claims_open_challenge_and_enterprise_is_notified(expert, open_challenge, enterprise_user):
    # when the expert claims
    claim = services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=45)
    # then the claim is waiting for the enterprise's choice, recorded, and the enterprise is told
    assert claim.status == Claim.Status.SUBMITTED
    assert ChallengeEvent.objects.filter(challenge=open_challenge, kind="claimed", claim=claim).exists()
    assert Notification.objects.filter(recipient=enterprise_user, kind="claim_submitted").exists()
    open_challenge.refresh_from_db()
    assert open_challenge.first_claimed_at is not None


def test_second_claim_by_same_expert_is_refused_with_conflict(expert, open_challenge):
    services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=45)
    with pytest.raises(Conflict) as error:
        services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=30)
    assert error.value.code == "duplicate_claim"
    assert Claim.objects.count() == 1


def test_claim_on_closed_challenge_is_refused(expert, open_challenge):
    Challenge.objects.filter(pk=open_challenge.pk).update(status=Status.CLOSED)
    open_challenge.refresh_from_db()
    with pytest.raises(Conflict) as error:
        services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=45)
    assert error.value.code == "challenge_not_open"
    assert not Claim.objects.exists()


def test_claim_over_the_expert_limit_is_refused(expert, chain):
    expert.max_active_claims = 1
    expert.save()
    first, second = factories.ChallengeFactory(chain=chain), factories.ChallengeFactory(chain=chain)
    services.claim_challenge(expert=expert, challenge=first, proposal=PROPOSAL, expected_days=45)
    with pytest.raises(Conflict) as error:
        services.claim_challenge(expert=expert, challenge=second, proposal=PROPOSAL, expected_days=45)
    assert error.value.code == "over_limit"
    assert not Claim.objects.filter(challenge=second).exists()


def test_expert_of_posting_enterprise_cannot_claim(open_challenge, enterprise):
    insider = factories.ExpertFactory(organisation=enterprise)
    with pytest.raises(Conflict) as error:
        services.claim_challenge(expert=insider, challenge=open_challenge, proposal=PROPOSAL, expected_days=45)
    assert error.value.code == "conflict_of_interest"
    assert not Claim.objects.exists()


def test_short_proposal_is_a_field_error(expert, open_challenge):
    with pytest.raises(ApplicationError) as error:
        services.claim_challenge(expert=expert, challenge=open_challenge, proposal="能做", expected_days=45)
    assert error.value.field == "proposal"
    assert not Claim.objects.exists()


def test_accepting_a_claim_starts_matching_and_declines_others(expert, other_expert, open_challenge, enterprise_user):
    chosen = services.claim_challenge(expert=expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=45)
    other = services.claim_challenge(expert=other_expert, challenge=open_challenge, proposal=PROPOSAL, expected_days=60)
    services.accept_claim(claim=chosen, by=enterprise_user)
    open_challenge.refresh_from_db()
    other.refresh_from_db()
    assert open_challenge.status == Status.MATCHING
    assert open_challenge.expert == expert
    assert other.status == Claim.Status.DECLINED
    assert Notification.objects.filter(recipient=expert.user, kind="claim_accepted").exists()
    assert Notification.objects.filter(recipient=other_expert.user, kind="claim_declined").exists()
