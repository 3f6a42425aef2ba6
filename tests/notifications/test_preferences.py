"""Per-kind preferences: channels and the daily digest, on the settings page and in the API."""

from unittest import mock

from django.core import mail
from django.db import transaction

from notifications import services
from notifications.models import Delivery, Notification, NotificationPreference
from notifications.services import Message, notify, send_daily_digests

KIND = Notification.Kind.CLAIM_SUBMITTED


def deliver_now(*, notification_ids) -> None:
    """Stands in for the broker and the worker: deliver on commit, in this process."""
    services.deliver_notifications(notification_ids=notification_ids)


def message(key: str = "claim:1:submitted") -> Message:
    return Message(
        kind=KIND, title="李明 揭榜了您的需求", body="请查看揭榜方案。", url="/challenges/7/", dedupe_key=key
    )


def channels_of(user) -> dict[str, bool]:
    return dict(Delivery.objects.filter(notification__recipient=user).values_list("channel", "is_digest"))


def test_without_a_stored_preference_both_channels_go_out_at_once(enterprise_user):
    notify(recipients=[enterprise_user], message=message())
    assert channels_of(enterprise_user) == {"in_app": False, "email": False}


def test_email_turned_off_leaves_the_inbox_only(enterprise_user):
    NotificationPreference.objects.create(user=enterprise_user, kind=KIND, email=False)
    notify(recipients=[enterprise_user], message=message())
    assert channels_of(enterprise_user) == {"in_app": False}


def test_in_app_turned_off_keeps_the_record_but_raises_no_badge(enterprise_user):
    NotificationPreference.objects.create(user=enterprise_user, kind=KIND, in_app=False)
    [notification_id] = notify(recipients=[enterprise_user], message=message())
    assert channels_of(enterprise_user) == {"email": False}
    assert Notification.objects.get(pk=notification_id).read_at is not None


def test_everything_off_writes_nothing(enterprise_user):
    NotificationPreference.objects.create(user=enterprise_user, kind=KIND, in_app=False, email=False)
    assert notify(recipients=[enterprise_user], message=message()) == []
    assert not Notification.objects.exists()


def test_daily_digest_folds_waiting_emails_into_one_and_running_twice_sends_one(
    enterprise_user, django_capture_on_commit_callbacks
):
    # given a member who wants claims in the daily digest, and three claims today, delivered at once where due
    NotificationPreference.objects.create(user=enterprise_user, kind=KIND, frequency="daily")
    with mock.patch.object(services, "enqueue_deliveries", side_effect=deliver_now):
        with django_capture_on_commit_callbacks(execute=True):
            for number in range(3):
                notify(recipients=[enterprise_user], message=message(f"claim:{number}:submitted"))
        # then no e-mail went out at once (in-app did)
        assert mail.outbox == []
        assert Delivery.objects.filter(channel="in_app", state="sent").count() == 3
        assert Delivery.objects.filter(channel="email", is_digest=True, state="pending").count() == 3
        # when the digest job runs twice
        with django_capture_on_commit_callbacks(execute=True):
            first = send_daily_digests()
        with django_capture_on_commit_callbacks(execute=True):
            second = send_daily_digests()
    # then one digest e-mail lists the three claims, and the folded rows are marked
    assert (len(first), second) == (1, [])
    [email] = mail.outbox
    assert "每日通知摘要" in email.subject and "共 3 条" in email.subject
    assert email.body.count("李明 揭榜了您的需求") == 3
    assert Delivery.objects.filter(is_digest=True, state="digested").count() == 3


def test_settings_page_shows_defaults_and_saves_choices(client, enterprise_user):
    client.force_login(enterprise_user)
    page = client.get("/notifications/settings/")
    assert page.status_code == 200
    assert "通知设置" in page.content.decode() and "每日摘要" in page.content.decode()
    form = {f"{kind}-frequency": "immediate" for kind in Notification.Kind.values if kind != "daily_digest"}
    form.update({f"{KIND}-in_app": "on", f"{KIND}-frequency": "daily"})
    response = client.post("/notifications/settings/", form)
    assert response.status_code == 302
    stored = NotificationPreference.objects.get(user=enterprise_user, kind=KIND)
    assert (stored.in_app, stored.email, stored.frequency) == (True, False, "daily")


def test_settings_page_refuses_a_bad_frequency_in_chinese_and_changes_nothing(client, enterprise_user):
    client.force_login(enterprise_user)
    form = {f"{kind}-frequency": "immediate" for kind in Notification.Kind.values if kind != "daily_digest"}
    form[f"{KIND}-frequency"] = "hourly"
    response = client.post("/notifications/settings/", form)
    assert response.status_code == 400
    assert "请选择“即时发送”或“每日摘要”" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_anonymous_visitor_is_sent_to_login_from_settings(client, db):
    response = client.get("/notifications/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_api_lists_and_updates_only_own_preferences(api_client, enterprise_user, expert_user):
    api_client.force_authenticate(enterprise_user)
    listed = api_client.get("/api/v1/notifications/preferences/").json()
    assert {"kind": KIND, "kind_display": "收到揭榜", "in_app": True, "email": True, "frequency": "immediate"} in listed
    assert "daily_digest" not in {row["kind"] for row in listed}
    response = api_client.put(
        "/api/v1/notifications/preferences/update/",
        [{"kind": KIND, "in_app": True, "email": True, "frequency": "daily"}], format="json",
    )
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=enterprise_user, kind=KIND).frequency == "daily"
    assert not NotificationPreference.objects.filter(user=expert_user).exists()


def test_api_refuses_unknown_kind_or_the_digest_itself_and_changes_nothing(api_client, enterprise_user):
    api_client.force_authenticate(enterprise_user)
    for bad in ({"kind": "nope", "in_app": True, "email": True, "frequency": "daily"},
                {"kind": "daily_digest", "in_app": True, "email": False, "frequency": "immediate"},
                {"kind": KIND, "in_app": True, "email": True, "frequency": "hourly"}):
        with transaction.atomic():
            response = api_client.put("/api/v1/notifications/preferences/update/", [bad], format="json")
        assert response.status_code == 400, bad
    assert not NotificationPreference.objects.exists()


def test_api_refuses_anonymous(api_client, db):
    assert api_client.get("/api/v1/notifications/preferences/").status_code in (401, 403)
    response = api_client.put("/api/v1/notifications/preferences/update/", [], format="json")
    assert response.status_code in (401, 403)
    assert not NotificationPreference.objects.exists()
