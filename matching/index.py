"""The expert index: built from the database, persisted under MATCH_INDEX_DIR, shared by every process.

Layout (one folder per database, so test databases and the site never read each other's files):

    MATCH_INDEX_DIR/<database>/CURRENT              name of the current base build (replaced atomically)
    MATCH_INDEX_DIR/<database>/base-<stamp>/        a full build: term-major matrix as .npy arrays (memory-mapped,
                                                    so several gunicorn workers share one copy in the page cache),
                                                    expert ids, vocabulary, and the pool state it was built from
    MATCH_INDEX_DIR/<database>/base-<stamp>/patch-<state>.joblib   rows of experts changed since (small)

Freshness without scanning 100,000 experts: the pool state is read in ONE query (latest expert id, latest
achievement id, row count and latest id of the ProfileChange journal). When it differs from what a process holds:
- a newer base named by CURRENT is loaded (lazily, memory-mapped);
- the experts changed since that base are re-encoded with its fixed vocabulary and their rows replaced (a patch):
  in-process when they are few (milliseconds), else from the patch file the worker wrote, else the stale index is
  served while the worker (refresh_match_index_task, debounced) patches or rebuilds;
- nothing is ever rebuilt from scratch inside a request, except a small pool (INLINE_BUILD_LIMIT experts: the demo,
  tests) that has no usable build at all.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from django.conf import settings
from django.db import connection
from scipy import sparse

from experts.models import Achievement, Expert
from matching import ranking
from matching.models import ProfileChange

logger = logging.getLogger(__name__)

FORMAT_VERSION = 3  # bump when the stored layout or the ranking's features change
INLINE_BUILD_LIMIT = 2_000  # a pool up to this size may be built inside a request when no build fits it (~1 s)
INLINE_PATCH_LIMIT = 200  # changed experts a process re-encodes itself instead of waiting for the worker
FULL_REBUILD_SHARE = 0.05  # the worker rebuilds from scratch once patches cover this share of the pool
PATCH_FLOOR = 1_000  # ... and never for fewer changed experts than this (a patch of 1,000 rows takes ~1 s)
STALE_BUILD_SECONDS = 3600  # superseded builds older than this are removed (a slow reader may still map them)


@dataclass(frozen=True)
class PoolState:
    """What the index must reflect; compared on every ranking call (one query)."""

    expert_top: int
    achievement_top: int
    change_top: int
    change_count: int

    @property
    def key(self) -> str:
        return f"{self.expert_top}-{self.achievement_top}-{self.change_top}-{self.change_count}"

    def is_reflected_by(self, base: PoolState) -> bool:
        """True when a base built at `base` already holds every expert: nothing added since, journal empty
        (a full build prunes the journal rows it saw)."""
        return (self.expert_top == base.expert_top and self.achievement_top == base.achievement_top
                and self.change_count == 0)


@dataclass
class ExpertIndex:
    """A base build plus the rows of experts changed since; scores are over 'slots' (base rows, then patch rows)."""

    vocabulary: ranking.Vocabulary
    inverted: sparse.csr_matrix  # vocabulary x base experts (memory-mapped arrays when loaded from disk)
    base_ids: np.ndarray
    base_state: PoolState
    base_name: str
    state: PoolState
    weights: ranking.Weights = ranking.DEFAULT_WEIGHTS
    patch_rows: sparse.csr_matrix | None = None  # changed experts x vocabulary
    patch_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    masked: np.ndarray | None = None  # base rows superseded by a patch row or deleted
    built_at: float = field(default_factory=time.time)
    rows: sparse.csr_matrix | None = None  # base experts x vocabulary (memory-mapped): the feedback experts' terms

    def __post_init__(self) -> None:
        self.slot_ids = np.concatenate([self.base_ids, self.patch_ids]).astype(np.int64)
        self.position = {int(expert_id): slot for slot, expert_id in enumerate(self.base_ids.tolist())}
        if self.masked is not None:
            for row in np.flatnonzero(self.masked).tolist():
                self.position.pop(int(self.base_ids[row]), None)
        offset = len(self.base_ids)
        for slot, expert_id in enumerate(self.patch_ids.tolist()):
            self.position[int(expert_id)] = offset + slot
        self._expansions: dict[str, tuple[sparse.csr_matrix, float]] = {}  # challenge text -> expansion, floor

    @property
    def size(self) -> int:
        return len(self.slot_ids)

    @property
    def is_empty(self) -> bool:
        return not self.position

    def score(self, query: sparse.csr_matrix, *, clip: bool = True) -> np.ndarray:
        """First-pass text fit of one encoded challenge with every slot (masked base rows score 0)."""
        scores = ranking.score_inverted(self.inverted, query)
        if self.masked is not None:
            scores[self.masked] = 0.0
        if self.patch_rows is not None and self.patch_rows.shape[0]:
            scores = np.concatenate([scores, ranking.score_rows(self.patch_rows, query)[0].astype(np.float32)])
        return np.clip(scores, 0.0, 1.0, out=scores) if clip else scores

    def encode(self, challenge: ranking.ChallengeText) -> sparse.csr_matrix:
        return ranking.encode_challenges(self.vocabulary, [challenge], self.weights)

    def fit(self, query: sparse.csr_matrix) -> np.ndarray:
        """The text fit of one encoded challenge with every slot, pseudo-relevance feedback included: the same
        number score_pairs gives (ranking.score_matrix)."""
        return self.rank(query, 0)[0]

    def rank(self, query: sparse.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The fit with every slot and the k best slots, best first (ties by slot, as ranking.top_k). With feedback,
        a k within the feedback window is taken from the window alone: outside it a fit is at most
        (1 - share) x the window's lowest first-pass fit, below every fit inside, so no second pass over the pool."""
        if not ranking.uses_feedback(self.weights) or self.rows is None:
            first = self.score(query)
            return first, ranking.top_k(first, k)
        first = self.score(query, clip=False)  # fits are at most 1 + rounding; scaled below 1 by the mix
        window = ranking.feedback_window(first)
        order = window[np.lexsort((window, -first[window]))]  # best first, ties by slot: as ranking.top_k
        best = (order[:self.weights.feedback_experts] if len(order) >= self.weights.feedback_experts
                else ranking.top_k(first, self.weights.feedback_experts))  # a window narrower than the feedback
        expansion = ranking.feedback_expansion(self.vocabulary, self._rows(best), first[best], self.weights)
        # Outside the window the expansion's fit counts as 0: only the window's rows are read, in place.
        fit = first
        fit *= np.float32(1.0 - self.weights.feedback_share)
        if expansion.nnz:
            second = ranking.dot_rows(self._rows(window), expansion)
            fit[window] = np.clip(fit[window] + self.weights.feedback_share * second, 0.0, 1.0)
        if k > len(window):
            return fit, ranking.top_k(fit, k)
        return fit, window[np.lexsort((window, -fit[window]))][:k]

    def expansion(self, query: sparse.csr_matrix, *, key: str) -> tuple[sparse.csr_matrix, float]:
        """The feedback expansion of an encoded challenge and the lowest first-pass fit its window holds (needs its
        fit with every expert: one scoring), kept per challenge text for the life of this index state (the reverse
        direction asks for many challenges)."""
        if key not in self._expansions:
            if len(self._expansions) >= 4096:
                self._expansions.clear()
            first = self.score(query)
            window = ranking.feedback_window(first)
            best = ranking.top_k(first, self.weights.feedback_experts)
            floor = float(first[window].min()) if len(window) < len(first) else 0.0
            self._expansions[key] = (
                ranking.feedback_expansion(self.vocabulary, self._rows(best), first[best], self.weights), floor)
        return self._expansions[key]

    def _rows(self, slots: np.ndarray) -> sparse.csr_matrix:
        """Row-major rows of some slots (base rows from the memory-mapped copy, then patch rows)."""
        base_count = len(self.base_ids)
        in_base = slots[slots < base_count]
        parts = [self.rows[in_base]] if len(in_base) else []
        if len(in_base) < len(slots):
            parts.append(self.patch_rows[slots[slots >= base_count] - base_count])
        if not parts:
            return sparse.csr_matrix((0, self.vocabulary.size), dtype=ranking.FEATURE_DTYPE)
        rows = sparse.vstack(parts, format="csr") if len(parts) > 1 else parts[0]
        if len(in_base) and len(in_base) < len(slots):  # back to the order asked for
            rows = rows[np.argsort(np.argsort(np.concatenate([np.flatnonzero(slots < base_count),
                                                              np.flatnonzero(slots >= base_count)])))]
        return rows


_lock = threading.Lock()
_loaded: ExpertIndex | None = None


def read_pool_state() -> PoolState:
    """One query; every part is an index lookup or a count over the (small) change journal."""
    experts, achievements, changes = Expert._meta.db_table, Achievement._meta.db_table, ProfileChange._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {quote(experts)}), (SELECT MAX(id) FROM {quote(achievements)}), "
            f"(SELECT MAX(id) FROM {quote(changes)}), (SELECT COUNT(*) FROM {quote(changes)})"
        )
        row = cursor.fetchone()
    return PoolState(*(int(value or 0) for value in row))


_identities: dict[str, str] = {}


def _database_identity() -> str:
    """Tells a recreated database from its predecessor of the same name (ids restart, so old builds must not be
    reused): PostgreSQL's database oid, SQLite's file inode. Read once per process."""
    database = connection.settings_dict
    name = "|".join(str(database.get(part) or "") for part in ("ENGINE", "HOST", "PORT", "NAME"))
    if name not in _identities:
        identity = ""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
                identity = str(cursor.fetchone()[0])
        elif connection.vendor == "sqlite":
            try:
                identity = str(os.stat(database["NAME"]).st_ino)
            except (OSError, TypeError):
                identity = str(os.getpid())  # in-memory database: private to this process
        _identities[name] = f"{name}|{identity}"
    return _identities[name]


def database_dir() -> Path:
    return Path(settings.MATCH_INDEX_DIR) / hashlib.sha256(_database_identity().encode()).hexdigest()[:16]


# ----------------------------------------------------------------------------------------------- reading profiles


def load_profiles(
    *, expert_ids: Iterable[int] | None = None, progress: Callable[[Iterable], Iterable] | None = None,
) -> tuple[list[int], list[ranking.ProfileText]]:
    """Experts' texts in id order, in two queries (profiles, then achievements streamed in owner order)."""
    ids: list[int] = []
    profiles: list[ranking.ProfileText] = []
    position: dict[int, int] = {}
    experts = Expert.objects.order_by("id")
    achievements = Achievement.objects.order_by("expert_id", "id")
    if expert_ids is not None:
        wanted = sorted(set(expert_ids))
        experts, achievements = experts.filter(id__in=wanted), achievements.filter(expert_id__in=wanted)
    rows = experts.values_list("id", "research_areas", "bio").iterator(chunk_size=5000)
    for expert_id, areas, bio in (progress(rows) if progress else rows):
        position[expert_id] = len(ids)
        ids.append(expert_id)
        profiles.append(ranking.ProfileText(research_areas=[str(a) for a in areas or []], bio=bio or ""))
    for expert_id, title, abstract in achievements.values_list("expert_id", "title", "abstract").iterator(
            chunk_size=5000):
        row = position.get(expert_id)
        if row is not None:
            profiles[row].achievements.append("\n".join(part for part in (title, abstract) if part))
    return ids, profiles


def load_challenge_texts() -> list[str]:
    """Every posted challenge's text: background documents for the idf (see ranking.fit_vocabulary)."""
    from challenges.models import Challenge

    return ["\n".join([title, "；".join(keywords or []), description]) for title, keywords, description in
            Challenge.objects.values_list("title", "keywords", "description").iterator(chunk_size=5000)]


def changed_expert_ids(base_state: PoolState) -> set[int]:
    """Experts whose rows differ from a base: journalled edits, plus experts and achievements added since (rows
    created without the services, e.g. fixtures, are still seen)."""
    changed = set(ProfileChange.objects.values_list("expert_id", flat=True))
    changed.update(Expert.objects.filter(id__gt=base_state.expert_top).values_list("id", flat=True))
    changed.update(Achievement.objects.filter(id__gt=base_state.achievement_top).values_list("expert_id", flat=True))
    return changed


# ----------------------------------------------------------------------------------------------- full builds


def build_base(*, progress: Callable | None = None) -> tuple[ExpertIndex, list[int]]:
    """A full build of the pool as it is now; also returns the journal rows it covers (to prune after saving)."""
    state = read_pool_state()
    covered = list(ProfileChange.objects.filter(id__lte=state.change_top).values_list("id", flat=True))
    ids, profiles = load_profiles(progress=progress)
    matrix = ranking.build_expert_matrix(profiles, background=load_challenge_texts())
    index = ExpertIndex(vocabulary=matrix.vocabulary, inverted=matrix.term_major(),
                        base_ids=np.array(ids, dtype=np.int64), base_state=state, base_name="", state=state,
                        rows=matrix.rows)
    return index, covered


def save_base(index: ExpertIndex) -> Path:
    """Write the build into a new folder, then point CURRENT at it (both atomic renames)."""
    root = database_dir()
    root.mkdir(parents=True, exist_ok=True)
    name = f"base-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
    temporary = Path(tempfile.mkdtemp(dir=root, prefix=".building-"))
    try:
        for part in ("data", "indices", "indptr"):
            np.save(temporary / f"inverted.{part}.npy", getattr(index.inverted, part))
            np.save(temporary / f"rows.{part}.npy", getattr(index.rows, part))
        np.save(temporary / "expert_ids.npy", index.base_ids)
        joblib.dump(index.vocabulary, temporary / "vocabulary.joblib")
        (temporary / "meta.json").write_text(json.dumps({
            "format": FORMAT_VERSION, "state": index.base_state.__dict__, "shape": list(index.inverted.shape),
            "built_at": index.built_at,
        }))
        os.replace(temporary, root / name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    _write_atomically(root / "CURRENT", name)
    index.base_name = name
    _remove_superseded(root, keep=name)
    return root / name


def _write_atomically(path: Path, content: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        stream.write(content)
    os.replace(temporary, path)


def _remove_superseded(root: Path, *, keep: str) -> None:
    cutoff = time.time() - STALE_BUILD_SECONDS
    for path in root.glob("base-*"):
        try:
            if path.name != keep and path.stat().st_mtime < cutoff:
                shutil.rmtree(path)
        except OSError:
            pass  # another process removed it first


def load_base(name: str) -> ExpertIndex | None:
    """Memory-map a persisted build; None when missing, foreign or of another format."""
    folder = database_dir() / name
    try:
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("format") != FORMAT_VERSION:
            return None
        arrays = [np.load(folder / f"inverted.{part}.npy", mmap_mode="r") for part in ("data", "indices", "indptr")]
        inverted = sparse.csr_matrix(tuple(arrays), shape=tuple(meta["shape"]), copy=False)
        arrays = [np.load(folder / f"rows.{part}.npy", mmap_mode="r") for part in ("data", "indices", "indptr")]
        rows = sparse.csr_matrix(tuple(arrays), shape=tuple(reversed(meta["shape"])), copy=False)
        state = PoolState(**meta["state"])
        return ExpertIndex(vocabulary=joblib.load(folder / "vocabulary.joblib"), inverted=inverted,
                           base_ids=np.load(folder / "expert_ids.npy"), base_state=state, base_name=name,
                           state=state, built_at=meta.get("built_at", 0.0), rows=rows)
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        logger.warning("match index build %s unreadable", folder, exc_info=True)
        return None


def current_base_name() -> str | None:
    try:
        return (database_dir() / "CURRENT").read_text().strip() or None
    except OSError:
        return None


# ----------------------------------------------------------------------------------------------- patches


def patch(base: ExpertIndex, *, state: PoolState, expert_ids: set[int]) -> ExpertIndex:
    """The base with the given experts' rows replaced by their current text (vocabulary unchanged)."""
    ids, profiles = load_profiles(expert_ids=expert_ids)
    rows = ranking.encode_profiles(base.vocabulary, profiles, base.weights)
    masked = np.isin(base.base_ids, np.fromiter(expert_ids, dtype=np.int64, count=len(expert_ids)))
    return ExpertIndex(vocabulary=base.vocabulary, inverted=base.inverted, base_ids=base.base_ids,
                       base_state=base.base_state, base_name=base.base_name, state=state, weights=base.weights,
                       patch_rows=rows, patch_ids=np.array(ids, dtype=np.int64), masked=masked,
                       built_at=base.built_at, rows=base.rows)


def patch_path(base: ExpertIndex, state: PoolState) -> Path:
    return database_dir() / base.base_name / f"patch-{state.key}.joblib"


def save_patch(index: ExpertIndex) -> Path:
    path = patch_path(index, index.state)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump({"rows": index.patch_rows, "ids": index.patch_ids, "masked": index.masked}, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def load_patch(base: ExpertIndex, state: PoolState) -> ExpertIndex | None:
    path = patch_path(base, state)
    if not path.exists():
        return None
    try:
        stored = joblib.load(path)
    except Exception:  # a half-written or foreign file: recomputed instead
        logger.warning("match index patch %s unreadable", path, exc_info=True)
        return None
    return ExpertIndex(vocabulary=base.vocabulary, inverted=base.inverted, base_ids=base.base_ids,
                       base_state=base.base_state, base_name=base.base_name, state=state, weights=base.weights,
                       patch_rows=stored["rows"], patch_ids=stored["ids"], masked=stored["masked"],
                       built_at=base.built_at, rows=base.rows)


# ----------------------------------------------------------------------------------------------- entry points


@contextmanager
def _build_lock():
    """One full build at a time per database (non-blocking: a second caller is told to skip)."""
    root = database_dir()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild(*, progress: Callable | None = None) -> ExpertIndex | None:
    """A full build, saved, its journal rows pruned; None when another process is building right now."""
    global _loaded
    with _build_lock() as is_ours:
        if not is_ours:
            return None
        index, covered = build_base(progress=progress)
        save_base(index)
        ProfileChange.objects.filter(id__in=covered).delete()
    with _lock:
        _loaded = index
    return index


def refresh() -> str:
    """The worker's job after experts changed: nothing, a patch file, or a full build. Returns what it did."""
    state = read_pool_state()
    name = current_base_name()
    base = load_base(name) if name else None
    if base is None or base.base_state.expert_top > state.expert_top:
        return "rebuilt" if rebuild() else "busy"
    if state.is_reflected_by(base.base_state) or patch_path(base, state).exists():
        return "fresh"
    changed = changed_expert_ids(base.base_state)
    if len(changed) > max(PATCH_FLOOR, FULL_REBUILD_SHARE * len(base.base_ids)):
        return "rebuilt" if rebuild() else "busy"
    save_patch(patch(base, state=state, expert_ids=changed))
    return "patched"


def get_index() -> ExpertIndex:
    """The index to rank with now: fresh when that is cheap, else the last one (never a full build of a big pool)."""
    global _loaded
    state = read_pool_state()
    with _lock:
        held = _loaded
        if held is not None and held.state == state:
            return held
        index = _fresh_index(state, held)
        _loaded = index
        return index


def _fresh_index(state: PoolState, held: ExpertIndex | None) -> ExpertIndex:
    name = current_base_name()
    base = held if held is not None and held.base_name == name and name else None
    if base is None and name:
        base = load_base(name)
    # A build from "the future" (ids went backwards: a recreated database) is unusable.
    if base is not None and base.base_state.expert_top > state.expert_top:
        base = None
    if base is not None and state.is_reflected_by(base.base_state):
        base.state = state
        return base
    if base is not None:
        stored = load_patch(base, state)
        if stored is not None:
            return stored
        changed = changed_expert_ids(base.base_state)
        # A small pool is rebuilt rather than patched: a patch keeps the old vocabulary, which at demo scale may
        # simply lack the new words.
        if len(base.base_ids) > INLINE_BUILD_LIMIT and len(changed) <= INLINE_PATCH_LIMIT:
            return patch(base, state=state, expert_ids=changed)
    if state.expert_top == 0 or Expert.objects.count() <= INLINE_BUILD_LIMIT:
        index, covered = build_base()
        try:
            save_base(index)
            ProfileChange.objects.filter(id__in=covered).delete()
        except OSError:
            logger.warning("match index could not be saved under %s", database_dir(), exc_info=True)
        return index
    if held is not None or base is not None:
        return held if held is not None else base  # stale, while the worker catches up
    logger.warning("no match index for a pool of this size yet: run rebuild_match_index")
    return _empty_index(state)



def _empty_index(state: PoolState) -> ExpertIndex:
    vocabulary = ranking.Vocabulary(terms={}, idf=np.zeros(0, dtype=ranking.FEATURE_DTYPE))
    return ExpertIndex(vocabulary=vocabulary, inverted=sparse.csr_matrix((0, 0), dtype=ranking.FEATURE_DTYPE),
                       base_ids=np.zeros(0, dtype=np.int64), base_state=state, base_name="", state=state)


def forget_loaded_index() -> None:
    """Drop the in-process copy (tests, or after a settings change)."""
    global _loaded
    with _lock:
        _loaded = None
