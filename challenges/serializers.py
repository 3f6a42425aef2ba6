"""Output shapes of challenges, claims, events and recommendations shared by several APIs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenges.models import (
    Agreement,
    Attachment,
    ChainRecommendation,
    Challenge,
    ChallengeEvent,
    ChallengeInvitation,
    Claim,
    ClaimMember,
    ConfidentialityAcceptance,
    Milestone,
    Question,
    Rating,
)
from experts.serializers import ExpertSummarySerializer, NamedRefSerializer


class ChallengeSummarySerializer(serializers.ModelSerializer):
    """A row of the hall: never the description or expected outcome (confidential ones must not leak)."""

    enterprise = NamedRefSerializer()
    chain = NamedRefSerializer()
    field = NamedRefSerializer(allow_null=True)
    status_display = serializers.CharField(source="get_status_display")
    claim_mode_display = serializers.CharField(source="get_claim_mode_display")

    class Meta:
        model = Challenge
        fields = [
            "id", "title", "enterprise", "chain", "field", "keywords", "reward_wan", "deadline", "status",
            "status_display", "claim_mode", "claim_mode_display", "is_confidential", "published_at", "created_at",
        ]


class ChallengeDetailSerializer(ChallengeSummarySerializer):
    """One challenge. Pass context {"can_see_full_details": bool}; without it the confidential parts are left out."""

    expert = ExpertSummarySerializer(allow_null=True, help_text="承接专家")
    is_full_details = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ChallengeSummarySerializer.Meta):
        fields = [
            *ChallengeSummarySerializer.Meta.fields, "description", "expected_outcome", "expert", "first_claimed_at",
            "accepted_at", "completed_at", "review_note", "is_full_details", "actions",
        ]
        extra_kwargs = {"description": {"required": False}, "expected_outcome": {"required": False}}

    @extend_schema_field(serializers.BooleanField(help_text="False: 保密需求，描述与预期成果未返回"))
    def get_is_full_details(self, challenge: Challenge) -> bool:
        return bool(self.context.get("can_see_full_details", False))

    @extend_schema_field(serializers.ListField(
        child=serializers.CharField(), help_text="当前用户此刻可以执行的操作（服务函数名），供界面显示按钮"))
    def get_actions(self, challenge: Challenge) -> list[str]:
        return sorted(self.context.get("actions", ()))

    def to_representation(self, instance: Challenge) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not data["is_full_details"]:
            data.pop("description", None)
            data.pop("expected_outcome", None)
        return data


def inline_choices(choices: type) -> type[serializers.CharField]:
    """A read-only string field whose schema names the choices in its description: several models have a "status"
    choice set, and schema enums of the same field name would collide."""

    described = "; ".join(f"{value}: {label}" for value, label in choices.choices)

    @extend_schema_field({"type": "string", "description": described})
    class InlineChoiceField(serializers.CharField):
        pass

    return InlineChoiceField


class ClaimMemberSerializer(serializers.ModelSerializer):
    """One person of a claim's team: the lead, or an invited expert and their answer."""

    expert = ExpertSummarySerializer()
    role = inline_choices(ClaimMember.Role)(read_only=True)
    status = inline_choices(ClaimMember.Status)(read_only=True)
    role_display = serializers.CharField(source="get_role_display")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = ClaimMember
        fields = ["id", "claim", "expert", "role", "role_display", "status", "status_display", "invited_at",
                  "responded_at"]


class ClaimSerializer(serializers.ModelSerializer):
    expert = ExpertSummarySerializer()
    challenge = serializers.PrimaryKeyRelatedField(read_only=True)
    status_display = serializers.CharField(source="get_status_display")
    team = ClaimMemberSerializer(source="members", many=True, read_only=True, help_text="团队（牵头人在前）")

    class Meta:
        model = Claim
        fields = [
            "id", "challenge", "expert", "proposal", "expected_days", "status", "status_display", "match_rank",
            "match_score", "created_at", "decided_at", "team",
        ]


class OwnClaimSerializer(serializers.ModelSerializer):
    """我的揭榜: a claim with the challenge it was made on."""

    challenge = ChallengeSummarySerializer()
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Claim
        fields = [
            "id", "challenge", "proposal", "expected_days", "status", "status_display", "match_rank", "match_score",
            "created_at", "decided_at",
        ]


class ChallengeEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    actor = serializers.SerializerMethodField()
    claim = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ChallengeEvent
        fields = ["id", "kind", "kind_display", "from_status", "to_status", "actor", "claim", "note", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: ChallengeEvent) -> str | None:
        return event.actor.name if event.actor_id else None


class RecommendationSerializer(serializers.ModelSerializer):
    challenge = ChallengeSummarySerializer()
    expert = ExpertSummarySerializer()
    recommended_by = serializers.CharField(source="recommended_by.name")

    class Meta:
        model = ChainRecommendation
        fields = ["id", "challenge", "expert", "recommended_by", "note", "created_at"]


class MatchFieldsSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    matched_areas = serializers.ListField(child=serializers.CharField())
    matched_terms = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())


class ExpertMatchSerializer(MatchFieldsSerializer):
    """One of the matcher's experts for a challenge (matching.services.ExpertMatch)."""

    expert = ExpertSummarySerializer()


class ChallengeMatchSerializer(MatchFieldsSerializer):
    """One of the matcher's challenges for an expert (matching.services.ChallengeMatch)."""

    challenge = ChallengeSummarySerializer()


class TeamInvitationSerializer(ClaimMemberSerializer):
    """团队邀请 (for the invited expert): the membership with the challenge and the lead."""

    challenge = ChallengeSummarySerializer(source="claim.challenge")
    lead = ExpertSummarySerializer(source="claim.expert")

    class Meta(ClaimMemberSerializer.Meta):
        fields = [*ClaimMemberSerializer.Meta.fields, "challenge", "lead"]


class QuestionSerializer(serializers.ModelSerializer):
    """A question and its answer. Who asked is shown to the enterprise, chain leaders and staff only."""

    asked_by = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    answered_by = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "challenge", "text", "asked_by", "is_mine", "created_at", "answer", "answered_by",
                  "answered_at"]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="提问专家（仅发榜企业、链长、管委会可见）"))
    def get_asked_by(self, question: Question) -> str | None:
        return question.asked_by.name if self.context.get("show_askers") else None

    @extend_schema_field(serializers.BooleanField())
    def get_is_mine(self, question: Question) -> bool:
        expert = self.context.get("expert")
        return expert is not None and question.asked_by_id == expert.pk

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_answered_by(self, question: Question) -> str | None:
        return question.answered_by.name if question.answered_by_id else None


class ChallengeInvitationSerializer(serializers.ModelSerializer):
    expert = ExpertSummarySerializer()
    invited_by = serializers.CharField(source="invited_by.name")

    class Meta:
        model = ChallengeInvitation
        fields = ["id", "challenge", "expert", "invited_by", "note", "created_at"]


class ConfidentialityAcceptanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConfidentialityAcceptance
        fields = ["id", "challenge", "expert", "accepted_at"]


class AgreementSerializer(serializers.ModelSerializer):
    proposed_by = serializers.CharField(source="proposed_by.name")
    is_confirmed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "challenge", "claim", "scope", "amount_wan", "start_date", "end_date", "proposed_by",
                  "enterprise_confirmed_at", "expert_confirmed_at", "is_confirmed", "created_at", "updated_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    kind = inline_choices(Attachment.Kind)(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display")
    uploaded_by = serializers.CharField(source="uploaded_by.name")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "challenge", "milestone", "kind", "kind_display", "original_name", "size", "content_type",
                  "uploaded_by", "created_at", "download_url"]

    @extend_schema_field(serializers.CharField(help_text="下载地址（需登录且有权查看）"))
    def get_download_url(self, attachment: Attachment) -> str:
        from django.urls import reverse

        return reverse("api-attachment-download", args=[attachment.pk])


class MilestoneSerializer(serializers.ModelSerializer):
    status = inline_choices(Milestone.Status)(read_only=True)
    status_display = serializers.CharField(source="get_status_display")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Milestone
        fields = ["id", "challenge", "title", "due_date", "status", "status_display", "delivery_note",
                  "submitted_at", "confirmed_at", "created_at", "attachments"]


class RatingSerializer(serializers.ModelSerializer):
    direction = inline_choices(Rating.Direction)(read_only=True)
    direction_display = serializers.CharField(source="get_direction_display")
    rater = serializers.CharField(source="rater.name")

    class Meta:
        model = Rating
        fields = ["id", "challenge", "direction", "direction_display", "rater", "expert", "score", "comment",
                  "created_at"]


class TrackRecordSerializer(serializers.Serializer):
    accepted_count = serializers.IntegerField(help_text="被选定的揭榜数（牵头）")
    completed_count = serializers.IntegerField(help_text="验收完成数")
    rating_count = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True, help_text="企业评分均值（1-5）")
