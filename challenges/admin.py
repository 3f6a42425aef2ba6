"""Admin for challenges. State moves go through challenges.services (the site), so status is read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alliance.admin import ParkStaffPermissionMixin, ReadOnlyForParkStaffMixin
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


class ServiceWrittenMixin(ParkStaffPermissionMixin):
    """Rows born in a service (with events and notifications): not created here, and deleted only by superusers."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class ClaimInline(ReadOnlyForParkStaffMixin, admin.TabularInline):
    model = Claim
    extra = 0
    fields = ["expert", "status", "expected_days", "match_rank", "match_score", "created_at", "decided_at"]
    readonly_fields = fields
    show_change_link = True


class ChainRecommendationInline(ReadOnlyForParkStaffMixin, admin.TabularInline):
    model = ChainRecommendation
    extra = 0
    fields = ["expert", "recommended_by", "note", "created_at"]
    readonly_fields = fields


class ChallengeEventInline(ReadOnlyForParkStaffMixin, admin.TabularInline):
    model = ChallengeEvent
    extra = 0
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "claim", "note"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


@admin.register(Challenge)
class ChallengeAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    list_display = [
        "title", "enterprise", "chain", "field", "status", "claim_count", "expert", "reward_wan", "deadline",
        "published_at",
    ]
    list_filter = ["status", "chain", "field", "claim_mode", "is_confidential", "deadline"]
    search_fields = ["title", "description", "enterprise__name", "expert__name"]
    list_select_related = ["enterprise", "chain", "field", "expert"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["enterprise", "field"]
    readonly_fields = [
        "status", "author", "expert", "published_at", "first_claimed_at", "accepted_at", "completed_at",
        "created_at", "updated_at",
    ]
    fieldsets = (
        (None, {"fields": ("title", "enterprise", "author", "chain", "field", "status", "expert")}),
        (_("需求内容"), {"fields": ("description", "keywords", "expected_outcome")}),
        (_("揭榜规则"), {"fields": ("reward_wan", "deadline", "claim_mode", "is_confidential")}),
        (_("时间"), {"fields": ("published_at", "first_claimed_at", "accepted_at", "completed_at",
                               "created_at", "updated_at")}),
    )
    inlines = [ClaimInline, ChainRecommendationInline, ChallengeEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Challenge]:
        return super().get_queryset(request).annotate(claim_total=Count("claims", distinct=True))

    @admin.display(description=_("揭榜数"), ordering="claim_total")
    def claim_count(self, challenge: Challenge) -> int:
        return challenge.claim_total


@admin.register(Claim)
class ClaimAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    list_display = ["challenge", "expert", "status", "expected_days", "match_rank", "created_at", "decided_at"]
    list_filter = ["status", "challenge__chain"]
    search_fields = ["challenge__title", "expert__name", "proposal"]
    list_select_related = ["challenge", "expert"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "challenge", "expert", "status", "match_rank", "match_score", "created_at", "decided_at",
    ]


@admin.register(ChainRecommendation)
class ChainRecommendationAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["challenge", "expert", "recommended_by", "note", "created_at"]
    list_filter = ["challenge__chain"]
    search_fields = ["challenge__title", "expert__name", "note"]
    list_select_related = ["challenge", "expert", "recommended_by"]


@admin.register(ChallengeEvent)
class ChallengeEventAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["created_at", "challenge", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind", "to_status", "challenge__chain"]
    search_fields = ["challenge__title", "note", "actor__username", "actor__display_name"]
    list_select_related = ["challenge", "actor"]
    date_hierarchy = "created_at"


# The lifecycle's records are written by challenges.services with their events and notifications: park staff
# look them up here (who accepted the confidentiality terms and when, what was agreed, who rated what).


@admin.register(ClaimMember)
class ClaimMemberAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["claim", "expert", "role", "status", "invited_at", "responded_at"]
    list_filter = ["role", "status"]
    search_fields = ["expert__name", "claim__challenge__title"]
    list_select_related = ["claim__challenge", "claim__expert", "expert"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["challenge", "asked_by", "created_at", "answered_at"]
    search_fields = ["challenge__title", "text", "answer"]
    list_select_related = ["challenge", "asked_by"]


@admin.register(ConfidentialityAcceptance)
class ConfidentialityAcceptanceAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["challenge", "expert", "accepted_at"]
    search_fields = ["challenge__title", "expert__name"]
    list_select_related = ["challenge", "expert"]


@admin.register(ChallengeInvitation)
class ChallengeInvitationAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["challenge", "expert", "invited_by", "created_at"]
    search_fields = ["challenge__title", "expert__name"]
    list_select_related = ["challenge", "expert", "invited_by"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["challenge", "amount_wan", "start_date", "end_date", "enterprise_confirmed_at",
                    "expert_confirmed_at"]
    search_fields = ["challenge__title", "scope"]
    list_select_related = ["challenge"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["challenge", "title", "due_date", "status", "submitted_at", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["challenge__title", "title"]
    list_select_related = ["challenge"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    # The file itself has no public URL: it is downloaded through the API after a permission check.
    fields = ["challenge", "milestone", "kind", "original_name", "size", "content_type", "uploaded_by", "created_at"]
    readonly_fields = fields
    list_display = ["original_name", "challenge", "kind", "size", "uploaded_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["original_name", "challenge__title"]
    list_select_related = ["challenge", "uploaded_by"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyForParkStaffMixin, admin.ModelAdmin):
    list_display = ["challenge", "direction", "score", "rater", "expert", "created_at"]
    list_filter = ["direction", "score"]
    search_fields = ["challenge__title", "comment"]
    list_select_related = ["challenge", "rater", "expert"]
