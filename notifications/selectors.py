"""Reads: a person sees only their own notifications."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from alliance.models import User
from notifications.models import Notification


def list_notifications(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def get_notification(*, user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; 404 for anyone else's, so its existence is not revealed."""
    return get_object_or_404(Notification, pk=notification_id, recipient=user)


def count_unread(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
