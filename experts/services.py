"""Writes to expert profiles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from config.exceptions import ApplicationError
from experts.models import Achievement, Expert


@dataclass
class AchievementInput:
    kind: str
    title: str
    abstract: str = ""
    year: int | None = None


@dataclass
class ProfileInput:
    name: str
    category: str
    title: str = ""
    organisation: Organisation | None = None
    research_areas: list[str] = field(default_factory=list)
    bio: str = ""
    chains: list[IndustryChain] = field(default_factory=list)
    fields: list[TechnicalField] = field(default_factory=list)
    max_active_claims: int = 3
    is_available: bool = True
    achievements: list[AchievementInput] | None = None  # None: leave achievements as they are


def normalise_areas(areas: list[str] | str) -> list[str]:
    if isinstance(areas, str):
        for separator in "，,、;；\n":
            areas = areas.replace(separator, "|")
        areas = areas.split("|")
    cleaned: list[str] = []
    for area in areas:
        area = str(area).strip()
        if area and area not in cleaned:
            cleaned.append(area[:60])
    return cleaned[:30]


@transaction.atomic
def update_expert_profile(*, expert: Expert, by: User, data: ProfileInput) -> Expert:
    """An expert edits their own profile (park staff may edit any). The match index is refreshed on commit."""
    if not (expert.user_id == by.pk or roles.is_park_staff(by)):
        raise PermissionDenied(_("只能修改自己的专家档案。"))
    if not data.name.strip():
        raise ApplicationError(_("请填写姓名。"), field="name")
    if data.category not in Expert.Category.values:
        raise ApplicationError(_("请选择有效的专家类别。"), field="category")
    areas = normalise_areas(data.research_areas)
    if not areas:
        raise ApplicationError(_("请至少填写一个研究方向，匹配系统据此为您推荐需求。"), field="research_areas")
    if not 1 <= data.max_active_claims <= 20:
        raise ApplicationError(_("同时承接上限应在 1 到 20 之间。"), field="max_active_claims")
    expert.name = data.name.strip()
    expert.category = data.category
    expert.title = data.title.strip()
    expert.organisation = data.organisation
    expert.research_areas = areas
    expert.bio = data.bio.strip()
    expert.max_active_claims = data.max_active_claims
    expert.is_available = data.is_available
    expert.save()
    expert.chains.set(data.chains)
    expert.fields.set(data.fields)
    if data.achievements is not None:
        expert.achievements.all().delete()
        Achievement.objects.bulk_create(
            [
                Achievement(expert=expert, kind=item.kind, title=item.title.strip()[:255],
                            abstract=item.abstract.strip(), year=item.year)
                for item in data.achievements
                if item.title.strip()
            ]
        )
    from matching.services import schedule_index_refresh

    schedule_index_refresh(expert_ids=[expert.pk])
    return expert
