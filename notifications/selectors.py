"""Reads: a person sees only their own notifications."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from alliance import roles
from alliance.models import User
from notifications.models import Delivery, Notification, NotificationPreference
from notifications.services import Preference, configurable_kinds, default_preference


def list_notifications(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def get_notification(*, user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; 404 for anyone else's, so its existence is not revealed."""
    return get_object_or_404(Notification, pk=notification_id, recipient=user)


def count_unread(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def list_preferences(*, user: User) -> list[Preference]:
    """The user's choice for every kind they may tune, in the order of Notification.Kind; defaults where unset."""
    stored = {
        row.kind: Preference(kind=row.kind, in_app=row.in_app, email=row.email, frequency=row.frequency)
        for row in NotificationPreference.objects.filter(user=user)
    }
    return [stored.get(kind) or default_preference(kind) for kind in configurable_kinds()]


def list_failed_deliveries(*, user: User) -> QuerySet[Delivery]:
    """Deliveries given up on, newest first: park staff only (anyone else sees none)."""
    if not roles.is_park_staff(user):
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(state=Delivery.State.FAILED)
        .select_related("notification__recipient", "notification__chain")
        .order_by("-last_attempt_at", "-id")
    )
