"""seed_scale on a small scale: the right numbers of rows, consistent timings, a working dashboard, --reset."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from alliance.dashboard import dashboard_data
from alliance.models import Organisation
from challenges.models import Challenge, Claim
from experts.models import Expert


def seed(**options) -> None:
    call_command("seed_scale", experts=60, enterprises=20, challenges=300, claims=900, no_progress=True, **options)


def test_small_seed_makes_consistent_data_the_dashboard_reads(park_staff):
    seed()
    assert Expert.objects.filter(email__endswith="@scale.example.cn").count() == 60
    assert Organisation.objects.filter(credit_code__startswith="SCALE").count() == 20
    assert Challenge.objects.count() == 300
    assert 700 <= Claim.objects.count() <= 1100
    # claims never come before publication, engaged challenges have exactly their accepted claim's expert
    assert not Challenge.objects.filter(first_claimed_at__lt=F("published_at")).exists()
    for challenge in Challenge.objects.filter(expert__isnull=False)[:50]:
        assert challenge.claims.get(status=Claim.Status.ACCEPTED).expert_id == challenge.expert_id
    data = dashboard_data(user=park_staff)
    assert data["totals"]["posted"] > 0 and data["claim_rate"] is not None


def test_a_second_run_needs_reset_and_reset_rebuilds(db):
    seed()
    with pytest.raises(CommandError):
        seed()
    seed(reset=True)
    assert Challenge.objects.count() == 300
