"""The expert directory and the signed-in expert's own profile."""

from experts.models import Achievement, Expert
from tests import factories

ME = "/api/v1/experts/me/"


def test_directory_needs_sign_in(api_client, expert):
    assert api_client.get("/api/v1/experts/").status_code in (401, 403)
    assert api_client.get(f"/api/v1/experts/{expert.pk}/").status_code in (401, 403)


def test_directory_lists_active_experts_without_contact_details(signed_in, enterprise_user, expert, other_expert):
    Expert.objects.filter(pk=other_expert.pk).update(is_active=False)
    response = signed_in(enterprise_user).get("/api/v1/experts/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["name"] for item in results] == ["李明"]
    assert results[0]["active_claims"] == 0
    assert "email" not in results[0] and "phone" not in results[0]


def test_directory_filters(signed_in, enterprise_user, expert, other_expert, field, other_chain):
    expert.fields.add(field)
    other_expert.chains.set([other_chain])
    Expert.objects.filter(pk=other_expert.pk).update(category=Expert.Category.CRAFTSMAN)
    client = signed_in(enterprise_user)

    def names(**params):
        response = client.get("/api/v1/experts/", params)
        assert response.status_code == 200
        return [item["name"] for item in response.json()["results"]]

    assert names(category="craftsman") == ["王芳"]
    assert names(chain=other_chain.pk) == ["王芳"]
    assert names(field=field.pk) == ["李明"]
    assert names(search="机器视觉") == ["李明"]
    assert names(search="王") == ["王芳"]
    assert client.get("/api/v1/experts/", {"category": "wizard"}).status_code == 400


def test_expert_detail_has_achievements_and_inactive_expert_is_404(signed_in, enterprise_user, expert, other_expert):
    factories.AchievementFactory(expert=expert)
    client = signed_in(enterprise_user)
    response = client.get(f"/api/v1/experts/{expert.pk}/")
    assert response.status_code == 200
    assert response.json()["achievements"][0]["title"] == "基于深度学习的工件缺陷检测方法"
    Expert.objects.filter(pk=other_expert.pk).update(is_active=False)
    assert client.get(f"/api/v1/experts/{other_expert.pk}/").status_code == 404


def test_expert_reads_own_profile_with_contact_details(signed_in, expert_user, expert):
    response = signed_in(expert_user).get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == expert.pk
    assert "email" in response.json()


def test_profile_is_for_experts(api_client, signed_in, enterprise_user, expert):
    assert api_client.get(ME).status_code in (401, 403)
    assert signed_in(enterprise_user).get(ME).status_code == 403
    assert signed_in(enterprise_user).patch(ME, {"name": "冒名"}, format="json").status_code == 403
    expert.refresh_from_db()
    assert expert.name == "李明"


def test_expert_patches_some_fields(signed_in, expert_user, expert, chain):
    response = signed_in(expert_user).patch(
        ME, {"research_areas": ["机器视觉", "缺陷检测"], "max_active_claims": 5}, format="json"
    )
    assert response.status_code == 200
    expert.refresh_from_db()
    assert expert.research_areas == ["机器视觉", "缺陷检测"]
    assert expert.max_active_claims == 5
    assert expert.name == "李明"  # untouched
    assert list(expert.chains.all()) == [chain]


def test_expert_puts_whole_profile_with_achievements(signed_in, expert_user, expert, field):
    factories.AchievementFactory(expert=expert, title="旧成果")
    payload = {
        "name": "李明", "category": "national", "title": "研究员", "research_areas": ["柔性制造"],
        "fields": [field.pk], "chains": [], "is_available": False,
        "achievements": [{"kind": "patent", "title": "一种柔性夹爪", "year": 2024}],
    }
    response = signed_in(expert_user).put(ME, payload, format="json")
    assert response.status_code == 200
    assert [item["title"] for item in response.json()["achievements"]] == ["一种柔性夹爪"]
    expert.refresh_from_db()
    assert expert.category == "national"
    assert expert.is_available is False
    assert list(expert.fields.all()) == [field]
    assert list(Achievement.objects.filter(expert=expert).values_list("title", flat=True)) == ["一种柔性夹爪"]


def test_profile_bad_input_is_400_in_chinese_and_nothing_changes(signed_in, expert_user, expert):
    client = signed_in(expert_user)
    cases = [
        (client.put, {"category": "professor", "research_areas": ["机器视觉"]}, "name", "请填写姓名。"),
        (client.patch, {"category": "wizard"}, "category", "请选择有效的专家类别。"),
        (client.patch, {"research_areas": []}, "research_areas",
         "请至少填写一个研究方向，匹配系统据此为您推荐需求。"),
        (client.patch, {"max_active_claims": 99}, "max_active_claims", "同时承接上限应在 1 到 20 之间。"),
        (client.patch, {"max_active_claims": "很多"}, "max_active_claims", "同时承接上限必须是整数。"),
        (client.patch, {"chains": [999999]}, "chains", "所选产业链不存在。"),
    ]
    for method, payload, field_name, message in cases:
        response = method(ME, payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["errors"][field_name] == [message]
    expert.refresh_from_db()
    assert (expert.name, expert.category, expert.max_active_claims) == ("李明", "professor", 3)
    assert expert.research_areas == ["机器视觉", "自动包装", "柔性制造"]
