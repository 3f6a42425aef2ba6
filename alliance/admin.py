"""Admin site for park staff (管委会): chains, fields, organisations, members and accounts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alliance import roles
from alliance.models import EnterpriseMembership, IndustryChain, Organisation, ParkStaff, TechnicalField, User

admin.site.site_header = _("共享专家联盟 · 管理后台")
admin.site.site_title = _("共享专家联盟管理后台")
admin.site.index_title = _("联盟数据管理")


class ParkStaffPermissionMixin:
    """Park staff manage alliance data without permission rows: being park staff is the permission.

    Anyone else (a plain is_staff user) falls back to Django's permission rows.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_park_staff(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_park_staff(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return roles.is_park_staff(request.user) or super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_park_staff(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_park_staff(request.user) or super().has_delete_permission(request, obj)


class ReadOnlyForParkStaffMixin(ParkStaffPermissionMixin):
    """Records that are written only by the site's services (audit trail, outbox): park staff may look, not touch."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


class ParkStaffTabularInline(ParkStaffPermissionMixin, admin.TabularInline):
    extra = 0


class TechnicalFieldInline(ParkStaffTabularInline):
    model = TechnicalField
    fields = ["name"]


@admin.register(IndustryChain)
class IndustryChainAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    list_display = ["name", "code", "sort_order", "leader_names", "expert_count", "organisation_count", "webhook_kind"]
    list_editable = ["sort_order"]
    search_fields = ["name", "code", "description"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["leaders"]
    inlines = [TechnicalFieldInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[IndustryChain]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("leaders")
            .annotate(
                expert_total=Count("experts", distinct=True), organisation_total=Count("organisations", distinct=True)
            )
        )

    @admin.display(description=_("链长"))
    def leader_names(self, chain: IndustryChain) -> str:
        return "、".join(str(user) for user in chain.leaders.all()) or "—"

    @admin.display(description=_("服务专家数"), ordering="expert_total")
    def expert_count(self, chain: IndustryChain) -> int:
        return chain.expert_total

    @admin.display(description=_("机构数"), ordering="organisation_total")
    def organisation_count(self, chain: IndustryChain) -> int:
        return chain.organisation_total


@admin.register(TechnicalField)
class TechnicalFieldAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    list_display = ["name", "chain"]
    list_filter = ["chain"]
    search_fields = ["name"]
    list_select_related = ["chain"]


class EnterpriseMembershipInline(ParkStaffTabularInline):
    model = EnterpriseMembership
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Organisation)
class OrganisationAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "chain", "city", "credit_code", "member_count", "created_at"]
    list_filter = ["kind", "chain", "city"]
    search_fields = ["name", "credit_code", "city", "description"]
    list_select_related = ["chain"]
    date_hierarchy = "created_at"
    inlines = [EnterpriseMembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).annotate(member_total=Count("memberships", distinct=True))

    @admin.display(description=_("成员数"), ordering="member_total")
    def member_count(self, organisation: Organisation) -> int:
        return organisation.member_total


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__chain"]
    search_fields = ["user__username", "user__display_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(ParkStaff)
class ParkStaffAdmin(ParkStaffPermissionMixin, admin.ModelAdmin):
    """Who belongs to the park administration is decided by superusers; park staff may only look."""

    list_display = ["user", "position"]
    search_fields = ["user__username", "user__display_name", "position"]
    autocomplete_fields = ["user"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


# Fields that would let a park staff member raise someone's privileges; only superusers may touch them.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(ParkStaffPermissionMixin, DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "phone", "role_label", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "display_name", "email", "phone", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "email", "phone", "first_name", "last_name")}),
        (_("权限"), {"fields": ("is_active", *PRIVILEGE_FIELDS)}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "email", "password1", "password2")}),
    )

    @admin.display(description=_("角色"))
    def role_label(self, user: User) -> str:
        labels = {
            "park_staff": _("管委会"),
            "chain_leader": _("链长"),
            "enterprise": _("企业"),
            "expert": _("专家"),
            "visitor": _("访客"),
        }
        return str(labels[roles.primary_role(user)])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [*PRIVILEGE_FIELDS, "last_login", "date_joined"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Park staff may not edit (or reset the password of) another staff account or a superuser.
        if obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser):
            return obj.pk == request.user.pk and super().has_change_permission(request, obj)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser):
            return False
        return super().has_delete_permission(request, obj)
