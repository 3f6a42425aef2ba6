"""Pseudo-relevance feedback on the challenge side, idf over experts and challenges, and one fit in both
directions on the site."""

import numpy as np
import pytest

from matching import index, ranking
from matching.services import rank_challenges_for_expert, rank_experts_for_challenge
from tests import factories

PROFILES = [
    ranking.ProfileText(research_areas=["机器视觉", "缺陷检测"], achievements=["焊缝图像缺陷检测", "工业相机标定"]),
    ranking.ProfileText(research_areas=["机器视觉", "表面检测"], achievements=["钢板表面划痕识别", "光源设计"]),
    ranking.ProfileText(research_areas=["视觉检测"], achievements=["划痕光源设计与相机标定"]),
    ranking.ProfileText(research_areas=["药物制剂", "缓释"], achievements=["缓释片制备工艺"]),
    ranking.ProfileText(research_areas=["锂电池", "电池管理"], achievements=["电池热管理系统"]),
]
CHALLENGE = ranking.ChallengeText(title="焊缝缺陷检测", description="产线焊缝图像需要自动检测缺陷")


def test_feedback_lifts_an_expert_who_shares_the_top_experts_vocabulary_only():
    # given a pool where expert 2 shares no words with the problem but the vocabulary of the vision experts
    without = ranking.build_expert_matrix(PROFILES, ranking.Weights(feedback_experts=0))
    with_feedback = ranking.build_expert_matrix(PROFILES)
    # when the problem is scored without and with feedback
    before = ranking.score_matrix(without, [CHALLENGE])[0]
    after = ranking.score_matrix(with_feedback, [CHALLENGE])[0]
    # then the vision expert found through feedback moves ahead of the unrelated experts, and fits stay in [0, 1]
    assert after[2] > after[3] and after[2] > after[4]
    assert after[2] > before[2]
    assert np.argmax(after) == 0
    assert after.min() >= 0.0 and after.max() <= 1.0


def test_feedback_is_deterministic_and_empty_for_a_problem_with_no_known_words():
    matrix = ranking.build_expert_matrix(PROFILES)
    first = ranking.score_matrix(matrix, [CHALLENGE, ranking.ChallengeText(title="zzz qqq")])
    second = ranking.score_matrix(matrix, [CHALLENGE, ranking.ChallengeText(title="zzz qqq")])
    assert np.array_equal(first, second)
    assert not first[1].any()


def test_background_documents_change_the_idf_but_add_no_terms():
    # given the same profiles, with and without the challenges as background documents
    alone, _ = ranking.fit_vocabulary(PROFILES)
    background, _ = ranking.fit_vocabulary(PROFILES, background=["焊缝检测", "全新的词汇 quantum"])
    # then the vocabulary is the experts' own, and a word found in the background is rarer no more
    assert background.terms == alone.terms
    assert "quantum" not in background.terms
    weld = alone.terms["焊缝"]
    assert background.idf[weld] < alone.idf[weld]


def test_bm25_scheme_gives_absolute_fits_in_unit_range():
    matrix = ranking.build_expert_matrix(PROFILES, ranking.Weights(scheme="bm25"))
    scores = ranking.score_matrix(matrix, [CHALLENGE])[0]
    assert np.argmax(scores) == 0 and 0.0 < scores.max() <= 1.0 and scores.min() >= 0.0


@pytest.mark.django_db
def test_site_fit_is_the_same_in_both_directions_and_equals_the_offline_fit(open_challenge, expert, chain):
    # given experts in the database and the site's index (built with feedback)
    factories.AchievementFactory(expert=expert, kind="case", title="包装线异形件视觉识别与柔性抓取")
    other = factories.ExpertFactory(research_areas=["生物医药"], bio="口服制剂")
    factories.AchievementFactory(expert=other, title="缓释片制备工艺研究")
    index.forget_loaded_index()
    try:
        # when the challenge is matched to experts, and the expert is matched to challenges
        forward = {m.expert.pk: m.text_fit for m in rank_experts_for_challenge(open_challenge, limit=10)}
        reverse = {m.challenge.pk: m.text_fit for m in rank_challenges_for_expert(expert, limit=10)}
        # then the text fit of the pair is the same number both ways
        assert expert.pk in forward and open_challenge.pk in reverse
        assert forward[expert.pk] == pytest.approx(reverse[open_challenge.pk], abs=1e-3)
    finally:
        index.forget_loaded_index()


def test_index_rank_takes_the_top_from_the_feedback_window_exactly_as_a_full_sort(monkeypatch):
    # given a pool bigger than a (shrunk) feedback window, held as the site holds it
    from matching.index import ExpertIndex, PoolState

    monkeypatch.setattr(ranking, "FEEDBACK_WINDOW", 3)
    profiles = PROFILES * 4
    matrix = ranking.build_expert_matrix(profiles)
    state = PoolState(len(profiles), 0, 0, 0)
    engine = ExpertIndex(vocabulary=matrix.vocabulary, inverted=matrix.term_major(),
                         base_ids=np.arange(1, len(profiles) + 1), base_state=state, base_name="test", state=state,
                         rows=matrix.rows)
    # when a challenge is ranked through the window shortcut
    fit, best = engine.rank(engine.encode(CHALLENGE), 3)
    # then the top 3 are what a full sort of the fits gives, the fits match the offline ones, and the lookup
    # product equals scipy's
    assert best.tolist() == ranking.top_k(fit, 3).tolist()
    np.testing.assert_allclose(fit, ranking.score_matrix(matrix, [CHALLENGE])[0], atol=1e-6)
    expansion = ranking.feedback_expansion(matrix.vocabulary, matrix.rows[:2], np.array([0.5, 0.2]), matrix.weights)
    np.testing.assert_allclose(ranking.dot_rows(matrix.rows, expansion),
                               ranking.score_rows(matrix.rows, expansion)[0], atol=1e-6)
