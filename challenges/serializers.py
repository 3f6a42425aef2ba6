"""Output shapes of challenges, claims, events and recommendations shared by several APIs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenges.models import ChainRecommendation, Challenge, ChallengeEvent, Claim
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

    class Meta(ChallengeSummarySerializer.Meta):
        fields = [
            *ChallengeSummarySerializer.Meta.fields, "description", "expected_outcome", "expert", "first_claimed_at",
            "accepted_at", "completed_at", "is_full_details",
        ]
        extra_kwargs = {"description": {"required": False}, "expected_outcome": {"required": False}}

    @extend_schema_field(serializers.BooleanField(help_text="False: 保密需求，描述与预期成果未返回"))
    def get_is_full_details(self, challenge: Challenge) -> bool:
        return bool(self.context.get("can_see_full_details", False))

    def to_representation(self, instance: Challenge) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not data["is_full_details"]:
            data.pop("description", None)
            data.pop("expected_outcome", None)
        return data


class ClaimSerializer(serializers.ModelSerializer):
    expert = ExpertSummarySerializer()
    challenge = serializers.PrimaryKeyRelatedField(read_only=True)
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Claim
        fields = [
            "id", "challenge", "expert", "proposal", "expected_days", "status", "status_display", "match_rank",
            "match_score", "created_at", "decided_at",
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
