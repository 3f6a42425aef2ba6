"""Web pages for challenges (journeys 1-3 in the browser). Thin: selectors read, services write, forms check input."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance import roles
from alliance.models import Organisation
from challenges import selectors, services
from challenges.forms import ChainFilterForm, ChallengeForm, ClaimForm, HallFilterForm, RecommendForm
from challenges.models import Challenge, Claim, Status, sources_of
from config.exceptions import ApplicationError
from matching.services import rank_challenges_for_expert, rank_experts_for_challenge

HALL_PAGE_SIZE = 12
HOME_BY_ROLE = {
    "park_staff": "alliance:dashboard",
    "chain_leader": "challenges:chain",
    "enterprise": "challenges:mine",
    "expert": "challenges:recommended",
}


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _apply_error(form: Any, error: ApplicationError) -> None:
    """Put a service's message on the field it names, or on the form as a whole."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        target = HOME_BY_ROLE.get(roles.primary_role(request.user))
        if target:
            try:
                return redirect(reverse(target))
            except NoReverseMatch:  # a page another part of the site has not mounted yet
                return redirect("challenges:hall")
    # The landing page names a few open challenges: title and chain only, which even confidential ones show.
    open_challenges = (
        Challenge.objects.filter(status=Status.OPEN).select_related("chain", "field").order_by("-published_at")[:6]
    )
    return render(request, "home.html", {"open_challenges": open_challenges})


@login_required
def hall(request: HttpRequest) -> HttpResponse:
    form = HallFilterForm(request.GET or None)
    challenges = selectors.hall_challenges(user=request.user).annotate(
        claim_count=Count("claims", filter=Q(claims__status__in=Claim.LIVE_STATUSES))
    )
    is_valid = True
    if form.is_bound:
        is_valid = form.is_valid()
        challenges = form.filter(challenges)
    page = Paginator(challenges, HALL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    template = "challenges/_hall_results.html" if request.headers.get("HX-Request") else "challenges/hall.html"
    return render(request, template, context, status=200 if is_valid else 400)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    enterprises = Organisation.objects.filter(pk__in=roles.enterprise_ids_of(request.user)).order_by("name")
    if not enterprises.exists():
        raise PermissionDenied(_("只有企业成员可以发布需求。"))
    form = ChallengeForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                challenge = services.post_challenge(
                    enterprise=data["enterprise"],
                    author=request.user,
                    data=services.ChallengeInput(
                        title=data["title"],
                        description=data["description"],
                        chain=data["chain"],
                        deadline=data["deadline"],
                        field=data["field"],
                        keywords=services.normalise_keywords(data["keywords"]),
                        expected_outcome=data["expected_outcome"],
                        reward_wan=data["reward_wan"],
                        is_confidential=data["is_confidential"],
                        claim_mode=data["claim_mode"],
                    ),
                )
            except ApplicationError as error:
                _apply_error(form, error)
                return render(request, "challenges/create.html", {"form": form}, status=error.status)
            messages.success(
                request, _("需求「%(title)s」已提交审核，链长审核通过后发布到榜单大厅。") % {"title": challenge.title}
            )
            return redirect("challenges:detail", pk=challenge.pk)
        return render(request, "challenges/create.html", {"form": form}, status=400)
    return render(request, "challenges/create.html", {"form": form})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if not roles.is_enterprise_member(request.user):
        raise PermissionDenied(_("只有企业成员可以查看本企业的需求。"))
    challenges = selectors.enterprise_challenges(user=request.user).annotate(
        claim_count=Count("claims", filter=Q(claims__status__in=Claim.LIVE_STATUSES)),
        pending_count=Count("claims", filter=Q(claims__status=Claim.Status.SUBMITTED)),
    )
    page = Paginator(challenges, 20).get_page(request.GET.get("page"))
    return render(request, "challenges/mine.html", {"page": page, "query": _query_without_page(request)})


def _render_detail(
    request: HttpRequest,
    challenge: Challenge,
    *,
    claim_form: ClaimForm | None = None,
    recommend_form: RecommendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_see_full = selectors.can_see_full_details(user=user, challenge=challenge)
    is_manager = selectors.can_manage_challenge(user=user, challenge=challenge)
    is_steerer = selectors.can_steer_challenge(user=user, challenge=challenge)
    expert = roles.expert_of(user)
    context: dict[str, Any] = {
        "challenge": challenge,
        "can_see_full": can_see_full,
        "is_manager": is_manager,
        "is_steerer": is_steerer,
        "is_accepting": challenge.status in sources_of(Status.MATCHING),
        "expert": expert,
    }
    matches = rank_experts_for_challenge(challenge, limit=settings.MATCH_RECOMMENDATION_LIMIT) if (
        is_manager or is_steerer
    ) else []
    if is_manager:
        context["matches"] = matches
    if is_manager or is_steerer:
        context["claims"] = list(selectors.visible_claims(user=user, challenge=challenge))
        context["recommendations"] = list(
            challenge.recommendations.select_related("expert", "recommended_by").order_by("-created_at")
        )
    if expert is not None and not is_manager:
        own_claims = list(selectors.visible_claims(user=user, challenge=challenge).filter(expert=expert))
        live = next((claim for claim in own_claims if claim.status in Claim.LIVE_STATUSES), None)
        context["own_claims"] = own_claims
        context["live_claim"] = live
        if live is None and challenge.is_claimable:
            context["claim_form"] = claim_form or ClaimForm()
    if is_steerer and challenge.status == Status.OPEN:
        context["recommend_form"] = recommend_form or RecommendForm(
            matched_experts=[(match.expert, match.score) for match in matches]
        )
    if can_see_full:
        context["timeline"] = selectors.challenge_timeline(user=user, challenge=challenge)
        context["shows_actors"] = is_manager or is_steerer
    return render(request, "challenges/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _render_detail(request, challenge)


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    expert = roles.expert_of(request.user)
    if expert is None:
        raise PermissionDenied(_("只有专家可以揭榜。"))
    form = ClaimForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, challenge, claim_form=form, status=400)
    try:
        services.claim_challenge(
            expert=expert, challenge=challenge, proposal=form.cleaned_data["proposal"],
            expected_days=form.cleaned_data["expected_days"],
        )
    except ApplicationError as error:
        if error.status == 409:
            messages.error(request, error.message)
        else:
            _apply_error(form, error)
        challenge.refresh_from_db()
        return _render_detail(request, challenge, claim_form=form, status=error.status)
    messages.success(request, _("揭榜成功！发榜企业会收到您的方案。"))
    return redirect("challenges:detail", pk=challenge.pk)


@login_required
@require_POST
def accept_claim(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.get_claim(user=request.user, pk=pk)
    try:
        services.accept_claim(claim=claim, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        challenge = selectors.get_challenge(user=request.user, pk=claim.challenge_id)
        return _render_detail(request, challenge, status=error.status)
    messages.success(request, _("已选定 %(expert)s 为揭榜方，需求进入对接阶段。") % {"expert": claim.expert.name})
    return redirect("challenges:detail", pk=claim.challenge_id)


@login_required
@require_POST
def withdraw_claim(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.get_claim(user=request.user, pk=pk)
    try:
        services.withdraw_claim(claim=claim, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        challenge = selectors.get_challenge(user=request.user, pk=claim.challenge_id)
        return _render_detail(request, challenge, status=error.status)
    messages.success(request, _("已撤回揭榜。"))
    return redirect("challenges:detail", pk=claim.challenge_id)


@login_required
@require_POST
def recommend(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    if not selectors.can_steer_challenge(user=request.user, challenge=challenge):
        raise PermissionDenied(_("只有本产业链的链长可以推荐专家。"))
    matches = rank_experts_for_challenge(challenge, limit=settings.MATCH_RECOMMENDATION_LIMIT)
    form = RecommendForm(request.POST, matched_experts=[(match.expert, match.score) for match in matches])
    if not form.is_valid():
        return _render_detail(request, challenge, recommend_form=form, status=400)
    expert = form.cleaned_data["expert"]
    try:
        services.recommend_expert(challenge=challenge, expert=expert, by=request.user, note=form.cleaned_data["note"])
    except ApplicationError as error:
        if error.status == 409:
            messages.error(request, error.message)
        else:
            _apply_error(form, error)
        challenge.refresh_from_db()
        return _render_detail(request, challenge, recommend_form=form, status=error.status)
    messages.success(request, _("已向 %(expert)s 推荐该需求，专家会收到通知。") % {"expert": expert.name})
    return redirect("challenges:detail", pk=challenge.pk)


@login_required
def recommended(request: HttpRequest) -> HttpResponse:
    expert = roles.expert_of(request.user)
    if expert is None:
        raise PermissionDenied(_("只有专家可以查看为我推荐。"))
    context = {
        "expert": expert,
        "matches": rank_challenges_for_expert(expert, limit=settings.MATCH_RECOMMENDATION_LIMIT),
        "leader_recommendations": selectors.recommendations_for_expert(user=request.user),
    }
    return render(request, "challenges/recommended.html", context)


@login_required
def my_claims(request: HttpRequest) -> HttpResponse:
    if not roles.is_expert(request.user):
        raise PermissionDenied(_("只有专家可以查看我的揭榜。"))
    claims = selectors.expert_claims(user=request.user).order_by("-created_at", "-id")
    page = Paginator(claims, 20).get_page(request.GET.get("page"))
    return render(request, "challenges/my_claims.html", {"page": page, "query": _query_without_page(request)})


@login_required
def chain(request: HttpRequest) -> HttpResponse:
    if not (roles.is_chain_leader(request.user) or roles.is_park_staff(request.user)):
        raise PermissionDenied(_("只有链长和管委会可以查看本链需求。"))
    challenges = selectors.chain_challenges(user=request.user)
    counts = dict(challenges.order_by().values_list("status").annotate(total=Count("id")))
    status_counts = [(value, label, counts.get(value, 0)) for value, label in Status.choices if counts.get(value)]
    form = ChainFilterForm(request.GET or None)
    is_valid = True
    if form.is_bound:
        is_valid = form.is_valid()
        if is_valid and form.cleaned_data["status"]:
            challenges = challenges.filter(status=form.cleaned_data["status"])
    challenges = challenges.annotate(
        claim_count=Count("claims", filter=Q(claims__status__in=Claim.LIVE_STATUSES), distinct=True),
        recommendation_count=Count("recommendations", distinct=True),
    )
    page = Paginator(challenges, 20).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "status_counts": status_counts,
        "total": sum(counts.values()),
        "query": _query_without_page(request),
        "chains": request.user.led_chains.all(),
    }
    return render(request, "challenges/chain.html", context, status=200 if is_valid else 400)
