"""Reads of the expert pool."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from alliance import roles
from alliance.models import User
from challenges.services import expert_load_filter
from experts.models import Expert, ExpertApplication


def list_experts(*, user: User) -> QuerySet[Expert]:
    """The expert directory: any signed-in member of the alliance may browse active experts."""
    if not user.is_authenticated:
        return Expert.objects.none()
    return (
        Expert.objects.filter(is_active=True)
        .select_related("organisation")
        .prefetch_related("chains", "fields")
        .annotate(active_claims=Count("claims", filter=expert_load_filter(), distinct=True))
        .order_by("id")
    )


def get_expert(*, user: User, pk: int) -> Expert:
    try:
        return list_experts(user=user).prefetch_related("achievements").get(pk=pk)
    except (Expert.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_expert_applications(*, user: User) -> QuerySet[ExpertApplication]:
    """Applications to join the pool: park staff see them all, nobody else any."""
    if not roles.is_park_staff(user):
        return ExpertApplication.objects.none()
    return ExpertApplication.objects.select_related("applicant", "reviewed_by", "expert").prefetch_related("chains")


def get_expert_application(*, user: User, pk: int) -> ExpertApplication:
    try:
        return list_expert_applications(user=user).get(pk=pk)
    except (ExpertApplication.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
