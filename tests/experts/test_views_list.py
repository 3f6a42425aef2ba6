"""专家库: the expert directory with its filters."""

from django.urls import reverse

from challenges.models import Claim, Status
from experts.models import Expert
from tests import factories

URL = reverse("experts:list")


def names(response) -> list[str]:
    return [expert.name for expert in response.context["experts"]]


def test_directory_lists_active_experts_with_load(client, enterprise_user, expert, other_expert):
    # given two active experts, one inactive, and one live claim held by the first expert
    factories.ExpertFactory(name="已出库专家", is_active=False)
    factories.ClaimFactory(expert=expert, challenge=factories.ChallengeFactory(status=Status.OPEN))
    factories.ClaimFactory(expert=expert, status=Claim.Status.WITHDRAWN)
    client.force_login(enterprise_user)
    # when an enterprise member opens the directory
    response = client.get(URL)
    # then only active experts are shown, with their current load
    assert response.status_code == 200
    assert names(response) == ["李明", "王芳"]
    html = response.content.decode()
    assert "已出库专家" not in html
    assert "1 / 3" in html
    assert "高校教授/研究员" in html


def test_filter_by_category_chain_field_and_keyword(client, enterprise_user, chain, other_chain):
    # given experts differing in category, chain, field and research area
    weld = factories.TechnicalFieldFactory(name="激光焊接", chain=chain)
    craftsman = factories.ExpertFactory(name="张师傅", category=Expert.Category.CRAFTSMAN, chains=[chain],
                                        research_areas=["焊接工艺"])
    craftsman.fields.add(weld)
    factories.ExpertFactory(name="陈教授", category=Expert.Category.PROFESSOR, chains=[other_chain],
                            research_areas=["中药现代化"], bio="从事中药质量控制研究。")
    factories.ExpertFactory(name="赵总工", category=Expert.Category.ENTERPRISE_EXPERT, chains=[chain, other_chain],
                            research_areas=["数控机床"], title="总工程师")
    client.force_login(enterprise_user)
    # when filtering one way at a time
    by_category = client.get(URL, {"category": "craftsman"})
    by_chain = client.get(URL, {"chain": other_chain.pk})
    by_field = client.get(URL, {"field": weld.pk})
    by_area = client.get(URL, {"q": "中药现代"})
    by_title = client.get(URL, {"q": "总工程师"})
    by_bio = client.get(URL, {"q": "质量控制"})
    combined = client.get(URL, {"chain": chain.pk, "category": "enterprise"})
    # then each shows exactly the matching experts, once each
    assert names(by_category) == ["张师傅"]
    assert names(by_chain) == ["陈教授", "赵总工"]
    assert names(by_field) == ["张师傅"]
    assert names(by_area) == ["陈教授"]
    assert names(by_title) == ["赵总工"]
    assert names(by_bio) == ["陈教授"]
    assert names(combined) == ["赵总工"]


def test_directory_is_paginated_by_twenty_and_keeps_filters(client, enterprise_user):
    # given 23 craftsmen and one professor
    for number in range(23):
        factories.ExpertFactory(name=f"工匠{number:02d}", category=Expert.Category.CRAFTSMAN)
    factories.ExpertFactory(name="某教授", category=Expert.Category.PROFESSOR)
    client.force_login(enterprise_user)
    # when filtering craftsmen, first and second page
    first = client.get(URL, {"category": "craftsman"})
    second = client.get(URL, {"category": "craftsman", "page": 2})
    # then 20 then 3 are shown and the next-page link keeps the filter
    assert len(names(first)) == 20
    assert len(names(second)) == 3
    assert "category=craftsman&amp;page=2" in first.content.decode()


def test_unknown_filter_value_is_400_with_field_message(client, enterprise_user, expert):
    # given a signed-in user
    client.force_login(enterprise_user)
    # when the chain filter is not a chain
    response = client.get(URL, {"chain": "abc"})
    # then the page says so instead of failing, and lists nobody
    assert response.status_code == 400
    assert response.context["form"].errors["chain"]
    assert names(response) == []


def test_anonymous_visitor_is_sent_to_login(client, expert):
    # given nobody signed in, when they open the directory, then they must sign in first
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
