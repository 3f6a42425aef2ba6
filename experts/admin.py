"""Admin for the expert pool: park staff curate profiles, achievements and declared conflicts of interest."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alliance.admin import ParkStaffPermissionMixin, ParkStaffTabularInline
from challenges.services import expert_load_filter
from experts.models import Achievement, ConflictOfInterest, Expert


class AchievementInline(ParkStaffTabularInline):
    model = Achievement
    fields = ["kind", "title", "year", "abstract"]


class ConflictOfInterestInline(ParkStaffTabularInline):
    model = ConflictOfInterest
    autocomplete_fields = ["organisation"]
    readonly_fields = ["created_at"]


def refresh_match_index(expert_ids: list[int]) -> None:
    # Edits made here bypass experts.services, so the matcher must be told explicitly.
    from matching.services import schedule_index_refresh

    schedule_index_refresh(expert_ids=expert_ids)


@admin.register(Expert)
class ExpertAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    list_display = [
        "name", "category", "title", "organisation", "areas", "load", "is_available", "is_active", "updated_at",
    ]
    list_filter = ["category", "is_active", "is_available", "chains", "organisation__kind"]
    search_fields = ["name", "title", "bio", "email", "phone", "organisation__name", "user__username"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["user", "organisation"]
    filter_horizontal = ["chains", "fields"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [AchievementInline, ConflictOfInterestInline]
    actions = ["mark_inactive", "mark_active"]
    fieldsets = (
        (None, {"fields": ("user", "name", "category", "title", "organisation")}),
        (_("专业方向"), {"fields": ("research_areas", "chains", "fields", "bio")}),
        (_("联系方式"), {"fields": ("email", "phone")}),
        (_("揭榜设置"), {"fields": ("max_active_claims", "is_available", "is_active")}),
        (_("时间"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Expert]:
        return super().get_queryset(request).annotate(
            active_claims=Count("claims", filter=expert_load_filter(), distinct=True)
        )

    @admin.display(description=_("研究方向"))
    def areas(self, expert: Expert) -> str:
        return "、".join(expert.research_areas[:4]) or "—"

    @admin.display(description=_("当前承接"), ordering="active_claims")
    def load(self, expert: Expert) -> str:
        return f"{expert.active_claims} / {expert.max_active_claims}"

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        expert_id = form.instance.pk
        transaction.on_commit(lambda: refresh_match_index([expert_id]))

    @admin.action(description=_("移出专家库（不再展示和推荐）"))
    def mark_inactive(self, request: HttpRequest, queryset: QuerySet[Expert]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        updated = Expert.objects.filter(pk__in=ids).update(is_active=False)
        transaction.on_commit(lambda: refresh_match_index(ids))
        self.message_user(request, _("已移出 %(count)d 位专家。") % {"count": updated})

    @admin.action(description=_("恢复入库"))
    def mark_active(self, request: HttpRequest, queryset: QuerySet[Expert]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        updated = Expert.objects.filter(pk__in=ids).update(is_active=True)
        transaction.on_commit(lambda: refresh_match_index(ids))
        self.message_user(request, _("已恢复 %(count)d 位专家。") % {"count": updated})


@admin.register(Achievement)
class AchievementAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "year", "expert"]
    list_filter = ["kind", "year"]
    search_fields = ["title", "abstract", "expert__name"]
    autocomplete_fields = ["expert"]
    list_select_related = ["expert"]


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    list_display = ["expert", "organisation", "reason", "created_at"]
    search_fields = ["expert__name", "organisation__name", "reason"]
    autocomplete_fields = ["expert", "organisation"]
    list_select_related = ["expert", "organisation"]
