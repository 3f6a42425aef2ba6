"""The alliance dashboard (管委会看板): figures on a hand-made dataset, who may see it, and bad filters."""

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from alliance.dashboard import dashboard_data, period_range
from challenges.models import ChallengeEvent, Claim, Status
from tests import factories

PAGE = "/alliance/dashboard/"
API = "/api/v1/dashboard/"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def dataset(chain, other_chain, enterprise, other_enterprise, expert, other_expert):
    """Chain 高端智能装备: 3 published challenges, 2 claimed after 2h and 4h, one accepted; one draft.
    Chain 生命大健康: 1 published challenge, claimed after 10h."""
    published_at = timezone.now() - dt.timedelta(days=3)
    hours = dt.timedelta(hours=1)
    first = factories.ChallengeFactory(
        enterprise=enterprise, chain=chain, title="包装线柔性改造", status=Status.IN_PROGRESS, expert=expert,
        published_at=published_at, first_claimed_at=published_at + 2 * hours,
    )
    second = factories.ChallengeFactory(
        enterprise=other_enterprise, chain=chain, title="模具寿命预测", published_at=published_at,
        first_claimed_at=published_at + 4 * hours,
    )
    unclaimed = factories.ChallengeFactory(enterprise=enterprise, chain=chain, title="注塑件缺陷检测",
                                           published_at=published_at)
    draft = factories.ChallengeFactory(enterprise=enterprise, chain=chain, title="草稿需求", status=Status.DRAFT,
                                       published_at=None)
    health_enterprise = factories.OrganisationFactory(name="苏州康健医疗器械有限公司", chain=other_chain)
    health = factories.ChallengeFactory(
        enterprise=health_enterprise, chain=other_chain, title="缓释制剂工艺放大", published_at=published_at,
        first_claimed_at=published_at + 10 * hours,
    )
    health_expert = factories.ExpertFactory(name="陈静", chains=[other_chain])
    factories.ClaimFactory(challenge=first, expert=expert, status=Claim.Status.ACCEPTED)
    factories.ClaimFactory(challenge=second, expert=expert)
    factories.ClaimFactory(challenge=second, expert=other_expert)
    factories.ClaimFactory(challenge=health, expert=health_expert)
    factories.ChallengeEventFactory(challenge=first, actor=expert.user, kind=ChallengeEvent.Kind.CLAIMED)
    factories.ChallengeEventFactory(challenge=health, actor=health_expert.user, kind=ChallengeEvent.Kind.CLAIMED)
    return SimpleNamespace(first=first, second=second, unclaimed=unclaimed, draft=draft, health=health,
                           health_expert=health_expert)


def page_data(response) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the page carries the chart data as json_script"
    return json.loads(match.group(1))


# Figures -----------------------------------------------------------------------------------------------------------

def test_park_staff_sees_claim_rate_and_median_of_one_chain(park_staff, chain, dataset, expert, other_expert):
    # when park staff look at one chain
    data = dashboard_data(user=park_staff, chain_id=chain.pk)
    # then 3 of the 4 posted challenges were published, 2 of those got a claim after 2h and 4h
    assert data["totals"]["posted"] == 4
    assert data["totals"]["published"] == 3
    assert data["totals"]["claimed"] == 2
    assert data["claim_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert data["median_hours_to_first_claim"] == 3.0
    assert data["totals"]["in_progress"] == 1
    assert data["totals"]["enterprises_served"] == 1
    # and the most active expert comes first, the accepted ranking lists only experts with an accepted claim
    assert [(row["name"], row["claims"], row["accepted"]) for row in data["top_experts_by_claims"]] == [
        (expert.name, 2, 1), (other_expert.name, 1, 0)
    ]
    assert [row["name"] for row in data["top_experts_by_accepted"]] == [expert.name]
    assert [row["name"] for row in data["top_enterprises"]][0] == "苏州绿野户外用品有限公司"
    assert data["top_enterprises"][0]["posted"] == 3


def test_park_staff_sees_every_chain_by_status(park_staff, chain, other_chain, dataset):
    # when park staff look at the whole alliance
    data = dashboard_data(user=park_staff)
    # then both chains appear with their statuses, and the figures cover both
    rows = {row["chain_name"]: row for row in data["by_chain"]}
    assert rows[chain.name]["counts"][Status.OPEN] == 2
    assert rows[chain.name]["counts"][Status.IN_PROGRESS] == 1
    assert rows[chain.name]["counts"][Status.DRAFT] == 1
    assert rows[chain.name]["total"] == 4
    assert rows[other_chain.name]["counts"][Status.OPEN] == 1
    assert data["totals"]["published"] == 4
    assert data["claim_rate"] == pytest.approx(3 / 4)
    assert data["median_hours_to_first_claim"] == 4.0
    labels = {row["status"]: row["label"] for row in data["status_distribution"]}
    assert labels[Status.OPEN] == "揭榜中"
    assert {row["status"]: row["count"] for row in data["status_distribution"]}[Status.OPEN] == 3
    assert {event["challenge_title"] for event in data["recent_activity"]} == {"包装线柔性改造", "缓释制剂工艺放大"}


def test_monthly_trend_counts_publications_and_claims_in_their_month(park_staff, dataset):
    # when park staff look at the trend
    trend = dashboard_data(user=park_staff)["monthly_trend"]
    # then twelve months end with this one, and the 4 publications and 4 claims fall in their local month
    assert len(trend["months"]) == 12
    today = timezone.localdate()
    assert trend["months"][-1] == f"{today.year}-{today.month:02d}"
    published_month = timezone.localtime(dataset.first.published_at)
    index = trend["months"].index(f"{published_month.year}-{published_month.month:02d}")
    assert trend["published"][index] == 4
    assert sum(trend["published"]) == 4
    assert sum(trend["claimed"]) == 4


def test_custom_period_counts_whole_local_days(park_staff, chain, enterprise):
    # given challenges published just inside and just outside March 2026, Beijing time
    inside_early = dt.datetime(2026, 3, 1, 0, 10, tzinfo=SHANGHAI)
    inside_late = dt.datetime(2026, 3, 31, 23, 50, tzinfo=SHANGHAI)
    outside = dt.datetime(2026, 4, 1, 0, 5, tzinfo=SHANGHAI)
    for moment in (inside_early, inside_late, outside):
        factories.ChallengeFactory(enterprise=enterprise, chain=chain, published_at=moment)
    # when the period is March
    start, end = period_range(period="custom", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    data = dashboard_data(user=park_staff, start=start, end=end)
    # then only the two March challenges count
    assert data["totals"]["published"] == 2
    assert data["filters"] == {"chain_id": None, "start": "2026-03-01", "end": "2026-03-31"}


def test_period_presets_start_on_the_first_day():
    today = dt.date(2026, 11, 28)
    assert period_range(period="month", today=today) == (dt.date(2026, 11, 1), today)
    assert period_range(period="quarter", today=today) == (dt.date(2026, 10, 1), today)
    assert period_range(period="year", today=today) == (dt.date(2026, 1, 1), today)
    assert period_range(period="all", today=today) == (None, None)


def test_empty_alliance_gives_no_rate_rather_than_an_error(park_staff, chain):
    data = dashboard_data(user=park_staff)
    assert data["totals"]["published"] == 0
    assert data["claim_rate"] is None
    assert data["median_hours_to_first_claim"] is None


# Chain leaders -----------------------------------------------------------------------------------------------------

def test_chain_leader_sees_only_their_chain(chain_leader, chain, dataset):
    # when the leader of 高端智能装备 looks at the dashboard
    data = dashboard_data(user=chain_leader)
    # then only their chain's challenges, experts and events are counted
    assert [row["chain_name"] for row in data["by_chain"]] == [chain.name]
    assert data["totals"]["published"] == 3
    assert dataset.health_expert.name not in [row["name"] for row in data["top_experts_by_claims"]]
    assert [event["challenge_title"] for event in data["recent_activity"]] == ["包装线柔性改造"]
    assert sum(data["monthly_trend"]["published"]) == 3


def test_chain_leader_filtering_on_another_chain_is_refused(chain_leader, other_chain, dataset):
    with pytest.raises(PermissionDenied):
        dashboard_data(user=chain_leader, chain_id=other_chain.pk)


def test_chain_leader_page_and_api_show_their_chain_and_refuse_another(client, chain_leader, chain, other_chain,
                                                                      dataset):
    client.force_login(chain_leader)
    # when they open their dashboard
    response = client.get(PAGE, {"period": "all"})
    # then it shows their chain only
    assert response.status_code == 200
    assert [row["chain_name"] for row in page_data(response)["by_chain"]] == [chain.name]
    assert other_chain.name not in response.content.decode()
    # and another chain is refused, on the page and in the API
    assert client.get(PAGE, {"chain": other_chain.pk}).status_code == 403
    assert client.get(API, {"chain": other_chain.pk}).status_code == 403
    api = client.get(API, {"period": "all"})
    assert api.status_code == 200
    assert [row["id"] for row in api.json()["chains"]] == [chain.pk]


# Park staff page and API -------------------------------------------------------------------------------------------

def test_park_staff_page_shows_figures_charts_and_links(client, park_staff, chain, dataset):
    client.force_login(park_staff)
    # when park staff open the dashboard for one chain
    response = client.get(PAGE, {"period": "all", "chain": chain.pk})
    # then the figures, the echarts script from /static/ and the chart data are on the page
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/vendor/echarts/echarts.min.js"></script>' in html
    assert '<script src="/static/js/dashboard.js"></script>' in html
    assert "cdn" not in html.lower()
    data = page_data(response)
    assert data["totals"]["claimed"] == 2
    assert data["median_hours_to_first_claim"] == 3.0
    assert "66.7%" in html
    assert re.search(r">\s*3\.0<small[^>]*>小时</small>", html)
    assert "李明" in html


def test_park_staff_api_returns_the_same_figures(api_client, park_staff, chain, dataset):
    api_client.force_authenticate(park_staff)
    response = api_client.get(API, {"period": "all", "chain": chain.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["published"] == 3
    assert body["claim_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert body["median_hours_to_first_claim"] == 3.0
    assert body["by_chain"][0]["counts"]["open"] == 2


def test_default_period_is_this_year(client, park_staff, chain, enterprise):
    # given one challenge published this year and one two years ago
    factories.ChallengeFactory(enterprise=enterprise, chain=chain)
    factories.ChallengeFactory(enterprise=enterprise, chain=chain,
                               published_at=timezone.now() - dt.timedelta(days=800))
    client.force_login(park_staff)
    # when the dashboard opens without filters
    data = page_data(client.get(PAGE))
    # then only this year's challenge counts
    assert data["totals"]["published"] == 1
    assert data["filters"]["start"] == timezone.localdate().replace(month=1, day=1).isoformat()


# Bad filters -------------------------------------------------------------------------------------------------------

def test_custom_period_without_dates_is_a_400_with_chinese_messages(client, api_client, park_staff, dataset):
    client.force_login(park_staff)
    response = client.get(PAGE, {"period": "custom", "start": "2026-05-01"})
    assert response.status_code == 400
    assert "自定义统计周期请填写结束日期。" in response.content.decode()
    assert 'id="dashboard-data"' not in response.content.decode()

    api_client.force_authenticate(park_staff)
    response = api_client.get(API, {"period": "custom", "start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 400
    assert response.json()["errors"]["end"] == ["结束日期不能早于开始日期。"]


def test_garbage_filters_are_a_400_not_a_500(client, api_client, park_staff):
    client.force_login(park_staff)
    assert client.get(PAGE, {"period": "decade", "start": "yesterday", "chain": "x"}).status_code == 400
    assert client.get(PAGE, {"chain": 999999}).status_code == 400
    api_client.force_authenticate(park_staff)
    response = api_client.get(API, {"chain": 999999})
    assert response.status_code == 400
    assert response.json()["errors"] == {"chain": ["所选产业链不存在。"]}
    assert api_client.get(API, {"period": "", "chain": ""}).status_code == 200


# Everybody else ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["enterprise_user", "expert_user"])
def test_enterprise_members_and_experts_are_refused(request, client, api_client, who, dataset):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 403
    assert "dashboard-data" not in response.content.decode()
    api_client.force_authenticate(user)
    response = api_client.get(API)
    assert response.status_code == 403
    assert "totals" not in response.json()


def test_anonymous_visitor_is_sent_to_login(client, api_client, dataset):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert api_client.get(API).status_code in (401, 403)


def test_dashboard_url_name():
    assert reverse("alliance:dashboard") == PAGE
