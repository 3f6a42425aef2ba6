"""A park that has not enrolled any expert yet must still accept challenges."""

from matching import ranking
from matching.services import rank_experts_for_challenge
from tests import factories


def test_empty_expert_pool_builds_an_empty_index():
    matrix = ranking.build_expert_matrix([])
    assert matrix.size == 0


def test_posting_a_challenge_with_no_experts_recommends_nobody(db):
    # given a challenge and no expert in the pool
    challenge = factories.ChallengeFactory()
    # when the matcher ranks experts for it
    matches = rank_experts_for_challenge(challenge, limit=10)
    # then it answers with nobody rather than failing
    assert matches == []
