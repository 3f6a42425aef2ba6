"""Query-string filters of the challenge hall (榜单大厅)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alliance.models import IndustryChain, TechnicalField
from challenges.models import Challenge, Status

NUMBER_MESSAGES = {"invalid": _("请输入数字。")}


class ChallengeFilter(django_filters.FilterSet):
    chain = django_filters.ModelChoiceFilter(queryset=IndustryChain.objects.all(), label=_("产业链"))
    field = django_filters.ModelChoiceFilter(queryset=TechnicalField.objects.all(), label=_("技术领域"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("状态"))
    reward_min = django_filters.NumberFilter(
        field_name="reward_wan", lookup_expr="gte", label=_("悬赏下限（万元）"), error_messages=NUMBER_MESSAGES
    )
    reward_max = django_filters.NumberFilter(
        field_name="reward_wan", lookup_expr="lte", label=_("悬赏上限（万元）"), error_messages=NUMBER_MESSAGES
    )
    q = django_filters.CharFilter(method="filter_text", label=_("关键词搜索（名称、描述、关键词）"))

    class Meta:
        model = Challenge
        fields = ["chain", "field", "status", "reward_min", "reward_max", "q"]

    def filter_text(self, queryset: QuerySet[Challenge], name: str, value: str) -> QuerySet[Challenge]:
        value = value.strip()
        if not value:
            return queryset
        # The description of a confidential challenge is not searchable: a hit would reveal what it says.
        return queryset.filter(
            Q(title__icontains=value)
            | Q(keywords__icontains=value)
            | Q(description__icontains=value, is_confidential=False)
        )
