"""The matcher as the site sees it. INTERIM: replaced by the real engine (text.py, ranking.py, index.py).

The public functions and dataclasses below are the interface the rest of the site codes against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from challenges.models import Challenge
from experts.models import Expert


@dataclass
class ExpertMatch:
    expert: Expert
    score: float  # absolute fit in [0, 1]
    rank: int  # 1-based
    matched_areas: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # human-readable, Chinese


@dataclass
class ChallengeMatch:
    challenge: Challenge
    score: float
    rank: int
    matched_areas: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class MatchPosition:
    rank: int
    score: float


def rank_experts_for_challenge(challenge: Challenge, *, limit: int = 10) -> list[ExpertMatch]:
    """Experts who fit a challenge, best first, excluding conflicts of interest and unavailable experts."""
    results: list[ExpertMatch] = []
    text = f"{challenge.title} {' '.join(challenge.keywords)} {challenge.description}"
    for expert in Expert.objects.filter(is_active=True, is_available=True).exclude(
        organisation_id=challenge.enterprise_id
    ):
        matched = [area for area in expert.research_areas if area and area in text]
        if matched:
            results.append(ExpertMatch(expert=expert, score=min(1.0, 0.3 * len(matched)), rank=0,
                                       matched_areas=matched, reasons=[f"研究方向：{'、'.join(matched)}"]))
    results.sort(key=lambda match: -match.score)
    for position, match in enumerate(results[:limit], start=1):
        match.rank = position
    return results[:limit]


def rank_challenges_for_expert(expert: Expert, *, limit: int = 10) -> list[ChallengeMatch]:
    """Open challenges that fit an expert (为我推荐), best first."""
    results: list[ChallengeMatch] = []
    for challenge in Challenge.objects.filter(status=Challenge.Status.OPEN).exclude(
        enterprise_id=expert.organisation_id
    ):
        text = f"{challenge.title} {' '.join(challenge.keywords)} {challenge.description}"
        matched = [area for area in expert.research_areas if area and area in text]
        if matched:
            results.append(ChallengeMatch(challenge=challenge, score=min(1.0, 0.3 * len(matched)), rank=0,
                                          matched_areas=matched, reasons=[f"研究方向：{'、'.join(matched)}"]))
    results.sort(key=lambda match: -match.score)
    for position, match in enumerate(results[:limit], start=1):
        match.rank = position
    return results[:limit]


def match_position(*, expert: Expert, challenge: Challenge, limit: int = 50) -> MatchPosition | None:
    """Where the matcher ranks this expert for this challenge (None when outside the top `limit`)."""
    for match in rank_experts_for_challenge(challenge, limit=limit):
        if match.expert.pk == expert.pk:
            return MatchPosition(rank=match.rank, score=match.score)
    return None


def schedule_index_refresh(*, expert_ids: list[int]) -> None:
    """Ask for the experts' index rows to be rebuilt after the current transaction commits."""
    return None
