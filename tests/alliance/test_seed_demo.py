"""`manage.py seed_demo`: the demo alliance a visitor signs into, complete, consistent and loaded only once."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from alliance import demo_data
from alliance.models import IndustryChain, Organisation, User
from challenges.models import Agreement, Challenge, ChallengeEvent, Claim, ClaimMember, Question, Rating, Status
from experts.models import Expert
from notifications.models import Delivery

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_builds_the_whole_alliance():
    # when the demo is seeded into an empty database
    seed()
    # then there are five chains with their fields and leaders, twenty enterprises and 60+ experts of every category
    assert IndustryChain.objects.count() == 5
    assert all(chain.fields.count() >= 5 and chain.leaders.exists() for chain in IndustryChain.objects.all())
    assert Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE).count() == 20
    assert Expert.objects.count() >= 60
    assert set(Expert.objects.values_list("category", flat=True)) == set(Expert.Category.values)
    # and at least forty challenges, in every state of the lifecycle
    assert Challenge.objects.count() >= 40
    assert set(Challenge.objects.values_list("status", flat=True)) == set(Status.values)


def test_packaging_challenge_of_the_outdoor_garage_maker_is_open_with_claims_and_recommendations():
    seed()
    challenge = Challenge.objects.get(title=demo_data.PACKAGING_TITLE)
    assert challenge.enterprise.name == "苏州绿野户外用品有限公司"
    assert challenge.status == Status.OPEN
    assert challenge.deadline > timezone.localdate()
    assert challenge.claims.filter(status=Claim.Status.SUBMITTED).count() >= 3
    assert challenge.recommendations.exists()
    assert challenge.claims.filter(expert__user__username="expert_zhang").exists()


def test_engaged_challenges_have_their_expert_and_a_consistent_history():
    seed()
    now = timezone.now()
    for challenge in Challenge.objects.filter(status__in=[Status.IN_PROGRESS, Status.DELIVERED, Status.COMPLETED]):
        accepted = challenge.claims.get(status=Claim.Status.ACCEPTED)
        assert challenge.expert_id == accepted.expert_id
        assert challenge.published_at < challenge.first_claimed_at <= challenge.accepted_at < now
    for challenge in Challenge.objects.exclude(first_claimed_at=None):
        hours = (challenge.first_claimed_at - challenge.published_at).total_seconds() / 3600
        assert 2 <= hours <= 120
    # every challenge's events end in the state the challenge is in, and the trail spans about a year
    for challenge in Challenge.objects.all():
        last_move = challenge.events.exclude(to_status="").order_by("-created_at", "-id").first()
        assert last_move.to_status == challenge.status
    oldest = ChallengeEvent.objects.order_by("created_at").first().created_at
    assert 300 <= (now - oldest).days <= 366
    assert not ChallengeEvent.objects.filter(created_at__gt=now).exists()
    assert Challenge.objects.filter(status=Status.EXPIRED, deadline__lt=timezone.localdate()).count() == (
        Challenge.objects.filter(status=Status.EXPIRED).count()
    )


def test_historical_notifications_are_not_left_to_be_mailed():
    seed()
    assert Delivery.objects.exists()
    assert not Delivery.objects.filter(state=Delivery.State.PENDING).exists()


def test_printed_logins_authenticate_for_each_role():
    output = seed()
    assert "http://127.0.0.1:8000" in output
    assert demo_data.PASSWORD in output
    users = {}
    for _role, username in demo_data.DEMO_LOGINS:
        assert username in output
        users[username] = authenticate(username=username, password=demo_data.PASSWORD)
        assert users[username] is not None
    assert users["park_admin"].is_staff and hasattr(users["park_admin"], "park_staff")
    assert users["leader_equipment"].led_chains.filter(code="equipment").exists()
    assert users["ent_lvye"].memberships.filter(organisation__name="苏州绿野户外用品有限公司").exists()
    assert "自动化包装" in users["expert_zhang"].expert_profile.research_areas


def test_running_twice_does_not_duplicate_and_reset_rebuilds():
    seed()
    counts = (User.objects.count(), Expert.objects.count(), Challenge.objects.count(), Claim.objects.count())
    # when it runs again
    output = seed()
    # then it says so and nothing is added
    assert "已存在" in output
    assert (User.objects.count(), Expert.objects.count(), Challenge.objects.count(), Claim.objects.count()) == counts
    # and --reset replaces the demo with an identical one
    seed("--reset")
    assert (User.objects.count(), Expert.objects.count(), Challenge.objects.count(), Claim.objects.count()) == counts


def test_the_demo_shows_every_step_of_the_lifecycle():
    # when the demo is seeded
    output = seed()
    # then no step was refused by the services
    assert "未能" not in output
    # the packaging challenge has a team claim whose invited member joined, and an answered question
    packaging = Challenge.objects.get(title=demo_data.PACKAGING_TITLE)
    team_claim = packaging.claims.get(expert__user__username="expert_zhang")
    assert team_claim.members.filter(role=ClaimMember.Role.MEMBER, status=ClaimMember.Status.ACCEPTED).exists()
    assert Question.objects.filter(challenge=packaging, answered_at__isnull=False).exists()
    # every challenge past 对接 has an agreement, confirmed once work started; completed ones are rated both ways
    for challenge in Challenge.objects.filter(status__in=[Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED,
                                                          Status.COMPLETED]):
        agreement = Agreement.objects.get(challenge=challenge)
        assert agreement.is_confirmed == (challenge.status != Status.MATCHING)
    for challenge in Challenge.objects.filter(status__in=[Status.DELIVERED, Status.COMPLETED]):
        assert challenge.milestones.filter(status="confirmed").exists()
    for challenge in Challenge.objects.filter(status=Status.COMPLETED):
        assert Rating.objects.filter(challenge=challenge).count() == 2
    # returned challenges carry the reviewer's reason
    assert all(c.review_note for c in Challenge.objects.filter(status=Status.REJECTED))
