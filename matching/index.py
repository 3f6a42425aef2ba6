"""The expert index: built from the database, persisted under MATCH_INDEX_DIR, loaded lazily once per process.

Staleness is detected from a fingerprint of the expert pool (number of experts, latest profile edit, number and
latest id of achievements) read with two cheap aggregate queries. The file name carries the fingerprint and the
database it came from, so a process sees an edited profile on the very next ranking: either a worker has already
written the new file (rebuild_match_index_task, scheduled on commit) and it is loaded, or it is rebuilt inline.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from experts.models import Achievement, Expert
from matching import ranking

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1  # bump when the stored layout or the ranking's features change
STALE_FILE_SECONDS = 3600  # superseded index files older than this are removed after a build


@dataclass
class ExpertIndex:
    matrix: ranking.ExpertMatrix
    expert_ids: np.ndarray  # database ids, in matrix row order
    fingerprint: str
    built_at: float

    def __post_init__(self) -> None:
        self.position = {int(expert_id): row for row, expert_id in enumerate(self.expert_ids)}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("position", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__post_init__()


_lock = threading.Lock()
_loaded: ExpertIndex | None = None


def corpus_fingerprint() -> str:
    """Changes whenever an expert is added, removed or edited, or achievements are replaced."""
    experts = Expert.objects.aggregate(count=Count("id"), latest=Max("updated_at"), top=Max("id"))
    achievements = Achievement.objects.aggregate(count=Count("id"), top=Max("id"))
    database = connection.settings_dict
    raw = "|".join(
        str(part)
        for part in (
            FORMAT_VERSION, database.get("HOST"), database.get("PORT"), database.get("NAME"),
            experts["count"], experts["latest"].isoformat() if experts["latest"] else "", experts["top"],
            achievements["count"], achievements["top"],
        )
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def index_path(fingerprint: str) -> Path:
    return Path(settings.MATCH_INDEX_DIR) / f"experts-{fingerprint}.joblib"


def load_profiles(
    progress: Callable[[Iterable], Iterable] | None = None,
) -> tuple[list[int], list[ranking.ProfileText]]:
    """Every expert's text, in id order, in two queries (profiles, then achievements streamed in owner order)."""
    ids: list[int] = []
    profiles: list[ranking.ProfileText] = []
    position: dict[int, int] = {}
    rows = Expert.objects.order_by("id").values_list("id", "research_areas", "bio")
    for expert_id, areas, bio in (progress(rows.iterator()) if progress else rows.iterator()):
        position[expert_id] = len(ids)
        ids.append(expert_id)
        profiles.append(ranking.ProfileText(research_areas=[str(a) for a in areas or []], bio=bio or ""))
    achievements = Achievement.objects.order_by("expert_id", "id").values_list("expert_id", "title", "abstract")
    for expert_id, title, abstract in achievements.iterator(chunk_size=5000):
        row = position.get(expert_id)
        if row is not None:
            profiles[row].achievements.append("\n".join(part for part in (title, abstract) if part))
    return ids, profiles


def build_index(*, fingerprint: str | None = None, progress: Callable | None = None) -> ExpertIndex:
    fingerprint = fingerprint or corpus_fingerprint()
    ids, profiles = load_profiles(progress)
    matrix = ranking.build_expert_matrix(profiles)
    return ExpertIndex(matrix=matrix, expert_ids=np.array(ids, dtype=np.int64), fingerprint=fingerprint,
                       built_at=time.time())


def save_index(index: ExpertIndex) -> Path:
    """Write atomically (temporary file, then rename) so a reader never sees half a file."""
    path = index_path(index.fingerprint)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump(index, temporary, compress=3)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    _remove_superseded(keep=path)
    return path


def _remove_superseded(*, keep: Path) -> None:
    cutoff = time.time() - STALE_FILE_SECONDS
    for path in keep.parent.glob("experts-*.joblib"):
        try:
            if path != keep and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another process removed it first


def rebuild(*, progress: Callable | None = None, force: bool = False) -> tuple[ExpertIndex, bool]:
    """Build and persist the index for the current pool; (index, False) when that build already exists."""
    global _loaded
    fingerprint = corpus_fingerprint()
    path = index_path(fingerprint)
    if not force and path.exists():
        return get_index(), False
    index = build_index(fingerprint=fingerprint, progress=progress)
    save_index(index)
    with _lock:
        _loaded = index
    return index, True


def get_index() -> ExpertIndex:
    """The index for the pool as it is now: from memory, else from disk, else built inline and saved."""
    global _loaded
    fingerprint = corpus_fingerprint()
    with _lock:
        if _loaded is not None and _loaded.fingerprint == fingerprint:
            return _loaded
        path = index_path(fingerprint)
        index: ExpertIndex | None = None
        if path.exists():
            try:
                index = joblib.load(path)
            except Exception:  # a corrupt or foreign file is rebuilt, never fatal
                logger.warning("match index %s unreadable, rebuilding", path, exc_info=True)
        if index is None:
            index = build_index(fingerprint=fingerprint)
            try:
                save_index(index)
            except OSError:
                logger.warning("match index could not be saved to %s", path, exc_info=True)
        _loaded = index
        return index


def forget_loaded_index() -> None:
    """Drop the in-process copy (tests, or after a settings change)."""
    global _loaded
    with _lock:
        _loaded = None
