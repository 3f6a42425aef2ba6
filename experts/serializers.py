"""Output shapes of experts shared by several APIs (the expert directory, claims, recommendations)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenges.services import active_claim_count
from experts.models import Achievement, Expert


class NamedRefSerializer(serializers.Serializer):
    """{id, name} of a related row (organisation, chain, technical field)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class ExpertSummarySerializer(serializers.ModelSerializer):
    """What anyone signed in may see about an expert in a list. Contact details are not part of it."""

    category_display = serializers.CharField(source="get_category_display")
    organisation = NamedRefSerializer(allow_null=True)
    chains = NamedRefSerializer(many=True)
    fields = NamedRefSerializer(many=True)

    class Meta:
        model = Expert
        fields = [
            "id", "name", "category", "category_display", "title", "organisation", "research_areas", "chains",
            "fields", "is_available",
        ]


class ExpertListItemSerializer(ExpertSummarySerializer):
    active_claims = serializers.SerializerMethodField(help_text=_("当前承接中的揭榜数"))

    class Meta(ExpertSummarySerializer.Meta):
        fields = [*ExpertSummarySerializer.Meta.fields, "max_active_claims", "active_claims"]

    @extend_schema_field(serializers.IntegerField())
    def get_active_claims(self, expert: Expert) -> int:
        # Selectors annotate the load; a profile loaded on its own counts it here.
        annotated = getattr(expert, "active_claims", None)
        return annotated if annotated is not None else active_claim_count(expert=expert)


class AchievementSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Achievement
        fields = ["id", "kind", "kind_display", "title", "abstract", "year"]


class ExpertDetailSerializer(ExpertListItemSerializer):
    achievements = AchievementSerializer(many=True)

    class Meta(ExpertListItemSerializer.Meta):
        fields = [*ExpertListItemSerializer.Meta.fields, "bio", "achievements"]


class OwnExpertProfileSerializer(ExpertDetailSerializer):
    """The signed-in expert's own profile: everything, contact details included."""

    class Meta(ExpertDetailSerializer.Meta):
        fields = [*ExpertDetailSerializer.Meta.fields, "email", "phone", "updated_at"]


class ExpertApplicationSerializer(serializers.ModelSerializer):
    """An application to join the pool, as park staff review it."""

    status_display = serializers.CharField(source="get_status_display")
    category_display = serializers.CharField(source="get_category_display")
    chains = NamedRefSerializer(many=True)

    class Meta:
        from experts.models import ExpertApplication

        model = ExpertApplication
        fields = [
            "id", "name", "email", "phone", "organisation_name", "title", "category", "category_display",
            "research_areas", "achievements", "chains", "status", "status_display", "refusal_reason", "reviewed_at",
            "expert", "created_at",
        ]
