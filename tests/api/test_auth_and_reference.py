"""Token sign-in, the OpenAPI schema and the reference lists (chains, fields, organisations)."""

from rest_framework.authtoken.models import Token

from alliance.models import IndustryChain, Organisation
from tests import factories


def test_token_is_issued_for_right_password_and_works_on_a_protected_endpoint(api_client, enterprise_user):
    # when the user exchanges their password for a token
    response = api_client.post("/api/v1/auth/token/", {"username": "ent_user", "password": "pass12345"})
    # then they get one, and it signs them in
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=enterprise_user).key == token
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/challenges/mine/").status_code == 200


def test_token_is_refused_for_wrong_password_with_chinese_message(api_client, enterprise_user):
    response = api_client.post("/api/v1/auth/token/", {"username": "ent_user", "password": "wrong-password"})
    assert response.status_code == 400
    assert response.json()["errors"]["password"] == ["用户名或密码不正确。"]
    assert not Token.objects.exists()


def test_token_request_without_password_names_the_missing_field(api_client, enterprise_user):
    response = api_client.post("/api/v1/auth/token/", {"username": "ent_user"})
    assert response.status_code == 400
    assert response.json()["errors"]["password"] == ["请填写密码。"]


def test_bad_token_is_refused(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get("/api/v1/chains/").status_code in (401, 403)


def test_schema_and_docs_are_served(api_client, db):
    schema = api_client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/challenges/{id}/claims/" in schema.content
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200


def test_reference_lists_need_a_signed_in_user(api_client, chain):
    for url in ("/api/v1/chains/", "/api/v1/fields/", "/api/v1/organisations/"):
        assert api_client.get(url).status_code in (401, 403)


def test_chains_are_listed_in_their_sort_order(signed_in, enterprise_user, chain, other_chain):
    # given the park puts 生命大健康 first
    IndustryChain.objects.filter(pk=other_chain.pk).update(sort_order=1)
    IndustryChain.objects.filter(pk=chain.pk).update(sort_order=2)
    # when a member lists the chains, then they come whole (no page) in that order
    response = signed_in(enterprise_user).get("/api/v1/chains/")
    assert response.status_code == 200
    assert [item["name"] for item in response.json()] == ["生命大健康", "高端智能装备"]


def test_fields_filter_by_chain(signed_in, expert_user, field, other_chain):
    factories.TechnicalFieldFactory(name="药物制剂", chain=other_chain)
    client = signed_in(expert_user)
    response = client.get("/api/v1/fields/", {"chain": field.chain_id})
    assert response.status_code == 200
    assert [item["name"] for item in response.json()] == ["智能包装"]
    assert client.get("/api/v1/fields/", {"chain": "abc"}).status_code == 400


def test_organisations_filter_by_kind_and_are_paginated(signed_in, expert_user, enterprise, other_enterprise):
    # given two enterprises and the expert's university
    client = signed_in(expert_user)
    # when filtered by kind
    response = client.get("/api/v1/organisations/", {"kind": "enterprise"})
    # then only enterprises come back, inside a page
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {item["name"] for item in body["results"]} == {"苏州绿野户外用品有限公司", "昆山精工模具有限公司"}
    assert all(item["kind_display"] == "企业" for item in body["results"])
    assert Organisation.objects.filter(kind="university").exists()
    assert client.get("/api/v1/organisations/", {"kind": "bank"}).status_code == 400
