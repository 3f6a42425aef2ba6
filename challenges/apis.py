"""REST API of challenges (技术需求), claims (揭榜) and chain recommendations. Writes go through services,
objects are fetched through selectors (someone else's object answers 404)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import filters, generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from challenges import selectors, services
from challenges.filters import ChallengeFilter
from challenges.models import Challenge, Claim, ClaimMember
from challenges.serializers import (
    AgreementSerializer,
    AttachmentSerializer,
    ChallengeDetailSerializer,
    ChallengeEventSerializer,
    ChallengeInvitationSerializer,
    ChallengeMatchSerializer,
    ChallengeSummarySerializer,
    ClaimMemberSerializer,
    ClaimSerializer,
    ConfidentialityAcceptanceSerializer,
    ExpertMatchSerializer,
    MilestoneSerializer,
    OwnClaimSerializer,
    QuestionSerializer,
    RatingSerializer,
    RecommendationSerializer,
    TeamInvitationSerializer,
    TrackRecordSerializer,
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
    actions = selectors.challenge_actions(user=user, challenge=challenge)
    return ChallengeDetailSerializer(challenge, context={"can_see_full_details": full, "actions": actions}).data


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
        submit = serializers.BooleanField(
            required=False, default=True, help_text=_("是否立即提交审核；否则保存为草稿"),
            error_messages={"invalid": _("请填写是或否。")},
        )

    def get_queryset(self) -> QuerySet[Challenge]:
        return selectors.hall_challenges(user=self.request.user)

    @extend_schema(tags=[CHALLENGES_TAG], summary="榜单大厅", responses=ChallengeSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        return _paginated_list(self, self.filter_queryset(self.get_queryset()))

    @extend_schema(tags=[CHALLENGES_TAG], summary="发布需求（保存草稿或提交审核）", request=ChallengeInputSerializer,
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
        submit = given.pop("submit", True)
        challenge = services.post_challenge(
            enterprise=enterprise, author=request.user, data=services.ChallengeInput(chain=chain, **given),
            submit=submit,
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


@extend_schema(tags=[CHALLENGES_TAG], summary="需求时间线（审计记录）", responses=ChallengeEventSerializer(many=True))
class ListChallengeEventsApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        events = selectors.challenge_timeline(user=request.user, challenge=challenge)
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
        team = serializers.PrimaryKeyRelatedField(
            queryset=Expert.objects.filter(is_active=True), many=True, required=False, default=list,
            help_text=_("团队揭榜：邀请的其他专家编号"),
            error_messages={"does_not_exist": _("所选专家不存在或已不在库。"), "incorrect_type": _("专家应填写编号。"),
                            "not_a_list": _("团队成员应为专家编号列表。")},
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



# ---------------------------------------------------------------------------------------------- the lifecycle
LIFECYCLE_TAG = "需求流程"
QA_TAG = "答疑"
TEAM_TAG = "团队揭榜"
WORK_TAG = "对接与验收"
FILES_TAG = "附件"

REASON_MESSAGES = {"max_length": _("内容不能超过 1000 个字。")}
NOTE_MESSAGES = {"required": _("请填写说明。"), "blank": _("请填写说明。"), "null": _("请填写说明。")}
EXPERT_MESSAGES = {"required": _("请选择专家。"), "null": _("请选择专家。"),
                   "does_not_exist": _("所选专家不存在或已不在库。"), "incorrect_type": _("专家应填写编号。")}
FILES_HELP = _("附件：PDF、Word、Excel、PPT、PNG/JPG、ZIP，每个不超过 20 MB")


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000,
                                   error_messages=REASON_MESSAGES)


class UpdateChallengeApi(APIView):
    """PATCH: the enterprise edits a draft or a returned challenge (fields left out keep their value)."""

    class UpdateInputSerializer(ChallengesApi.ChallengeInputSerializer):
        submit = None
        enterprise = None

    @extend_schema(tags=[LIFECYCLE_TAG], summary="修改草稿或被驳回的需求（发榜企业）",
                   request=UpdateInputSerializer, responses=ChallengeDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        if not selectors.can_manage_challenge(user=request.user, challenge=challenge):
            raise PermissionDenied(_("只有发榜企业可以修改需求。"))
        serializer = self.UpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "title": challenge.title, "description": challenge.description, "chain": challenge.chain,
            "deadline": challenge.deadline, "field": challenge.field, "keywords": challenge.keywords,
            "expected_outcome": challenge.expected_outcome, "reward_wan": challenge.reward_wan,
            "is_confidential": challenge.is_confidential, "claim_mode": challenge.claim_mode,
        }
        given = {key: value for key, value in serializer.validated_data.items() if key in request.data}
        current.update(given)
        if current["chain"] is None:
            raise ApplicationError(_("请选择所属产业链。"), field="chain")
        challenge = services.update_challenge(
            challenge=challenge, by=request.user, data=services.ChallengeInput(**current)
        )
        return Response(_detail(challenge, request.user))


@extend_schema(tags=[LIFECYCLE_TAG], summary="提交审核（发榜企业）", request=None, responses=ChallengeDetailSerializer)
class SubmitChallengeApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        challenge = services.submit_challenge(challenge=challenge, by=request.user)
        return Response(_detail(challenge, request.user))


class ReviewChallengeApi(APIView):
    class ReviewInputSerializer(serializers.Serializer):
        approve = serializers.BooleanField(
            help_text=_("true 发布；false 驳回（须填写原因）"),
            error_messages={"required": _("请选择发布或驳回。"), "invalid": _("请选择发布或驳回。")},
        )
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000,
                                       error_messages=REASON_MESSAGES)

    @extend_schema(tags=[LIFECYCLE_TAG], summary="审核需求：发布或驳回（本链链长、管委会）",
                   request=ReviewInputSerializer, responses=ChallengeDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        challenge = services.review_challenge(challenge=challenge, by=request.user,
                                              **_validated(self.ReviewInputSerializer, request))
        return Response(_detail(challenge, request.user))


@extend_schema(tags=[LIFECYCLE_TAG], summary="待我审核的需求（链长、管委会）",
               responses=ChallengeSummarySerializer(many=True))
class ListChallengesToReviewApi(generics.ListAPIView):
    serializer_class = ChallengeSummarySerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Challenge]:
        if not (roles.is_chain_leader(self.request.user) or roles.is_park_staff(self.request.user)):
            raise PermissionDenied(_("只有链长和管委会可以审核需求。"))
        return selectors.challenges_to_review(user=self.request.user)


@extend_schema(tags=[LIFECYCLE_TAG], summary="撤回需求（发榜企业）", request=ReasonInputSerializer,
               responses=ChallengeDetailSerializer)
class WithdrawChallengeApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        challenge = services.withdraw_challenge(challenge=challenge, by=request.user,
                                                **_validated(ReasonInputSerializer, request))
        return Response(_detail(challenge, request.user))


@extend_schema(tags=[LIFECYCLE_TAG], summary="关闭需求（本链链长、管委会，须填写原因）", request=ReasonInputSerializer,
               responses=ChallengeDetailSerializer)
class CloseChallengeApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        challenge = services.close_challenge(challenge=challenge, by=request.user,
                                             **_validated(ReasonInputSerializer, request))
        return Response(_detail(challenge, request.user))


@extend_schema(tags=[LIFECYCLE_TAG], summary="接受保密条款，查看保密需求全文（专家）", request=None,
               responses={201: ConfidentialityAcceptanceSerializer})
class AcceptConfidentialityApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        expert = _require_expert(request.user)
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        acceptance = services.accept_confidentiality(challenge=challenge, expert=expert)
        return Response(ConfidentialityAcceptanceSerializer(acceptance).data, status=status.HTTP_201_CREATED)


class ChallengeInvitationsApi(APIView):
    """GET: who was invited (enterprise, chain leaders, staff). POST: invite an expert to the challenge."""

    class InvitationInputSerializer(serializers.Serializer):
        expert = serializers.PrimaryKeyRelatedField(queryset=Expert.objects.all(), error_messages=EXPERT_MESSAGES)
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500,
                                     error_messages={"max_length": _("邀请说明不能超过 500 个字。")})

    @extend_schema(tags=[LIFECYCLE_TAG], summary="需求的专家邀请", responses=ChallengeInvitationSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        invitations = selectors.challenge_invitations(user=request.user, challenge=challenge)
        return Response(ChallengeInvitationSerializer(invitations, many=True).data)

    @extend_schema(tags=[LIFECYCLE_TAG], summary="邀请专家查看并揭榜（发榜企业、本链链长）",
                   request=InvitationInputSerializer, responses={201: ChallengeInvitationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        invitation = services.invite_expert(challenge=challenge, by=request.user,
                                            **_validated(self.InvitationInputSerializer, request))
        return Response(ChallengeInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


def _question_context(user: User, challenge: Challenge) -> dict:
    show_askers = selectors.can_manage_challenge(user=user, challenge=challenge) or selectors.can_steer_challenge(
        user=user, challenge=challenge
    )
    return {"show_askers": show_askers, "expert": roles.expert_of(user)}


class ChallengeQuestionsApi(APIView):
    """GET: the questions the user may see. POST: an expert asks a question."""

    class QuestionInputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000, error_messages={
            "required": _("请填写问题。"), "blank": _("请填写问题。"), "null": _("请填写问题。"),
            "max_length": _("问题不能超过 2000 个字。")})

    @extend_schema(tags=[QA_TAG], summary="需求答疑列表", responses=QuestionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        questions = selectors.visible_questions(user=request.user, challenge=challenge)
        return Response(QuestionSerializer(questions, many=True,
                                           context=_question_context(request.user, challenge)).data)

    @extend_schema(tags=[QA_TAG], summary="向企业提问（专家）", request=QuestionInputSerializer,
                   responses={201: QuestionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        expert = _require_expert(request.user)
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        question = services.ask_question(challenge=challenge, expert=expert,
                                         **_validated(self.QuestionInputSerializer, request))
        return Response(QuestionSerializer(question, context=_question_context(request.user, challenge)).data,
                        status=status.HTTP_201_CREATED)


class AnswerQuestionApi(APIView):
    class AnswerInputSerializer(serializers.Serializer):
        answer = serializers.CharField(max_length=5000, error_messages={
            "required": _("请填写答复内容。"), "blank": _("请填写答复内容。"), "null": _("请填写答复内容。"),
            "max_length": _("答复不能超过 5000 个字。")})

    @extend_schema(tags=[QA_TAG], summary="答复问题（发榜企业）", request=AnswerInputSerializer,
                   responses=QuestionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        question = selectors.get_question(user=request.user, pk=pk)
        question = services.answer_question(question=question, by=request.user,
                                            **_validated(self.AnswerInputSerializer, request))
        return Response(QuestionSerializer(question, context=_question_context(request.user,
                                                                                question.challenge)).data)


class ClaimTeamApi(APIView):
    """GET: the team on a claim. POST: the lead invites another expert."""

    class TeamInputSerializer(serializers.Serializer):
        expert = serializers.PrimaryKeyRelatedField(queryset=Expert.objects.all(), error_messages=EXPERT_MESSAGES)

    @extend_schema(tags=[TEAM_TAG], summary="揭榜团队", responses=ClaimMemberSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        claim = selectors.get_claim(user=request.user, pk=pk)
        return Response(ClaimMemberSerializer(selectors.claim_team(user=request.user, claim=claim), many=True).data)

    @extend_schema(tags=[TEAM_TAG], summary="邀请团队成员（牵头专家）", request=TeamInputSerializer,
                   responses={201: ClaimMemberSerializer})
    def post(self, request: Request, pk: int) -> Response:
        claim = selectors.get_claim(user=request.user, pk=pk)
        member = services.invite_team_member(claim=claim, by=request.user,
                                             **_validated(self.TeamInputSerializer, request))
        return Response(ClaimMemberSerializer(member).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TEAM_TAG], summary="推荐的团队成员（牵头专家，智能匹配）",
               responses=ExpertMatchSerializer(many=True))
class SuggestTeamApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        claim = selectors.get_claim(user=request.user, pk=pk)
        if claim.expert.user_id != request.user.pk:
            raise PermissionDenied(_("只有牵头专家可以查看团队推荐。"))
        return Response(ExpertMatchSerializer(selectors.suggest_team(user=request.user, claim=claim), many=True).data)


class RespondTeamInvitationApi(APIView):
    class RespondInputSerializer(serializers.Serializer):
        accept = serializers.BooleanField(error_messages={"required": _("请选择接受或谢绝。"),
                                                          "invalid": _("请选择接受或谢绝。")})

    @extend_schema(tags=[TEAM_TAG], summary="接受或谢绝团队邀请（受邀专家）", request=RespondInputSerializer,
                   responses=ClaimMemberSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = selectors.get_team_member(user=request.user, pk=pk)
        member = services.respond_team_invitation(member=member, by=request.user,
                                                  **_validated(self.RespondInputSerializer, request))
        return Response(ClaimMemberSerializer(member).data)


@extend_schema(tags=[TEAM_TAG], summary="我收到的团队邀请（专家）", responses=TeamInvitationSerializer(many=True))
class ListMyTeamInvitationsApi(generics.ListAPIView):
    serializer_class = TeamInvitationSerializer
    permission_classes = [IsAuthenticated, IsExpert]
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ClaimMember]:
        return selectors.team_invitations_for_expert(user=self.request.user)


class ChallengeAgreementApi(APIView):
    """GET: the agreement (participants). PUT: either side proposes or rewrites it."""

    class AgreementInputSerializer(serializers.Serializer):
        scope = serializers.CharField(error_messages={"required": _("请填写合作内容与范围。"),
                                                      "blank": _("请填写合作内容与范围。")})
        amount_wan = serializers.DecimalField(max_digits=10, decimal_places=2, error_messages={
            "required": _("请填写合作金额（万元）。"), "invalid": _("合作金额必须是数字（单位：万元）。"),
            "max_digits": _("合作金额过大。"), "max_whole_digits": _("合作金额过大。"),
            "max_decimal_places": _("合作金额最多保留两位小数。")})
        start_date = serializers.DateField(error_messages={"required": _("请填写开始日期。"),
                                                           "invalid": _("日期格式应为 YYYY-MM-DD。")})
        end_date = serializers.DateField(error_messages={"required": _("请填写结束日期。"),
                                                         "invalid": _("日期格式应为 YYYY-MM-DD。")})

    @extend_schema(tags=[WORK_TAG], summary="对接协议", responses={200: AgreementSerializer,
                                                             404: OpenApiResponse(description="尚无协议或无权查看")})
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        agreement = selectors.get_agreement(user=request.user, challenge=challenge)
        if agreement is None:
            raise Http404
        return Response(AgreementSerializer(agreement).data)

    @extend_schema(tags=[WORK_TAG], summary="提出或修改对接协议（发榜企业、承接专家）",
                   request=AgreementInputSerializer, responses=AgreementSerializer)
    def put(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        agreement = services.propose_agreement(challenge=challenge, by=request.user,
                                               **_validated(self.AgreementInputSerializer, request))
        return Response(AgreementSerializer(agreement).data)


@extend_schema(tags=[WORK_TAG], summary="确认对接协议（另一方；双方确认后进入实施）", request=None,
               responses=AgreementSerializer)
class ConfirmAgreementApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        agreement = selectors.get_agreement(user=request.user, challenge=challenge)
        if agreement is None:
            if not selectors.is_participant(user=request.user, challenge=challenge):
                raise PermissionDenied(_("只有发榜企业和选定的揭榜专家可以确认对接协议。"))
            raise Http404
        agreement = services.confirm_agreement(agreement=agreement, by=request.user)
        return Response(AgreementSerializer(agreement).data)


class ChallengeMilestonesApi(APIView):
    """GET: the milestones (participants). POST: either side adds one."""

    class MilestoneInputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=120, error_messages={
            "required": _("请填写里程碑名称。"), "blank": _("请填写里程碑名称。"),
            "max_length": _("里程碑名称不能超过 120 个字。")})
        due_date = serializers.DateField(error_messages={"required": _("请填写计划完成日期。"),
                                                         "invalid": _("日期格式应为 YYYY-MM-DD。")})

    @extend_schema(tags=[WORK_TAG], summary="里程碑", responses=MilestoneSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        milestones = selectors.challenge_milestones(user=request.user, challenge=challenge)
        return Response(MilestoneSerializer(milestones, many=True).data)

    @extend_schema(tags=[WORK_TAG], summary="新增里程碑（发榜企业、承接专家）", request=MilestoneInputSerializer,
                   responses={201: MilestoneSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        milestone = services.add_milestone(challenge=challenge, by=request.user,
                                           **_validated(self.MilestoneInputSerializer, request))
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)


class FilesField(serializers.ListField):
    child = serializers.FileField(allow_empty_file=True, error_messages={"invalid": _("请上传文件。")})


class SubmitMilestoneApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class SubmitMilestoneInputSerializer(serializers.Serializer):
        delivery_note = serializers.CharField(error_messages=NOTE_MESSAGES)
        files = FilesField(required=False, default=list, help_text=FILES_HELP)

    @extend_schema(tags=[WORK_TAG], summary="提交里程碑成果（承接专家）", request={
        "multipart/form-data": SubmitMilestoneInputSerializer}, responses=MilestoneSerializer)
    def post(self, request: Request, pk: int) -> Response:
        milestone = selectors.get_milestone(user=request.user, pk=pk)
        given = _validated(self.SubmitMilestoneInputSerializer, request)
        milestone = services.submit_milestone(milestone=milestone, by=request.user, note=given["delivery_note"],
                                              files=given["files"])
        return Response(MilestoneSerializer(milestone).data)


@extend_schema(tags=[WORK_TAG], summary="确认里程碑（发榜企业）", request=None, responses=MilestoneSerializer)
class ConfirmMilestoneApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        milestone = selectors.get_milestone(user=request.user, pk=pk)
        milestone = services.confirm_milestone(milestone=milestone, by=request.user)
        return Response(MilestoneSerializer(milestone).data)


class SubmitDeliveryApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class DeliveryInputSerializer(serializers.Serializer):
        note = serializers.CharField(error_messages=NOTE_MESSAGES)
        files = FilesField(required=False, default=list, help_text=FILES_HELP)

    @extend_schema(tags=[WORK_TAG], summary="提交成果，申请验收（承接专家）",
                   request={"multipart/form-data": DeliveryInputSerializer}, responses=ChallengeDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        challenge = services.submit_delivery(challenge=challenge, by=request.user,
                                             **_validated(self.DeliveryInputSerializer, request))
        return Response(_detail(challenge, request.user))


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                 error_messages={"max_length": _("内容不能超过 2000 个字。")})


@extend_schema(tags=[WORK_TAG], summary="验收通过（发榜企业）", request=NoteInputSerializer,
               responses=ChallengeDetailSerializer)
class AcceptDeliveryApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        challenge = services.accept_delivery(challenge=challenge, by=request.user,
                                             **_validated(NoteInputSerializer, request))
        return Response(_detail(challenge, request.user))


@extend_schema(tags=[WORK_TAG], summary="要求修改成果（发榜企业，须说明修改内容）", request=NoteInputSerializer,
               responses=ChallengeDetailSerializer)
class RequestChangesApi(APIView):
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        challenge = services.request_changes(challenge=challenge, by=request.user,
                                             **_validated(NoteInputSerializer, request))
        return Response(_detail(challenge, request.user))


class ChallengeRatingsApi(APIView):
    """GET: the ratings of a challenge (participants). POST: one side rates the other."""

    class RatingInputSerializer(serializers.Serializer):
        score = serializers.IntegerField(min_value=1, max_value=5, error_messages={
            "required": _("请选择评分。"), "invalid": _("评分应为 1 到 5 的整数。"),
            "min_value": _("评分应为 1 到 5 的整数。"), "max_value": _("评分应为 1 到 5 的整数。")})
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                        error_messages={"max_length": _("评语不能超过 2000 个字。")})

    @extend_schema(tags=[WORK_TAG], summary="合作评价", responses=RatingSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        return Response(RatingSerializer(selectors.challenge_ratings(user=request.user, challenge=challenge),
                                         many=True).data)

    @extend_schema(tags=[WORK_TAG], summary="评价对方（验收后，发榜企业与承接专家各一次）",
                   request=RatingInputSerializer, responses={201: RatingSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        rating = services.rate_counterpart(challenge=challenge, by=request.user,
                                           **_validated(self.RatingInputSerializer, request))
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class ChallengeAttachmentsApi(APIView):
    """GET: the files the user may download. POST: the enterprise uploads a file (multipart, field `file`)."""

    parser_classes = [MultiPartParser, FormParser]

    class AttachmentInputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True, help_text=FILES_HELP, error_messages={
            "required": _("请选择要上传的文件。"), "invalid": _("请上传文件。"), "empty": _("文件是空的。")})

    @extend_schema(tags=[FILES_TAG], summary="需求附件", responses=AttachmentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        attachments = selectors.challenge_attachments(user=request.user, challenge=challenge)
        return Response(AttachmentSerializer(attachments, many=True).data)

    @extend_schema(tags=[FILES_TAG], summary="上传需求附件（发榜企业）",
                   request={"multipart/form-data": AttachmentInputSerializer}, responses={201: AttachmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        challenge = selectors.get_challenge(user=request.user, pk=pk)
        attachment = services.add_attachment(challenge=challenge, by=request.user,
                                             **_validated(self.AttachmentInputSerializer, request))
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[FILES_TAG], summary="下载附件（有权查看的用户）",
               responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
class DownloadAttachmentApi(APIView):
    def get(self, request: Request, pk: int) -> FileResponse:
        attachment = selectors.get_attachment(user=request.user, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)


@extend_schema(tags=[CLAIMS_TAG], summary="专家的履约记录（选定、完成、评分）", responses=TrackRecordSerializer)
class ExpertTrackRecordApi(APIView):
    def get(self, request: Request, pk: int) -> Response:
        from experts.selectors import get_expert

        expert = get_expert(user=request.user, pk=pk)
        return Response(TrackRecordSerializer(selectors.expert_track_record(expert=expert)).data)
