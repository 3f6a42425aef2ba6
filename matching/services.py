"""The matcher as the site sees it: text fit from the expert index, then the rules and small bounded signals.

Rules (never shown): conflicts of interest, inactive or unavailable experts, experts at their claim limit, and for
the reverse direction challenges the expert may not claim or has already claimed. Signals (shown as reasons): serving
the challenge's industry chain, spare capacity, and a track record of accepted claims. They can add at most
SIGNAL_SHARE to a score, and only in proportion to the text fit, so they reorder good fits but never promote a
poor one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy import sparse

from challenges.models import Challenge, Claim
from challenges.services import expert_load_filter
from experts.models import ConflictOfInterest, Expert
from matching import ranking, semantic, text
from matching.index import get_index, load_profiles
from matching.models import ProfileChange, TextVector

logger = logging.getLogger(__name__)

TEXT_SHARE = 0.85
SIGNAL_SHARE = 1.0 - TEXT_SHARE
# Below this text fit a pair is not a match at all, whatever the signals.
MIN_TEXT_FIT = 0.02
# Text fit at which the signals count in full.
FULL_SIGNAL_FIT = 0.20
TRACK_RECORD_CAP = 5
REFRESH_DELAY_SECONDS = 2
TEAM_CANDIDATES = 30  # recommendations a team is chosen from
EMBED_BATCH = 500  # texts one embedding task encodes before handing the rest to a follow-up task
EMBED_REQUEST_SECONDS = 300  # a missing vector is asked for at most this often


@dataclass
class ExpertMatch:
    expert: Expert
    score: float  # absolute fit in [0, 1]
    rank: int  # 1-based
    matched_areas: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # human-readable, Chinese
    text_fit: float = 0.0


@dataclass
class ChallengeMatch:
    challenge: Challenge
    score: float
    rank: int
    matched_areas: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    text_fit: float = 0.0


@dataclass
class MatchPosition:
    rank: int
    score: float


def challenge_text(challenge: Challenge) -> ranking.ChallengeText:
    return ranking.ChallengeText(title=challenge.title, keywords=list(challenge.keywords or []),
                                 description=challenge.description)


def _plain_challenge_text(challenge: Challenge) -> str:
    return "\n".join([challenge.title, "；".join(challenge.keywords or []), challenge.description])


def _final_score(*, fit: float, serves_chain: bool, load: int, limit: int, accepted: int) -> float:
    capacity = max(0.0, 1.0 - load / limit) if limit else 0.0
    signals = (0.4 * serves_chain + 0.3 * capacity + 0.3 * min(accepted, TRACK_RECORD_CAP) / TRACK_RECORD_CAP)
    gate = min(1.0, fit / FULL_SIGNAL_FIT)
    return round(min(1.0, max(0.0, TEXT_SHARE * fit + SIGNAL_SHARE * gate * signals)), 4)


def _join(items: list[str]) -> str:
    # Translators: the separator between listed words or research areas in a match reason (English: ", ").
    return _("、").join(items)


def _reasons(*, areas: list[str], terms: list[str], serves_chain: bool, load: int, limit: int,
             accepted: int) -> list[str]:
    reasons = []
    if areas:
        reasons.append(_("研究方向匹配：%(areas)s") % {"areas": _join(areas)})
    elif terms:
        reasons.append(_("关键词匹配：%(terms)s") % {"terms": _join(terms)})
    if serves_chain:
        reasons.append(_("服务本产业链"))
    reasons.append(_("当前承接 %(load)s/%(limit)s 项") % {"load": load, "limit": limit})
    if accepted:
        reasons.append(_("已成功承接 %(count)s 项") % {"count": accepted})
    return reasons


def _profile_text(expert: Expert) -> ranking.ProfileText:
    return ranking.ProfileText(
        research_areas=[str(area) for area in expert.research_areas or []], bio=expert.bio or "",
        achievements=["\n".join(part for part in (item.title, item.abstract) if part)
                      for item in expert.achievements.all()],
    )


def _text_key(challenge: ranking.ChallengeText) -> str:
    return semantic.text_hash(challenge.full_text)


def _expert_text(expert: Expert) -> str:
    achievements = [item.title for item in expert.achievements.all()]
    return "\n".join(["；".join(expert.research_areas or []), expert.bio, *achievements])


def _annotated_experts(challenge: Challenge) -> QuerySet[Expert]:
    """Experts who may take this challenge now, with their load, track record and chain, in one query."""
    conflicts = ConflictOfInterest.objects.filter(expert_id=OuterRef("pk"), organisation_id=challenge.enterprise_id)
    serves = Expert.chains.through.objects.filter(expert_id=OuterRef("pk"), industrychain_id=challenge.chain_id)
    already_claimed = Claim.objects.filter(expert_id=OuterRef("pk"), challenge_id=challenge.pk,
                                           status__in=Claim.LIVE_STATUSES)
    return (
        Expert.objects.filter(is_active=True, is_available=True)
        .exclude(organisation_id=challenge.enterprise_id)
        .annotate(
            has_conflict=Exists(conflicts),
            serves_chain=Exists(serves),
            has_claimed=Exists(already_claimed),
            load=Count("claims", filter=expert_load_filter(), distinct=True),
            accepted_count=Count("claims", filter=Q(claims__status=Claim.Status.ACCEPTED), distinct=True),
        )
        .filter(has_conflict=False)
        # An expert who already claimed this challenge keeps their place (their rank is what was recorded);
        # others must have room for one more claim.
        .filter(Q(load__lt=F("max_active_claims")) | Q(has_claimed=True))
        .select_related("organisation")
        .prefetch_related("achievements")
    )


def rank_experts_for_challenge(challenge: Challenge, *, limit: int = 10) -> list[ExpertMatch]:
    """Experts who fit a challenge, best first, excluding conflicts of interest and unavailable experts."""
    index = get_index()
    if limit <= 0 or index.is_empty:
        return []
    # Take the best text fits first and widen only if rules removed too many: one query in the usual case.
    window = max(limit * 4, 50)
    fit, order = index.rank(index.encode(challenge_text(challenge)), window)
    while True:
        order = order[fit[order] >= MIN_TEXT_FIT]
        ids = [int(index.slot_ids[slot]) for slot in order]
        experts = {expert.pk: expert for expert in _annotated_experts(challenge).filter(pk__in=ids)}
        if len(experts) >= limit or window >= len(fit) or len(order) < window:
            break
        window *= 4
        order = ranking.top_k(fit, window)
    query = _plain_challenge_text(challenge)
    semantic_fit = _semantic_cosines(experts=list(experts.values()), challenges=[challenge])
    matches = []
    for column, expert in enumerate(experts.values()):
        slot = index.position.get(expert.pk)
        if slot is None:
            continue
        text_fit = float(fit[slot])
        if semantic_fit is not None:
            text_fit = float(ranking.fuse(np.array([text_fit]), semantic_fit[0, column:column + 1])[0])
        areas = text.matched_areas(expert.research_areas or [], query)
        terms = text.shared_terms(query, _expert_text(expert), limit=5)
        if not areas and not terms:
            continue  # nothing a person could read as a reason: not shown as a recommendation
        matches.append(ExpertMatch(
            expert=expert,
            score=_final_score(fit=text_fit, serves_chain=expert.serves_chain, load=expert.load,
                               limit=expert.max_active_claims, accepted=expert.accepted_count),
            rank=0, matched_areas=areas, matched_terms=terms, text_fit=round(text_fit, 4),
            reasons=_reasons(areas=areas, terms=terms, serves_chain=expert.serves_chain, load=expert.load,
                             limit=expert.max_active_claims, accepted=expert.accepted_count),
        ))
    matches.sort(key=lambda match: (-match.score, -match.text_fit, match.expert.pk))
    matches = matches[:limit]
    for position, match in enumerate(matches, start=1):
        match.rank = position
    return matches


def rank_challenges_for_expert(expert: Expert, *, limit: int = 10) -> list[ChallengeMatch]:
    """Open challenges that fit an expert (为我推荐), best first, leaving out ones they may not or did claim."""
    if limit <= 0 or not expert.is_active:
        return []
    index = get_index()
    if index.is_empty:
        return []
    conflicts = ConflictOfInterest.objects.filter(expert_id=expert.pk, organisation_id=OuterRef("enterprise_id"))
    claimed = Claim.objects.filter(expert_id=expert.pk, challenge_id=OuterRef("pk"), status__in=Claim.LIVE_STATUSES)
    challenges = list(
        Challenge.objects.filter(status=Challenge.Status.OPEN, deadline__gte=timezone.localdate())
        .exclude(enterprise_id=expert.organisation_id)
        .exclude(Exists(conflicts))
        .exclude(Exists(claimed))
        .select_related("enterprise", "chain")
    )
    if not challenges:
        return []
    # The expert's own row is encoded from their current profile (always fresh, a few milliseconds), with the
    # index's vocabulary; the open challenges are few compared with the experts.
    row = ranking.encode_profiles(index.vocabulary, [_profile_text(expert)], index.weights)
    texts = [challenge_text(c) for c in challenges]
    queries = ranking.encode_challenges(index.vocabulary, texts, index.weights)
    fit = ranking.score_rows(row, queries)[:, 0]
    if ranking.uses_feedback(index.weights) and index.rows is not None:
        # The same fit as in the other direction: each challenge's own feedback expansion (one scoring of the
        # pool per challenge, kept by the index until it changes).
        expansions, floors = zip(*(index.expansion(queries[i], key=_text_key(texts[i])) for i in range(len(texts))),
                                 strict=True)
        second = ranking.score_rows(row, sparse.vstack(expansions, format="csr"))[:, 0]
        second[fit < np.array(floors)] = 0.0  # outside that challenge's feedback window, as in the other direction
        fit = ranking.with_feedback(fit, second, index.weights)
    semantic_fit = _semantic_cosines(experts=[expert], challenges=challenges)
    if semantic_fit is not None:
        fit = ranking.fuse(fit, semantic_fit[:, 0])
    chain_ids = set(expert.chains.values_list("id", flat=True))
    counts = Expert.objects.filter(pk=expert.pk).aggregate(
        load=Count("claims", filter=expert_load_filter(), distinct=True),
        accepted=Count("claims", filter=Q(claims__status=Claim.Status.ACCEPTED), distinct=True),
    )
    profile_text = "\n".join(["；".join(expert.research_areas or []), expert.bio])
    matches = []
    for challenge, text_fit in zip(challenges, fit.tolist(), strict=True):
        if text_fit < MIN_TEXT_FIT:
            continue
        query = _plain_challenge_text(challenge)
        serves_chain = challenge.chain_id in chain_ids
        areas = text.matched_areas(expert.research_areas or [], query)
        terms = text.shared_terms(query, profile_text, limit=5)
        if not areas and not terms:
            continue
        matches.append(ChallengeMatch(
            challenge=challenge,
            score=_final_score(fit=text_fit, serves_chain=serves_chain, load=counts["load"],
                               limit=expert.max_active_claims, accepted=counts["accepted"]),
            rank=0, matched_areas=areas, matched_terms=terms, text_fit=round(text_fit, 4),
            reasons=_reasons(areas=areas, terms=terms, serves_chain=serves_chain, load=counts["load"],
                             limit=expert.max_active_claims, accepted=counts["accepted"]),
        ))
    matches.sort(key=lambda match: (-match.score, -match.text_fit, -match.challenge.pk))
    matches = matches[:limit]
    for position, match in enumerate(matches, start=1):
        match.rank = position
    return matches


def _semantic_cosines(*, experts: list[Expert], challenges: list[Challenge]) -> np.ndarray | None:
    """Stored sentence-vector cosines (challenges x experts) when every vector is present and computed from the
    current text; otherwise None (the ranking stays lexical) after asking the worker for the missing ones.
    Never computes a vector itself: that takes the CPU for a tenth of a second or more per text."""
    if not experts or not challenges or not semantic.is_enabled_for_site():
        return None
    wanted = {(TextVector.Kind.EXPERT, e.pk): semantic.text_hash(semantic.profile_passage(_profile_text(e)))
              for e in experts}
    wanted.update({(TextVector.Kind.CHALLENGE, c.pk): semantic.text_hash(semantic.challenge_query(challenge_text(c)))
                   for c in challenges})
    stored = TextVector.objects.filter(
        Q(kind=TextVector.Kind.EXPERT, object_id__in=[e.pk for e in experts])
        | Q(kind=TextVector.Kind.CHALLENGE, object_id__in=[c.pk for c in challenges])
    ).values_list("kind", "object_id", "source_hash", "vector")
    fresh = {(kind, object_id): semantic.from_bytes(vector) for kind, object_id, source_hash, vector in stored
             if wanted.get((kind, object_id)) == source_hash}
    missing = [key for key in wanted if key not in fresh]
    if missing:
        _request_vectors(expert_ids=[i for k, i in missing if k == TextVector.Kind.EXPERT],
                         challenge_ids=[i for k, i in missing if k == TextVector.Kind.CHALLENGE])
        return None
    expert_vectors = np.stack([fresh[(TextVector.Kind.EXPERT, e.pk)] for e in experts])
    challenge_vectors = np.stack([fresh[(TextVector.Kind.CHALLENGE, c.pk)] for c in challenges])
    return challenge_vectors @ expert_vectors.T


def _request_vectors(*, expert_ids: list[int], challenge_ids: list[int]) -> None:
    key = "matching:embed:" + semantic.text_hash(f"{sorted(expert_ids)}|{sorted(challenge_ids)}")
    if not cache.add(key, 1, EMBED_REQUEST_SECONDS):
        return  # asked recently: the worker is on it

    def enqueue() -> None:
        from matching.tasks import embed_vectors_task

        try:
            embed_vectors_task.delay(expert_ids=expert_ids, challenge_ids=challenge_ids)
        except Exception:
            logger.warning("could not enqueue the embedding of match vectors", exc_info=True)

    transaction.on_commit(enqueue)


@transaction.atomic
def embed_vectors(*, expert_ids: list[int] | None = None, challenge_ids: list[int] | None = None,
                  limit: int = EMBED_BATCH) -> int:
    """Compute and store sentence vectors whose text changed (all experts when expert_ids is None). Idempotent:
    texts whose stored vector is current are skipped. Returns how many are still stale beyond `limit`."""
    ids, profiles = load_profiles(expert_ids=expert_ids)
    texts = [(TextVector.Kind.EXPERT, i, semantic.profile_passage(p)) for i, p in zip(ids, profiles, strict=True)]
    for challenge in Challenge.objects.filter(pk__in=challenge_ids or []):
        texts.append((TextVector.Kind.CHALLENGE, challenge.pk, semantic.challenge_query(challenge_text(challenge))))
    stored = TextVector.objects.filter(model=semantic.MODEL_NAME)
    if expert_ids is not None:
        stored = stored.filter(object_id__in=[object_id for _, object_id, _ in texts])
    current = set(stored.values_list("kind", "object_id", "source_hash"))
    stale = [(kind, object_id, passage) for kind, object_id, passage in texts
             if (kind, object_id, semantic.text_hash(passage)) not in current]
    batch = stale[:limit]
    passages = [t for t in batch if t[0] == TextVector.Kind.EXPERT]
    queries = [t for t in batch if t[0] == TextVector.Kind.CHALLENGE]
    rows = []
    for group, vectors in ((passages, semantic.encode_passages([t[2] for t in passages]) if passages else []),
                           (queries, semantic.encode_queries([t[2] for t in queries]) if queries else [])):
        for (kind, object_id, passage), vector in zip(group, vectors, strict=True):
            rows.append(TextVector(kind=kind, object_id=object_id, model=semantic.MODEL_NAME,
                                   source_hash=semantic.text_hash(passage), vector=semantic.to_bytes(vector)))
    TextVector.objects.bulk_create(rows, update_conflicts=True, unique_fields=["kind", "object_id"],
                                   update_fields=["model", "source_hash", "vector", "updated_at"])
    return len(stale) - len(batch)


def suggest_team(challenge: Challenge, *, lead: Expert | None = None, size: int = 3) -> list[ExpertMatch]:
    """Experts who together cover a multi-field challenge's key words better than any one of them (greedy coverage).

    Candidates are the matcher's own recommendations, so conflicts of interest, unavailable and full experts are
    left out exactly as there. With a `lead` (the expert who claims), the team is built around what they already
    cover and only the co-claimants are returned. Each member's `matched_terms` are the key words they add, in the
    problem's order. An empty list means no team beats the best single expert (or the lead alone).
    """
    size = max(2, size)
    key = text.key_terms(f"{challenge.title}\n{'；'.join(challenge.keywords or [])}", challenge.description)
    if not key:
        return []
    candidates = [m for m in rank_experts_for_challenge(challenge, limit=TEAM_CANDIDATES)
                  if lead is None or m.expert.pk != lead.pk]
    coverage = {m.expert.pk: text.covered_terms(key, _expert_text(m.expert)) for m in candidates}
    covered = text.covered_terms(key, _expert_text(lead)) if lead is not None else set()
    team: list[ExpertMatch] = []
    def gain(match: ExpertMatch, covered: set[str]) -> tuple[int, float]:
        return sum(key[term] for term in coverage[match.expert.pk] - covered), match.score

    while len(team) + (lead is not None) < size:
        remaining = [m for m in candidates if m not in team]
        if not remaining:
            break
        best = max(remaining, key=lambda match: gain(match, covered))
        if gain(best, covered)[0] <= 0:
            break
        added = [term for term in key if term in coverage[best.expert.pk] - covered]
        covered |= coverage[best.expert.pk]
        best.matched_terms = added
        best.reasons = [_("补充关键词：%(terms)s") % {"terms": _join(added)}, *best.reasons]
        team.append(best)
    if lead is None and len(team) < 2:
        return []
    for position, match in enumerate(team, start=1):
        match.rank = position
    return team


def match_position(*, expert: Expert, challenge: Challenge, limit: int = 50) -> MatchPosition | None:
    """Where the matcher ranks this expert for this challenge (None when outside the top `limit`)."""
    for match in rank_experts_for_challenge(challenge, limit=limit):
        if match.expert.pk == expert.pk:
            return MatchPosition(rank=match.rank, score=match.score)
    return None


def schedule_index_refresh(*, expert_ids: list[int]) -> None:
    """Journal the edited experts (in the caller's transaction) and ask the worker to refresh the index on commit.

    The journal row is what makes the next ranking see the edit: a process re-encodes those experts itself when
    they are few, so rankings never wait for the worker; the task moves bigger patches and full rebuilds off the
    request path. A broker outage is therefore logged, not raised.
    """
    ProfileChange.objects.bulk_create([ProfileChange(expert_id=expert_id) for expert_id in set(expert_ids)])

    def enqueue() -> None:
        from matching.tasks import refresh_match_index_task

        try:
            # A short countdown lets a burst of edits be served by one refresh (the later tasks find it done).
            refresh_match_index_task.apply_async(countdown=REFRESH_DELAY_SECONDS)
        except Exception:  # the broker is down: rankings patch in-process, the nightly rebuild catches up
            logger.warning("could not enqueue the match index refresh", exc_info=True)
        if semantic.is_enabled_for_site():
            _request_vectors(expert_ids=list(expert_ids), challenge_ids=[])

    transaction.on_commit(enqueue)
