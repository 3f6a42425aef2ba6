"""The inbox as a signed-in person sees it: only their own notifications, read on click, all read at once."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification


def make_notification(user, *, title="专家 李明 揭榜了您的需求", url="/challenges/1/", read=False, **extra):
    return Notification.objects.create(
        recipient=user, kind=Notification.Kind.CLAIM_SUBMITTED, title=title, body="请查看揭榜方案。", url=url,
        dedupe_key=f"test:{title}:{user.pk}", read_at=timezone.now() if read else None, **extra,
    )


def test_anonymous_visitor_is_sent_to_login(client, db):
    # when someone not signed in opens the inbox
    response = client.get(reverse("notifications:inbox"))
    # then they are asked to sign in
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_inbox_shows_own_notifications_newest_first_and_not_others(client, enterprise_user, other_enterprise_user):
    # given two notifications for the member and one for somebody else
    older = make_notification(enterprise_user, title="较早的通知", read=True)
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    make_notification(enterprise_user, title="最新的通知")
    make_notification(other_enterprise_user, title="别人的通知")
    client.force_login(enterprise_user)
    # when the member opens the inbox
    response = client.get(reverse("notifications:inbox"))
    # then they see their own, newest first, with the unread one marked, and not the other person's
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index("最新的通知") < content.index("较早的通知")
    assert "别人的通知" not in content
    assert [n.title for n in response.context["page"].object_list] == ["最新的通知", "较早的通知"]
    assert "您有 1 条未读通知" in content
    assert content.count('data-unread="1"') == 1
    assert "全部标为已读" in content


def test_inbox_is_paginated(client, enterprise_user):
    # given 25 notifications
    for number in range(25):
        make_notification(enterprise_user, title=f"通知{number:02d}")
    client.force_login(enterprise_user)
    # when the member opens the first and second pages
    first = client.get(reverse("notifications:inbox"))
    second = client.get(reverse("notifications:inbox"), {"page": 2})
    # then the first page holds 20 and the second the remaining 5
    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5
    assert "第 1 / 2 页" in first.content.decode()


def test_empty_inbox_says_so(client, expert_user):
    client.force_login(expert_user)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    assert "暂时没有通知" in response.content.decode()
    assert "全部标为已读" not in response.content.decode()


def test_clicking_a_notification_marks_it_read_and_opens_its_link(client, enterprise_user):
    # given an unread notification
    notification = make_notification(enterprise_user, url="/challenges/42/")
    client.force_login(enterprise_user)
    # when the member clicks it
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    # then it is read and they land on its page
    assert response.status_code == 302
    assert response["Location"] == "/challenges/42/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_of_someone_elses_notification_is_404_and_nothing_changes(client, enterprise_user, expert_user):
    # given a notification addressed to the enterprise member
    notification = make_notification(enterprise_user)
    client.force_login(expert_user)
    # when another user tries to mark it read
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    # then it does not exist for them, and it stays unread
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_by_get_is_refused_and_nothing_changes(client, enterprise_user):
    notification = make_notification(enterprise_user)
    client.force_login(enterprise_user)
    response = client.get(reverse("notifications:mark_read", args=[notification.pk]))
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_external_link_is_not_followed(client, enterprise_user):
    # given a notification whose stored link points off the site
    notification = make_notification(enterprise_user, url="https://evil.example.com/phish")
    client.force_login(enterprise_user)
    # when it is clicked
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    # then the user stays on the site, in the inbox
    assert response["Location"] == reverse("notifications:inbox")


def test_mark_all_read_marks_only_own_notifications(client, enterprise_user, other_enterprise_user):
    # given unread notifications for the member and for another person
    mine = [make_notification(enterprise_user, title=f"我的{n}") for n in range(3)]
    theirs = make_notification(other_enterprise_user, title="别人的")
    client.force_login(enterprise_user)
    # when the member marks all read
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    # then all of theirs are read, the other person's is untouched, and the badge count is zero
    assert response.status_code == 200
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert response.context["unread_notifications_count"] == 0
    assert "没有未读通知" in response.content.decode()


def test_anonymous_mark_all_read_changes_nothing(client, enterprise_user):
    notification = make_notification(enterprise_user)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None


def test_unread_badge_counts_only_own_unread(rf, enterprise_user, other_enterprise_user):
    from notifications.context_processors import unread_notifications

    make_notification(enterprise_user, title="一")
    make_notification(enterprise_user, title="二", read=True)
    make_notification(other_enterprise_user, title="三")
    request = rf.get("/")
    request.user = enterprise_user
    assert unread_notifications(request) == {"unread_notifications_count": 1}

