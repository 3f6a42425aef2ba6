"""REST API of the in-app inbox. Every query is scoped to the signed-in recipient: others' rows answer 404."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.models import Notification
from notifications.serializers import NotificationSerializer, PreferenceSerializer
from notifications.services import Preference

TAG = "通知"


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(method="filter_unread", label=_("只看未读"))

    class Meta:
        model = Notification
        fields = ["unread"]

    def filter_unread(self, queryset: QuerySet[Notification], name: str, value: bool) -> QuerySet[Notification]:
        return queryset.filter(read_at__isnull=value)


@extend_schema(tags=[TAG], summary="我的通知", responses=NotificationSerializer(many=True))
class ListNotificationsApi(generics.ListAPIView):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation runs without a user
            return Notification.objects.none()
        return selectors.list_notifications(user=self.request.user)


@extend_schema(tags=[TAG], summary="标记为已读", request=None, responses=NotificationSerializer)
class MarkNotificationReadApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        notification = selectors.get_notification(user=request.user, notification_id=pk)
        services.mark_read(user=request.user, notification_id=notification.pk)  # already read: nothing to do
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)


@extend_schema(
    tags=[TAG], summary="全部标记为已读", request=None,
    responses=inline_serializer("MarkAllReadOutput", {"marked": serializers.IntegerField()}),
)
class MarkAllNotificationsReadApi(APIView):
    def post(self, request: Request) -> Response:
        return Response({"marked": services.mark_all_read(user=request.user)})


@extend_schema(
    tags=[TAG], summary="未读通知数",
    responses=inline_serializer("UnreadCountOutput", {"count": serializers.IntegerField()}),
)
class CountUnreadNotificationsApi(APIView):
    def get(self, request: Request) -> Response:
        return Response({"count": selectors.count_unread(user=request.user)})


@extend_schema(tags=[TAG], summary="我的通知设置", responses=PreferenceSerializer(many=True))
class ListNotificationPreferencesApi(APIView):
    def get(self, request: Request) -> Response:
        return Response(PreferenceSerializer(selectors.list_preferences(user=request.user), many=True).data)


@extend_schema(
    tags=[TAG], summary="修改通知设置", request=PreferenceSerializer(many=True),
    responses=PreferenceSerializer(many=True),
)
class UpdateNotificationPreferencesApi(APIView):
    """Send the kinds to change (all or some); kinds left out keep their current setting."""

    def put(self, request: Request) -> Response:
        serializer = PreferenceSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        services.update_preferences(
            user=request.user, preferences=[Preference(**item) for item in serializer.validated_data]
        )
        return Response(PreferenceSerializer(selectors.list_preferences(user=request.user), many=True).data)
