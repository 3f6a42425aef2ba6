"""REST API of challenges (技术需求), claims (揭榜) and chain recommendations. Writes go through services,
objects are fetched through selectors (someone else's object answers 404)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from challenges import selectors, services
from challenges.filters import ChallengeFilter
from challenges.models import Challenge, ChallengeEvent, Claim
from challenges.serializers import (
    ChallengeDetailSerializer,
    ChallengeEventSerializer,
    ChallengeMatchSerializer,
    ChallengeSummarySerializer,
    ClaimSerializer,
    ExpertMatchSerializer,
    OwnClaimSerializer,
    RecommendationSerializer,
)
from config.exceptions import ApplicationError
from experts.models import Expert
from matching.services import rank_challenges_for_expert, rank_experts_for_challenge

CHALLENGES_TAG = "技术需求"
CLAIMS_TAG = "揭榜"
RECOMMENDATIONS_TAG = "推荐"

ORDERING_FIELDS = ["published_at", "deadline", "reward_wan"]


def _require_expert(user: User) -> Expert:
    expert = roles.expert_of(user)
    if expert is None:
        raise PermissionDenied(_("只有专家可以进行此操作。"))
    return expert


class IsExpert(BasePermission):
    message = _("只有专家可以进行此操作。")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return roles.is_expert(request.user)


class IsEnterpriseMember(BasePermission):
    message = _("只有企业成员可以进行此操作。")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return roles.is_enterprise_member(request.user)


def _detail(challenge: Challenge, user: User) -> dict:
    full = selectors.can_see_full_details(user=user, challenge=challenge)
    return ChallengeDetailSerializer(challenge, context={"can_see_full_details": full}).data


class ChallengeListMixin:
    """Filtering and ordering shared by the hall and 我的需求."""

    serializer_class = ChallengeSummarySerializer
    filterset_class = ChallengeFilter
    # Free-text search is the filter set's `q` (it knows what confidential challenges may not match on).
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    ordering_fields = ORDERING_FIELDS


class ChallengesApi(ChallengeListMixin, generics.GenericAPIView):
    """GET: the hall (榜单大厅). POST: an enterprise member posts a challenge (发布需求). Same path, two operations."""

    class ChallengeInputSerializer(serializers.Serializer):
        enterprise = serializers.PrimaryKeyRelatedField(
            queryset=Organisation.objects.all(), required=False, allow_null=True,
            help_text=_("发榜企业编号；只属于一家企业时可省略"),
            error_messages={"does_not_exist": _("所选企业不存在。"), "incorrect_type": _("企业应填写编号。")},
        )
        title = serializers.CharField(
            max_length=120,
            error_messages={"required": _("请填写需求名称。"), "blank": _("请填写需求名称。"),
                            "null": _("请填写需求名称。"), "max_length": _("需求名称不能超过 120 个字。")},
        )
        description = serializers.CharField(
            error_messages={"required": _("请填写需求描述。"), "blank": _("请填写需求描述。"),
                            "null": _("请填写需求描述。")},
        )
        chain = serializers.PrimaryKeyRelatedField(
            queryset=IndustryChain.objects.all(), required=False, allow_null=True,
            help_text=_("所属产业链编号；省略时用企业所属产业链"),
            error_messages={"does_not_exist": _("所选产业链不存在。"), "incorrect_type": _("产业链应填写编号。")},
        )
        field = serializers.PrimaryKeyRelatedField(
            queryset=TechnicalField.objects.all(), required=False, allow_null=True,
            error_messages={"does_not_exist": _("所选技术领域不存在。"), "incorrect_type": _("技术领域应填写编号。")},
        )
        keywords = serializers.ListField(
            child=serializers.CharField(max_length=40), required=False, default=list,
            error_messages={"not_a_list": _("关键词应为列表。")},
        )
        expected_outcome = serializers.CharField(required=False, allow_blank=True, default="")
        reward_wan = serializers.DecimalField(
            max_digits=10, decimal_places=2, required=False, allow_null=True, default=None,
            error_messages={"invalid": _("悬赏金额必须是数字（单位：万元）。"),
                            "max_digits": _("悬赏金额过大。"), "max_whole_digits": _("悬赏金额过大。"),
                            "max_decimal_places": _("悬赏金额最多保留两位小数。")},
        )
        deadline = serializers.DateField(
            error_messages={"required": _("请填写揭榜截止日期。"), "null": _("请填写揭榜截止日期。"),
                            "invalid": _("揭榜截止日期格式应为 YYYY-MM-DD。")},
        )
        is_confidential = serializers.BooleanField(required=False, default=False,
                                                   error_messages={"invalid": _("请填写是或否。")})
        claim_mode = serializers.ChoiceField(
            choices=Challenge.ClaimMode.choices, required=False, default=Challenge.ClaimMode.CHOOSE_ONE,
            error_messages={"invalid_choice": _("请选择有效的揭榜方式。")},
        )

    def get_queryset(self) -> QuerySet[Challenge]:
        return selectors.hall_challenges(user=self.request.user)

    @extend_schema(tags=[CHALLENGES_TAG], summary="榜单大厅", responses=ChallengeSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        return _paginated_list(self, self.filter_queryset(self.get_queryset()))

    @extend_schema(tags=[CHALLENGES_TAG], summary="发布需求", request=ChallengeInputSerializer,
                   responses={201: ChallengeDetailSerializer})
    def post(self, request: Request) -> Response:
        if not roles.is_enterprise_member(request.user):
            raise PermissionDenied(_("只有企业成员可以发布需求。"))
        serializer = self.ChallengeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = dict(serializer.validated_data)
        enterprise = _posting_enterprise(user=request.user, chosen=given.pop("enterprise", None))
        chain = given.pop("chain", None) or enterprise.chain
        if chain is None:
            raise ApplicationError(_("请选择所属产业链。"), field="chain")
        challenge = services.post_challenge(
            enterprise=enterprise, author=request.user, data=services.ChallengeInput(chain=chain, **given)
        )
        return Response(_detail(challenge, request.user), status=status.HTTP_201_CREATED)


def _posting_enterprise(*, user: User, chosen: Organisation | None) -> Organisation:
    """The enterprise a challenge is posted for: the one chosen, or the user's only one."""
    enterprise_ids = roles.enterprise_ids_of(user)
    if chosen is not None:
        if chosen.pk not in enterprise_ids:
            raise ApplicationError(_("只能以您所在的企业发布需求。"), field="enterprise")
        return chosen
    if len(enterprise_ids) > 1:
        raise ApplicationError(_("您属于多家企业，请选择发榜企业。"), field="enterprise")
    return Organisation.objects.get(pk=enterprise_ids[0])


def _paginated_list(view: generics.GenericAPIView, queryset: QuerySet) -> Response:
    page = view.paginate_queryset(queryset)
    if page is not None:
        return view.get_paginated_response(view.get_serializer(page, many=True).data)
    return Response(view.get_serializer(queryset, many=True).data)


@extend_schema(tags=[CHALLENGES_TAG], summary="我的需求（企业）", responses=ChallengeSummarySerializer(many=True))
class ListMyChallengesApi(ChallengeListMixin, generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsEnterpriseMember]

    def get_queryset(self) -> QuerySet[Challenge]:
        return selectors.enterprise_challenges(user=self.request.user)


@extend_schema(tags=[CHALLENGES_TAG], summary="需求详情", responses=ChallengeDetailSerializer)
class GetChallengeApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        return Response(_detail(challenge, request.user))


@extend_schema(tags=[CHALLENGES_TAG], summary="智能匹配的专家（发榜企业、链长、管委会）",
               responses=ExpertMatchSerializer(many=True))
class ListRecommendedExpertsApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        if not (
            selectors.can_manage_challenge(user=request.user, challenge=challenge)
            or selectors.can_steer_challenge(user=request.user, challenge=challenge)
        ):
            raise PermissionDenied(_("只有发榜企业、本链链长和管委会可以查看匹配专家。"))
        matches = rank_experts_for_challenge(challenge, limit=settings.MATCH_RECOMMENDATION_LIMIT)
        return Response(ExpertMatchSerializer(matches, many=True).data)


# Events anyone who sees the challenge may see; the rest concern particular experts (their claims, recommendations).
PUBLIC_EVENT_KINDS = frozenset(
    {
        ChallengeEvent.Kind.CREATED, ChallengeEvent.Kind.SUBMITTED, ChallengeEvent.Kind.PUBLISHED,
        ChallengeEvent.Kind.RETURNED, ChallengeEvent.Kind.ACCEPTED, ChallengeEvent.Kind.DELIVERED,
        ChallengeEvent.Kind.COMPLETED, ChallengeEvent.Kind.WITHDRAWN, ChallengeEvent.Kind.EXPIRED,
        ChallengeEvent.Kind.CLOSED, ChallengeEvent.Kind.UPDATED,
    }
)


@extend_schema(tags=[CHALLENGES_TAG], summary="需求时间线", responses=ChallengeEventSerializer(many=True))
class ListChallengeEventsApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        events = selectors.challenge_timeline(user=request.user, challenge=challenge)
        if not (
            selectors.can_manage_challenge(user=request.user, challenge=challenge)
            or selectors.can_steer_challenge(user=request.user, challenge=challenge)
        ):
            # An outside expert sees the public milestones and what concerns their own claims, not rivals' claims.
            expert = roles.expert_of(request.user)
            own = Q(claim__expert=expert) if expert is not None else Q(pk__in=[])
            events = events.filter(Q(kind__in=PUBLIC_EVENT_KINDS) | own)
        return Response(ChallengeEventSerializer(events, many=True).data)


class ChallengeClaimsApi(APIView):
    """GET: the claims on a challenge the user may see. POST: an expert claims it (揭榜). Same path, two operations."""

    class ClaimInputSerializer(serializers.Serializer):
        proposal = serializers.CharField(
            error_messages={"required": _("请填写方案概述。"), "blank": _("请填写方案概述。"),
                            "null": _("请填写方案概述。")},
        )
        expected_days = serializers.IntegerField(
            error_messages={"required": _("请填写预计周期（天）。"), "null": _("请填写预计周期（天）。"),
                            "invalid": _("预计周期必须是整数（天）。"), "max_string_length": _("预计周期过大。")},
        )

    @extend_schema(tags=[CLAIMS_TAG], summary="需求的揭榜列表", responses=ClaimSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        claims = selectors.visible_claims(user=request.user, challenge=challenge)
        return Response(ClaimSerializer(claims, many=True).data)

    @extend_schema(tags=[CLAIMS_TAG], summary="揭榜", request=ClaimInputSerializer, responses={201: ClaimSerializer})
    def post(self, request: Request, pk: int) -> Response:
        expert = _require_expert(request.user)
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        serializer = self.ClaimInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_challenge(expert=expert, challenge=challenge, **serializer.validated_data)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[CLAIMS_TAG], summary="选定揭榜方（发榜企业）", request=None, responses=ClaimSerializer)
class AcceptClaimApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        claim = selectors.get_claim(user=request.user, pk=pk)
        claim = services.accept_claim(claim=claim, by=request.user)
        return Response(ClaimSerializer(claim).data)


@extend_schema(tags=[CLAIMS_TAG], summary="撤回揭榜（揭榜专家）", request=None, responses=ClaimSerializer)
class WithdrawClaimApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        claim = selectors.get_claim(user=request.user, pk=pk)
        claim = services.withdraw_claim(claim=claim, by=request.user)
        return Response(ClaimSerializer(claim).data)


@extend_schema(tags=[CLAIMS_TAG], summary="我的揭榜（专家）", responses=OwnClaimSerializer(many=True))
class ListMyClaimsApi(generics.ListAPIView):
    serializer_class = OwnClaimSerializer
    permission_classes = [IsAuthenticated, IsExpert]
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Claim]:
        return selectors.expert_claims(user=self.request.user).order_by("-created_at", "-id")


class RecommendExpertApi(APIView):
    class RecommendationInputSerializer(serializers.Serializer):
        expert = serializers.PrimaryKeyRelatedField(
            queryset=Expert.objects.filter(is_active=True),
            error_messages={"required": _("请选择要推荐的专家。"), "null": _("请选择要推荐的专家。"),
                            "does_not_exist": _("所选专家不存在或已不在库。"),
                            "incorrect_type": _("专家应填写编号。")},
        )
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500,
                                     error_messages={"max_length": _("推荐理由不能超过 500 个字。")})

    @extend_schema(tags=[RECOMMENDATIONS_TAG], summary="链长推荐专家", request=RecommendationInputSerializer,
                   responses={201: RecommendationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        serializer = self.RecommendationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recommendation = services.recommend_expert(challenge=challenge, by=request.user, **serializer.validated_data)
        return Response(RecommendationSerializer(recommendation).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[RECOMMENDATIONS_TAG], summary="链长向我推荐的需求（专家）",
               responses=RecommendationSerializer(many=True))
class ListMyRecommendationsApi(generics.ListAPIView):
    serializer_class = RecommendationSerializer
    permission_classes = [IsAuthenticated, IsExpert]
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        return selectors.recommendations_for_expert(user=self.request.user).order_by("-created_at", "-id")


@extend_schema(tags=[RECOMMENDATIONS_TAG], summary="为我推荐（专家）", responses=ChallengeMatchSerializer(many=True))
class ListRecommendedChallengesApi(APIView):
    def get(self, request: Request) -> Response:
        expert = _require_expert(request.user)
        matches = rank_challenges_for_expert(expert, limit=settings.MATCH_RECOMMENDATION_LIMIT)
        return Response(ChallengeMatchSerializer(matches, many=True).data)

