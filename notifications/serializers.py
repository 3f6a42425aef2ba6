"""Output shape of an in-app notification."""

from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "is_read", "read_at", "created_at"]

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None
