"""REST API of the expert pool: the directory, one expert, and the signed-in expert's own profile."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField
from experts import selectors, services
from experts.models import Achievement, Expert
from experts.serializers import (
    ExpertApplicationSerializer,
    ExpertDetailSerializer,
    ExpertListItemSerializer,
    OwnExpertProfileSerializer,
)

TAG = "专家库"


class ExpertFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Expert.Category.choices, label=_("专家类别"))
    chain = django_filters.ModelChoiceFilter(
        field_name="chains", queryset=IndustryChain.objects.all(), label=_("服务产业链")
    )
    field = django_filters.ModelChoiceFilter(
        field_name="fields", queryset=TechnicalField.objects.all(), label=_("技术领域")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("搜索姓名、职称、单位、研究方向"))

    class Meta:
        model = Expert
        fields = ["category", "chain", "field", "search"]

    def filter_search(self, queryset: QuerySet[Expert], name: str, value: str) -> QuerySet[Expert]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(title__icontains=value)
            | Q(organisation__name__icontains=value)
            | Q(research_areas__icontains=value)
            | Q(bio__icontains=value)
        ).distinct()


@extend_schema(tags=[TAG], summary="专家库列表", responses=ExpertListItemSerializer(many=True))
class ListExpertsApi(generics.ListAPIView):
    serializer_class = ExpertListItemSerializer
    filterset_class = ExpertFilter

    def get_queryset(self) -> QuerySet[Expert]:
        return selectors.list_experts(user=self.request.user)


@extend_schema(tags=[TAG], summary="专家详情", responses=ExpertDetailSerializer)
class GetExpertApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        expert = selectors.get_expert(user=request.user, pk=pk)
        return Response(ExpertDetailSerializer(expert).data)


class AchievementInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Achievement.Kind.choices,
        error_messages={"invalid_choice": _("请选择有效的成果类型。"), "required": _("请选择成果类型。")},
    )
    title = serializers.CharField(
        max_length=255,
        error_messages={"required": _("请填写成果名称。"), "blank": _("请填写成果名称。"),
                        "max_length": _("成果名称不能超过 255 个字。")},
    )
    abstract = serializers.CharField(required=False, allow_blank=True, default="")
    year = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1950, max_value=2100,
        error_messages={"invalid": _("年份必须是整数。"), "min_value": _("年份不能早于 1950 年。"),
                        "max_value": _("年份不能晚于 2100 年。")},
    )


class MyExpertProfileApi(APIView):
    """我的专家档案: read and edit the signed-in expert's own profile (PUT replaces, PATCH changes some fields)."""

    class ProfileInputSerializer(serializers.Serializer):
        name = serializers.CharField(
            max_length=64,
            error_messages={"required": _("请填写姓名。"), "blank": _("请填写姓名。"),
                            "max_length": _("姓名不能超过 64 个字。")},
        )
        category = serializers.ChoiceField(
            choices=Expert.Category.choices,
            error_messages={"required": _("请选择专家类别。"), "invalid_choice": _("请选择有效的专家类别。")},
        )
        title = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                      error_messages={"max_length": _("职称不能超过 64 个字。")})
        organisation = serializers.PrimaryKeyRelatedField(
            queryset=Organisation.objects.all(), required=False, allow_null=True,
            error_messages={"does_not_exist": _("所选单位不存在。"), "incorrect_type": _("单位应填写编号。")},
        )
        research_areas = serializers.ListField(
            child=serializers.CharField(max_length=60),
            error_messages={"required": _("请至少填写一个研究方向。"), "not_a_list": _("研究方向应为列表。")},
        )
        bio = serializers.CharField(required=False, allow_blank=True)
        chains = serializers.PrimaryKeyRelatedField(
            queryset=IndustryChain.objects.all(), many=True, required=False,
            error_messages={"does_not_exist": _("所选产业链不存在。"), "incorrect_type": _("产业链应填写编号。")},
        )
        fields = serializers.PrimaryKeyRelatedField(
            queryset=TechnicalField.objects.all(), many=True, required=False,
            error_messages={"does_not_exist": _("所选技术领域不存在。"), "incorrect_type": _("技术领域应填写编号。")},
        )
        max_active_claims = serializers.IntegerField(
            required=False, error_messages={"invalid": _("同时承接上限必须是整数。")}
        )
        is_available = serializers.BooleanField(required=False, error_messages={"invalid": _("请填写是或否。")})
        # Omitted: achievements stay as they are; given: they replace the list.
        achievements = AchievementInputSerializer(many=True, required=False)

    def _own_expert(self, request: Request) -> Expert:
        expert = roles.expert_of(request.user)
        if expert is None:
            raise PermissionDenied(_("只有专家可以查看和编辑专家档案。"))
        return expert

    @extend_schema(tags=[TAG], summary="我的专家档案", responses=OwnExpertProfileSerializer)
    def get(self, request: Request) -> Response:
        expert = self._own_expert(request)
        return Response(OwnExpertProfileSerializer(expert).data)

    @extend_schema(tags=[TAG], summary="修改我的专家档案（整体）", request=ProfileInputSerializer,
                   responses=OwnExpertProfileSerializer)
    def put(self, request: Request) -> Response:
        return self._update(request, is_partial=False)

    @extend_schema(tags=[TAG], summary="修改我的专家档案（部分）", request=ProfileInputSerializer,
                   responses=OwnExpertProfileSerializer)
    def patch(self, request: Request) -> Response:
        return self._update(request, is_partial=True)

    def _update(self, request: Request, *, is_partial: bool) -> Response:
        expert = self._own_expert(request)
        serializer = self.ProfileInputSerializer(data=request.data, partial=is_partial)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        achievements = given.get("achievements")
        data = services.ProfileInput(
            name=given.get("name", expert.name),
            category=given.get("category", expert.category),
            title=given.get("title", expert.title),
            organisation=given["organisation"] if "organisation" in given else expert.organisation,
            research_areas=given.get("research_areas", expert.research_areas),
            bio=given.get("bio", expert.bio),
            chains=given.get("chains", list(expert.chains.all())),
            fields=given.get("fields", list(expert.fields.all())),
            max_active_claims=given.get("max_active_claims", expert.max_active_claims),
            is_available=given.get("is_available", expert.is_available),
            achievements=None if achievements is None else [services.AchievementInput(**item) for item in achievements],
        )
        expert = services.update_expert_profile(expert=expert, by=request.user, data=data)
        expert = Expert.objects.prefetch_related("chains", "fields", "achievements").get(pk=expert.pk)
        return Response(OwnExpertProfileSerializer(expert).data)


# Applications to join the pool (申请入库) ----------------------------------------------------------------------------

APPLICATION_TAG = "专家入库申请"


class SubmitExpertApplicationApi(APIView):
    """Anyone may apply, signed in or not (the web form is the same service)."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=64)
        email = serializers.EmailField(error_messages={"invalid": _("请填写有效的联系邮箱。")})
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
        organisation_name = serializers.CharField(max_length=128)
        title = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        category = serializers.ChoiceField(choices=Expert.Category.choices,
                                           error_messages={"invalid_choice": _("请选择有效的专家类别。")})
        research_areas = serializers.ListField(child=serializers.CharField(max_length=60), max_length=30)
        achievements = serializers.CharField(max_length=5000)
        chains = serializers.PrimaryKeyRelatedField(queryset=IndustryChain.objects.all(), many=True, required=False,
                                                    default=list)

    @extend_schema(tags=[APPLICATION_TAG], summary="申请加入专家库", request=InputSerializer,
                   responses={201: ExpertApplicationSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.submit_expert_application(
            applicant=request.user, data=services.ApplicationInput(**serializer.validated_data)
        )
        return Response(ExpertApplicationSerializer(application).data, status=201)


@extend_schema(tags=[APPLICATION_TAG], summary="入库申请列表（管委会）",
               responses=ExpertApplicationSerializer(many=True))
class ListExpertApplicationsApi(generics.ListAPIView):
    serializer_class = ExpertApplicationSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet:
        if not roles.is_park_staff(self.request.user):
            raise PermissionDenied(_("只有管委会工作人员可以审核入库申请。"))
        return selectors.list_expert_applications(user=self.request.user)


class ApproveExpertApplicationApi(APIView):
    @extend_schema(tags=[APPLICATION_TAG], summary="通过入库申请（管委会）", request=None,
                   responses=ExpertApplicationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        if not roles.is_park_staff(request.user):
            raise PermissionDenied(_("只有管委会工作人员可以审核入库申请。"))
        application = selectors.get_expert_application(user=request.user, pk=pk)
        services.approve_expert_application(application=application, by=request.user)
        application.refresh_from_db()
        return Response(ExpertApplicationSerializer(application).data)


class RefuseExpertApplicationApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=1000, error_messages={
            "required": _("请填写未通过的原因。"), "blank": _("请填写未通过的原因。")})

    @extend_schema(tags=[APPLICATION_TAG], summary="不予通过入库申请（管委会）", request=InputSerializer,
                   responses=ExpertApplicationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        if not roles.is_park_staff(request.user):
            raise PermissionDenied(_("只有管委会工作人员可以审核入库申请。"))
        application = selectors.get_expert_application(user=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.refuse_expert_application(application=application, by=request.user,
                                           reason=serializer.validated_data["reason"])
        application.refresh_from_db()
        return Response(ExpertApplicationSerializer(application).data)
