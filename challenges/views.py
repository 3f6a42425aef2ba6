"""Web pages for challenges (journeys 1-3 in the browser). Thin: selectors read, services write, forms check input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliance import roles
from alliance.models import Organisation
from challenges import selectors, services
from challenges.forms import (
    AcceptDeliveryForm,
    AgreementForm,
    AnswerForm,
    AttachmentForm,
    ChainFilterForm,
    ChallengeForm,
    ClaimForm,
    CloseForm,
    DeliveryForm,
    HallFilterForm,
    InviteExpertForm,
    MilestoneForm,
    MineFilterForm,
    QuestionForm,
    RatingForm,
    RecommendForm,
    RequestChangesForm,
    ReviewForm,
    SubmitMilestoneForm,
    TeamInviteForm,
    WithdrawForm,
)
from challenges.models import Attachment, Challenge, ChallengeEvent, Claim, Milestone, Rating, Status, sources_of
from config.exceptions import ApplicationError
from experts.models import Expert
from matching import services as matching_services
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
    field = getattr(form, "field_aliases", {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


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


def _challenge_input(data: dict[str, Any]) -> services.ChallengeInput:
    return services.ChallengeInput(
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
    )


def _is_draft_requested(request: HttpRequest) -> bool:
    """The post and edit forms have two buttons: 保存草稿 (action=draft) and 提交审核."""
    return request.POST.get("action") == "draft"


@login_required
def create(request: HttpRequest) -> HttpResponse:
    enterprises = Organisation.objects.filter(pk__in=roles.enterprise_ids_of(request.user)).order_by("name")
    if not enterprises.exists():
        raise PermissionDenied(_("只有企业成员可以发布需求。"))
    form = ChallengeForm(request.POST or None, enterprises=enterprises)
    if request.method == "POST":
        if form.is_valid():
            is_draft = _is_draft_requested(request)
            try:
                challenge = services.post_challenge(
                    enterprise=form.cleaned_data["enterprise"], author=request.user,
                    data=_challenge_input(form.cleaned_data), submit=not is_draft,
                )
            except ApplicationError as error:
                _apply_error(form, error)
                return render(request, "challenges/create.html", {"form": form}, status=error.status)
            if is_draft:
                messages.success(request, _("需求「%(title)s」已保存为草稿，可继续修改后提交审核。")
                                 % {"title": challenge.title})
            else:
                messages.success(request, _("需求「%(title)s」已提交审核，链长审核通过后发布到榜单大厅。")
                                 % {"title": challenge.title})
            return redirect("challenges:detail", pk=challenge.pk)
        return render(request, "challenges/create.html", {"form": form}, status=400)
    return render(request, "challenges/create.html", {"form": form})


def _initial_of(challenge: Challenge) -> dict[str, Any]:
    return {
        "enterprise": challenge.enterprise_id, "title": challenge.title, "description": challenge.description,
        "chain": challenge.chain_id, "field": challenge.field_id, "keywords": "，".join(challenge.keywords or []),
        "expected_outcome": challenge.expected_outcome, "reward_wan": challenge.reward_wan,
        "deadline": challenge.deadline, "is_confidential": challenge.is_confidential,
        "claim_mode": challenge.claim_mode,
    }


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise edits a draft or a returned (已驳回) challenge, then saves it or submits it (again)."""
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    if not selectors.can_manage_challenge(user=request.user, challenge=challenge):
        raise PermissionDenied(_("只有发榜企业可以修改需求。"))
    enterprises = Organisation.objects.filter(pk=challenge.enterprise_id)
    context: dict[str, Any] = {"challenge": challenge}
    if request.method != "POST":
        if challenge.status not in (Status.DRAFT, Status.REJECTED):
            messages.error(request, _("该需求当前为「%(status)s」，不能修改。")
                           % {"status": challenge.get_status_display()})
            return redirect("challenges:detail", pk=challenge.pk)
        context["form"] = ChallengeForm(initial=_initial_of(challenge), enterprises=enterprises)
        return render(request, "challenges/edit.html", context)
    form = ChallengeForm(request.POST, enterprises=enterprises)
    context["form"] = form
    if not form.is_valid():
        return render(request, "challenges/edit.html", context, status=400)
    is_draft = _is_draft_requested(request)
    try:
        with transaction.atomic():
            services.update_challenge(challenge=challenge, by=request.user, data=_challenge_input(form.cleaned_data))
            if not is_draft:
                services.submit_challenge(challenge=challenge, by=request.user)
    except ApplicationError as error:
        if error.status == 409:
            messages.error(request, error.message)
        else:
            _apply_error(form, error)
        challenge.refresh_from_db()
        return render(request, "challenges/edit.html", context, status=error.status)
    messages.success(request, _("已保存修改。") if is_draft else _("已重新提交审核，请等待链长审核。"))
    return redirect("challenges:detail", pk=challenge.pk)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if not roles.is_enterprise_member(request.user):
        raise PermissionDenied(_("只有企业成员可以查看本企业的需求。"))
    challenges = selectors.enterprise_challenges(user=request.user)
    counts = dict(challenges.order_by().values_list("status").annotate(total=Count("id")))
    form = MineFilterForm(request.GET or None)
    is_valid = True
    if form.is_bound:
        is_valid = form.is_valid()
        if is_valid and form.cleaned_data["status"]:
            challenges = challenges.filter(status=form.cleaned_data["status"])
    challenges = challenges.annotate(
        claim_count=Count("claims", filter=Q(claims__status__in=Claim.LIVE_STATUSES)),
        pending_count=Count("claims", filter=Q(claims__status=Claim.Status.SUBMITTED)),
    )
    page = Paginator(challenges, 20).get_page(request.GET.get("page"))
    context = {
        "page": page, "query": _query_without_page(request), "form": form,
        "status_counts": [(value, label, counts[value]) for value, label in Status.choices if counts.get(value)],
        "total": sum(counts.values()),
    }
    return render(request, "challenges/mine.html", context, status=200 if is_valid else 400)


@dataclass
class TeamSuggestion:
    """An expert the matcher suggests as a co-claimant, with the key words they add to the lead's."""

    expert: Expert
    score: float
    adds: list[str]

    @property
    def adds_text(self) -> str:
        return "、".join(self.adds)


def _team_suggestions(*, challenge: Challenge, lead: Expert, exclude_ids: set[int] | None = None,
                      limit: int = 3) -> list[TeamSuggestion]:
    """The matcher's team for this challenge built around the lead (matching.services.suggest_team)."""
    matches = matching_services.suggest_team(challenge, lead=lead, size=limit + 1 + len(exclude_ids or ()))
    suggestions = [
        TeamSuggestion(expert=match.expert, score=match.score, adds=list(match.matched_terms))
        for match in matches if match.expert.pk not in (exclude_ids or set())
    ]
    return suggestions[:limit]


# The forms of the challenge page, by name: which action each needs, and how to build a blank one.
DETAIL_FORMS: dict[str, tuple[str, Callable[[], Any]]] = {
    "review_form": ("review_challenge", ReviewForm),
    "close_form": ("close_challenge", CloseForm),
    "withdraw_form": ("withdraw_challenge", WithdrawForm),
    "invite_form": ("invite_expert", InviteExpertForm),
    "question_form": ("ask_question", QuestionForm),
    "agreement_form": ("propose_agreement", AgreementForm),
    "milestone_form": ("add_milestone", MilestoneForm),
    "delivery_form": ("submit_delivery", DeliveryForm),
    "accept_delivery_form": ("accept_delivery", AcceptDeliveryForm),
    "changes_form": ("request_changes", RequestChangesForm),
    "rating_form": ("rate_counterpart", RatingForm),
    "attachment_form": ("add_attachment", AttachmentForm),
}


def _render_detail(
    request: HttpRequest,
    challenge: Challenge,
    *,
    claim_form: ClaimForm | None = None,
    recommend_form: RecommendForm | None = None,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The challenge page. `bound` holds a submitted form with its errors (by its DETAIL_FORMS name, or
    "answer_form:<question id>", "submit_milestone_form:<milestone id>", "team_invite_form") to show again."""
    user = request.user
    bound = bound or {}
    can_see_full = selectors.can_see_full_details(user=user, challenge=challenge)
    is_manager = selectors.can_manage_challenge(user=user, challenge=challenge)
    is_steerer = selectors.can_steer_challenge(user=user, challenge=challenge)
    is_participant = selectors.is_participant(user=user, challenge=challenge)
    actions = selectors.challenge_actions(user=user, challenge=challenge)
    expert = roles.expert_of(user)
    context: dict[str, Any] = {
        "challenge": challenge,
        "can_see_full": can_see_full,
        "is_manager": is_manager,
        "is_steerer": is_steerer,
        "is_participant": is_participant,
        "is_accepting": challenge.status in sources_of(Status.MATCHING),
        "actions": actions,
        "expert": expert,
    }
    for name, (action, build) in DETAIL_FORMS.items():
        if name in bound:
            context[name] = bound[name]
        elif action in actions:
            context[name] = build()
    matches = rank_experts_for_challenge(challenge, limit=settings.MATCH_RECOMMENDATION_LIMIT) if (
        (is_manager or is_steerer) and challenge.status in (Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED,
                                                           Status.OPEN)
    ) else []
    if is_manager:
        context["matches"] = matches
        context["shows_matches"] = challenge.status in (Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED,
                                                        Status.OPEN)
    context["shows_review_note"] = bool(
        challenge.status == Status.REJECTED and challenge.review_note and (is_manager or is_steerer)
    )
    if is_manager or is_steerer:
        context["claims"] = list(selectors.visible_claims(user=user, challenge=challenge))
        context["recommendations"] = list(
            challenge.recommendations.select_related("expert", "recommended_by").order_by("-created_at")
        )
        context["invitations"] = list(selectors.challenge_invitations(user=user, challenge=challenge))
    if expert is not None and not is_manager:
        own_claims = list(selectors.visible_claims(user=user, challenge=challenge).filter(expert=expert))
        live = next((claim for claim in own_claims if claim.status in Claim.LIVE_STATUSES), None)
        context["own_claims"] = own_claims
        context["live_claim"] = live
        if live is None and "claim_challenge" in actions:
            suggestions = _team_suggestions(challenge=challenge, lead=expert)
            context["claim_form"] = claim_form or ClaimForm(lead=expert, suggestions=suggestions)
        if live is not None and live.status in Claim.LIVE_STATUSES and challenge.status in (Status.OPEN,):
            asked = {member.expert_id for member in live.members.all()}
            suggestions = _team_suggestions(challenge=challenge, lead=expert, exclude_ids=asked)
            context["team_invite_form"] = bound.get("team_invite_form") or TeamInviteForm(
                lead=expert, suggestions=suggestions
            )
            context["team_suggestions"] = suggestions
        context["team_invitations"] = list(
            selectors.team_invitations_for_expert(user=user).filter(claim__challenge=challenge)
        )
    if is_steerer and challenge.status == Status.OPEN:
        context["recommend_form"] = recommend_form or RecommendForm(
            matched_experts=[(match.expert, match.score) for match in matches]
        )
    if can_see_full:
        context["timeline"] = selectors.challenge_timeline(user=user, challenge=challenge)
        context["shows_actors"] = is_manager or is_steerer or is_participant
        questions = list(selectors.visible_questions(user=user, challenge=challenge))
        context["questions"] = questions
        if "answer_question" in actions:
            for question in questions:
                if not question.is_answered:
                    question.answer_form = bound.get(f"answer_form:{question.pk}") or AnswerForm(
                        id_prefix=f"answer{question.pk}"
                    )
        attachments = list(selectors.challenge_attachments(user=user, challenge=challenge))
        context["challenge_files"] = [file for file in attachments if file.kind == Attachment.Kind.CHALLENGE]
        context["delivery_files"] = [file for file in attachments if file.kind == Attachment.Kind.DELIVERY]
        context["allowed_types"] = ", ".join(f".{extension}" for extension in services.ATTACHMENT_TYPES)
    if is_participant and challenge.status not in PRE_CHOICE_STATUSES:
        context["shows_work"] = True
        agreement = selectors.get_agreement(user=user, challenge=challenge)
        context["agreement"] = agreement
        if agreement is not None and "confirm_agreement" in actions:
            side_confirmed = agreement.enterprise_confirmed_at if is_manager else agreement.expert_confirmed_at
            context["can_confirm_agreement"] = side_confirmed is None
        if "agreement_form" in context and "agreement_form" not in bound and agreement is not None:
            context["agreement_form"] = AgreementForm(initial={
                "scope": agreement.scope, "amount_wan": agreement.amount_wan, "start_date": agreement.start_date,
                "end_date": agreement.end_date,
            })
        milestones = list(selectors.challenge_milestones(user=user, challenge=challenge))
        for milestone in milestones:
            if "submit_milestone" in actions and milestone.status == Milestone.Status.PLANNED:
                milestone.submit_form = bound.get(f"submit_milestone_form:{milestone.pk}") or SubmitMilestoneForm(
                    id_prefix=f"milestone{milestone.pk}"
                )
        context["milestones"] = milestones
        context["delivery_events"] = [
            event for event in challenge.events.filter(
                kind__in=[ChallengeEvent.Kind.DELIVERED, ChallengeEvent.Kind.CHANGES_REQUESTED,
                          ChallengeEvent.Kind.COMPLETED]
            ).select_related("actor").order_by("created_at", "id")
        ]
        ratings = list(selectors.challenge_ratings(user=user, challenge=challenge))
        context["ratings"] = ratings
        if any(rating.rater_id == user.pk for rating in ratings) or (
            is_manager and any(rating.direction == Rating.Direction.OF_EXPERT for rating in ratings)
        ):
            context.pop("rating_form", None)
    return render(request, "challenges/detail.html", context, status=status)


# Before a claim is chosen there is no agreement, no milestones and no ratings to show.
PRE_CHOICE_STATUSES = frozenset({Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED, Status.OPEN,
                                 Status.WITHDRAWN, Status.EXPIRED})


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
    form = ClaimForm(request.POST, lead=expert, suggestions=_team_suggestions(challenge=challenge, lead=expert))
    if not form.is_valid():
        return _render_detail(request, challenge, claim_form=form, status=400)
    try:
        services.claim_challenge(
            expert=expert, challenge=challenge, proposal=form.cleaned_data["proposal"],
            expected_days=form.cleaned_data["expected_days"], team=form.cleaned_data["team"],
        )
    except ApplicationError as error:
        if error.status == 409:
            messages.error(request, error.message)
        else:
            _apply_error(form, error)
        challenge.refresh_from_db()
        return _render_detail(request, challenge, claim_form=form, status=error.status)
    if form.cleaned_data["team"]:
        messages.success(request, _("揭榜成功！发榜企业会收到您的方案，受邀专家会收到团队邀请。"))
    else:
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


# ---------------------------------------------------------------------------------------------- lifecycle actions
# Each view below is one POST form calling one service. Field errors re-render the page with the form (400), a
# refusal because of the current state shows its message (409), the wrong role gets 403 from the service.


def _detail_url(challenge: Challenge, anchor: str = "") -> str:
    url = reverse("challenges:detail", args=[challenge.pk])
    return f"{url}#{anchor}" if anchor else url


def _perform(
    request: HttpRequest,
    challenge: Challenge,
    *,
    call: Callable[[dict[str, Any]], object],
    success: str,
    form: Any = None,
    form_key: str = "",
    anchor: str = "",
) -> HttpResponse:
    bound = {form_key: form} if form is not None else {}
    if form is not None and not form.is_valid():
        return _render_detail(request, challenge, bound=bound, status=400)
    try:
        call(form.cleaned_data if form is not None else {})
    except ApplicationError as error:
        if form is None or error.status == 409:
            messages.error(request, error.message)
        else:
            _apply_error(form, error)
        challenge.refresh_from_db()
        return _render_detail(request, challenge, bound=bound, status=error.status)
    messages.success(request, success)
    return redirect(_detail_url(challenge, anchor))


def _expert_or_403(request: HttpRequest, message: str) -> Expert:
    expert = roles.expert_of(request.user)
    if expert is None:
        raise PermissionDenied(message)
    return expert


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, call=lambda _data: services.submit_challenge(challenge=challenge, by=request.user),
        success=_("已提交审核，请等待链长审核。"),
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=WithdrawForm(request.POST), form_key="withdraw_form",
        call=lambda data: services.withdraw_challenge(challenge=challenge, by=request.user, reason=data["reason"]),
        success=_("需求已撤回。"),
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """审核: the 发布 button sends decision=approve, the 驳回 button decision=return (a reason is required)."""
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    return _perform(
        request, challenge, form=ReviewForm(request.POST), form_key="review_form",
        call=lambda data: services.review_challenge(
            challenge=challenge, by=request.user, approve=approve, reason=data["reason"]
        ),
        success=_("已发布到榜单大厅。") if approve else _("已驳回，企业会收到审核意见。"),
    )


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=CloseForm(request.POST), form_key="close_form",
        call=lambda data: services.close_challenge(challenge=challenge, by=request.user, reason=data["reason"]),
        success=_("需求已关闭。"),
    )


@login_required
@require_POST
def accept_confidentiality(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    expert = _expert_or_403(request, _("只有专家可以接受保密条款。"))
    return _perform(
        request, challenge, call=lambda _data: services.accept_confidentiality(challenge=challenge, expert=expert),
        success=_("您已接受保密条款，可以查看完整需求。"),
    )


@login_required
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    form = InviteExpertForm(request.POST)
    return _perform(
        request, challenge, form=form, form_key="invite_form", anchor="invitations",
        call=lambda data: services.invite_expert(
            challenge=challenge, expert=data["expert"], by=request.user, note=data["note"]
        ),
        success=_("已邀请专家查看该需求，专家会收到通知。"),
    )


@login_required
@require_POST
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    expert = _expert_or_403(request, _("只有专家可以提问。"))
    return _perform(
        request, challenge, form=QuestionForm(request.POST), form_key="question_form", anchor="questions",
        call=lambda data: services.ask_question(challenge=challenge, expert=expert, text=data["text"]),
        success=_("问题已提交，企业答复后会通知您。"),
    )


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.get_question(user=request.user, pk=pk)
    challenge = selectors.get_challenge(user=request.user, pk=question.challenge_id)
    return _perform(
        request, challenge, form=AnswerForm(request.POST, id_prefix=f"answer{question.pk}"),
        form_key=f"answer_form:{question.pk}", anchor="questions",
        call=lambda data: services.answer_question(question=question, by=request.user, answer=data["answer"]),
        success=_("已答复，能查看该需求的专家都能看到答复。"),
    )


@login_required
@require_POST
def propose_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=AgreementForm(request.POST), form_key="agreement_form", anchor="agreement",
        call=lambda data: services.propose_agreement(challenge=challenge, by=request.user, **data),
        success=_("已提出对接协议，等待对方确认。"),
    )


@login_required
@require_POST
def confirm_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    if not selectors.is_participant(user=request.user, challenge=challenge):
        raise PermissionDenied(_("只有发榜企业和选定的揭榜专家可以商定对接协议。"))

    def call(_data: dict[str, Any]) -> object:
        agreement = selectors.get_agreement(user=request.user, challenge=challenge)
        if agreement is None:
            raise ApplicationError(_("还没有对接协议，请先提出协议。"), status=409, code="no_agreement")
        return services.confirm_agreement(agreement=agreement, by=request.user)

    return _perform(request, challenge, call=call, success=_("已确认对接协议。"), anchor="agreement")


@login_required
@require_POST
def add_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=MilestoneForm(request.POST), form_key="milestone_form", anchor="milestones",
        call=lambda data: services.add_milestone(challenge=challenge, by=request.user, **data),
        success=_("已新增里程碑。"),
    )


@login_required
@require_POST
def submit_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.get_milestone(user=request.user, pk=pk)
    challenge = selectors.get_challenge(user=request.user, pk=milestone.challenge_id)
    form = SubmitMilestoneForm(request.POST, request.FILES, id_prefix=f"milestone{milestone.pk}")
    return _perform(
        request, challenge, form=form, form_key=f"submit_milestone_form:{milestone.pk}", anchor="milestones",
        call=lambda data: services.submit_milestone(
            milestone=milestone, by=request.user, note=data["delivery_note"], files=data["files"]
        ),
        success=_("里程碑成果已提交，等待企业确认。"),
    )


@login_required
@require_POST
def confirm_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.get_milestone(user=request.user, pk=pk)
    challenge = selectors.get_challenge(user=request.user, pk=milestone.challenge_id)
    return _perform(
        request, challenge, anchor="milestones",
        call=lambda _data: services.confirm_milestone(milestone=milestone, by=request.user),
        success=_("已确认里程碑。"),
    )


@login_required
@require_POST
def submit_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=DeliveryForm(request.POST, request.FILES), form_key="delivery_form",
        anchor="delivery",
        call=lambda data: services.submit_delivery(
            challenge=challenge, by=request.user, note=data["note"], files=data["files"]
        ),
        success=_("成果已提交，等待企业验收。"),
    )


@login_required
@require_POST
def accept_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=AcceptDeliveryForm(request.POST), form_key="accept_delivery_form",
        anchor="ratings",
        call=lambda data: services.accept_delivery(challenge=challenge, by=request.user, note=data["note"]),
        success=_("验收通过，需求已完成。欢迎评价本次合作。"),
    )


@login_required
@require_POST
def request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=RequestChangesForm(request.POST), form_key="changes_form", anchor="delivery",
        call=lambda data: services.request_changes(challenge=challenge, by=request.user, note=data["note"]),
        success=_("已要求修改，专家会收到修改意见。"),
    )


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=RatingForm(request.POST), form_key="rating_form", anchor="ratings",
        call=lambda data: services.rate_counterpart(
            challenge=challenge, by=request.user, score=data["score"], comment=data["comment"]
        ),
        success=_("感谢您的评价。"),
    )


@login_required
@require_POST
def upload_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.get_challenge(user=request.user, pk=pk)
    return _perform(
        request, challenge, form=AttachmentForm(request.POST, request.FILES), form_key="attachment_form",
        anchor="attachments",
        call=lambda data: services.add_attachment(challenge=challenge, by=request.user, file=data["file"]),
        success=_("附件已上传。"),
    )


@login_required
@require_GET
def download_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Served only to users who may see the file (selectors.get_attachment), never from a public URL."""
    attachment = selectors.get_attachment(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


# ---------------------------------------------------------------------------------------------- teams


@login_required
@require_POST
def invite_team_member(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.get_claim(user=request.user, pk=pk)
    challenge = selectors.get_challenge(user=request.user, pk=claim.challenge_id)
    form = TeamInviteForm(request.POST, lead=claim.expert)
    return _perform(
        request, challenge, form=form, form_key="team_invite_form", anchor="my-claim",
        call=lambda data: services.invite_team_member(claim=claim, expert=data["expert"], by=request.user),
        success=_("已发出团队邀请，对方接受后加入团队。"),
    )


@login_required
@require_POST
def respond_team_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_team_member(user=request.user, pk=pk)
    accept = request.POST.get("accept") == "1"
    target = request.POST.get("next") == "invitations"
    try:
        services.respond_team_invitation(member=member, by=request.user, accept=accept)
    except ApplicationError as error:
        messages.error(request, error.message)
        if target:
            return _render_team_invitations(request, status=error.status)
        challenge = selectors.get_challenge(user=request.user, pk=member.claim.challenge_id)
        return _render_detail(request, challenge, status=error.status)
    messages.success(request, _("已加入揭榜团队。") if accept else _("已谢绝团队邀请。"))
    if target:
        return redirect("challenges:team_invitations")
    return redirect("challenges:detail", pk=member.claim.challenge_id)


def _render_team_invitations(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    invitations = selectors.team_invitations_for_expert(user=request.user)
    page = Paginator(invitations, 20).get_page(request.GET.get("page"))
    return render(request, "challenges/team_invitations.html",
                  {"page": page, "query": _query_without_page(request)}, status=status)


@login_required
def team_invitations(request: HttpRequest) -> HttpResponse:
    """团队邀请: the teams the signed-in expert was invited to, to accept or decline."""
    if not roles.is_expert(request.user):
        raise PermissionDenied(_("只有专家可以查看团队邀请。"))
    return _render_team_invitations(request)


# ---------------------------------------------------------------------------------------------- review list


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """待审核: challenges of the chains the user leads (every chain for park staff), oldest first."""
    if not (roles.is_chain_leader(request.user) or roles.is_park_staff(request.user)):
        raise PermissionDenied(_("只有链长和管委会可以审核需求。"))
    challenges = selectors.challenges_to_review(user=request.user)
    page = Paginator(challenges, 20).get_page(request.GET.get("page"))
    return render(request, "challenges/review_list.html", {"page": page, "query": _query_without_page(request)})
