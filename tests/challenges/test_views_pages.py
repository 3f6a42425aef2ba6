"""Each challenge page for the role it serves, and refusals for the others."""

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from challenges.models import Status
from tests import factories

pytestmark = pytest.mark.django_db




def test_anonymous_visitor_sees_landing_page_with_open_challenges(client, open_challenge):
    # when an anonymous visitor opens the home page
    response = client.get(reverse("home"))
    # then they see what the alliance is, an open challenge with its chain and a sign-in button
    assert response.status_code == 200
    content = response.content.decode()
    assert "共享专家联盟" in content
    assert open_challenge.title in content
    assert open_challenge.chain.name in content
    assert reverse("login") in content


@pytest.mark.parametrize(
    ("user_fixture", "target"),
    [
        ("enterprise_user", "challenges:mine"),
        ("expert_user", "challenges:recommended"),
        ("chain_leader", "challenges:chain"),
        ("park_staff", "alliance:dashboard"),
    ],
)
def test_signed_in_user_is_sent_to_their_role_home(client, request, user_fixture, target):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(target)


def test_anonymous_user_is_sent_to_login_for_the_hall(client):
    response = client.get(reverse("challenges:hall"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_in_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录共享专家联盟" in response.content.decode()


def test_enterprise_navbar_shows_its_links(client, enterprise_user):
    client.force_login(enterprise_user)
    # when they open the hall
    content = client.get(reverse("challenges:hall")).content.decode()
    # then the navbar offers posting and their challenges, but not the expert's pages
    assert reverse("challenges:create") in content
    assert reverse("challenges:mine") in content
    assert reverse("challenges:recommended") not in content
    assert reverse("logout") in content
    assert 'action="/i18n/setlang/"' in content


def test_navbar_bell_shows_unread_count(client, enterprise_user):
    try:
        reverse("notifications:inbox")
    except NoReverseMatch:
        pytest.skip("notifications:inbox is not mounted yet")
    # given two unread notifications and one read
    for number in range(3):
        enterprise_user.notifications.create(kind="generic", title=f"通知{number}", dedupe_key=f"k{number}",
                                             read_at=timezone.now() if number == 2 else None)
    client.force_login(enterprise_user)
    content = client.get(reverse("challenges:hall")).content.decode()
    assert 'data-testid="unread-count">2<' in content


def test_enterprise_sees_its_challenges_with_claim_counts(client, enterprise_user, open_challenge, expert):
    factories.ClaimFactory(challenge=open_challenge, expert=expert)
    client.force_login(enterprise_user)
    response = client.get(reverse("challenges:mine"))
    assert response.status_code == 200
    content = response.content.decode()
    assert open_challenge.title in content
    assert "1 人揭榜" in content
    assert "揭榜中" in content


def test_mine_does_not_list_another_enterprises_challenges(client, other_enterprise_user, open_challenge):
    client.force_login(other_enterprise_user)
    response = client.get(reverse("challenges:mine"))
    assert response.status_code == 200
    assert open_challenge.title not in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "user_fixture"),
    [
        ("challenges:mine", "expert_user"),
        ("challenges:create", "expert_user"),
        ("challenges:create", "chain_leader"),
        ("challenges:recommended", "enterprise_user"),
        ("challenges:my_claims", "enterprise_user"),
        ("challenges:chain", "enterprise_user"),
        ("challenges:chain", "expert_user"),
    ],
)
def test_pages_refuse_the_wrong_role(client, request, url_name, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get(reverse(url_name)).status_code == 403


def test_expert_sees_matches_and_chain_leader_recommendation_first(client, expert_user, expert, open_challenge,
                                                                     chain_leader):
    # given a chain leader's recommendation of another challenge for the expert
    recommended = factories.ChallengeFactory(chain=open_challenge.chain, title="精密注塑件视觉检测")
    factories.ChainRecommendationFactory(challenge=recommended, expert=expert, recommended_by=chain_leader,
                                         note="您做过类似项目")
    client.force_login(expert_user)
    # when the expert opens 为我推荐
    response = client.get(reverse("challenges:recommended"))
    # then the recommendation comes first and the matched challenge shows its score and matched areas
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("链长定向推荐") < content.index(open_challenge.title)
    assert "您做过类似项目" in content
    assert "自动包装" in content
    assert "%" in content


def test_expert_sees_own_claims_with_status(client, expert_user, expert, open_challenge):
    factories.ClaimFactory(challenge=open_challenge, expert=expert)
    client.force_login(expert_user)
    response = client.get(reverse("challenges:my_claims"))
    assert response.status_code == 200
    content = response.content.decode()
    assert open_challenge.title in content
    assert "待选定" in content


def test_chain_leader_sees_chain_challenges_with_counts_and_filter(client, chain_leader, open_challenge, other_chain):
    # given one open and one in-progress challenge in the leader's chain, and one in another chain
    factories.ChallengeFactory(chain=open_challenge.chain, title="热处理变形控制", status=Status.IN_PROGRESS)
    elsewhere = factories.ChallengeFactory(
        enterprise=factories.OrganisationFactory(chain=other_chain), title="细胞培养基国产化"
    )
    client.force_login(chain_leader)
    # when the leader filters by 实施中
    response = client.get(reverse("challenges:chain"), {"status": "in_progress"})
    content = response.content.decode()
    # then only that challenge is listed, counts cover the chain, other chains are absent
    assert response.status_code == 200
    assert "热处理变形控制" in content
    assert open_challenge.title not in content
    assert elsewhere.title not in content
    assert dict((value, count) for value, _label, count in response.context["status_counts"]) == {
        "open": 1, "in_progress": 1,
    }


def test_chain_page_with_bad_status_is_a_400_not_a_500(client, chain_leader, open_challenge):
    client.force_login(chain_leader)
    response = client.get(reverse("challenges:chain"), {"status": "nonsense"})
    assert response.status_code == 400
    assert "请选择有效的状态" in response.content.decode()
