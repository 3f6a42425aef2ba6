"""The matcher as the site uses it: rules, signals, reasons, both directions, and freshness after an edit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from challenges.models import Claim
from experts.services import ProfileInput, update_expert_profile
from matching import index
from matching.services import match_position, rank_challenges_for_expert, rank_experts_for_challenge
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_process_index():
    index.forget_loaded_index()
    yield
    index.forget_loaded_index()


@pytest.fixture
def pharma_expert(chain):
    expert = factories.ExpertFactory(name="王药师", research_areas=["生物医药", "药物制剂"], bio="从事口服制剂研究。")
    factories.AchievementFactory(expert=expert, title="缓释片制备工艺研究")
    return expert


@pytest.fixture
def vision_expert(expert):
    factories.AchievementFactory(expert=expert, kind="case", title="包装线异形件视觉识别与柔性抓取")
    return expert


def test_packaging_vision_expert_ranks_above_pharma_expert_with_reasons(open_challenge, vision_expert, pharma_expert):
    # when the packaging-line challenge is matched
    matches = rank_experts_for_challenge(open_challenge, limit=10)
    # then the vision expert is first, with matched areas, terms and Chinese reasons
    assert matches[0].expert == vision_expert
    assert matches[0].rank == 1
    assert 0.0 < matches[0].score <= 1.0
    assert "自动包装" in matches[0].matched_areas and "机器视觉" in matches[0].matched_areas
    assert matches[0].matched_terms
    assert any(reason.startswith("研究方向匹配：") for reason in matches[0].reasons)
    assert "服务本产业链" in matches[0].reasons
    assert "当前承接 0/3 项" in matches[0].reasons
    pharma = [m for m in matches if m.expert == pharma_expert]
    assert not pharma or pharma[0].score < matches[0].score


def test_conflict_of_interest_and_own_organisation_are_excluded(open_challenge, vision_expert):
    # given a strong fit who declared a conflict with the enterprise, and one employed by it
    factories.ConflictOfInterestFactory(expert=vision_expert, organisation=open_challenge.enterprise)
    employee = factories.ExpertFactory(research_areas=["自动包装", "机器视觉"], organisation=open_challenge.enterprise)
    # when matched, then neither is recommended
    experts = [m.expert for m in rank_experts_for_challenge(open_challenge, limit=10)]
    assert vision_expert not in experts and employee not in experts
    assert match_position(expert=vision_expert, challenge=open_challenge) is None


def test_unavailable_inactive_and_full_experts_are_excluded(open_challenge, enterprise):
    # given three good fits: one not accepting claims, one inactive, one at the claim limit
    areas = ["自动包装", "机器视觉", "柔性制造"]
    paused = factories.ExpertFactory(research_areas=areas, is_available=False)
    inactive = factories.ExpertFactory(research_areas=areas, is_active=False)
    full = factories.ExpertFactory(research_areas=areas, max_active_claims=1)
    factories.ClaimFactory(expert=full, challenge=factories.ChallengeFactory(enterprise=enterprise))
    free = factories.ExpertFactory(research_areas=areas)
    # when matched
    experts = [m.expert for m in rank_experts_for_challenge(open_challenge, limit=10)]
    # then only the free one is recommended
    assert free in experts
    assert paused not in experts and inactive not in experts and full not in experts


def test_query_count_does_not_grow_with_experts(open_challenge, vision_expert):
    rank_experts_for_challenge(open_challenge, limit=10)  # build the index once
    with CaptureQueriesContext(connection) as few:
        rank_experts_for_challenge(open_challenge, limit=10)
    for _ in range(8):
        factories.AchievementFactory(expert=factories.ExpertFactory(research_areas=["自动包装", "机器视觉"]))
    rank_experts_for_challenge(open_challenge, limit=10)
    with CaptureQueriesContext(connection) as many:
        matches = rank_experts_for_challenge(open_challenge, limit=10)
    assert len(matches) == 9
    assert len(many.captured_queries) == len(few.captured_queries)


def test_track_record_is_a_reason(open_challenge, vision_expert, enterprise):
    done = factories.ChallengeFactory(enterprise=enterprise, status="completed")
    factories.ClaimFactory(expert=vision_expert, challenge=done, status=Claim.Status.ACCEPTED)
    match = rank_experts_for_challenge(open_challenge, limit=1)[0]
    assert "已成功承接 1 项" in match.reasons


def test_challenges_for_expert_skip_conflicts_claimed_and_closed(vision_expert, enterprise, other_enterprise):
    # given four packaging challenges: a good open one, one from a conflicted enterprise, one already claimed,
    # one no longer open; and an unrelated open one
    good = factories.ChallengeFactory(enterprise=enterprise)
    conflicted = factories.ChallengeFactory(enterprise=other_enterprise)
    factories.ConflictOfInterestFactory(expert=vision_expert, organisation=other_enterprise)
    claimed = factories.ChallengeFactory(enterprise=enterprise)
    factories.ClaimFactory(expert=vision_expert, challenge=claimed)
    closed = factories.ChallengeFactory(enterprise=enterprise, status="closed")
    unrelated = factories.ChallengeFactory(enterprise=enterprise, title="中药提取物稳定性", keywords=["中药"],
                                           description="中药提取物在储存中有效成分降解，需要改进制剂工艺。")
    # when the expert asks what fits them
    matches = rank_challenges_for_expert(vision_expert, limit=10)
    challenges = [m.challenge for m in matches]
    # then the good one is first and the excluded ones are absent
    assert challenges[0] == good
    assert conflicted not in challenges and claimed not in challenges and closed not in challenges
    assert unrelated not in challenges[:1]
    assert matches[0].reasons and matches[0].matched_areas


def test_match_position_reports_rank_and_score(open_challenge, vision_expert, pharma_expert):
    position = match_position(expert=vision_expert, challenge=open_challenge)
    assert position is not None and position.rank == 1 and 0 < position.score <= 1


def test_profile_edit_is_ranked_on_new_areas_without_restart(open_challenge, pharma_expert, park_staff,
                                                              django_capture_on_commit_callbacks):
    # given the pharma expert does not match the packaging challenge well
    before = match_position(expert=pharma_expert, challenge=open_challenge)
    other = factories.ExpertFactory(research_areas=["包装材料"])
    # when they edit their profile to packaging and vision (the rebuild is scheduled on commit)
    with django_capture_on_commit_callbacks() as callbacks:
        update_expert_profile(expert=pharma_expert, by=park_staff, data=ProfileInput(
            name=pharma_expert.name, category=pharma_expert.category,
            research_areas=["自动包装", "机器视觉", "柔性制造"]))
    # then a rebuild was scheduled and the very next ranking uses the new areas
    assert len(callbacks) == 1
    after = match_position(expert=pharma_expert, challenge=open_challenge)
    assert after is not None and after.rank == 1
    assert before is None or after.score > before.score
    assert other.pk != pharma_expert.pk
