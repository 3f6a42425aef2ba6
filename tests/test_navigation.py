"""Each role finds its pages from the navbar, and park staff and chain leaders can export the lists they see."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_park_staff_navbar_reaches_applications_import_and_dashboard(client, park_staff):
    client.force_login(park_staff)
    page = client.get(reverse("challenges:hall")).content.decode()
    for name in ("experts:application_list", "alliance:import", "alliance:dashboard", "notifications:failed"):
        assert f'href="{reverse(name)}"' in page


def test_chain_leader_sees_the_dashboard_link_but_not_the_park_tools(client, chain_leader):
    client.force_login(chain_leader)
    page = client.get(reverse("challenges:hall")).content.decode()
    assert f'href="{reverse("alliance:dashboard")}"' in page
    assert f'href="{reverse("alliance:import")}"' not in page


def test_anonymous_visitor_can_find_how_to_apply_as_an_expert(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("experts:apply")}"' in page


def test_expert_list_offers_export_with_the_current_filters_to_chain_leaders_only(client, chain_leader, expert_user):
    client.force_login(chain_leader)
    page = client.get(reverse("experts:list"), {"q": "机器视觉"}).content.decode()
    assert f'{reverse("alliance:export", args=["experts"])}?q=' in page
    client.force_login(expert_user)
    page = client.get(reverse("experts:list")).content.decode()
    assert reverse("alliance:export", args=["experts"]) not in page


def test_chain_page_export_keeps_the_status_filter(client, chain_leader, open_challenge):
    client.force_login(chain_leader)
    page = client.get(reverse("challenges:chain"), {"status": "open"}).content.decode()
    assert f'{reverse("alliance:export", args=["challenges"])}?status=open&amp;format=xlsx' in page
