"""我的专家档案: an expert edits their own profile through the web form."""

import pytest
from django.urls import reverse

from experts.models import Achievement, Expert
from tests import factories

URL = reverse("experts:profile_edit")


def profile_post(*, expert: Expert, achievements: list[dict] | None = None, initial_rows: int = 0, **overrides):
    """A complete form submission as the browser sends it; overrides replace single fields."""
    data = {
        "name": expert.name,
        "category": expert.category,
        "title": expert.title,
        "organisation": expert.organisation_id or "",
        "research_areas": "\n".join(expert.research_areas),
        "bio": expert.bio,
        "max_active_claims": expert.max_active_claims,
    }
    if expert.is_available:
        data["is_available"] = "on"
    rows = achievements or []
    data.update({
        "achievements-TOTAL_FORMS": len(rows),
        "achievements-INITIAL_FORMS": initial_rows,
        "achievements-MIN_NUM_FORMS": 0,
        "achievements-MAX_NUM_FORMS": 1000,
    })
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"achievements-{index}-{key}"] = value
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def snapshot(expert: Expert) -> tuple:
    expert.refresh_from_db()
    return (
        expert.name, expert.research_areas, expert.max_active_claims, expert.is_available,
        sorted(expert.chains.values_list("pk", flat=True)),
        sorted(expert.achievements.values_list("title", flat=True)),
    )


def test_expert_saves_profile_areas_fields_and_replaces_achievements(client, expert, chain, other_chain):
    # given an expert with one old paper, and a technical field of each chain
    factories.AchievementFactory(expert=expert, title="旧论文")
    vision = factories.TechnicalFieldFactory(name="机器视觉检测", chain=chain)
    factories.TechnicalFieldFactory(name="中药制剂", chain=other_chain)
    client.force_login(expert.user)
    # when they submit areas separated by commas and new lines, two chains, one field and two achievements
    response = client.post(URL, profile_post(
        expert=expert,
        name="李明远",
        research_areas="机器视觉，柔性制造\n工业机器人",
        chains=[chain.pk, other_chain.pk],
        technical_fields=[vision.pk],
        max_active_claims=5,
        is_available=None,
        achievements=[
            {"kind": "patent", "title": "一种柔性夹爪", "abstract": "自适应夹持", "year": 2024},
            {"kind": "case", "title": "某户外用品企业包装线改造", "year": 2025},
        ],
    ))
    # then they are sent back to the form and everything is saved
    assert response.status_code == 302
    assert response.url == URL
    expert.refresh_from_db()
    assert expert.name == "李明远"
    assert expert.research_areas == ["机器视觉", "柔性制造", "工业机器人"]
    assert expert.max_active_claims == 5
    assert expert.is_available is False
    assert set(expert.chains.all()) == {chain, other_chain}
    assert list(expert.fields.all()) == [vision]
    assert sorted(expert.achievements.values_list("kind", "title")) == [
        ("case", "某户外用品企业包装线改造"), ("patent", "一种柔性夹爪")
    ]
    # and the success message is shown on the next page
    page = client.get(URL)
    assert "专家档案已保存" in page.content.decode()


def test_deleted_and_blank_achievement_rows_are_dropped(client, expert):
    # given an expert with two achievements shown as two initial rows
    factories.AchievementFactory(expert=expert, title="保留的成果", year=2022)
    factories.AchievementFactory(expert=expert, title="要删除的成果", year=2021)
    client.force_login(expert.user)
    # when they tick delete on one and leave an added row blank
    client.post(URL, profile_post(expert=expert, initial_rows=2, achievements=[
        {"kind": "paper", "title": "保留的成果", "year": 2022},
        {"kind": "paper", "title": "要删除的成果", "year": 2021, "DELETE": "on"},
        {"kind": "paper", "title": ""},
    ]))
    # then only the kept one remains
    assert list(expert.achievements.values_list("title", flat=True)) == ["保留的成果"]


def test_form_shows_current_profile_and_an_add_row_template(client, expert):
    # given an expert with an achievement
    factories.AchievementFactory(expert=expert, title="基于深度学习的缺陷检测")
    client.force_login(expert.user)
    # when they open the page
    response = client.get(URL)
    # then their values are filled in and the empty row template is there for the JS
    html = response.content.decode()
    assert response.status_code == 200
    assert "机器视觉\n自动包装\n柔性制造" in html
    assert "基于深度学习的缺陷检测" in html
    assert "achievements-__prefix__-title" in html


def test_no_research_area_is_refused_with_chinese_message_and_nothing_changes(client, expert, chain):
    # given an expert with an achievement
    factories.AchievementFactory(expert=expert, title="旧论文")
    before = snapshot(expert)
    client.force_login(expert.user)
    # when they clear the research areas (and try other changes at the same time)
    response = client.post(URL, profile_post(
        expert=expert, name="新名字", research_areas=" ，\n ", chains=[chain.pk],
        achievements=[{"kind": "paper", "title": "新论文"}],
    ))
    # then the form comes back with the message on the field and nothing is saved
    assert response.status_code == 400
    assert "请至少填写一个研究方向" in response.content.decode()
    assert response.context["form"].errors["research_areas"]
    assert snapshot(expert) == before


@pytest.mark.parametrize("limit", [0, 21])
def test_limit_out_of_range_is_refused_and_nothing_changes(client, expert, limit):
    # given an expert
    before = snapshot(expert)
    client.force_login(expert.user)
    # when they set the most challenges at once out of 1..20
    response = client.post(URL, profile_post(expert=expert, name="新名字", max_active_claims=limit))
    # then the message sits on that field and nothing is saved
    assert response.status_code == 400
    assert "同时承接上限应在 1 到 20 之间。" in response.context["form"].errors["max_active_claims"]
    assert snapshot(expert) == before


def test_non_numeric_limit_and_bad_achievement_year_are_400_not_500(client, expert):
    # given an expert
    before = snapshot(expert)
    client.force_login(expert.user)
    # when the limit is not a number and an achievement year is in the far future
    response = client.post(URL, profile_post(
        expert=expert, max_active_claims="三", achievements=[{"kind": "paper", "title": "未来论文", "year": 2999}],
    ))
    # then both fields carry an error and nothing is saved
    assert response.status_code == 400
    assert response.context["form"].errors["max_active_claims"]
    assert response.context["formset"].forms[0].errors["year"] == ["年份不能晚于明年。"]
    assert snapshot(expert) == before


def test_page_edits_only_the_signed_in_experts_own_profile(client, expert, other_expert):
    # given two experts; the other one is signed in
    before = snapshot(expert)
    client.force_login(other_expert.user)
    # when they submit the form (with the first expert's pk smuggled in, which the page ignores)
    response = client.post(URL, profile_post(expert=other_expert, name="王芳芳", pk=expert.pk, expert_id=expert.pk))
    # then only their own profile changed
    assert response.status_code == 302
    other_expert.refresh_from_db()
    assert other_expert.name == "王芳芳"
    assert snapshot(expert) == before


def test_signed_in_user_without_expert_profile_gets_friendly_403(client, enterprise_user):
    # given a signed-in enterprise member who is not an expert
    client.force_login(enterprise_user)
    # when they open and submit the page
    page = client.get(URL)
    post = client.post(URL, {"name": "冒充专家", "category": "professor", "research_areas": "a",
                             "max_active_claims": 3})
    # then both are refused with a Chinese explanation and no expert profile appears
    assert page.status_code == 403
    assert "您还不是联盟专家" in page.content.decode()
    assert post.status_code == 403
    assert not Expert.objects.filter(user=enterprise_user).exists()


def test_anonymous_is_sent_to_login(client, expert):
    # given nobody signed in
    before = snapshot(expert)
    # when they open or post to the page
    page = client.get(URL)
    post = client.post(URL, profile_post(expert=expert, name="匿名"))
    # then they are redirected to the login page and nothing changes
    assert page.status_code == 302 and page.url.startswith(reverse("login"))
    assert post.status_code == 302
    assert snapshot(expert) == before
    assert Achievement.objects.count() == 0
