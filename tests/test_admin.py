"""The admin site: park staff use it through their role, without permission rows; others need real permissions."""

import pytest
from django.urls import reverse

from challenges.models import ChallengeEvent
from tests import factories


@pytest.fixture
def plain_staff(db):
    """An is_staff account with no ParkStaff row and no permissions."""
    return factories.UserFactory(username="plain_staff", is_staff=True)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:index",
        "admin:experts_expert_changelist",
        "admin:challenges_challenge_changelist",
        "admin:alliance_organisation_changelist",
        "admin:alliance_industrychain_changelist",
        "admin:challenges_claim_changelist",
        "admin:challenges_challengeevent_changelist",
        "admin:notifications_notification_changelist",
        "admin:notifications_delivery_changelist",
        "admin:alliance_user_changelist",
    ],
)
def test_park_staff_open_admin_pages(client, park_staff, expert, open_challenge, url_name):
    # given a park staff member who is staff but not superuser, with no permission rows
    assert not park_staff.is_superuser and not park_staff.user_permissions.exists()
    factories.ClaimFactory(expert=expert, challenge=open_challenge)
    client.force_login(park_staff)
    # when they open the page, then it works
    response = client.get(reverse(url_name))
    assert response.status_code == 200


def test_park_staff_open_change_forms_with_inlines(client, park_staff, expert, open_challenge):
    # given an expert with an achievement and a challenge with an event
    factories.AchievementFactory(expert=expert, title="视觉检测论文")
    factories.ChallengeEventFactory(challenge=open_challenge)
    client.force_login(park_staff)
    # when they open the change forms
    expert_page = client.get(reverse("admin:experts_expert_change", args=[expert.pk]))
    challenge_page = client.get(reverse("admin:challenges_challenge_change", args=[open_challenge.pk]))
    organisation_page = client.get(reverse("admin:alliance_organisation_change", args=[open_challenge.enterprise_id]))
    # then they load with their inlines
    assert expert_page.status_code == 200
    assert "视觉检测论文" in expert_page.content.decode()
    assert challenge_page.status_code == 200
    assert organisation_page.status_code == 200


def test_park_staff_change_an_expert(client, park_staff, expert):
    # given park staff signed in
    client.force_login(park_staff)
    # when they mark an expert inactive with the list action
    response = client.post(
        reverse("admin:experts_expert_changelist"),
        {"action": "mark_inactive", "_selected_action": [expert.pk]},
    )
    # then it takes effect
    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.is_active is False


def test_plain_staff_cannot_change_experts_and_nothing_changes(client, plain_staff, expert):
    # given an is_staff user without a ParkStaff row or permissions
    client.force_login(plain_staff)
    change_url = reverse("admin:experts_expert_change", args=[expert.pk])
    # when they open the changelist and the change form, and try to post a change and an action
    changelist = client.get(reverse("admin:experts_expert_changelist"))
    page = client.get(change_url)
    post = client.post(change_url, {"name": "被篡改", "category": "craftsman", "max_active_claims": 9})
    action = client.post(
        reverse("admin:experts_expert_changelist"),
        {"action": "mark_inactive", "_selected_action": [expert.pk]},
    )
    # then every one is refused and the expert is unchanged
    assert changelist.status_code == 403
    assert page.status_code == 403
    assert post.status_code == 403
    assert action.status_code == 403
    expert.refresh_from_db()
    assert (expert.name, expert.category, expert.max_active_claims, expert.is_active) == (
        "李明", "professor", 3, True
    )


def test_park_staff_cannot_grant_themselves_superuser(client, park_staff):
    # given park staff editing their own account
    client.force_login(park_staff)
    url = reverse("admin:alliance_user_change", args=[park_staff.pk])
    # when they post is_superuser along with an ordinary change
    response = client.post(url, {
        "username": park_staff.username, "display_name": "改名", "email": park_staff.email,
        "is_active": "on", "is_staff": "on", "is_superuser": "on",
    })
    # then the ordinary change is saved but the privilege fields are read-only
    assert response.status_code == 302
    park_staff.refresh_from_db()
    assert park_staff.display_name == "改名"
    assert park_staff.is_superuser is False


def test_park_staff_cannot_edit_a_superuser_account(client, park_staff, django_user_model):
    # given a superuser
    root = django_user_model.objects.create_superuser("root", "root@example.cn", "pass12345")
    client.force_login(park_staff)
    # when park staff try to change the superuser or its password
    change = client.post(reverse("admin:alliance_user_change", args=[root.pk]),
                         {"username": "root", "email": "evil@example.cn", "is_active": ""})
    password = client.post(reverse("admin:auth_user_password_change", args=[root.pk]),
                           {"password1": "NewPass!2345", "password2": "NewPass!2345"})
    # then both are refused and the account is unchanged
    assert change.status_code == 403
    assert password.status_code == 403
    root.refresh_from_db()
    assert (root.email, root.is_active, root.check_password("pass12345")) == ("root@example.cn", True, True)


def test_audit_trail_is_read_only_for_park_staff(client, park_staff, open_challenge):
    # given an event of a challenge
    event = factories.ChallengeEventFactory(challenge=open_challenge, note="原始记录")
    client.force_login(park_staff)
    # when park staff try to edit or delete it
    client.post(reverse("admin:challenges_challengeevent_change", args=[event.pk]), {"note": "改写"})
    delete = client.post(reverse("admin:challenges_challengeevent_delete", args=[event.pk]), {"post": "yes"})
    # then it is refused and the row is unchanged
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.note == "原始记录"
    assert ChallengeEvent.objects.filter(pk=event.pk).exists()
