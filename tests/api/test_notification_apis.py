"""The in-app inbox over the API: own notifications only."""

from django.utils import timezone

from notifications.models import Notification


def make_notification(user, title="您的揭榜已被选定", read=False):
    return Notification.objects.create(
        recipient=user, kind=Notification.Kind.CLAIM_ACCEPTED, title=title, body="", url="/",
        dedupe_key=f"test:{title}", read_at=timezone.now() if read else None,
    )


def test_inbox_needs_sign_in(api_client, db):
    for url in ("/api/v1/notifications/", "/api/v1/notifications/unread-count/"):
        assert api_client.get(url).status_code in (401, 403)
    assert api_client.post("/api/v1/notifications/read-all/").status_code in (401, 403)


def test_inbox_lists_own_notifications_and_filters_unread(signed_in, expert_user, enterprise_user):
    unread = make_notification(expert_user, "未读")
    make_notification(expert_user, "已读", read=True)
    make_notification(enterprise_user, "别人的")
    client = signed_in(expert_user)
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 200
    assert {item["title"] for item in response.json()["results"]} == {"未读", "已读"}
    response = client.get("/api/v1/notifications/", {"unread": "true"})
    assert [item["id"] for item in response.json()["results"]] == [unread.pk]
    assert response.json()["results"][0]["is_read"] is False
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 1}


def test_mark_one_read(signed_in, expert_user):
    notification = make_notification(expert_user)
    response = signed_in(expert_user).post(f"/api/v1/notifications/{notification.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_cannot_mark_someone_elses_notification(signed_in, expert_user, enterprise_user):
    theirs = make_notification(enterprise_user)
    response = signed_in(expert_user).post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_mine(signed_in, expert_user, enterprise_user):
    make_notification(expert_user, "一")
    make_notification(expert_user, "二")
    theirs = make_notification(enterprise_user)
    response = signed_in(expert_user).post("/api/v1/notifications/read-all/")
    assert response.json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=expert_user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inbox_is_paginated(signed_in, expert_user):
    for number in range(21):
        make_notification(expert_user, f"通知{number}")
    body = signed_in(expert_user).get("/api/v1/notifications/").json()
    assert body["count"] == 21
    assert len(body["results"]) == 20


def test_inbox_filter_read_only(signed_in, expert_user):
    make_notification(expert_user, "未读")
    read = make_notification(expert_user, "已读", read=True)
    response = signed_in(expert_user).get("/api/v1/notifications/", {"unread": "false"})
    assert [item["id"] for item in response.json()["results"]] == [read.pk]
