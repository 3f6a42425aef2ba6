"""New KPIs and the lists behind them: every number opens the rows it counts, in the same scope."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from alliance.dashboard import dashboard_data
from challenges.models import Claim, Status
from tests import factories

LIST = "/alliance/dashboard/list/"


@pytest.fixture
def lifecycle(chain, other_chain, enterprise, expert, other_expert, settings):
    """高端智能装备: one completed in 10 days (accepted from the matcher's rank 2), one claimed late (9 days), one
    never claimed (20 days old); 生命大健康: one open challenge of another enterprise."""
    settings.NO_CLAIM_SLA_DAYS = 7
    now = timezone.now()
    field = factories.TechnicalFieldFactory(name="机器视觉检测", chain=chain)
    completed = factories.ChallengeFactory(
        enterprise=enterprise, chain=chain, field=field, status=Status.COMPLETED, expert=expert, reward_wan=20,
        published_at=now - dt.timedelta(days=30), first_claimed_at=now - dt.timedelta(days=29),
        completed_at=now - dt.timedelta(days=20), title="视觉检测",
    )
    late = factories.ChallengeFactory(
        enterprise=enterprise, chain=chain, field=field, reward_wan=5, published_at=now - dt.timedelta(days=15),
        first_claimed_at=now - dt.timedelta(days=6), title="迟到揭榜",
    )
    unclaimed = factories.ChallengeFactory(enterprise=enterprise, chain=chain, published_at=now - dt.timedelta(days=20),
                                           title="无人揭榜")
    health = factories.ChallengeFactory(chain=other_chain, enterprise=factories.OrganisationFactory(chain=other_chain),
                                        title="他链需求")
    factories.ClaimFactory(challenge=completed, expert=expert, status=Claim.Status.ACCEPTED, match_rank=2)
    factories.ClaimFactory(challenge=late, expert=other_expert, match_rank=30)
    expert.fields.add(field)
    factories.ExpertFactory(research_areas=["机器视觉检测"], chains=[chain])
    return type("Lifecycle", (), dict(completed=completed, late=late, unclaimed=unclaimed, health=health,
                                      field=field))


def listed_ids(response) -> list[int]:
    html = response.content.decode()
    return [int(value) for value in re.findall(r'<td class="text-body-secondary">(\d+)</td>', html)]


def test_new_figures_on_a_known_lifecycle(park_staff, chain, lifecycle, expert):
    data = dashboard_data(user=park_staff, chain_id=chain.pk)
    totals = data["totals"]
    assert totals["over_sla"] == 2  # claimed after 9 days, and never claimed after 20
    assert totals["engaged"] == 1 and data["completion_rate"] == 1.0
    assert data["median_days_to_completion"] == 10.0
    assert totals["reward_wan"] == 25.0
    assert totals["active_experts"] == 2
    assert data["match_top_share"] == 1.0  # the one accepted claim came from rank 2
    # utilisation: 1 live claim (the late challenge is open) against three experts of 3 each
    assert (totals["live_claims"], totals["capacity"]) == (1, 9)
    # the field is demanded twice and covered by two experts (one lists it, one names it as research area)
    assert data["fields"] == [{"field_id": lifecycle.field.pk, "name": "机器视觉检测", "demand": 2, "unclaimed": 0,
                               "experts": 2}]
    assert [row["posted"] for row in data["funnel"]] == [3]


@pytest.mark.parametrize("metric, expected", [
    ("over_sla", {"late", "unclaimed"}), ("completed", {"completed"}), ("reward", {"completed", "late"}),
    ("posted", {"completed", "late", "unclaimed"}),
])
def test_each_number_lists_exactly_what_it_counts(client, park_staff, chain, lifecycle, metric, expected):
    client.force_login(park_staff)
    response = client.get(LIST, {"metric": metric, "chain": chain.pk, "period": "all"})
    assert response.status_code == 200
    assert set(listed_ids(response)) == {getattr(lifecycle, name).pk for name in expected}


def test_field_and_expert_lists(client, park_staff, lifecycle, expert):
    client.force_login(park_staff)
    experts = client.get(LIST, {"metric": "field_experts", "field": lifecycle.field.pk, "period": "all"})
    assert len(listed_ids(experts)) == 2
    claims = client.get(LIST, {"metric": "expert", "expert": expert.pk, "period": "all"})
    assert "视觉检测" in claims.content.decode()
    assert client.get(LIST, {"metric": "match_top", "period": "all"}).content.decode().count("视觉检测") == 1


def test_chain_leader_lists_only_their_chain_and_is_refused_another(client, chain_leader, other_chain, lifecycle):
    client.force_login(chain_leader)
    response = client.get(LIST, {"metric": "posted", "period": "all"})
    assert lifecycle.health.pk not in listed_ids(response)
    assert client.get(LIST, {"metric": "posted", "chain": other_chain.pk}).status_code == 403


@pytest.mark.parametrize("who", ["enterprise_user", "expert_user"])
def test_enterprises_and_experts_never_see_lists_or_exports(request, client, who, lifecycle):
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST, {"metric": "posted"}).status_code == 403
    assert client.get("/alliance/dashboard/export/").status_code == 403
    assert client.get("/alliance/export/challenges/").status_code == 403


def test_bad_metric_or_missing_subject_is_a_400(client, park_staff, lifecycle):
    client.force_login(park_staff)
    assert client.get(LIST, {"metric": "nonsense"}).status_code == 400
    assert client.get(LIST, {"metric": "field"}).status_code == 400
    assert client.get(LIST, {"metric": "status", "status": "bogus"}).status_code == 400


def test_list_pages_fifty_rows(client, park_staff, chain, enterprise):
    for _index in range(51):
        factories.ChallengeFactory(enterprise=enterprise, chain=chain)
    client.force_login(park_staff)
    first = client.get(LIST, {"metric": "posted"})
    second = client.get(LIST, {"metric": "posted", "page": 2})
    assert len(listed_ids(first)) == 50 and len(listed_ids(second)) == 1
    assert "共 51 条" in first.content.decode()
