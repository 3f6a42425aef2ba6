from django.http import HttpRequest

from notifications.selectors import count_unread


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications_count": 0}
    return {"unread_notifications_count": count_unread(user=user)}
