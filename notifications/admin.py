"""Admin for the notification outbox: park staff look at what was sent and retry failed deliveries."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alliance.admin import ReadOnlyForParkStaffMixin
from notifications.models import Delivery, Notification, NotificationPreference
from notifications.services import retry_deliveries


class DeliveryInline(ReadOnlyForParkStaffMixin, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["channel", "state", "attempts", "last_error", "created_at", "last_attempt_at", "sent_at"]
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["title", "recipient", "chain", "kind", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "recipient__username", "recipient__display_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = [
        "notification", "channel", "state", "attempts", "created_at", "last_attempt_at", "sent_at", "short_error",
    ]
    list_filter = ["state", "channel", "is_digest"]
    search_fields = ["notification__title", "notification__recipient__username", "last_error"]
    list_select_related = ["notification"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.display(description=_("最后错误"))
    def short_error(self, delivery: Delivery) -> str:
        return delivery.last_error[:120]

    @admin.action(description=_("重新发送所选的失败投递"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        notification_ids = retry_deliveries(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("已安排重新发送 %(count)d 条通知。") % {"count": len(notification_ids)})


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["user", "kind", "in_app", "email", "frequency", "updated_at"]
    list_filter = ["kind", "frequency", "email"]
    search_fields = ["user__username", "user__display_name"]
    list_select_related = ["user"]
