"""Fixtures for the REST API tests: objects in a second chain and a claim waiting for a choice."""

import pytest

from tests import factories

PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"


@pytest.fixture
def field(chain):
    return factories.TechnicalFieldFactory(name="智能包装", chain=chain)


@pytest.fixture
def other_chain_enterprise(other_chain):
    return factories.OrganisationFactory(name="苏州康宁生物医药有限公司", chain=other_chain)


@pytest.fixture
def other_chain_challenge(other_chain_enterprise, other_chain):
    return factories.ChallengeFactory(
        enterprise=other_chain_enterprise, chain=other_chain, title="缓释制剂工艺放大", keywords=["药物制剂"],
        description="缓释片中试放大后释放曲线波动大，需要优化制剂工艺与过程控制。",
    )


@pytest.fixture
def submitted_claim(open_challenge, expert):
    return factories.ClaimFactory(challenge=open_challenge, expert=expert)


@pytest.fixture
def signed_in(api_client):
    """signed_in(user) -> the API client acting as that user."""

    def sign_in(user):
        api_client.force_authenticate(user)
        return api_client

    return sign_in
