"""The semantic channel on the site: vectors come from the worker and are stored; a ranking only reads them, fuses
them when every one it needs is current, and otherwise stays lexical and asks the worker. The model itself is
replaced by a small deterministic stand-in (the real one takes seconds on this CPU); test_score_pairs runs it."""

import numpy as np
import pytest
from django.core.cache import cache

from experts.services import ProfileInput, update_expert_profile
from matching import index, semantic
from matching.models import TextVector
from matching.services import embed_vectors, rank_experts_for_challenge
from tests import factories

pytestmark = pytest.mark.django_db


class CountingEncoder:
    """Character-bigram hashing into 64 dimensions, normalised: similar texts get similar vectors."""

    def __init__(self):
        self.calls = 0

    def __call__(self, texts, *, is_query):
        self.calls += 1
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, value in enumerate(texts):
            for start in range(len(value) - 1):
                out[row, hash(value[start:start + 2]) % 64] += 1.0
        out += 0.01
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def encoder(monkeypatch, settings):
    settings.MATCHING_SEMANTIC = True
    monkeypatch.setattr(semantic, "is_installed", lambda: True)
    cache.clear()
    fake = CountingEncoder()
    monkeypatch.setattr(semantic, "_encode", fake)
    index.forget_loaded_index()
    yield fake
    index.forget_loaded_index()


@pytest.fixture
def vision_expert(expert):
    factories.AchievementFactory(expert=expert, kind="case", title="包装线异形件视觉识别与柔性抓取")
    return expert


def test_missing_vectors_keep_the_ranking_lexical_and_ask_the_worker(encoder, settings, open_challenge, vision_expert,
                                                                      django_capture_on_commit_callbacks):
    # given no stored vectors
    # when ranked with the semantic channel on
    with django_capture_on_commit_callbacks() as callbacks:
        matches = rank_experts_for_challenge(open_challenge, limit=5)
    # then nothing was encoded in the request, the embedding was requested once (debounced), nothing was stored
    assert encoder.calls == 0
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as again:
        rank_experts_for_challenge(open_challenge, limit=5)
    assert again == []
    assert not TextVector.objects.exists()
    # and the fit is exactly the lexical one
    settings.MATCHING_SEMANTIC = False
    assert [m.text_fit for m in rank_experts_for_challenge(open_challenge, limit=5)] == [m.text_fit for m in matches]


def test_stored_vectors_are_fused_without_encoding_in_the_request(encoder, open_challenge, vision_expert):
    # given the worker stored every vector
    lexical = rank_experts_for_challenge(open_challenge, limit=5)[0].text_fit
    assert embed_vectors(expert_ids=None, challenge_ids=[open_challenge.pk]) == 0
    stored_calls = encoder.calls
    # when ranked
    match = rank_experts_for_challenge(open_challenge, limit=5)[0]
    # then the fused fit is used, in [0, 1], and the request encoded nothing
    assert encoder.calls == stored_calls
    assert match.expert == vision_expert
    assert match.text_fit != lexical and 0.0 <= match.text_fit <= 1.0
    # and the task is idempotent: a second run encodes nothing
    assert embed_vectors(expert_ids=None, challenge_ids=[open_challenge.pk]) == 0
    assert encoder.calls == stored_calls


def test_a_vector_of_old_text_is_not_used(encoder, settings, open_challenge, vision_expert, park_staff):
    # given current vectors, then a profile edit the worker has not embedded yet
    embed_vectors(expert_ids=None, challenge_ids=[open_challenge.pk])
    update_expert_profile(expert=vision_expert, by=park_staff, data=ProfileInput(
        name=vision_expert.name, category=vision_expert.category, research_areas=["自动包装", "机器视觉"]))
    # when ranked, then the fit is the lexical one (the stale vector is ignored)
    served = rank_experts_for_challenge(open_challenge, limit=5)[0].text_fit
    settings.MATCHING_SEMANTIC = False
    assert rank_experts_for_challenge(open_challenge, limit=5)[0].text_fit == served


def test_nightly_embedding_does_nothing_while_the_site_is_lexical(db, settings):
    from matching.tasks import embed_vectors_task

    settings.MATCHING_SEMANTIC = False
    factories.ExpertFactory(research_areas=["机器视觉"])
    assert embed_vectors_task() == 0
    assert not TextVector.objects.exists()


def test_index_jobs_are_registered_for_the_admin(db):
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"matching.tasks.rebuild_match_index_task", "matching.tasks.embed_vectors_task"} <= tasks
