"""Every change of a challenge's state: one function per user-facing write, each in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from challenges.models import (
    ChainRecommendation,
    Challenge,
    ChallengeEvent,
    Claim,
    Status,
    sources_of,
)
from config.exceptions import ApplicationError, Conflict
from experts.models import ConflictOfInterest, Expert
from notifications.models import Notification
from notifications.services import Message, notify

# Statuses in which an accepted or submitted claim occupies one of the expert's places.
ACTIVE_STATUSES = (Status.OPEN, Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED)


@dataclass
class ChallengeInput:
    title: str
    description: str
    chain: IndustryChain
    deadline: dt.date
    field: TechnicalField | None = None
    keywords: list[str] = dataclasses.field(default_factory=list)
    expected_outcome: str = ""
    reward_wan: Decimal | None = None
    is_confidential: bool = False
    claim_mode: str = Challenge.ClaimMode.CHOOSE_ONE


def record_event(
    *,
    challenge: Challenge,
    actor: User | None,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    claim: Claim | None = None,
    note: str = "",
) -> ChallengeEvent:
    return ChallengeEvent.objects.create(
        challenge=challenge, actor=actor, kind=kind, from_status=from_status, to_status=to_status,
        claim=claim, note=note,
    )


def move_challenge(*, challenge: Challenge, to: str, **changes: object) -> bool:
    """Move a challenge to `to` if its current status allows it; False means illegal or another request won."""
    moved = Challenge.objects.filter(pk=challenge.pk, status__in=sources_of(to)).update(
        status=to, updated_at=timezone.now(), **changes
    )
    if moved:
        challenge.refresh_from_db()
    return bool(moved)


def challenge_url(challenge: Challenge) -> str:
    return reverse("challenges:detail", args=[challenge.pk])


def normalise_keywords(keywords: list[str] | str) -> list[str]:
    if isinstance(keywords, str):
        for separator in "，,、;；\n":
            keywords = keywords.replace(separator, " ")
        keywords = keywords.split()
    cleaned: list[str] = []
    for keyword in keywords:
        keyword = str(keyword).strip()
        if keyword and keyword not in cleaned:
            cleaned.append(keyword[:40])
    return cleaned[:20]


def _validate_challenge_input(data: ChallengeInput) -> None:
    if not data.title.strip():
        raise ApplicationError(_("请填写需求名称。"), field="title")
    if len(data.description.strip()) < 10:
        raise ApplicationError(_("需求描述至少 10 个字，请说明遇到的技术问题。"), field="description")
    if data.deadline <= timezone.localdate():
        raise ApplicationError(_("揭榜截止日期必须晚于今天。"), field="deadline")
    if data.reward_wan is not None and data.reward_wan < 0:
        raise ApplicationError(_("悬赏金额不能为负数。"), field="reward_wan")
    if data.field is not None and data.field.chain_id not in (None, data.chain.pk):
        raise ApplicationError(_("所选技术领域不属于该产业链。"), field="field")


@transaction.atomic
def post_challenge(*, enterprise: Organisation, author: User, data: ChallengeInput) -> Challenge:
    """An enterprise member posts a technical problem; it is published to the hall at once."""
    if not roles.is_enterprise_member(author, enterprise):
        raise PermissionDenied(_("只有该企业的成员可以发布需求。"))
    _validate_challenge_input(data)
    challenge = Challenge.objects.create(
        enterprise=enterprise,
        author=author,
        chain=data.chain,
        field=data.field,
        title=data.title.strip(),
        description=data.description.strip(),
        keywords=normalise_keywords(data.keywords),
        expected_outcome=data.expected_outcome.strip(),
        reward_wan=data.reward_wan,
        deadline=data.deadline,
        is_confidential=data.is_confidential,
        claim_mode=data.claim_mode,
        status=Status.DRAFT,
    )
    record_event(challenge=challenge, actor=author, kind=ChallengeEvent.Kind.CREATED, to_status=Status.DRAFT)
    publish_challenge(challenge=challenge, by=author)
    return challenge


@transaction.atomic
def publish_challenge(*, challenge: Challenge, by: User) -> Challenge:
    from_status = challenge.status
    if not move_challenge(challenge=challenge, to=Status.OPEN, published_at=timezone.now()):
        raise Conflict(_("当前状态的需求不能发布。"))
    record_event(
        challenge=challenge, actor=by, kind=ChallengeEvent.Kind.PUBLISHED, from_status=from_status,
        to_status=Status.OPEN,
    )
    _notify_published(challenge=challenge)
    return challenge


def _notify_published(*, challenge: Challenge) -> None:
    from matching.services import rank_experts_for_challenge

    url = challenge_url(challenge)
    matches = rank_experts_for_challenge(challenge, limit=10)
    expert_users = [match.expert.user for match in matches if match.expert.user_id]
    notify(
        recipients=expert_users,
        message=Message(
            kind=Notification.Kind.CHALLENGE_PUBLISHED,
            title=_("有一项新需求与您的研究方向匹配：%(title)s") % {"title": challenge.title},
            body=_("%(enterprise)s 在%(chain)s发布了技术需求「%(title)s」，欢迎揭榜。")
            % {"enterprise": challenge.enterprise.name, "chain": challenge.chain.name, "title": challenge.title},
            url=url,
            dedupe_key=f"challenge:{challenge.pk}:published",
        ),
    )
    notify(
        recipients=challenge.chain.leaders.all(),
        message=Message(
            kind=Notification.Kind.CHALLENGE_PUBLISHED,
            title=_("本链新需求：%(title)s") % {"title": challenge.title},
            body=_("%(enterprise)s 发布了技术需求「%(title)s」。")
            % {"enterprise": challenge.enterprise.name, "title": challenge.title},
            url=url,
            dedupe_key=f"challenge:{challenge.pk}:published",
        ),
    )


def has_conflict_of_interest(*, expert: Expert, organisation: Organisation) -> bool:
    if expert.organisation_id and expert.organisation_id == organisation.pk:
        return True
    return ConflictOfInterest.objects.filter(expert=expert, organisation=organisation).exists()


def active_claim_count(*, expert: Expert) -> int:
    return Claim.objects.filter(
        expert=expert, status__in=Claim.LIVE_STATUSES, challenge__status__in=ACTIVE_STATUSES
    ).count()


def ensure_can_claim(*, expert: Expert, challenge: Challenge) -> None:
    """Every reason a claim is refused, checked in one place, each with its own message."""
    if not expert.is_active:
        raise PermissionDenied(_("您的专家资格已停用，无法揭榜。"))
    if challenge.status != Status.OPEN:
        raise Conflict(
            _("该需求当前为「%(status)s」，不能揭榜。") % {"status": challenge.get_status_display()},
            code="challenge_not_open",
        )
    if challenge.deadline < timezone.localdate():
        raise Conflict(_("该需求已过揭榜截止日期。"), code="deadline_passed")
    if has_conflict_of_interest(expert=expert, organisation=challenge.enterprise):
        raise Conflict(_("您与发榜企业存在利益关联，按回避规则不能揭榜。"), code="conflict_of_interest")
    if Claim.objects.filter(challenge=challenge, expert=expert, status__in=Claim.LIVE_STATUSES).exists():
        raise Conflict(_("您已揭榜该需求，请勿重复揭榜。"), code="duplicate_claim")
    load = active_claim_count(expert=expert)
    if load >= expert.max_active_claims:
        raise Conflict(
            _("您当前承接中的揭榜已有 %(load)s 项，达到上限 %(limit)s 项。完成或撤回后再揭榜。")
            % {"load": load, "limit": expert.max_active_claims},
            code="over_limit",
        )


@transaction.atomic
def claim_challenge(*, expert: Expert, challenge: Challenge, proposal: str, expected_days: int) -> Claim:
    """An expert claims (揭榜) a challenge with a proposal. Refused with 409 if closed, repeated or over the limit."""
    proposal = (proposal or "").strip()
    if len(proposal) < 10:
        raise ApplicationError(_("方案概述至少 10 个字，请说明解决思路。"), field="proposal")
    if not expected_days or expected_days < 1 or expected_days > 3650:
        raise ApplicationError(_("预计周期应在 1 到 3650 天之间。"), field="expected_days")
    # Lock the expert and the challenge so that concurrent claims see each other's load and state.
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    challenge = Challenge.objects.select_for_update().select_related("enterprise", "chain").get(pk=challenge.pk)
    ensure_can_claim(expert=expert, challenge=challenge)

    from matching.services import match_position

    position = match_position(expert=expert, challenge=challenge)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                challenge=challenge, expert=expert, proposal=proposal, expected_days=expected_days,
                match_rank=position.rank if position else None, match_score=position.score if position else None,
            )
    except IntegrityError as exc:
        raise Conflict(_("您已揭榜该需求，请勿重复揭榜。"), code="duplicate_claim") from exc
    now = timezone.now()
    Challenge.objects.filter(pk=challenge.pk, first_claimed_at__isnull=True).update(first_claimed_at=now)
    record_event(challenge=challenge, actor=expert.user, kind=ChallengeEvent.Kind.CLAIMED, claim=claim)
    notify(
        recipients=[membership.user for membership in challenge.enterprise.memberships.select_related("user")],
        message=Message(
            kind=Notification.Kind.CLAIM_SUBMITTED,
            title=_("%(expert)s 揭榜了您的需求「%(title)s」") % {"expert": expert.name, "title": challenge.title},
            body=_("专家 %(expert)s（%(title)s）提交了揭榜方案，预计 %(days)s 天完成。请查看并选定揭榜方。")
            % {"expert": expert.name, "title": expert.title or expert.get_category_display(), "days": expected_days},
            url=challenge_url(challenge),
            dedupe_key=f"claim:{claim.pk}:submitted",
        ),
    )
    if challenge.claim_mode == Challenge.ClaimMode.FIRST_COME:
        _accept(claim=claim, by=expert.user, note=_("先到先得：首个揭榜自动承接"))
    return claim


@transaction.atomic
def accept_claim(*, claim: Claim, by: User) -> Claim:
    """The enterprise chooses one claim: the challenge goes into progress with that expert."""
    claim = Claim.objects.select_related("challenge__enterprise", "expert").get(pk=claim.pk)
    if not roles.is_enterprise_member(by, claim.challenge.enterprise):
        raise PermissionDenied(_("只有发榜企业可以选定揭榜方。"))
    return _accept(claim=claim, by=by)


def _accept(*, claim: Claim, by: User | None, note: str = "") -> Claim:
    challenge = claim.challenge
    now = timezone.now()
    if not Claim.objects.filter(pk=claim.pk, status=Claim.Status.SUBMITTED).update(
        status=Claim.Status.ACCEPTED, decided_at=now
    ):
        raise Conflict(_("该揭榜已被处理，不能再选定。"), code="claim_not_pending")
    from_status = Challenge.objects.filter(pk=challenge.pk).values_list("status", flat=True).first()
    if not move_challenge(challenge=challenge, to=Status.IN_PROGRESS, expert=claim.expert, accepted_at=now):
        raise Conflict(_("该需求已选定揭榜方或已结束，不能再选定。"), code="challenge_not_open")
    claim.refresh_from_db()
    record_event(
        challenge=challenge, actor=by, kind=ChallengeEvent.Kind.ACCEPTED, from_status=from_status or "",
        to_status=Status.IN_PROGRESS, claim=claim, note=note,
    )
    notify(
        recipients=[claim.expert.user] if claim.expert.user_id else [],
        message=Message(
            kind=Notification.Kind.CLAIM_ACCEPTED,
            title=_("您的揭榜已被选定：%(title)s") % {"title": challenge.title},
            body=_("%(enterprise)s 选定了您的揭榜方案，需求进入实施阶段。")
            % {"enterprise": challenge.enterprise.name},
            url=challenge_url(challenge),
            dedupe_key=f"claim:{claim.pk}:accepted",
        ),
    )
    others = list(
        Claim.objects.filter(challenge=challenge, status=Claim.Status.SUBMITTED).select_related("expert__user")
    )
    Claim.objects.filter(pk__in=[other.pk for other in others]).update(status=Claim.Status.DECLINED, decided_at=now)
    for other in others:
        record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.DECLINED, claim=other)
        notify(
            recipients=[other.expert.user] if other.expert.user_id else [],
            message=Message(
                kind=Notification.Kind.CLAIM_DECLINED,
                title=_("揭榜结果：%(title)s") % {"title": challenge.title},
                body=_("感谢您的揭榜。发榜企业已选定其他方案，欢迎继续关注榜单大厅。"),
                url=challenge_url(challenge),
                dedupe_key=f"claim:{other.pk}:declined",
            ),
        )
    return claim


@transaction.atomic
def withdraw_claim(*, claim: Claim, by: User) -> Claim:
    """An expert withdraws their own claim before a choice is made."""
    claim = Claim.objects.select_related("expert", "challenge").get(pk=claim.pk)
    if claim.expert.user_id != by.pk:
        raise PermissionDenied(_("只能撤回自己的揭榜。"))
    if not Claim.objects.filter(pk=claim.pk, status=Claim.Status.SUBMITTED).update(
        status=Claim.Status.WITHDRAWN, decided_at=timezone.now()
    ):
        raise Conflict(_("该揭榜已被处理，不能撤回。"), code="claim_not_pending")
    claim.refresh_from_db()
    record_event(challenge=claim.challenge, actor=by, kind=ChallengeEvent.Kind.CLAIM_WITHDRAWN, claim=claim)
    return claim


@transaction.atomic
def recommend_expert(*, challenge: Challenge, expert: Expert, by: User, note: str = "") -> ChainRecommendation:
    """A chain leader (or park staff) recommends an expert for an open challenge of their chain."""
    if not (roles.is_chain_leader(by, challenge.chain_id) or roles.is_park_staff(by)):
        raise PermissionDenied(_("只有本产业链的链长可以推荐专家。"))
    challenge = Challenge.objects.select_for_update().select_related("enterprise").get(pk=challenge.pk)
    if challenge.status != Status.OPEN:
        raise Conflict(_("只能为揭榜中的需求推荐专家。"), code="challenge_not_open")
    if not expert.is_active:
        raise ApplicationError(_("该专家已不在库，不能推荐。"), field="expert")
    if has_conflict_of_interest(expert=expert, organisation=challenge.enterprise):
        raise Conflict(_("该专家与发榜企业存在利益关联，不能推荐。"), code="conflict_of_interest")
    try:
        with transaction.atomic():
            recommendation = ChainRecommendation.objects.create(
                challenge=challenge, expert=expert, recommended_by=by, note=(note or "").strip()[:500]
            )
    except IntegrityError as exc:
        raise Conflict(_("已向该专家推荐过此需求。"), code="duplicate_recommendation") from exc
    record_event(
        challenge=challenge, actor=by, kind=ChallengeEvent.Kind.RECOMMENDED,
        note=_("推荐专家：%(expert)s。%(note)s") % {"expert": expert.name, "note": recommendation.note},
    )
    notify(
        recipients=[expert.user] if expert.user_id else [],
        message=Message(
            kind=Notification.Kind.CHAIN_RECOMMENDATION,
            title=_("链长向您推荐了需求：%(title)s") % {"title": challenge.title},
            body=_("%(leader)s（%(chain)s链长）认为您适合解决这项需求。%(note)s")
            % {"leader": by.name, "chain": challenge.chain.name, "note": recommendation.note},
            url=challenge_url(challenge),
            dedupe_key=f"recommendation:{recommendation.pk}",
        ),
    )
    return recommendation


def expert_load_filter() -> Q:
    """Claims that count against an expert's limit, for annotations in selectors."""
    return Q(claims__status__in=Claim.LIVE_STATUSES, claims__challenge__status__in=ACTIVE_STATUSES)
