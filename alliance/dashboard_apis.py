"""GET /api/v1/dashboard/: the dashboard figures as JSON, for the same people as the page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance.dashboard import Period, dashboard_chains, dashboard_data, period_range


class DashboardApi(APIView):
    class FilterSerializer(serializers.Serializer):
        period = serializers.ChoiceField(choices=Period.CHOICES, required=False, default=Period.DEFAULT)
        start = serializers.DateField(required=False, allow_null=True, default=None)
        end = serializers.DateField(required=False, allow_null=True, default=None)
        chain = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs["period"] == Period.CUSTOM:
                errors: dict[str, list[str]] = {}
                if not attrs["start"]:
                    errors["start"] = [_("自定义统计周期请填写开始日期。")]
                if not attrs["end"]:
                    errors["end"] = [_("自定义统计周期请填写结束日期。")]
                if attrs["start"] and attrs["end"] and attrs["start"] > attrs["end"]:
                    errors["end"] = [_("结束日期不能早于开始日期。")]
                if errors:
                    raise serializers.ValidationError(errors)
            return attrs

    class OutputSerializer(serializers.Serializer):
        class FiltersSerializer(serializers.Serializer):
            chain_id = serializers.IntegerField(allow_null=True)
            start = serializers.DateField(allow_null=True)
            end = serializers.DateField(allow_null=True)

        class StatusSerializer(serializers.Serializer):
            value = serializers.CharField()
            label = serializers.CharField()

        class ChainSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        class ChainRowSerializer(serializers.Serializer):
            chain_id = serializers.IntegerField()
            chain_name = serializers.CharField()
            counts = serializers.DictField(child=serializers.IntegerField(), help_text="status → count")
            total = serializers.IntegerField()

        class StatusCountSerializer(serializers.Serializer):
            status = serializers.CharField()
            label = serializers.CharField()
            count = serializers.IntegerField()

        class TotalsSerializer(serializers.Serializer):
            posted = serializers.IntegerField()
            published = serializers.IntegerField()
            claimed = serializers.IntegerField(help_text="published challenges that received at least one claim")
            in_progress = serializers.IntegerField()
            completed = serializers.IntegerField()
            expired = serializers.IntegerField()
            engaged = serializers.IntegerField(help_text="challenges with a chosen expert")
            over_sla = serializers.IntegerField(help_text="published and not claimed within sla_days")
            reward_wan = serializers.FloatField(help_text="total reward of published challenges, 万元")
            enterprises_served = serializers.IntegerField()
            claims = serializers.IntegerField()
            active_experts = serializers.IntegerField(help_text="experts who claimed in the period")
            accepted_claims = serializers.IntegerField()
            accepted_top = serializers.IntegerField(help_text="accepted claims whose match_rank <= match_top_rank")
            pool_experts = serializers.IntegerField()
            capacity = serializers.IntegerField(help_text="sum of the pool's max_active_claims")
            live_claims = serializers.IntegerField()

        class FunnelSerializer(serializers.Serializer):
            chain_id = serializers.IntegerField()
            chain_name = serializers.CharField()
            posted = serializers.IntegerField()
            claimed = serializers.IntegerField()
            completed = serializers.IntegerField()

        class FieldSerializer(serializers.Serializer):
            field_id = serializers.IntegerField()
            name = serializers.CharField()
            demand = serializers.IntegerField()
            unclaimed = serializers.IntegerField()
            experts = serializers.IntegerField(help_text="active experts listing the field or naming it")

        class ExpertRowSerializer(serializers.Serializer):
            expert_id = serializers.IntegerField()
            name = serializers.CharField()
            title = serializers.CharField()
            organisation = serializers.CharField()
            claims = serializers.IntegerField()
            accepted = serializers.IntegerField()

        class EnterpriseRowSerializer(serializers.Serializer):
            enterprise_id = serializers.IntegerField()
            name = serializers.CharField()
            posted = serializers.IntegerField()
            published = serializers.IntegerField()
            completed = serializers.IntegerField()

        class EventSerializer(serializers.Serializer):
            at = serializers.CharField(help_text="ISO 8601, Beijing time")
            actor = serializers.CharField()
            kind = serializers.CharField()
            kind_label = serializers.CharField()
            challenge_id = serializers.IntegerField()
            challenge_title = serializers.CharField()
            chain_name = serializers.CharField()

        class TrendSerializer(serializers.Serializer):
            months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM")
            published = serializers.ListField(child=serializers.IntegerField())
            claimed = serializers.ListField(child=serializers.IntegerField())
            completed = serializers.ListField(child=serializers.IntegerField())

        filters = FiltersSerializer()
        computed_at = serializers.CharField(
            help_text="ISO 8601, Beijing time: when these figures were computed (at most DASHBOARD_MAX_STALE_SECONDS "
                      "old when is_fresh is false)")
        is_fresh = serializers.BooleanField(
            help_text="false: the data changed since computed_at; a refresh is under way")
        sla_days = serializers.IntegerField()
        match_top_rank = serializers.IntegerField()
        funnel = FunnelSerializer(many=True)
        fields = FieldSerializer(many=True)
        completion_rate = serializers.FloatField(allow_null=True, help_text="completed / engaged, 0..1")
        median_days_to_completion = serializers.FloatField(allow_null=True)
        utilisation = serializers.FloatField(allow_null=True, help_text="live_claims / capacity, 0..1")
        match_top_share = serializers.FloatField(allow_null=True, help_text="accepted_top / accepted_claims")
        statuses = StatusSerializer(many=True)
        chains = ChainSerializer(many=True)
        by_chain = ChainRowSerializer(many=True)
        status_distribution = StatusCountSerializer(many=True)
        totals = TotalsSerializer()
        claim_rate = serializers.FloatField(allow_null=True, help_text="claimed / published, 0..1")
        median_hours_to_first_claim = serializers.FloatField(allow_null=True)
        top_experts_by_claims = ExpertRowSerializer(many=True)
        top_experts_by_accepted = ExpertRowSerializer(many=True)
        top_enterprises = EnterpriseRowSerializer(many=True)
        recent_activity = EventSerializer(many=True)
        monthly_trend = TrendSerializer()

    @extend_schema(
        operation_id="dashboard_retrieve",
        summary="联盟看板数据",
        description="Park staff see every chain, chain leaders their own chains; everyone else gets 403.",
        parameters=[
            OpenApiParameter("period", str, enum=[value for value, _label in Period.CHOICES],
                             description="month / quarter / year / all / custom (default: year)"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="custom period start (YYYY-MM-DD)"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="custom period end (YYYY-MM-DD)"),
            OpenApiParameter("chain", int, description="one industry chain id"),
        ],
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        dashboard_chains(user=request.user)  # refuse other roles before looking at their input
        # An empty parameter (as a plain HTML form sends it) means "not given".
        params = {key: value for key, value in request.query_params.items() if value.strip()}
        filters = self.FilterSerializer(data=params)
        filters.is_valid(raise_exception=True)
        start, end = period_range(
            period=filters.validated_data["period"],
            start=filters.validated_data["start"],
            end=filters.validated_data["end"],
        )
        data = dashboard_data(user=request.user, chain_id=filters.validated_data["chain"], start=start, end=end)
        return Response(self.OutputSerializer(data).data)
