"""REST API of the alliance: token sign-in and the reference lists every form needs."""

from __future__ import annotations

import django_filters
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance.models import IndustryChain, Organisation, TechnicalField
from alliance.serializers import IndustryChainSerializer, OrganisationSerializer, TechnicalFieldSerializer
from config.exceptions import ApplicationError

TAG = "联盟"


class ObtainTokenApi(APIView):
    """Exchange a username and password for the user's API token (sent as `Authorization: Token <key>`)."""

    authentication_classes: list = []  # no session, hence no CSRF check for clients that have none
    permission_classes = [AllowAny]

    class TokenInputSerializer(serializers.Serializer):
        username = serializers.CharField(
            error_messages={"required": _("请填写用户名。"), "blank": _("请填写用户名。")}
        )
        password = serializers.CharField(
            trim_whitespace=False, style={"input_type": "password"},
            error_messages={"required": _("请填写密码。"), "blank": _("请填写密码。")},
        )

    class TokenOutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(tags=[TAG], summary="获取 API 令牌", request=TokenInputSerializer, responses=TokenOutputSerializer,
                   auth=[])
    def post(self, request: Request) -> Response:
        serializer = self.TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request=request._request, **serializer.validated_data)
        if user is None:
            raise ApplicationError(_("用户名或密码不正确。"), code="invalid_credentials", field="password")
        token, _created = Token.objects.get_or_create(user=user)
        return Response(self.TokenOutputSerializer({"token": token.key}).data)


@extend_schema(tags=[TAG], summary="产业链", responses=IndustryChainSerializer(many=True))
class ListChainsApi(generics.ListAPIView):
    serializer_class = IndustryChainSerializer
    pagination_class = None  # a handful of chains, listed whole for pickers
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[IndustryChain]:
        return IndustryChain.objects.order_by("sort_order", "id")


class FieldFilter(django_filters.FilterSet):
    chain = django_filters.ModelChoiceFilter(queryset=IndustryChain.objects.all(), label=_("产业链"))

    class Meta:
        model = TechnicalField
        fields = ["chain"]


@extend_schema(tags=[TAG], summary="技术领域", responses=TechnicalFieldSerializer(many=True))
class ListFieldsApi(generics.ListAPIView):
    serializer_class = TechnicalFieldSerializer
    pagination_class = None  # listed whole for pickers
    filter_backends = [DjangoFilterBackend]
    filterset_class = FieldFilter

    def get_queryset(self) -> QuerySet[TechnicalField]:
        return TechnicalField.objects.order_by("chain_id", "id")


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices, label=_("类型"))

    class Meta:
        model = Organisation
        fields = ["kind"]


@extend_schema(tags=[TAG], summary="机构（企业、高校、科研院所）", responses=OrganisationSerializer(many=True))
class ListOrganisationsApi(generics.ListAPIView):
    serializer_class = OrganisationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrganisationFilter

    def get_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.order_by("id")
