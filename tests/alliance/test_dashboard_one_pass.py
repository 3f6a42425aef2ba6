"""The dashboard's fast paths give exactly the figures of the plain per-figure queries."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone

from alliance import dashboard
from challenges.models import Challenge, Claim, Status
from tests import factories

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="GROUPING SETS is the PostgreSQL path")


@pytest.fixture
def varied_alliance(chain, other_chain):
    """Twelve enterprises (so the top ten must cut), three fields and no field, every status, rewards, claims
    within and beyond the no-claim SLA, accepted claims from inside and outside the matcher's top ten."""
    rng = random.Random(6)
    now = timezone.now()
    fields = [factories.TechnicalFieldFactory(chain=chain) for _index in range(3)]
    experts = [factories.ExpertFactory(chains=[chain, other_chain]) for _index in range(4)]
    enterprises = [factories.OrganisationFactory(chain=rng.choice([chain, other_chain])) for _index in range(12)]
    for _number in range(60):
        enterprise = rng.choice(enterprises)
        status = rng.choice(Status.values)
        published_at = None if status in (Status.DRAFT, Status.PENDING_REVIEW) else now - dt.timedelta(
            days=rng.randint(0, 400), hours=rng.randint(0, 23))
        first_claimed_at = (published_at + dt.timedelta(days=rng.choice([0, 1, 6, 8, 30]), hours=rng.randint(1, 9))
                            if published_at and rng.random() < 0.7 else None)
        if first_claimed_at and first_claimed_at > now:
            first_claimed_at = now
        engaged = status in (Status.IN_PROGRESS, Status.DELIVERED, Status.COMPLETED)
        challenge = factories.ChallengeFactory(
            enterprise=enterprise, chain=enterprise.chain, status=status, published_at=published_at,
            first_claimed_at=first_claimed_at, field=rng.choice([*fields, None]),
            reward_wan=rng.choice([None, 5, 12.5, 80]), expert=rng.choice(experts) if engaged else None,
            completed_at=now - dt.timedelta(days=rng.randint(0, 300)) if status == Status.COMPLETED else None,
        )
        for expert in rng.sample(experts, rng.randint(0, 3)):
            claim = factories.ClaimFactory(
                challenge=challenge, expert=expert, match_rank=rng.choice([None, 1, 10, 11]),
                status=Claim.Status.ACCEPTED if engaged and expert == challenge.expert else Claim.Status.SUBMITTED,
            )
            Claim.objects.filter(pk=claim.pk).update(created_at=now - dt.timedelta(days=rng.randint(0, 400)))
    return Challenge.objects.count()


@pytest.mark.parametrize("period", ["year", "all", "month"])
@pytest.mark.parametrize("one_chain", [False, True])
def test_one_pass_figures_equal_the_per_figure_queries(park_staff, chain, varied_alliance, period, one_chain):
    # given a varied alliance and a dashboard scope
    start, end = dashboard.period_range(period=period)
    scope = dashboard.dashboard_scope(user=park_staff, chain_id=chain.pk if one_chain else None, start=start, end=end)
    challenges = dashboard.scope_challenges(scope)
    # when the figures are computed in one GROUPING SETS pass and in the portable per-figure queries
    one_pass = dashboard._challenge_figures_in_one_pass(scope, challenges)
    portable = dashboard._challenge_figures_portable(scope, challenges)
    # then every figure is the same, and the data was rich enough to test something
    assert one_pass == portable
    assert sum(row["posted"] for row in one_pass.per_chain.values()) > 0
    if period == "all" and not one_chain:
        assert len(portable.top_enterprises) == dashboard.TOP_LIMIT
        assert portable.enterprises_served > 0
        assert sum(row["over_sla"] for row in one_pass.per_chain.values()) > 0


@pytest.mark.parametrize("one_chain", [False, True])
def test_claim_figures_and_trend_equal_direct_counts(park_staff, chain, varied_alliance, one_chain):
    # given the whole history as the period
    scope = dashboard.dashboard_scope(user=park_staff, chain_id=chain.pk if one_chain else None)
    claims = dashboard.scope_claims(scope)
    # when the claim figures and the monthly trend are computed
    figures, by_claims, _by_accepted = dashboard._claim_figures_and_top_experts(claims)
    trend = dashboard._monthly_trend(scope)
    # then they equal counts made one by one in Python
    rows = list(claims.values_list("expert_id", "status", "match_rank", "created_at"))
    accepted = [row for row in rows if row[1] == Claim.Status.ACCEPTED]
    assert figures == {
        "claims": len(rows),
        "active_experts": len({row[0] for row in rows}),
        "accepted_claims": len(accepted),
        "accepted_top": len([row for row in accepted if row[2] is not None and row[2] <= dashboard.MATCH_TOP_RANK]),
    }
    assert figures["claims"] > 0
    assert [row["claims"] for row in by_claims] == sorted((row["claims"] for row in by_claims), reverse=True)

    def per_month(values: list[dt.datetime | None]) -> list[int]:
        months = [f"{local.year}-{local.month:02d}" for local in map(timezone.localtime, filter(None, values))]
        return [months.count(month) for month in trend["months"]]

    challenges = Challenge.objects.filter(chain_id__in=scope.chain_ids)
    assert trend["published"] == per_month(list(challenges.values_list("published_at", flat=True)))
    assert trend["completed"] == per_month(list(challenges.values_list("completed_at", flat=True)))
    assert trend["claimed"] == per_month([row[3] for row in rows])
    assert sum(trend["claimed"]) > 0
