from django.http import HttpRequest

from notifications.models import Notification


def unread_notifications(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {"unread_notifications_count": 0}
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return {"unread_notifications_count": count}
