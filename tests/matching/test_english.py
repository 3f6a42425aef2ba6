"""English expert data: the script-aware analyzer (words, stop words removed, sublinear tf) against character
n-grams (the reference baseline's char_wb 1-3 TF-IDF) on a small handwritten set."""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matching import ranking, text
from tests.matching.english_set import CHALLENGES, EXPERTS

IDS = list(EXPERTS)


def separation(scores: np.ndarray) -> tuple[float, int]:
    """Mean relative margin of the right expert over the best wrong one, and how many problems rank it first."""
    margins, firsts = [], 0
    for row in range(len(IDS)):
        wrong = np.delete(scores[row], row).max()
        margins.append((scores[row, row] - wrong) / max(scores[row, row], 1e-9))
        firsts += int(np.argmax(scores[row]) == row)
    return float(np.mean(margins)), firsts


def test_english_text_becomes_words_not_letters():
    features = text.features("Sensorless control of induction motors: the inverter's dead-time")
    assert {"sensorless", "control", "induction", "motor", "inverter", "dead", "time"} <= set(features)
    assert "of" not in features and "the" not in features
    assert all(len(feature) > 1 for feature in features)


def test_words_separate_the_right_expert_far_better_than_character_ngrams():
    # given ten handwritten English experts and one problem for each, with letter-level look-alikes among them
    profiles = [EXPERTS[i] for i in IDS]
    challenges = [CHALLENGES[i] for i in IDS]
    # when scored by the engine and by character n-grams over the same texts
    engine = ranking.score_matrix(ranking.build_expert_matrix(profiles), challenges)
    characters = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    expert_rows = characters.fit_transform([p.full_text for p in profiles])
    baseline = (characters.transform([c.full_text for c in challenges]) @ expert_rows.T).toarray()
    engine_margin, engine_firsts = separation(engine)
    baseline_margin, baseline_firsts = separation(baseline)
    # then the engine ranks every right expert first, and by a far wider margin (measured: 0.89 against 0.47)
    assert engine_firsts == len(IDS) and engine_firsts >= baseline_firsts
    assert engine_margin > 0.8
    assert engine_margin > 1.5 * baseline_margin


def test_mixed_english_problem_finds_chinese_profile_through_shared_latin_terms():
    # given a Chinese profile that names its tools in English, as engineers do
    profiles = [ranking.ProfileText(research_areas=["机器视觉", "YOLOv5 目标检测"],
                                    achievements=["基于YOLOv5的焊缝缺陷检测"]),
                ranking.ProfileText(research_areas=["PLC 控制", "伺服"], achievements=["码垛机器人PLC程序优化"])]
    matrix = ranking.build_expert_matrix(profiles)
    # when an English problem names the same tool
    scores = ranking.score_matrix(matrix, [ranking.ChallengeText(title="YOLOv5 weld seam defect detection")])[0]
    # then the vision expert is first
    assert scores[0] > scores[1] and scores[0] > 0
