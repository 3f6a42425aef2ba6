"""Scoring experts against challenges. Pure: texts and sparse arrays in, scores in [0, 1] out, deterministic.

One TF-IDF vocabulary (sublinear tf, smoothed idf, fitted on whole expert profiles) is shared by every field. Each
field of an expert (research areas, bio, achievements, the whole profile) is L2-normalised on its own, which keeps a
long profile from winning by length: a hundred papers make the achievements field no longer, only richer.

Everything after the challenge's encoding is linear, so the fields are folded at build time into ONE row per expert:

    fit(q, e) = sum_f w_f * present_f(e) * cos(q, field_f(e)) / sum_f w_f * present_f(e)

is a single dot product q . row(e). Ranking 100,000 experts is then one sparse matrix-vector product over a term-major
("inverted") copy of those rows, plus a top-k selection; the index can be memory-mapped and patched row by row.
Achievements are pooled by their normalised sum ("centroid"): cos(q, sum a_i / |sum a_i|). For n achievements on
one topic that is their mean similarity; for one relevant case among n unrelated papers it is cos / sqrt(n), neither
drowned like a mean (cos / n) nor blind to focus like a max. A fit is a convex mix of cosines: an absolute fit in
[0, 1], comparable across experts for one challenge and across challenges for one expert.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from matching import text

FEATURE_DTYPE = np.float32
INDEX_DTYPE = np.int32
BUILD_CHUNK = 4096  # profiles encoded per chunk: bounds the memory of intermediate term counts


@dataclass(frozen=True)
class Weights:
    # Expert side: how much each field's similarity counts in the final text fit.
    areas: float = 0.45
    achievements: float = 0.35
    bio: float = 0.10
    profile: float = 0.10  # the whole profile as one text: rewards evidence spread over several fields
    # Pooling of achievements: "centroid" (normalised sum) or "mean" (mean of per-achievement cosines).
    pooling: str = "centroid"
    # Challenge side: the title says what the problem is; the description adds the vocabulary around it.
    title: float = 0.30
    keywords: float = 0.20
    description: float = 0.50
    # CJK character n-gram range.
    n_min: int = text.CJK_NGRAM_MIN
    n_max: int = text.CJK_NGRAM_MAX
    # Term weighting of expert fields: "cosine" (sublinear TF-IDF, each field L2-normalised) or "bm25" (each
    # field's term counts saturated with k1 and length-normalised with b against that field's average length).
    scheme: str = "cosine"
    k1: float = 1.2
    b: float = 0.75
    # Pseudo-relevance feedback on the challenge side (Rocchio, feedback experts weighted by their fit as in RM3):
    # the fit of the expansion (the `feedback_terms` heaviest terms of the challenge's `feedback_experts` best
    # experts) is mixed in with this share. 0 experts: off. Measured in docs/MATCHING.md.
    feedback_experts: int = 10
    feedback_terms: int = 30
    feedback_share: float = 0.2
    # Neighbour smoothing (measured, off by default: see docs/MATCHING.md). Kept for the measurement scripts.
    neighbours: int = 0
    neighbour_share: float = 0.8
    neighbour_full_similarity: float = 0.2


DEFAULT_WEIGHTS = Weights()


@dataclass
class ProfileText:
    research_areas: list[str] = field(default_factory=list)
    bio: str = ""
    achievements: list[str] = field(default_factory=list)  # title and abstract of each, joined

    @property
    def areas_text(self) -> str:
        return "；".join(self.research_areas)

    @property
    def full_text(self) -> str:
        return "\n".join([self.areas_text, self.bio, *self.achievements])


@dataclass
class ChallengeText:
    title: str = ""
    keywords: list[str] = field(default_factory=list)
    description: str = ""

    @property
    def full_text(self) -> str:
        return "\n".join([self.title, "；".join(self.keywords), self.description])


@dataclass
class Vocabulary:
    """Term -> column, and each column's idf. Fixed between full rebuilds (patches reuse it)."""

    terms: dict[str, int]
    idf: np.ndarray
    n_min: int = text.CJK_NGRAM_MIN
    n_max: int = text.CJK_NGRAM_MAX
    # Average length in tokens of each field kind (areas, bio, achievements, profile) over the profiles that have
    # it: BM25's length normalisation, fixed between full rebuilds like the idf.
    average_lengths: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)

    @property
    def size(self) -> int:
        return len(self.terms)

    def tokens(self, document: str) -> list[str]:
        return text.features(document, n_min=self.n_min, n_max=self.n_max)

    def counts(self, documents: Iterable[str]) -> sparse.csr_matrix:
        """Raw term counts of each document; terms outside the vocabulary are ignored."""
        lookup = self.terms.get
        return _count_rows(([i for i in map(lookup, self.tokens(d)) if i is not None] for d in documents),
                           self.size)

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Counts -> L2-normalised sublinear TF-IDF rows (an all-zero row stays zero)."""
        weighted = counts.astype(FEATURE_DTYPE, copy=True)
        weighted.data = (1.0 + np.log(weighted.data)) * self.idf[weighted.indices]
        return l2_rows(weighted)

    def transform(self, documents: Iterable[str]) -> sparse.csr_matrix:
        return self.weigh(self.counts(documents))


def _count_rows(id_lists: Iterable[list[int]], width: int) -> sparse.csr_matrix:
    """CSR term counts from lists of term ids (duplicates summed in C, not in Python)."""
    indices = array("i")
    lengths = array("q")
    for ids in id_lists:
        indices.extend(ids)
        lengths.append(len(ids))
    rows = np.repeat(np.arange(len(lengths), dtype=INDEX_DTYPE), np.frombuffer(lengths, dtype=np.int64))
    cols = np.frombuffer(indices, dtype=np.int32) if len(indices) else np.zeros(0, dtype=np.int32)
    matrix = sparse.csr_matrix((np.ones(len(cols), dtype=FEATURE_DTYPE), (rows, cols)),
                               shape=(len(lengths), width))
    matrix.sum_duplicates()
    return matrix


def l2_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale each row to unit length in place (zero rows stay zero); no input validation, so cheap per query."""
    matrix = sparse.csr_matrix(matrix, dtype=FEATURE_DTYPE)
    if matrix.nnz:
        squares = np.add.reduceat(matrix.data.astype(np.float64) ** 2, matrix.indptr[:-1].clip(max=matrix.nnz - 1))
        lengths = np.diff(matrix.indptr)
        norms = np.where(lengths > 0, np.sqrt(squares), 1.0)
        matrix.data /= np.repeat(norms, lengths).astype(FEATURE_DTYPE)
    return matrix


@dataclass
class ExpertMatrix:
    """Every expert's text fit as one row (experts x vocabulary) and its term-major copy for ranking."""

    vocabulary: Vocabulary
    weights: Weights
    rows: sparse.csr_matrix  # experts x vocabulary: the folded fields of each expert
    inverted: sparse.csr_matrix | None = None  # vocabulary x experts (rows transposed), built on demand
    neighbours: sparse.csr_matrix | None = None  # experts x experts, only when weights.neighbours > 0

    @property
    def size(self) -> int:
        return self.rows.shape[0]

    def term_major(self) -> sparse.csr_matrix:
        if self.inverted is None:
            self.inverted = self.rows.T.tocsr()
        return self.inverted


@dataclass
class _Pieces:
    """Term counts of every piece of text of some profiles (areas, bio, each achievement), and whose they are."""

    counts: sparse.csr_matrix  # pieces x vocabulary
    owner: np.ndarray  # profile row of each piece
    kind: np.ndarray  # 0 areas, 1 bio, 2 achievement
    profiles: int


def _split_pieces(profiles: Sequence[ProfileText]) -> tuple[list[str], np.ndarray, np.ndarray]:
    pieces: list[str] = []
    owner: list[int] = []
    kinds: list[int] = []
    for row, profile in enumerate(profiles):
        for kind, piece in ((0, profile.areas_text), (1, profile.bio), *((2, a) for a in profile.achievements)):
            if piece:
                pieces.append(piece)
                owner.append(row)
                kinds.append(kind)
    return pieces, np.array(owner, dtype=np.int64), np.array(kinds, dtype=np.int8)


def _count_pieces(vocabulary: Vocabulary, profiles: Sequence[ProfileText]) -> _Pieces:
    pieces, owner, kind = _split_pieces(profiles)
    return _Pieces(counts=vocabulary.counts(pieces), owner=owner, kind=kind, profiles=len(profiles))


def _group(pieces: _Pieces, mask: np.ndarray, values: sparse.csr_matrix) -> sparse.csr_matrix:
    """Sum of the selected pieces' rows per profile (profiles x vocabulary)."""
    selected = np.flatnonzero(mask)
    grouping = sparse.csr_matrix((np.ones(len(selected), dtype=FEATURE_DTYPE), (pieces.owner[selected], selected)),
                                 shape=(pieces.profiles, values.shape[0]))
    return sparse.csr_matrix(grouping @ values)


def fit_vocabulary(profiles: Sequence[ProfileText], weights: Weights = DEFAULT_WEIGHTS,
                   background: Iterable[str] = (),
                   ) -> tuple[Vocabulary, list[_Pieces]]:
    """Terms and document frequencies over whole profiles. Every piece of text is tokenised once, here; the counts
    are returned (in chunks of BUILD_CHUNK profiles) for encode_profiles to weigh without tokenising again.

    `background` documents (the challenges' texts) count towards the document frequencies only: a term's rarity
    is estimated over all the technical text at hand, not just the experts', which steadies the idf of a small
    pool and of the problem-description vocabulary. They add no terms (no expert could match those)."""
    terms: dict[str, int] = {}
    chunks: list[_Pieces] = []
    document_frequency = np.zeros(0, dtype=np.int64)
    for start in range(0, len(profiles), BUILD_CHUNK):
        pieces, owner, kind = _split_pieces(profiles[start:start + BUILD_CHUNK])
        id_lists = [[terms.setdefault(token, len(terms)) for token in
                     text.features(piece, n_min=weights.n_min, n_max=weights.n_max)] for piece in pieces]
        chunk = _Pieces(counts=_count_rows(id_lists, len(terms)), owner=owner, kind=kind,
                        profiles=min(BUILD_CHUNK, len(profiles) - start))
        chunks.append(chunk)
        profile_counts = _group(chunk, np.ones(len(pieces), dtype=bool), chunk.counts)
        if document_frequency.shape[0] < len(terms):
            document_frequency = np.pad(document_frequency, (0, len(terms) - document_frequency.shape[0]))
        document_frequency += np.bincount(profile_counts.indices, minlength=len(terms))
    length_sums, length_counts = np.zeros(4), np.zeros(4)
    for chunk in chunks:  # earlier chunks saw a smaller vocabulary: same columns, wider matrix
        chunk.counts.resize((chunk.counts.shape[0], len(terms)))
        lengths = _field_lengths(chunk)
        length_sums += lengths.sum(axis=0)
        length_counts += (lengths > 0).sum(axis=0)
    n = len(profiles)
    for document in background:
        seen = {terms[token] for token in text.features(document, n_min=weights.n_min, n_max=weights.n_max)
                if token in terms}
        if seen:
            document_frequency[np.fromiter(seen, dtype=np.int64, count=len(seen))] += 1
        n += 1
    idf = (np.log((1.0 + n) / (1.0 + document_frequency)) + 1.0).astype(FEATURE_DTYPE)
    averages = tuple(float(s / c) if c else 1.0 for s, c in zip(length_sums, length_counts, strict=True))
    return Vocabulary(terms=terms, idf=idf, n_min=weights.n_min, n_max=weights.n_max,
                      average_lengths=averages), chunks


def _field_lengths(pieces: _Pieces) -> np.ndarray:
    """Tokens per profile in each field kind: areas, bio, achievements, whole profile (profiles x 4)."""
    piece_lengths = np.asarray(pieces.counts.sum(axis=1)).ravel()
    lengths = np.zeros((pieces.profiles, 4))
    for kind in range(3):
        mask = pieces.kind == kind
        lengths[:, kind] = np.bincount(pieces.owner[mask], weights=piece_lengths[mask], minlength=pieces.profiles)
    lengths[:, 3] = lengths[:, :3].sum(axis=1)
    return lengths


def encode_profiles(vocabulary: Vocabulary, profiles: Sequence[ProfileText],
                    weights: Weights = DEFAULT_WEIGHTS, *, counted: list[_Pieces] | None = None,
                    ) -> sparse.csr_matrix:
    """Each profile's fields folded into one row (see the module docstring). Used by full builds and by patches."""
    if counted is None:
        counted = [_count_pieces(vocabulary, profiles[start:start + BUILD_CHUNK])
                   for start in range(0, len(profiles), BUILD_CHUNK)]
    blocks = [_fold(vocabulary, chunk, weights) for chunk in counted]
    if not blocks:
        return sparse.csr_matrix((0, vocabulary.size), dtype=FEATURE_DTYPE)
    return sparse.vstack(blocks, format="csr", dtype=FEATURE_DTYPE)


def _saturate(counts: sparse.csr_matrix, lengths: np.ndarray, average: float, weights: Weights,
              ) -> sparse.csr_matrix:
    """BM25's term-frequency saturation with length normalisation, scaled to [0, 1): tf / (tf + k1 * L), where
    L = 1 - b + b * length / average length of this field."""
    saturated = sparse.csr_matrix(counts, dtype=FEATURE_DTYPE, copy=True)
    norm = weights.k1 * (1.0 - weights.b + weights.b * lengths / max(average, 1e-9))
    per_entry = np.repeat(norm, np.diff(saturated.indptr)).astype(FEATURE_DTYPE)
    saturated.data = saturated.data / (saturated.data + per_entry)
    return saturated


def _fold_bm25(vocabulary: Vocabulary, pieces: _Pieces, weights: Weights) -> list[sparse.csr_matrix]:
    """Per-field saturated term frequencies (achievements as one concatenated field): no idf here, the query
    carries it, as in BM25."""
    lengths = _field_lengths(pieces)
    everything = np.ones(len(pieces.owner), dtype=bool)
    masks = (pieces.kind == 0, pieces.kind == 1, pieces.kind == 2, everything)
    return [_saturate(_group(pieces, mask, pieces.counts), lengths[:, kind], vocabulary.average_lengths[kind],
                      weights) for kind, mask in enumerate(masks)]


def _fold(vocabulary: Vocabulary, pieces: _Pieces, weights: Weights) -> sparse.csr_matrix:
    n = pieces.profiles
    if weights.scheme == "bm25":
        areas, bio, achievements, profile = _fold_bm25(vocabulary, pieces, weights)
        return _mix_fields(vocabulary, weights, n, areas=areas, bio=bio, achievements=achievements, profile=profile)
    piece_vectors = vocabulary.weigh(pieces.counts)
    areas = _group(pieces, pieces.kind == 0, piece_vectors)
    bio = _group(pieces, pieces.kind == 1, piece_vectors)
    achievement_sum = _group(pieces, pieces.kind == 2, piece_vectors)
    if weights.pooling == "mean":
        count = np.bincount(pieces.owner[pieces.kind == 2], minlength=n).astype(FEATURE_DTYPE)
        achievements = sparse.csr_matrix(sparse.diags(1.0 / np.maximum(count, 1.0)) @ achievement_sum)
    else:
        achievements = l2_rows(achievement_sum)
    profile = vocabulary.weigh(_group(pieces, np.ones(len(pieces.owner), dtype=bool), pieces.counts))
    return _mix_fields(vocabulary, weights, n, areas=areas, bio=bio, achievements=achievements, profile=profile)


def _mix_fields(vocabulary: Vocabulary, weights: Weights, n: int, *, areas: sparse.csr_matrix,
                bio: sparse.csr_matrix, achievements: sparse.csr_matrix, profile: sparse.csr_matrix,
                ) -> sparse.csr_matrix:
    """A convex mix of the fields each expert filled in."""
    fields = ((weights.areas, areas), (weights.bio, bio), (weights.achievements, achievements),
              (weights.profile, profile))
    weight_sum = np.zeros(n, dtype=np.float64)
    total = sparse.csr_matrix((n, vocabulary.size), dtype=FEATURE_DTYPE)
    for weight, matrix in fields:
        weight_sum += weight * (matrix.getnnz(axis=1) > 0)
        total = total + weight * matrix
    scale = np.divide(1.0, weight_sum, out=np.zeros_like(weight_sum), where=weight_sum > 0)
    folded = sparse.csr_matrix(sparse.diags(scale.astype(FEATURE_DTYPE)) @ total, dtype=FEATURE_DTYPE)
    folded.sort_indices()
    return folded


def build_expert_matrix(profiles: Sequence[ProfileText], weights: Weights = DEFAULT_WEIGHTS, *,
                        background: Iterable[str] = ()) -> ExpertMatrix:
    """Fit the vocabulary on the profiles (document frequencies also over `background` texts: the challenges) and
    encode every expert. Linear in the size of the profiles."""
    vocabulary, counted = fit_vocabulary(profiles, weights, background)
    rows = encode_profiles(vocabulary, profiles, weights, counted=counted)
    matrix = ExpertMatrix(vocabulary=vocabulary, weights=weights, rows=rows)
    if weights.neighbours:
        matrix.neighbours = neighbour_graph(encode_whole_profiles(vocabulary, profiles), weights.neighbours)
    return matrix


def encode_whole_profiles(vocabulary: Vocabulary, profiles: Sequence[ProfileText]) -> sparse.csr_matrix:
    return vocabulary.transform(profile.full_text for profile in profiles)


def encode_challenges(vocabulary: Vocabulary, challenges: Sequence[ChallengeText],
                      weights: Weights = DEFAULT_WEIGHTS) -> sparse.csr_matrix:
    """One L2-normalised row per challenge: a weighted sum of its normalised title, keywords and description."""
    # All fields in one pass (title, keywords, description of each challenge in turn), then mixed by one product.
    fields = vocabulary.transform(part for c in challenges for part in (c.title, "；".join(c.keywords), c.description))
    mixing = sparse.csr_matrix(
        (np.tile(np.array([weights.title, weights.keywords, weights.description], dtype=FEATURE_DTYPE),
                 len(challenges)), np.arange(3 * len(challenges)), np.arange(0, 3 * len(challenges) + 1, 3)),
        shape=(len(challenges), 3 * len(challenges)))
    combined = mixing @ fields
    # Cosine: unit length against unit-length fields. BM25: weights summing to 1 against saturated frequencies
    # in [0, 1), so a fit is the idf-weighted share of the challenge's terms the expert covers.
    return l1_rows(combined) if weights.scheme == "bm25" else l2_rows(combined)


def l1_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale each row of non-negative weights to sum 1 (zero rows stay zero)."""
    matrix = sparse.csr_matrix(matrix, dtype=FEATURE_DTYPE)
    if matrix.nnz:
        sums = np.add.reduceat(matrix.data.astype(np.float64), matrix.indptr[:-1].clip(max=matrix.nnz - 1))
        lengths = np.diff(matrix.indptr)
        sums = np.where((lengths > 0) & (sums > 0), sums, 1.0)
        matrix.data /= np.repeat(sums, lengths).astype(FEATURE_DTYPE)
    return matrix


def feedback_expansion(vocabulary: Vocabulary, rows: sparse.csr_matrix, scores: np.ndarray, weights: Weights,
                       ) -> sparse.csr_matrix:
    """Pseudo-relevance feedback (Rocchio, with the feedback experts weighted by their first-pass fit as in RM3):
    the fit-weighted centroid of a challenge's best expert rows (`rows`, their first-pass `scores`), cut to its
    `feedback_terms` heaviest terms and normalised like a query. 1 x vocabulary; empty when nothing fits."""
    total = float(np.sum(scores))
    if rows.shape[0] == 0 or total <= 0.0:
        return sparse.csr_matrix((1, vocabulary.size), dtype=FEATURE_DTYPE)
    share = sparse.csr_matrix(np.asarray(scores, dtype=FEATURE_DTYPE).reshape(1, -1) / total)
    centroid = sparse.csr_matrix(share @ rows, dtype=FEATURE_DTYPE)
    if weights.scheme == "bm25":
        centroid = sparse.csr_matrix(centroid @ sparse.diags(vocabulary.idf), dtype=FEATURE_DTYPE)
    centroid = _keep_heaviest(centroid, weights.feedback_terms)
    return l1_rows(centroid) if weights.scheme == "bm25" else l2_rows(centroid)


# Feedback re-ranks the first pass's best experts (as PRF is used in IR: a second look at the top of the list), so
# its cost does not grow with the pool: experts outside this window keep their own fit, scaled like everyone's.
FEEDBACK_WINDOW = 200


def feedback_window(first: np.ndarray) -> np.ndarray:
    """The slots whose fit the expansion may raise: the first pass's FEEDBACK_WINDOW best (all for a small pool)."""
    if first.shape[0] <= FEEDBACK_WINDOW:
        return np.arange(first.shape[0])
    return np.argpartition(-first, FEEDBACK_WINDOW - 1)[:FEEDBACK_WINDOW]


def dot_rows(rows: sparse.csr_matrix, query: sparse.csr_matrix) -> np.ndarray:
    """rows . query for a short query (1 x vocabulary): each stored entry looks its term's query weight up in a
    dense table, so neither side is transposed (a sparse product would transpose the rows first)."""
    lookup = np.zeros(rows.shape[1], dtype=np.float32)
    lookup[query.indices] = query.data
    if rows.nnz == 0:
        return np.zeros(rows.shape[0], dtype=np.float32)
    products = np.asarray(rows.data) * lookup[np.asarray(rows.indices)]
    indptr = np.asarray(rows.indptr)
    sums = np.add.reduceat(products, indptr[:-1].clip(max=rows.nnz - 1))
    return np.where(np.diff(indptr) > 0, sums, np.float32(0.0)).astype(np.float32)


def with_feedback(first: np.ndarray, second: np.ndarray, weights: Weights) -> np.ndarray:
    """The final fit: the challenge's own fit mixed with the fit of its expansion (both in [0, 1])."""
    return (1.0 - weights.feedback_share) * first + weights.feedback_share * second


def uses_feedback(weights: Weights) -> bool:
    return weights.feedback_experts > 0 and weights.feedback_share > 0.0


def _keep_heaviest(matrix: sparse.csr_matrix, count: int) -> sparse.csr_matrix:
    """A one-row matrix cut to its `count` largest entries (ties: lower column first), columns in order."""
    matrix = sparse.csr_matrix(matrix)
    matrix.sort_indices()
    if matrix.nnz > count:
        keep = np.sort(top_k(matrix.data, count))
        matrix = sparse.csr_matrix((matrix.data[keep], matrix.indices[keep], [0, len(keep)]), shape=matrix.shape,
                                   dtype=FEATURE_DTYPE)
    return matrix


def score_rows(rows: sparse.csr_matrix, queries: sparse.csr_matrix) -> np.ndarray:
    """Text fit of each query with each expert row (queries x experts), clipped to [0, 1] against rounding."""
    return np.clip((queries @ rows.T).toarray().astype(np.float64), 0.0, 1.0)


def score_inverted(inverted: sparse.csr_matrix, query: sparse.csr_matrix) -> np.ndarray:
    """Fit of one encoded query (1 x vocabulary) with every expert through the term-major matrix: scipy's sparse
    product touches only the query's posting lists, so the cost follows the query's terms."""
    return (query @ inverted).toarray().ravel()


def score_vector(inverted: sparse.csr_matrix, query: sparse.csr_matrix) -> np.ndarray:
    """Fit of one encoded query with every expert through the term-major matrix: only the query's posting lists
    are touched, so the cost follows the query's terms, not the size of the index."""
    scores = np.zeros(inverted.shape[1], dtype=np.float32)
    indptr, indices, data = inverted.indptr, inverted.indices, inverted.data
    for term, weight in zip(query.indices.tolist(), query.data.tolist(), strict=True):
        start, end = indptr[term], indptr[term + 1]
        if end > start:
            scores[indices[start:end]] += weight * data[start:end]
    return scores


def score_matrix(matrix: ExpertMatrix, challenges: Sequence[ChallengeText], *, chunk: int = 256) -> np.ndarray:
    """Text fit of every challenge with every expert (challenges x experts), in bounded-memory chunks."""
    out = np.zeros((len(challenges), matrix.size), dtype=np.float64)
    for start in range(0, len(challenges), chunk):
        queries = encode_challenges(matrix.vocabulary, challenges[start:start + chunk], matrix.weights)
        scores = score_rows(matrix.rows, queries)
        if uses_feedback(matrix.weights):
            expansions = []
            for row in scores:
                best = top_k(row, matrix.weights.feedback_experts)
                expansions.append(feedback_expansion(matrix.vocabulary, matrix.rows[best], row[best], matrix.weights))
            second = score_rows(matrix.rows, sparse.vstack(expansions, format="csr"))
            for row, first in enumerate(scores):  # as on the site: only the first pass's best are re-ranked
                outside = np.ones(first.shape[0], dtype=bool)
                outside[feedback_window(first)] = False
                second[row, outside] = 0.0
            scores = with_feedback(scores, second, matrix.weights)
        out[start:start + chunk] = smooth(matrix, scores)
    return out


def neighbour_graph(profile: sparse.csr_matrix, k: int, *, chunk: int = 1024) -> sparse.csr_matrix:
    """Each expert's k most similar other experts (by whole profile) with their cosine similarity (quadratic: for
    measurement at dev-set scale, not for the 100,000-expert index)."""
    n = profile.shape[0]
    k = min(k, n - 1)
    if k <= 0:
        return sparse.csr_matrix((n, n), dtype=np.float64)
    rows, cols, values = [], [], []
    transposed = profile.T.tocsc()
    for start in range(0, n, chunk):
        sims = (profile[start:start + chunk] @ transposed).toarray()
        block = np.arange(sims.shape[0])
        sims[block, start + block] = 0.0
        best = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        rows.append(np.repeat(start + block, k))
        cols.append(best.ravel())
        values.append(np.take_along_axis(sims, best, axis=1).ravel())
    graph = sparse.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    graph.eliminate_zeros()
    return graph


def smooth(matrix: ExpertMatrix, scores: np.ndarray) -> np.ndarray:
    """Mix each expert's fit with that of their nearest profile neighbours (off by default; see docs/MATCHING.md)."""
    weights = matrix.weights
    if matrix.neighbours is None or not weights.neighbours or not weights.neighbour_share or matrix.size == 0:
        return scores
    graph = matrix.neighbours.copy()
    graph.data = weights.neighbour_share * np.minimum(1.0, graph.data / weights.neighbour_full_similarity)
    graph.data /= weights.neighbours
    mass = np.asarray(graph.sum(axis=1)).ravel()
    mixed = (1.0 - mass) * scores + np.asarray((graph @ scores.T).T)
    return np.clip(mixed, 0.0, 1.0)


# Semantic channel (matching/semantic.py): e5 cosines of unrelated technical texts sit around 0.70-0.80, so they
# are mapped to [0, 1] from this floor before being mixed with the lexical fit.
SEMANTIC_FLOOR = 0.70
SEMANTIC_SHARE = 0.5


def fuse(lexical: np.ndarray, cosines: np.ndarray, share: float = SEMANTIC_SHARE) -> np.ndarray:
    """Mix the lexical fit with calibrated sentence-vector cosines: still an absolute fit in [0, 1]."""
    semantic = np.clip((cosines - SEMANTIC_FLOOR) / (1.0 - SEMANTIC_FLOOR), 0.0, 1.0)
    return np.clip((1.0 - share) * lexical + share * semantic, 0.0, 1.0)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first; ties keep the original order (stable)."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else np.arange(scores.shape[0])
    return candidates[np.lexsort((candidates, -scores[candidates]))]
