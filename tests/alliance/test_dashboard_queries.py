"""The dashboard's number of SQL queries does not grow with the data."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance.dashboard import dashboard_data
from challenges.models import ChallengeEvent, Claim, Status
from tests import factories


def add_activity(*, chain, size: int) -> None:
    """`size` enterprises, each with a claimed, an accepted and a completed challenge and their events."""
    published_at = timezone.now() - dt.timedelta(days=40)
    for index in range(size):
        enterprise = factories.OrganisationFactory(chain=chain)
        expert = factories.ExpertFactory(chains=[chain])
        for status in (Status.OPEN, Status.IN_PROGRESS, Status.COMPLETED):
            challenge = factories.ChallengeFactory(
                enterprise=enterprise, chain=chain, status=status, published_at=published_at,
                first_claimed_at=published_at + dt.timedelta(hours=index + 1),
            )
            accepted = status != Status.OPEN
            claim = factories.ClaimFactory(
                challenge=challenge, expert=expert,
                status=Claim.Status.ACCEPTED if accepted else Claim.Status.SUBMITTED,
            )
            factories.ChallengeEventFactory(challenge=challenge, actor=expert.user, kind=ChallengeEvent.Kind.CLAIMED,
                                            claim=claim)


def count_queries(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


@pytest.mark.parametrize("who", ["park_staff", "chain_leader"])
def test_query_count_is_the_same_for_five_times_the_data(request, client, settings, chain, other_chain, who):
    # figures computed in the request every time the data changed (no stale figures served)
    settings.DASHBOARD_MAX_STALE_SECONDS = 0
    user = request.getfixturevalue(who)
    client.force_login(user)

    def open_page_and_api() -> None:
        assert client.get("/alliance/dashboard/", {"period": "all"}).status_code == 200
        assert client.get("/api/v1/dashboard/", {"period": "all"}).status_code == 200

    # given a small alliance
    add_activity(chain=chain, size=2)
    add_activity(chain=other_chain, size=1)
    small = count_queries(open_page_and_api)
    # when it grows five-fold
    add_activity(chain=chain, size=8)
    add_activity(chain=other_chain, size=4)
    large = count_queries(open_page_and_api)
    # then the dashboard runs exactly as many queries
    assert large == small
    assert small < 40


def test_selector_query_count_is_fixed(park_staff, chain):
    add_activity(chain=chain, size=1)
    park_staff = type(park_staff).objects.get(pk=park_staff.pk)
    small = count_queries(lambda: dashboard_data(user=park_staff))
    add_activity(chain=chain, size=5)
    park_staff = type(park_staff).objects.get(pk=park_staff.pk)
    large = count_queries(lambda: dashboard_data(user=park_staff))
    assert large == small


def test_stale_figures_are_served_in_a_fixed_number_of_queries(client, chain_leader, chain):
    # given a chain leader who opened the page, and the data changed since
    client.force_login(chain_leader)
    add_activity(chain=chain, size=1)
    assert client.get("/alliance/dashboard/").status_code == 200
    add_activity(chain=chain, size=1)
    small = count_queries(lambda: client.get("/alliance/dashboard/"))
    # when the data grows five-fold and the page is opened again
    add_activity(chain=chain, size=5)
    response = None

    def open_page() -> None:
        nonlocal response
        response = client.get("/alliance/dashboard/")

    large = count_queries(open_page)
    # then the recent figures are served without computing, in as many queries
    assert response.context["data"]["is_fresh"] is False
    assert large == small
    assert small < 15
