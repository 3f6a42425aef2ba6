"""Shared fixtures: one signed-in user per role, and the objects they act on."""

import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def chain(db):
    return factories.IndustryChainFactory(name="高端智能装备", code="equipment")


@pytest.fixture
def other_chain(db):
    return factories.IndustryChainFactory(name="生命大健康", code="health")


@pytest.fixture
def enterprise(chain):
    return factories.OrganisationFactory(name="苏州绿野户外用品有限公司", chain=chain)


@pytest.fixture
def enterprise_user(enterprise):
    return factories.EnterpriseMembershipFactory(organisation=enterprise, user__username="ent_user").user


@pytest.fixture
def other_enterprise(chain):
    return factories.OrganisationFactory(name="昆山精工模具有限公司", chain=chain)


@pytest.fixture
def other_enterprise_user(other_enterprise):
    return factories.EnterpriseMembershipFactory(organisation=other_enterprise, user__username="other_ent").user


@pytest.fixture
def expert(chain):
    return factories.ExpertFactory(
        name="李明", user__username="expert_li", research_areas=["机器视觉", "自动包装", "柔性制造"], chains=[chain]
    )


@pytest.fixture
def expert_user(expert):
    return expert.user


@pytest.fixture
def other_expert(chain):
    return factories.ExpertFactory(
        name="王芳", user__username="expert_wang", research_areas=["生物医药", "药物制剂"], chains=[chain]
    )


@pytest.fixture
def chain_leader(chain):
    user = factories.UserFactory(username="leader", display_name="张链长")
    chain.leaders.add(user)
    return user


@pytest.fixture
def other_chain_leader(other_chain):
    user = factories.UserFactory(username="other_leader", display_name="赵链长")
    other_chain.leaders.add(user)
    return user


@pytest.fixture
def park_staff(db):
    return factories.ParkStaffFactory(user__username="park").user


@pytest.fixture
def open_challenge(enterprise, enterprise_user, chain):
    return factories.ChallengeFactory(enterprise=enterprise, author=enterprise_user, chain=chain)
