"""Races on PostgreSQL with real threads: one first-come claim wins out of fifty, one choice out of two."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from challenges import services
from challenges.models import Challenge, ChallengeEvent, Claim, Status
from config.exceptions import Conflict
from tests import factories

PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"


def run_at_once(workers):
    """Start every worker at the same moment; each closes its own database connection when done."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except Exception as exc:  # collected and asserted on below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_experts_claiming_a_first_come_challenge_at_once_leave_exactly_one_claim(chain):
    # given a first-come challenge and fifty experts signed in to the API
    challenge = factories.ChallengeFactory(chain=chain, claim_mode=Challenge.ClaimMode.FIRST_COME)
    experts = [factories.ExpertFactory(user__username=f"racer{n}", chains=[chain]) for n in range(50)]

    def claim_as(expert):
        def work():
            client = APIClient()
            client.force_authenticate(expert.user)
            response = client.post(f"/api/v1/challenges/{challenge.pk}/claims/",
                                   {"proposal": PROPOSAL, "expected_days": 30}, format="json")
            return response.status_code, response.json().get("code")
        return work

    # when they all claim at the same moment
    results = run_at_once([claim_as(expert) for expert in experts])
    # then exactly one claim exists and was chosen at once; the other 49 got a clean 409
    statuses = sorted(result[0] for result in results)
    assert statuses == [201] + [409] * 49, results
    assert {code for status, code in results if status == 409} == {"challenge_not_open"}
    assert Claim.objects.filter(challenge=challenge).count() == 1
    assert Claim.objects.get(challenge=challenge).status == Claim.Status.ACCEPTED
    challenge.refresh_from_db()
    assert challenge.status == Status.MATCHING
    assert ChallengeEvent.objects.filter(challenge=challenge, kind="accepted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_enterprise_accepting_two_claims_at_once_accepts_exactly_one(chain, enterprise, enterprise_user,
                                                                           expert, other_expert):
    # given an open challenge with two claims waiting
    challenge = factories.ChallengeFactory(chain=chain, enterprise=enterprise, author=enterprise_user)
    first = factories.ClaimFactory(challenge=challenge, expert=expert)
    second = factories.ClaimFactory(challenge=challenge, expert=other_expert)

    def accept(claim):
        def work():
            try:
                services.accept_claim(claim=claim, by=enterprise_user)
                return "accepted"
            except Conflict as error:
                return error.code
        return work

    # when both are accepted at the same moment
    results = run_at_once([accept(first), accept(second)])
    # then one won and the other was refused cleanly; the loser's claim is declined, not accepted
    assert sorted(results) == ["accepted", "challenge_not_open"], results
    assert Claim.objects.filter(challenge=challenge, status=Claim.Status.ACCEPTED).count() == 1
    assert Claim.objects.filter(challenge=challenge, status=Claim.Status.DECLINED).count() == 1
    challenge.refresh_from_db()
    assert challenge.status == Status.MATCHING
    assert challenge.expert_id == Claim.objects.get(challenge=challenge, status="accepted").expert_id
