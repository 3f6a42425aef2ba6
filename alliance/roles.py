"""Role questions asked everywhere (views, selectors, templates). Answers come from relations, not flags."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alliance.models import Organisation, User
    from experts.models import Expert


def is_park_staff(user: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return hasattr(user, "park_staff")


def expert_of(user: User) -> Expert | None:
    if not user.is_authenticated:
        return None
    return getattr(user, "expert_profile", None)


def is_expert(user: User) -> bool:
    return expert_of(user) is not None


def enterprise_ids_of(user: User) -> list[int]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_enterprise_ids", None)
    if cached is None:
        cached = list(user.memberships.values_list("organisation_id", flat=True))
        user._enterprise_ids = cached
    return cached


def is_enterprise_member(user: User, organisation: Organisation | None = None) -> bool:
    ids = enterprise_ids_of(user)
    if organisation is None:
        return bool(ids)
    return organisation.pk in ids


def led_chain_ids_of(user: User) -> list[int]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_led_chain_ids", None)
    if cached is None:
        cached = list(user.led_chains.values_list("id", flat=True))
        user._led_chain_ids = cached
    return cached


def is_chain_leader(user: User, chain_id: int | None = None) -> bool:
    ids = led_chain_ids_of(user)
    if chain_id is None:
        return bool(ids)
    return chain_id in ids


def primary_role(user: User) -> str:
    """The role a home page is built for, in order of reach."""
    if is_park_staff(user):
        return "park_staff"
    if is_chain_leader(user):
        return "chain_leader"
    if is_enterprise_member(user):
        return "enterprise"
    if is_expert(user):
        return "expert"
    return "visitor"
