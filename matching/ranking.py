"""Scoring experts against challenges. Pure: texts and sparse arrays in, scores in [0, 1] out, deterministic.

One TF-IDF vocabulary (fitted on whole expert profiles) is shared by every field, so a challenge is encoded once and
compared with each field of each expert by cosine similarity. Each field is L2-normalised on its own, which is what
keeps a long profile from winning by length: a hundred papers make the achievements field no longer, only richer.
Achievements are compared one by one and pooled per expert (a mix of the best and the mean similarity), so one
highly relevant case counts even among many unrelated papers. The final score is a fixed weighted mean of the field
similarities over the fields the expert has filled in: an absolute fit, comparable across experts and challenges.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matching import text


@dataclass(frozen=True)
class Weights:
    # Expert side: how much each field's similarity counts in the final text fit.
    areas: float = 0.45
    achievements: float = 0.35
    bio: float = 0.10
    profile: float = 0.10  # the whole profile as one text: rewards evidence spread over several fields
    # Pooling of per-achievement similarities: share of the best one (the rest is the mean).
    achievement_max_share: float = 0.25
    # Challenge side: the title says what the problem is; the description adds the vocabulary around it.
    title: float = 0.30
    keywords: float = 0.20
    description: float = 0.50
    # CJK character n-gram range.
    n_min: int = text.CJK_NGRAM_MIN
    n_max: int = text.CJK_NGRAM_MAX
    # Pseudo-relevance feedback: the challenge is expanded with the centroid of its best-fitting profiles.
    feedback_experts: int = 0
    feedback_share: float = 0.0
    # Neighbour smoothing: an expert's fit is mixed with the fit of the experts whose profiles are most like theirs.
    neighbours: int = 5
    neighbour_share: float = 0.8
    # Profile similarity at which a neighbour counts in full; weaker neighbours count proportionally less.
    neighbour_full_similarity: float = 0.2


DEFAULT_WEIGHTS = Weights()


@dataclass
class ProfileText:
    research_areas: list[str] = field(default_factory=list)
    bio: str = ""
    achievements: list[str] = field(default_factory=list)  # title and abstract of each, joined

    @property
    def full_text(self) -> str:
        return "\n".join(["；".join(self.research_areas), self.bio, *self.achievements])


@dataclass
class ChallengeText:
    title: str = ""
    keywords: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class ExpertMatrix:
    """Every expert's fields as rows of L2-normalised TF-IDF matrices, in the order of the profiles given."""

    vectorizer: TfidfVectorizer
    weights: Weights
    areas: sparse.csr_matrix  # experts x vocabulary
    bio: sparse.csr_matrix
    profile: sparse.csr_matrix
    achievements: sparse.csr_matrix  # achievements x vocabulary, grouped by owner in expert order
    achievement_counts: np.ndarray  # per expert
    neighbours: sparse.csr_matrix | None = None  # experts x experts: top-k profile cosine similarities

    @property
    def size(self) -> int:
        return self.areas.shape[0]


def _analyzer(weights: Weights):
    return functools.partial(text.features, n_min=weights.n_min, n_max=weights.n_max)


def build_expert_matrix(profiles: Sequence[ProfileText], weights: Weights = DEFAULT_WEIGHTS) -> ExpertMatrix:
    """Fit the vocabulary on the profiles and encode every field. Linear in the size of the profiles."""
    vectorizer = TfidfVectorizer(analyzer=_analyzer(weights), sublinear_tf=True, norm="l2", dtype=np.float32)
    full_texts = [profile.full_text for profile in profiles]
    if any(text.features(doc) for doc in full_texts):
        profile_matrix = vectorizer.fit_transform(full_texts).tocsr()
    else:  # nothing to learn a vocabulary from: an empty, still usable index
        vectorizer.fit(["empty"])
        profile_matrix = None
    achievements = [item for profile in profiles for item in profile.achievements]

    def encode(documents: list[str]) -> sparse.csr_matrix:
        # scikit-learn refuses to transform zero documents; an empty pool is still a valid index.
        if not documents:
            return sparse.csr_matrix((0, len(vectorizer.vocabulary_)), dtype=np.float32)
        return vectorizer.transform(documents).tocsr()

    matrix = ExpertMatrix(
        vectorizer=vectorizer,
        weights=weights,
        areas=encode(["；".join(p.research_areas) for p in profiles]),
        bio=encode([p.bio for p in profiles]),
        profile=profile_matrix if profile_matrix is not None else encode(full_texts),
        achievements=encode(achievements),
        achievement_counts=np.array([len(p.achievements) for p in profiles], dtype=np.int64),
    )
    matrix.neighbours = neighbour_graph(matrix.profile, weights.neighbours)
    return matrix


def neighbour_graph(profile: sparse.csr_matrix, k: int, *, chunk: int = 2048) -> sparse.csr_matrix:
    """Each expert's k most similar other experts (by whole profile) with their cosine similarity.

    Computed in row chunks so memory stays bounded by chunk x experts, not experts squared.
    """
    n = profile.shape[0]
    k = min(k, n - 1)
    if k <= 0:
        return sparse.csr_matrix((n, n), dtype=np.float64)
    rows, cols, values = [], [], []
    transposed = profile.T.tocsc()
    for start in range(0, n, chunk):
        sims = (profile[start:start + chunk] @ transposed).toarray()
        block = np.arange(sims.shape[0])
        sims[block, start + block] = 0.0  # not one's own neighbour
        best = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        best_sims = np.take_along_axis(sims, best, axis=1)
        rows.append(np.repeat(start + block, k))
        cols.append(best.ravel())
        values.append(best_sims.ravel())
    graph = sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float64
    )
    graph.eliminate_zeros()
    return graph


def encode_challenges(matrix: ExpertMatrix, challenges: Sequence[ChallengeText]) -> sparse.csr_matrix:
    """One L2-normalised row per challenge: a weighted sum of its normalised title, keywords and description."""
    weights, vectorizer = matrix.weights, matrix.vectorizer
    combined = (
        weights.title * vectorizer.transform([c.title for c in challenges])
        + weights.keywords * vectorizer.transform(["；".join(c.keywords) for c in challenges])
        + weights.description * vectorizer.transform([c.description for c in challenges])
    )
    return normalize(sparse.csr_matrix(combined), norm="l2", copy=False)


def _pool_achievements(matrix: ExpertMatrix, queries: sparse.csr_matrix) -> np.ndarray:
    """Per query and expert: share * best + (1 - share) * mean achievement similarity (0 without achievements)."""
    counts = matrix.achievement_counts
    pooled = np.zeros((queries.shape[0], matrix.size), dtype=np.float64)
    if matrix.achievements.shape[0] == 0:
        return pooled
    sims = (queries @ matrix.achievements.T).toarray()
    has_any = counts > 0
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[has_any]
    best = np.maximum.reduceat(sims, starts, axis=1)
    mean = np.add.reduceat(sims, starts, axis=1) / counts[has_any]
    share = matrix.weights.achievement_max_share
    pooled[:, has_any] = share * best + (1.0 - share) * mean
    return pooled


def field_similarities(matrix: ExpertMatrix, queries: sparse.csr_matrix) -> dict[str, np.ndarray]:
    """Cosine similarity of every query with every expert, per field (queries x experts, each in [0, 1])."""
    return {
        "areas": (queries @ matrix.areas.T).toarray(),
        "achievements": _pool_achievements(matrix, queries),
        "bio": (queries @ matrix.bio.T).toarray(),
        "profile": (queries @ matrix.profile.T).toarray(),
    }


def combine(matrix: ExpertMatrix, similarities: dict[str, np.ndarray]) -> np.ndarray:
    """Fixed-weight mean over the fields each expert has filled in: an empty bio neither helps nor hurts."""
    weights = matrix.weights
    present = {
        "areas": matrix.areas.getnnz(axis=1) > 0,
        "achievements": matrix.achievement_counts > 0,
        "bio": matrix.bio.getnnz(axis=1) > 0,
        "profile": matrix.profile.getnnz(axis=1) > 0,
    }
    total = np.zeros_like(similarities["areas"])
    weight_sum = np.zeros(matrix.size, dtype=np.float64)
    for name, sims in similarities.items():
        weight = getattr(weights, name)
        total += weight * sims * present[name]
        weight_sum += weight * present[name]
    scores = np.divide(total, weight_sum, out=np.zeros_like(total), where=weight_sum > 0)
    return np.clip(scores, 0.0, 1.0)


def score_matrix(matrix: ExpertMatrix, challenges: Sequence[ChallengeText], *, chunk: int = 256) -> np.ndarray:
    """Text fit of every challenge with every expert (challenges x experts), computed in bounded-memory chunks."""
    out = np.zeros((len(challenges), matrix.size), dtype=np.float64)
    for start in range(0, len(challenges), chunk):
        queries = encode_challenges(matrix, challenges[start:start + chunk])
        scores = combine(matrix, field_similarities(matrix, queries))
        if matrix.weights.feedback_experts and matrix.weights.feedback_share and matrix.size:
            queries = expand_queries(matrix, queries, scores)
            scores = combine(matrix, field_similarities(matrix, queries))
        out[start:start + chunk] = smooth(matrix, scores)
    return out


def smooth(matrix: ExpertMatrix, scores: np.ndarray) -> np.ndarray:
    """Mix each expert's fit with the fit of their nearest profile neighbours.

    Experts of one field describe it with different words; a challenge that shares words with only some of them
    still lifts the others through their neighbours (the cluster hypothesis of retrieval). Each of the k
    neighbours takes at most share/k of the weight, scaled down when the neighbour is only weakly similar, so an
    isolated expert keeps their own score and an unrelated one cannot borrow a good fit. The result is a convex
    mix of scores in [0, 1], so it stays in [0, 1].
    """
    weights = matrix.weights
    if matrix.neighbours is None or not weights.neighbour_share or matrix.size == 0 or not weights.neighbours:
        return scores
    graph = matrix.neighbours.copy()
    graph.data = weights.neighbour_share * np.minimum(1.0, graph.data / weights.neighbour_full_similarity)
    graph.data /= weights.neighbours
    mass = np.asarray(graph.sum(axis=1)).ravel()
    mixed = (1.0 - mass) * scores + np.asarray((graph @ scores.T).T)
    return np.clip(mixed, 0.0, 1.0)


def expand_queries(matrix: ExpertMatrix, queries: sparse.csr_matrix, scores: np.ndarray) -> sparse.csr_matrix:
    """Rocchio-style feedback: mix each query with the centroid of the profiles of its best first-pass experts.

    The profiles that fit a problem best share its field's vocabulary beyond the words the enterprise happened to
    use (a "包装线" problem pulls in "码垛", "输送"), which lifts experts of the right field who phrase things
    differently. Bounded: the original query keeps most of the weight.
    """
    weights = matrix.weights
    m = min(weights.feedback_experts, matrix.size)
    best = np.argsort(-scores, axis=1, kind="stable")[:, :m]
    rows = np.repeat(np.arange(scores.shape[0]), m)
    selector = sparse.csr_matrix((np.full(rows.shape[0], 1.0 / m), (rows, best.ravel())),
                                 shape=(scores.shape[0], matrix.size))
    centroid = normalize(selector @ matrix.profile, norm="l2")
    mixed = (1.0 - weights.feedback_share) * queries + weights.feedback_share * centroid
    return normalize(sparse.csr_matrix(mixed), norm="l2")


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first; ties keep the original order (stable)."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else np.arange(scores.shape[0])
    return candidates[np.lexsort((candidates, -scores[candidates]))]
