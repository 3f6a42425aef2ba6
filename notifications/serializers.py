"""Output shape of an in-app notification, and the shape of a notification preference."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Notification, NotificationPreference


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "is_read", "read_at", "created_at"]

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Notification.Kind.choices, label=_("通知类型"))
    kind_display = serializers.SerializerMethodField()
    in_app = serializers.BooleanField(label=_("站内信"))
    email = serializers.BooleanField(label=_("电子邮件"))
    frequency = serializers.ChoiceField(choices=NotificationPreference.Frequency.choices, label=_("邮件发送方式"))

    def get_kind_display(self, preference) -> str:
        kind = preference["kind"] if isinstance(preference, dict) else preference.kind
        return str(dict(Notification.Kind.choices).get(kind, kind))
