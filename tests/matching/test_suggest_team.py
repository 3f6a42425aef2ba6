"""Team suggestion: experts who together cover a multi-field challenge better than any single one."""

import pytest

from matching import index, text
from matching.services import _expert_text, suggest_team
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_process_index():
    index.forget_loaded_index()
    yield
    index.forget_loaded_index()


@pytest.fixture
def battery_line_challenge(enterprise, enterprise_user, chain):
    return factories.ChallengeFactory(
        enterprise=enterprise, author=enterprise_user, chain=chain,
        title="锂电池模组产线的视觉检测与PLC改造", keywords=["锂电池", "机器视觉", "PLC"],
        description="电池模组焊接后需要机器视觉检测极耳缺陷，同时产线的PLC控制程序要改造以适配新电芯。")


@pytest.fixture
def specialists(chain):
    vision = factories.ExpertFactory(name="视觉", research_areas=["机器视觉", "缺陷检测"], chains=[chain])
    factories.AchievementFactory(expert=vision, kind="case", title="焊缝缺陷的机器视觉检测")
    controls = factories.ExpertFactory(name="电控", research_areas=["PLC控制", "产线改造"], chains=[chain])
    factories.AchievementFactory(expert=controls, kind="project", title="装配产线PLC程序改造")
    battery = factories.ExpertFactory(name="电池", research_areas=["锂电池", "电池模组"], chains=[chain])
    factories.AchievementFactory(expert=battery, kind="paper", title="锂电池模组极耳焊接工艺")
    return {"vision": vision, "controls": controls, "battery": battery}


def coverage(experts, challenge):
    key = text.key_terms(f"{challenge.title}\n{'；'.join(challenge.keywords)}", challenge.description)
    covered = set()
    for expert in experts:
        covered |= text.covered_terms(key, _expert_text(expert))
    return sum(key[term] for term in covered)


def test_team_covers_more_than_the_best_single_expert(battery_line_challenge, specialists):
    # when a team is suggested for a problem spanning batteries, vision and PLC
    team = suggest_team(battery_line_challenge, size=3)
    members = [match.expert for match in team]
    # then it has 2-3 different experts, each adding words, covering more than any one of them alone
    assert 2 <= len(team) <= 3 and len(set(members)) == len(members)
    best_single = max(coverage([expert], battery_line_challenge) for expert in specialists.values())
    assert coverage(members, battery_line_challenge) > best_single
    assert all(match.matched_terms for match in team)
    added = [term for match in team for term in match.matched_terms]
    assert len(added) == len(set(added))  # nobody is credited with words another member already covered
    assert team[0].reasons[0].startswith("补充关键词：")


def test_team_around_a_lead_returns_co_claimants_only(battery_line_challenge, specialists):
    # given the vision expert claims
    lead = specialists["vision"]
    # when co-claimants are suggested
    team = suggest_team(battery_line_challenge, lead=lead, size=3)
    # then the lead is not among them and the others fill the fields the lead does not cover
    experts = {match.expert for match in team}
    assert lead not in experts
    assert experts == {specialists["controls"], specialists["battery"]}


def test_team_never_includes_conflicted_or_unavailable_experts(battery_line_challenge, specialists):
    # given an all-rounder who declared a conflict and another who is not taking claims
    areas = ["锂电池", "机器视觉", "PLC控制", "电池模组", "缺陷检测", "产线改造"]
    conflicted = factories.ExpertFactory(research_areas=areas)
    factories.ConflictOfInterestFactory(expert=conflicted, organisation=battery_line_challenge.enterprise)
    paused = factories.ExpertFactory(research_areas=areas, is_available=False)
    # when a team is suggested, then neither is in it
    experts = {match.expert for match in suggest_team(battery_line_challenge)}
    assert experts and conflicted not in experts and paused not in experts


def test_one_expert_covering_everything_is_not_padded_into_a_team(battery_line_challenge, chain):
    # given a single expert who covers every key word and an unrelated one
    factories.ExpertFactory(research_areas=["锂电池模组", "机器视觉检测", "PLC控制程序改造", "产线", "电池模组焊接",
                                            "极耳缺陷", "电芯"], chains=[chain])
    factories.ExpertFactory(research_areas=["中药提取"])
    # when a team is suggested, then none is (a team would not cover more)
    assert suggest_team(battery_line_challenge) == []
