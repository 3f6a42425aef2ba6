"""The pure text pipeline and ranking: no database."""

import numpy as np

from matching import ranking, text


def test_mixed_chinese_english_text_gives_ngrams_and_words_without_stop_words():
    # given a mixed title with full-width letters and function words
    title = "基于ＹＯＬＯｖ5的AI视觉检测"
    # when it is turned into features
    features = text.features(title)
    # then Latin runs are lower-cased words, CJK runs are n-grams, stop words are gone
    assert "yolov5" in features and "ai" in features
    assert "视觉" in features and "检测" in features
    assert "基于" not in features and "的" not in features
    assert not any("的" in feature for feature in features)


def test_english_stop_words_dropped_and_plurals_folded():
    features = text.features("The controllers of the packaging lines")
    assert "controller" in features and "packaging" in features and "line" in features
    assert "the" not in features and "of" not in features


def test_empty_and_huge_input_are_safe():
    assert text.features("") == []
    assert text.features(None) == []
    assert text.terms("   ") == []
    huge = "机器视觉检测" * 100_000
    features = text.features(huge)
    assert 0 < len(features) <= 2 * text.MAX_CHARS


def test_matched_terms_are_readable_words():
    terms = text.shared_terms("异形件自动包装线柔性改造，PLC控制", "自动包装；柔性制造；PLC 编程")
    assert "包装" in terms and "柔性" in terms and "plc" in terms


def _profiles():
    return [
        ranking.ProfileText(research_areas=["生物医药", "药物制剂", "缓释制剂"],
                            achievements=["口服缓释片的制备工艺研究", "中药提取物质量控制"]),
        ranking.ProfileText(research_areas=["机器视觉", "自动包装", "柔性制造"],
                            achievements=["基于视觉的包装线异形件识别与抓取"]),
        ranking.ProfileText(research_areas=["锂电池材料"], bio="从事正极材料研究"),
    ]


def test_packaging_vision_expert_ranks_above_pharma_expert():
    # given a pharma, a packaging/vision and a battery expert
    matrix = ranking.build_expert_matrix(_profiles())
    challenge = ranking.ChallengeText(title="异形件自动包装线柔性改造", keywords=["自动包装", "机器视觉"],
                                      description="零部件尺寸差异大，标准自动包装线无法适配，需要视觉识别和柔性包装方案。")
    # when scored
    scores = ranking.score_matrix(matrix, [challenge])[0]
    # then the packaging expert is first and every score is an absolute fit in [0, 1]
    assert int(np.argmax(scores)) == 1
    assert scores[1] > scores[0] and scores[1] > scores[2]
    assert np.all((scores >= 0) & (scores <= 1))


def test_craftsman_with_only_cases_is_findable():
    # given a craftsman with only solution cases and no papers or bio
    profiles = _profiles() + [ranking.ProfileText(research_areas=["焊接工艺"],
                                                  achievements=["铝合金薄板激光焊接变形控制案例"])]
    matrix = ranking.build_expert_matrix(profiles)
    challenge = ranking.ChallengeText(title="铝合金激光焊接变形大", description="薄板焊接后变形超差，求工艺改进")
    # when scored, then the craftsman is first
    assert int(np.argmax(ranking.score_matrix(matrix, [challenge])[0])) == 3


def test_long_profile_does_not_win_by_length():
    # given a focused expert and one who lists many unrelated achievements plus one related word
    focused = ranking.ProfileText(research_areas=["机器视觉"], achievements=["工业相机视觉检测"])
    sprawling = ranking.ProfileText(
        research_areas=["化工", "纺织", "食品", "机器"],
        achievements=[f"第{i}项纺织印染工艺与食品化工检测" for i in range(200)],
    )
    matrix = ranking.build_expert_matrix([sprawling, focused])
    scores = ranking.score_matrix(matrix, [ranking.ChallengeText(title="机器视觉检测", description="工业相机")])[0]
    assert scores[1] > scores[0]


def test_empty_pool_and_empty_challenge():
    matrix = ranking.build_expert_matrix([ranking.ProfileText()])
    scores = ranking.score_matrix(matrix, [ranking.ChallengeText()])
    assert scores.shape == (1, 1) and scores[0, 0] == 0.0
