from django.urls import path

from notifications import apis

urlpatterns = [
    path("notifications/", apis.ListNotificationsApi.as_view(), name="api-notification-list"),
    path("notifications/read-all/", apis.MarkAllNotificationsReadApi.as_view(), name="api-notification-read-all"),
    path(
        "notifications/unread-count/", apis.CountUnreadNotificationsApi.as_view(),
        name="api-notification-unread-count",
    ),
    path(
        "notifications/preferences/", apis.ListNotificationPreferencesApi.as_view(),
        name="api-notification-preferences",
    ),
    path(
        "notifications/preferences/update/", apis.UpdateNotificationPreferencesApi.as_view(),
        name="api-notification-preferences-update",
    ),
    path("notifications/<int:pk>/read/", apis.MarkNotificationReadApi.as_view(), name="api-notification-read"),
]
