"""Expert pages: the directory (专家库), a profile, and the expert's own profile form (我的专家档案)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from alliance import roles
from alliance.models import User
from challenges.models import Challenge, Claim, Status
from config.exceptions import ApplicationError
from experts.forms import (
    AchievementFormSet,
    ExpertFilterForm,
    ProfileForm,
    achievement_initial,
    achievements_from,
)
from experts.models import Achievement, Expert
from experts.selectors import get_expert, list_experts
from experts.services import update_expert_profile

EXPERTS_PER_PAGE = 20


def filter_experts(experts: QuerySet[Expert], filters: dict) -> QuerySet[Expert]:
    if filters.get("category"):
        experts = experts.filter(category=filters["category"])
    if filters.get("chain"):
        experts = experts.filter(chains=filters["chain"])
    if filters.get("field"):
        experts = experts.filter(fields=filters["field"])
    keyword = (filters.get("q") or "").strip()
    if keyword:
        experts = experts.filter(
            Q(name__icontains=keyword)
            | Q(title__icontains=keyword)
            | Q(research_areas__icontains=keyword)
            | Q(bio__icontains=keyword)
        )
    # Filtering across many-to-many rows can repeat an expert.
    return experts.distinct() if filters.get("chain") or filters.get("field") else experts


@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET or None)
    experts = list_experts(user=request.user)
    status = 200
    if form.is_bound and not form.is_valid():
        experts, status = experts.none(), 400
    elif form.is_bound:
        experts = filter_experts(experts, form.cleaned_data)
    page = Paginator(experts, EXPERTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "experts/list.html",
        {"form": form, "page": page, "experts": page.object_list, "query_string": query.urlencode()},
        status=status,
    )


def can_see_contact(*, user: User, expert: Expert) -> bool:
    """Staff and the expert see contact details; an enterprise only once the expert is engaged on its challenge."""
    if roles.is_park_staff(user) or (expert.user_id is not None and expert.user_id == user.pk):
        return True
    enterprise_ids = roles.enterprise_ids_of(user)
    return bool(enterprise_ids) and Challenge.objects.filter(
        expert=expert, enterprise_id__in=enterprise_ids
    ).exists()


def achievements_by_kind(expert: Expert) -> list[tuple[str, list[Achievement]]]:
    items = list(expert.achievements.all())
    groups = []
    for kind, label in Achievement.Kind.choices:
        of_kind = [item for item in items if item.kind == kind]
        if of_kind:
            groups.append((label, of_kind))
    return groups


@login_required
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_expert(user=request.user, pk=pk)
    track_record = {
        "accepted": Claim.objects.filter(expert=expert, status=Claim.Status.ACCEPTED).count(),
        "completed": Challenge.objects.filter(expert=expert, status=Status.COMPLETED).count(),
    }
    return render(
        request,
        "experts/detail.html",
        {
            "expert": expert,
            "achievement_groups": achievements_by_kind(expert),
            "track_record": track_record,
            "show_contact": can_see_contact(user=request.user, expert=expert),
            "is_own_profile": expert.user_id is not None and expert.user_id == request.user.pk,
        },
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    # No pk in the URL: this page only ever edits the signed-in user's own profile.
    expert = roles.expert_of(request.user)
    if expert is None:
        return render(request, "experts/no_profile.html", status=403)
    if request.method != "POST":
        form = ProfileForm(initial=ProfileForm.initial_for(expert))
        formset = AchievementFormSet(initial=achievement_initial(expert), prefix="achievements")
        return render(request, "experts/profile_form.html", {"form": form, "formset": formset, "expert": expert})

    form = ProfileForm(request.POST)
    formset = AchievementFormSet(request.POST, initial=achievement_initial(expert), prefix="achievements")
    if form.is_valid() and formset.is_valid():
        try:
            update_expert_profile(
                expert=expert, by=request.user, data=form.to_input(achievements=achievements_from(formset))
            )
        except ApplicationError as error:
            form.add_service_error(error.field, error.message)
        else:
            messages.success(request, _("专家档案已保存。"))
            return redirect("experts:profile_edit")
    expert.refresh_from_db()
    return render(
        request, "experts/profile_form.html", {"form": form, "formset": formset, "expert": expert}, status=400
    )
