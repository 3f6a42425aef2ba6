"""Every change of a challenge's state: one function per user-facing write, each in one transaction.

The lifecycle (challenges.models.TRANSITIONS): post_challenge → submit_challenge → review_challenge (publish or
return) → claim_challenge (alone or with a team) → accept_claim → propose_agreement / confirm_agreement →
add_milestone / submit_milestone / confirm_milestone → submit_delivery → accept_delivery or request_changes →
rate_counterpart. Side exits: withdraw_challenge, close_challenge, expire_overdue_challenges (beat task).
Every service re-checks the acting user's role (PermissionDenied → 403), refuses a move the current state does not
allow with Conflict (409) and bad input with ApplicationError (400), writes a ChallengeEvent and notifies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from challenges.models import (
    PUBLISHED_STATUSES,
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
    Status,
    sources_of,
)
from config.exceptions import ApplicationError, Conflict
from experts.models import ConflictOfInterest, Expert
from notifications import services as notification_services
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
    event = ChallengeEvent.objects.create(
        challenge=challenge, actor=actor, kind=kind, from_status=from_status, to_status=to_status,
        claim=claim, note=note,
    )
    from alliance.dashboard import note_alliance_changed

    note_alliance_changed()
    return event


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


# ---------------------------------------------------------------------------------------------- helpers


def _enterprise_users(challenge: Challenge) -> list[User]:
    return [membership.user for membership in challenge.enterprise.memberships.select_related("user")]


def _team_users(claim: Claim | None) -> list[User]:
    """The lead and the members who joined: everyone who works on an accepted claim."""
    if claim is None:
        return []
    users = [claim.expert.user] if claim.expert.user_id else []
    members = claim.members.filter(status=ClaimMember.Status.ACCEPTED).select_related("expert__user")
    users += [member.expert.user for member in members if member.expert.user_id]
    return users


def _accepted_claim(challenge: Challenge) -> Claim | None:
    return (
        Claim.objects.filter(challenge=challenge, status=Claim.Status.ACCEPTED).select_related("expert__user").first()
    )


def _live_claim_experts(challenge: Challenge) -> list[User]:
    claims = Claim.objects.filter(challenge=challenge, status__in=Claim.LIVE_STATUSES).select_related("expert__user")
    return [claim.expert.user for claim in claims if claim.expert.user_id]


def _lock(challenge: Challenge) -> Challenge:
    """Lock the challenge row for the rest of the transaction (concurrent actions on it run one after the other)
    and bring the caller's instance up to date, so that it sees the state the action decides on."""
    Challenge.objects.select_for_update().filter(pk=challenge.pk).values_list("pk", flat=True).get()
    challenge.refresh_from_db()
    return challenge


def _ensure_manager(user: User, challenge: Challenge, message: str) -> None:
    if not roles.is_enterprise_member(user, challenge.enterprise):
        raise PermissionDenied(message)


def _ensure_steerer(user: User, challenge: Challenge, message: str) -> None:
    if not (roles.is_chain_leader(user, challenge.chain_id) or roles.is_park_staff(user)):
        raise PermissionDenied(message)


def _is_lead_expert(user: User, challenge: Challenge) -> bool:
    expert = roles.expert_of(user)
    return expert is not None and challenge.expert_id == expert.pk


def _ensure_lead_expert(user: User, challenge: Challenge, message: str) -> None:
    if not _is_lead_expert(user, challenge):
        raise PermissionDenied(message)


def _transition(
    *,
    challenge: Challenge,
    to: str,
    by: User | None,
    kind: str,
    message: str,
    note: str = "",
    code: str = "invalid_transition",
    claim: Claim | None = None,
    **changes: object,
) -> ChallengeEvent:
    """Move through TRANSITIONS with a guarded UPDATE and write the event; Conflict (409) if the move is illegal."""
    from_status = challenge.status
    if not move_challenge(challenge=challenge, to=to, **changes):
        raise Conflict(message, code=code)
    return record_event(
        challenge=challenge, actor=by, kind=kind, from_status=from_status, to_status=to, claim=claim, note=note
    )


def _required_text(value: str | None, *, field: str, message: str, minimum: int = 1, maximum: int = 5000) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ApplicationError(message, field=field)
    if len(value) > maximum:
        raise ApplicationError(_("内容不能超过 %(count)s 个字。") % {"count": maximum}, field=field)
    return value


def _decline_open_claims(*, challenge: Challenge, by: User | None, note: str) -> list[Claim]:
    """Claims still waiting for a choice when a challenge ends without one: declined, each with an event."""
    waiting = list(
        Claim.objects.filter(challenge=challenge, status=Claim.Status.SUBMITTED).select_related("expert__user")
    )
    Claim.objects.filter(pk__in=[claim.pk for claim in waiting], status=Claim.Status.SUBMITTED).update(
        status=Claim.Status.DECLINED, decided_at=timezone.now()
    )
    for claim in waiting:
        record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.DECLINED, claim=claim, note=note)
    return waiting


# ---------------------------------------------------------------------------------------------- posting and review


def _challenge_fields(data: ChallengeInput) -> dict[str, object]:
    return {
        "chain": data.chain,
        "field": data.field,
        "title": data.title.strip(),
        "description": data.description.strip(),
        "keywords": normalise_keywords(data.keywords),
        "expected_outcome": data.expected_outcome.strip(),
        "reward_wan": data.reward_wan,
        "deadline": data.deadline,
        "is_confidential": data.is_confidential,
        "claim_mode": data.claim_mode,
    }


@transaction.atomic
def post_challenge(
    *, enterprise: Organisation, author: User, data: ChallengeInput, submit: bool = True
) -> Challenge:
    """An enterprise member writes a challenge (草稿) and, with submit=True, sends it for review (待审核)."""
    if not roles.is_enterprise_member(author, enterprise):
        raise PermissionDenied(_("只有该企业的成员可以发布需求。"))
    _validate_challenge_input(data)
    if data.claim_mode not in Challenge.ClaimMode.values:
        raise ApplicationError(_("请选择有效的揭榜方式。"), field="claim_mode")
    challenge = Challenge.objects.create(enterprise=enterprise, author=author, status=Status.DRAFT,
                                         **_challenge_fields(data))
    record_event(challenge=challenge, actor=author, kind=ChallengeEvent.Kind.CREATED, to_status=Status.DRAFT)
    if submit:
        submit_challenge(challenge=challenge, by=author)
    return challenge


@transaction.atomic
def update_challenge(*, challenge: Challenge, by: User, data: ChallengeInput) -> Challenge:
    """The enterprise edits a draft or a returned challenge (已驳回) before submitting it (again)."""
    _ensure_manager(by, challenge, _("只有发榜企业可以修改需求。"))
    challenge = _lock(challenge)
    if challenge.status not in (Status.DRAFT, Status.REJECTED):
        raise Conflict(
            _("该需求当前为「%(status)s」，不能修改。") % {"status": challenge.get_status_display()},
            code="challenge_not_editable",
        )
    _validate_challenge_input(data)
    if data.claim_mode not in Challenge.ClaimMode.values:
        raise ApplicationError(_("请选择有效的揭榜方式。"), field="claim_mode")
    for name, value in _challenge_fields(data).items():
        setattr(challenge, name, value)
    challenge.save()
    record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.UPDATED, note=_("修改了需求内容。"))
    return challenge


@transaction.atomic
def submit_challenge(*, challenge: Challenge, by: User) -> Challenge:
    """草稿/已驳回 → 待审核; the chain's leaders are asked to review it."""
    _ensure_manager(by, challenge, _("只有发榜企业可以提交审核。"))
    challenge = _lock(challenge)
    if challenge.deadline <= timezone.localdate():
        raise ApplicationError(_("揭榜截止日期必须晚于今天。"), field="deadline")
    event = _transition(
        challenge=challenge, to=Status.PENDING_REVIEW, by=by, kind=ChallengeEvent.Kind.SUBMITTED,
        message=_("当前状态的需求不能提交审核。"), code="challenge_not_submittable",
    )
    notify(
        recipients=challenge.chain.leaders.all(),
        message=Message(
            kind=Notification.Kind.REVIEW_SUBMITTED,
            title=_("待审核需求：%(title)s") % {"title": challenge.title},
            body=_("%(enterprise)s 提交了技术需求「%(title)s」，请审核后发布或驳回。")
            % {"enterprise": challenge.enterprise.name, "title": challenge.title},
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:submitted:{event.pk}",
        ),
    )
    return challenge


@transaction.atomic
def review_challenge(*, challenge: Challenge, by: User, approve: bool, reason: str = "") -> Challenge:
    """The chain leader of the challenge's chain, or park staff, publishes it (揭榜中) or returns it with a reason."""
    _ensure_steerer(by, challenge, _("只有本产业链的链长或管委会可以审核需求。"))
    if approve:
        return publish_challenge(challenge=challenge, by=by, note=(reason or "").strip())
    reason = _required_text(reason, field="reason", message=_("驳回时请填写原因，便于企业修改。"), minimum=2,
                            maximum=1000)
    challenge = _lock(challenge)
    event = _transition(
        challenge=challenge, to=Status.REJECTED, by=by, kind=ChallengeEvent.Kind.RETURNED, note=reason,
        message=_("只有待审核的需求可以驳回。"), code="challenge_not_pending_review", review_note=reason,
    )
    notify(
        recipients=_enterprise_users(challenge),
        message=Message(
            kind=Notification.Kind.REVIEW_RETURNED,
            title=_("需求被驳回：%(title)s") % {"title": challenge.title},
            body=_("审核意见：%(reason)s。请修改后重新提交。") % {"reason": reason},
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:returned:{event.pk}",
        ),
    )
    return challenge


@transaction.atomic
def publish_challenge(*, challenge: Challenge, by: User, note: str = "") -> Challenge:
    """待审核 → 揭榜中 (called by review_challenge). Notifies the enterprise, the best-matched experts and the chain."""
    _ensure_steerer(by, challenge, _("只有本产业链的链长或管委会可以发布需求。"))
    challenge = _lock(challenge)
    if challenge.status == Status.PENDING_REVIEW and challenge.deadline < timezone.localdate():
        raise Conflict(_("揭榜截止日期已过，请驳回并请企业修改截止日期。"), code="deadline_passed")
    _transition(
        challenge=challenge, to=Status.OPEN, by=by, kind=ChallengeEvent.Kind.PUBLISHED, note=note,
        message=_("当前状态的需求不能发布。"), code="challenge_not_pending_review",
        published_at=timezone.now(), review_note="",
    )
    notify(
        recipients=_enterprise_users(challenge),
        message=Message(
            kind=Notification.Kind.REVIEW_PUBLISHED,
            title=_("需求已发布：%(title)s") % {"title": challenge.title},
            body=_("您的需求已通过审核，发布到榜单大厅，专家可以揭榜了。"),
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:review-published",
        ),
    )
    _notify_published(challenge=challenge)
    return challenge


def _notify_published(*, challenge: Challenge) -> None:
    from matching.services import rank_experts_for_challenge

    url = challenge_url(challenge)
    top_n = settings.NOTIFY_TOP_N_EXPERTS
    matches = rank_experts_for_challenge(challenge, limit=top_n)
    expert_users = [match.expert.user for match in matches if match.expert.user_id]
    message = Message(
        kind=Notification.Kind.CHALLENGE_PUBLISHED,
        title=_("有一项新需求与您的研究方向匹配：%(title)s") % {"title": challenge.title},
        body=_("%(enterprise)s 在%(chain)s发布了技术需求「%(title)s」，欢迎揭榜。")
        % {"enterprise": challenge.enterprise.name, "chain": challenge.chain.name, "title": challenge.title},
        url=url,
        dedupe_key=f"challenge:{challenge.pk}:published",
    )
    notify(recipients=expert_users, message=message)
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
    # The chain's group robot; guarded so that the lifecycle does not depend on the webhook feature being there.
    announce_to_chain = getattr(notification_services, "announce_to_chain", None)
    if announce_to_chain is not None:
        announce_to_chain(chain=challenge.chain, message=message)


@transaction.atomic
def withdraw_challenge(*, challenge: Challenge, by: User, reason: str = "") -> Challenge:
    """The enterprise withdraws its challenge (已撤回) before a claim is chosen; waiting claims are declined."""
    _ensure_manager(by, challenge, _("只有发榜企业可以撤回需求。"))
    challenge = _lock(challenge)
    reason = (reason or "").strip()[:1000]
    _transition(
        challenge=challenge, to=Status.WITHDRAWN, by=by, kind=ChallengeEvent.Kind.WITHDRAWN, note=reason,
        message=_("已选定揭榜方或已结束的需求不能撤回。"), code="challenge_not_withdrawable",
    )
    declined = _decline_open_claims(challenge=challenge, by=by, note=_("需求已撤回"))
    notify(
        recipients=[claim.expert.user for claim in declined if claim.expert.user_id],
        message=Message(
            kind=Notification.Kind.CHALLENGE_WITHDRAWN,
            title=_("需求已撤回：%(title)s") % {"title": challenge.title},
            body=_("发榜企业撤回了该需求，您的揭榜随之结束。%(reason)s") % {"reason": reason},
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:withdrawn",
        ),
    )
    return challenge


@transaction.atomic
def close_challenge(*, challenge: Challenge, by: User, reason: str) -> Challenge:
    """Park staff or the chain's leader close a challenge (已关闭) with a reason; everyone involved is told."""
    _ensure_steerer(by, challenge, _("只有本产业链的链长或管委会可以关闭需求。"))
    reason = _required_text(reason, field="reason", message=_("请填写关闭原因。"), minimum=2, maximum=1000)
    challenge = _lock(challenge)
    _transition(
        challenge=challenge, to=Status.CLOSED, by=by, kind=ChallengeEvent.Kind.CLOSED, note=reason,
        message=_("当前状态的需求不能关闭。"), code="challenge_not_closable",
    )
    declined = _decline_open_claims(challenge=challenge, by=by, note=_("需求已关闭"))
    recipients = _enterprise_users(challenge) + _team_users(_accepted_claim(challenge))
    recipients += [claim.expert.user for claim in declined if claim.expert.user_id]
    notify(
        recipients=recipients,
        message=Message(
            kind=Notification.Kind.CHALLENGE_CLOSED,
            title=_("需求已关闭：%(title)s") % {"title": challenge.title},
            body=_("关闭原因：%(reason)s") % {"reason": reason},
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:closed",
        ),
    )
    return challenge


def expire_overdue_challenges(*, today: dt.date | None = None) -> list[int]:
    """揭榜中 challenges whose deadline has passed with no accepted claim → 已过期 (the beat task's work).

    Each challenge moves in its own transaction through a guarded UPDATE, so a second run, or a claim accepted at
    the same moment, leaves it alone. Returns the ids that moved.
    """
    today = today or timezone.localdate()
    candidates = list(
        Challenge.objects.filter(status__in=sources_of(Status.EXPIRED), deadline__lt=today)
        .exclude(claims__status=Claim.Status.ACCEPTED)
        .values_list("pk", flat=True)
    )
    moved: list[int] = []
    for pk in candidates:
        with transaction.atomic():
            challenge = (
                Challenge.objects.select_for_update(skip_locked=True).select_related("enterprise").filter(pk=pk)
                .first()
            )
            if challenge is None:
                continue  # someone is acting on it right now: the next run decides
            updated = Challenge.objects.filter(
                pk=pk, status__in=sources_of(Status.EXPIRED), deadline__lt=today
            ).exclude(claims__status=Claim.Status.ACCEPTED).update(status=Status.EXPIRED, updated_at=timezone.now())
            if not updated:
                continue
            from_status = challenge.status
            challenge.refresh_from_db()
            record_event(
                challenge=challenge, actor=None, kind=ChallengeEvent.Kind.EXPIRED, from_status=from_status,
                to_status=Status.EXPIRED,
                note=_("揭榜截止日期 %(date)s 已过，未选定揭榜方。") % {"date": challenge.deadline},
            )
            declined = _decline_open_claims(challenge=challenge, by=None, note=_("需求已过期"))
            recipients = _enterprise_users(challenge) + [c.expert.user for c in declined if c.expert.user_id]
            notify(
                recipients=recipients,
                message=Message(
                    kind=Notification.Kind.CHALLENGE_EXPIRED,
                    title=_("需求已过期：%(title)s") % {"title": challenge.title},
                    body=_("揭榜截止日期已过，未选定揭榜方，需求已自动转为「已过期」。"),
                    url=challenge_url(challenge),
                    dedupe_key=f"challenge:{challenge.pk}:expired",
                ),
            )
            moved.append(pk)
    return moved


# ---------------------------------------------------------------------------------------------- claims


def has_conflict_of_interest(*, expert: Expert, organisation: Organisation) -> bool:
    if expert.organisation_id and expert.organisation_id == organisation.pk:
        return True
    return ConflictOfInterest.objects.filter(expert=expert, organisation=organisation).exists()


def active_claim_count(*, expert: Expert) -> int:
    return Claim.objects.filter(
        expert=expert, status__in=Claim.LIVE_STATUSES, challenge__status__in=ACTIVE_STATUSES
    ).count()


def ensure_can_claim(*, expert: Expert, challenge: Challenge) -> None:
    """Every reason a claim is refused, checked in one place, each with its own message and code."""
    from challenges.selectors import expert_may_see_full_details

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
    if challenge.is_confidential and not expert_may_see_full_details(expert=expert, challenge=challenge):
        raise Conflict(_("这是保密需求，请先接受保密条款、查看完整需求后再揭榜。"), code="confidentiality_required")
    load = active_claim_count(expert=expert)
    if load >= expert.max_active_claims:
        raise Conflict(
            _("您当前承接中的揭榜已有 %(load)s 项，达到上限 %(limit)s 项。完成或撤回后再揭榜。")
            % {"load": load, "limit": expert.max_active_claims},
            code="over_limit",
        )


MAX_TEAM_SIZE = 8


def _ensure_can_join(*, expert: Expert, claim: Claim, lead: Expert) -> None:
    """Why an expert may not be invited to a claim's team, each with its own message."""
    if expert.pk == lead.pk:
        raise ApplicationError(_("牵头专家已在团队中，无需邀请自己。"), field="team")
    if not expert.is_active:
        raise ApplicationError(_("专家 %(name)s 已不在库，不能邀请。") % {"name": expert.name}, field="team")
    if has_conflict_of_interest(expert=expert, organisation=claim.challenge.enterprise):
        raise Conflict(
            _("专家 %(name)s 与发榜企业存在利益关联，按回避规则不能加入团队。") % {"name": expert.name},
            code="conflict_of_interest",
        )


def _invite(*, claim: Claim, expert: Expert, by: User) -> ClaimMember:
    challenge = claim.challenge
    try:
        with transaction.atomic():
            member = ClaimMember.objects.create(claim=claim, expert=expert, role=ClaimMember.Role.MEMBER)
    except IntegrityError as exc:
        raise Conflict(
            _("已邀请过专家 %(name)s。") % {"name": expert.name}, code="duplicate_member"
        ) from exc
    record_event(
        challenge=challenge, actor=by, kind=ChallengeEvent.Kind.TEAM_INVITED, claim=claim,
        note=_("邀请 %(name)s 加入揭榜团队") % {"name": expert.name},
    )
    notify(
        recipients=[expert.user] if expert.user_id else [],
        message=Message(
            kind=Notification.Kind.TEAM_INVITATION,
            title=_("%(lead)s 邀请您加入揭榜团队：%(title)s") % {"lead": claim.expert.name, "title": challenge.title},
            body=_("%(lead)s 正在揭榜「%(title)s」，邀请您作为团队成员参与。请接受或谢绝。")
            % {"lead": claim.expert.name, "title": challenge.title},
            url=challenge_url(challenge),
            dedupe_key=f"claim-member:{member.pk}:invited",
        ),
    )
    return member


@transaction.atomic
def claim_challenge(
    *, expert: Expert, challenge: Challenge, proposal: str, expected_days: int, team: Iterable[Expert] = ()
) -> Claim:
    """An expert claims (揭榜) a challenge with a proposal, optionally inviting other experts as a team.

    Refused with 409 if the challenge is not open, the expert has a conflict of interest, claimed already, has not
    accepted the confidentiality terms of a confidential challenge, or is at their load limit. In first-come mode
    the first claim is chosen at once (→ 对接中).
    """
    proposal = (proposal or "").strip()
    if len(proposal) < 10:
        raise ApplicationError(_("方案概述至少 10 个字，请说明解决思路。"), field="proposal")
    if not expected_days or expected_days < 1 or expected_days > 3650:
        raise ApplicationError(_("预计周期应在 1 到 3650 天之间。"), field="expected_days")
    team = list(dict.fromkeys(team))  # keeps order, drops repeats
    if len(team) > MAX_TEAM_SIZE:
        raise ApplicationError(_("团队成员最多 %(count)s 人。") % {"count": MAX_TEAM_SIZE}, field="team")
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
    ClaimMember.objects.create(
        claim=claim, expert=expert, role=ClaimMember.Role.LEAD, status=ClaimMember.Status.ACCEPTED, responded_at=now
    )
    for member in team:
        _ensure_can_join(expert=member, claim=claim, lead=expert)
    Challenge.objects.filter(pk=challenge.pk, first_claimed_at__isnull=True).update(first_claimed_at=now)
    team_note = _("团队揭榜，邀请：%(names)s") % {"names": "、".join(m.name for m in team)} if team else ""
    record_event(challenge=challenge, actor=expert.user, kind=ChallengeEvent.Kind.CLAIMED, claim=claim, note=team_note)
    for member in team:
        _invite(claim=claim, expert=member, by=expert.user)
    notify(
        recipients=_enterprise_users(challenge),
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
def invite_team_member(*, claim: Claim, expert: Expert, by: User) -> ClaimMember:
    """The lead expert invites another alliance expert to the team of a live claim."""
    claim = Claim.objects.select_related("expert", "challenge__enterprise").get(pk=claim.pk)
    if claim.expert.user_id != by.pk:
        raise PermissionDenied(_("只有牵头专家可以邀请团队成员。"))
    _lock(claim.challenge)
    claim.refresh_from_db()
    if claim.status not in Claim.LIVE_STATUSES or claim.challenge.status not in ACTIVE_STATUSES:
        raise Conflict(_("该揭榜已结束，不能再邀请团队成员。"), code="claim_not_live")
    if claim.members.exclude(status=ClaimMember.Status.DECLINED).count() > MAX_TEAM_SIZE:
        raise Conflict(_("团队成员最多 %(count)s 人。") % {"count": MAX_TEAM_SIZE}, code="team_full")
    _ensure_can_join(expert=expert, claim=claim, lead=claim.expert)
    return _invite(claim=claim, expert=expert, by=by)


@transaction.atomic
def respond_team_invitation(*, member: ClaimMember, by: User, accept: bool) -> ClaimMember:
    """The invited expert joins (accept=True) or declines the team; the lead and the team are told."""
    member = ClaimMember.objects.select_related("expert", "claim__expert", "claim__challenge__enterprise").get(
        pk=member.pk
    )
    if member.expert.user_id != by.pk:
        raise PermissionDenied(_("只能回复发给自己的团队邀请。"))
    claim = member.claim
    if accept and has_conflict_of_interest(expert=member.expert, organisation=claim.challenge.enterprise):
        raise Conflict(_("您与发榜企业存在利益关联，按回避规则不能加入团队。"), code="conflict_of_interest")
    if accept and claim.status not in Claim.LIVE_STATUSES:
        raise Conflict(_("该揭榜已结束，不能再加入团队。"), code="claim_not_live")
    new_status = ClaimMember.Status.ACCEPTED if accept else ClaimMember.Status.DECLINED
    if not ClaimMember.objects.filter(pk=member.pk, status=ClaimMember.Status.INVITED).update(
        status=new_status, responded_at=timezone.now()
    ):
        raise Conflict(_("您已回复过该邀请。"), code="invitation_answered")
    member.refresh_from_db()
    record_event(
        challenge=claim.challenge, actor=by,
        kind=ChallengeEvent.Kind.TEAM_JOINED if accept else ChallengeEvent.Kind.TEAM_DECLINED, claim=claim,
        note=member.expert.name,
    )
    team = [claim.expert.user] if claim.expert.user_id else []
    team += [
        other.expert.user
        for other in claim.members.filter(status=ClaimMember.Status.ACCEPTED).exclude(pk=member.pk)
        .select_related("expert__user")
        if other.expert.user_id
    ]
    title = (
        _("%(name)s 加入了揭榜团队：%(title)s") if accept else _("%(name)s 谢绝了团队邀请：%(title)s")
    ) % {"name": member.expert.name, "title": claim.challenge.title}
    notify(
        recipients=team,
        message=Message(
            kind=Notification.Kind.TEAM_RESPONSE, title=title, body=title, url=challenge_url(claim.challenge),
            dedupe_key=f"claim-member:{member.pk}:responded",
        ),
    )
    return member


@transaction.atomic
def accept_claim(*, claim: Claim, by: User) -> Claim:
    """The enterprise chooses one claim: the challenge moves to 对接中 with that expert; other claims are declined."""
    claim = Claim.objects.select_related("challenge__enterprise", "expert").get(pk=claim.pk)
    if not roles.is_enterprise_member(by, claim.challenge.enterprise):
        raise PermissionDenied(_("只有发榜企业可以选定揭榜方。"))
    # Two members choosing two claims at once: the second waits here and then finds the challenge in 对接中.
    challenge = _lock(claim.challenge)
    if challenge.status != Status.OPEN:
        raise Conflict(_("该需求已选定揭榜方或已结束，不能再选定。"), code="challenge_not_open")
    claim.challenge = challenge
    return _accept(claim=claim, by=by)


def _accept(*, claim: Claim, by: User | None, note: str = "") -> Claim:
    challenge = claim.challenge
    now = timezone.now()
    try:
        with transaction.atomic():
            accepted = Claim.objects.filter(pk=claim.pk, status=Claim.Status.SUBMITTED).update(
                status=Claim.Status.ACCEPTED, decided_at=now
            )
    except IntegrityError as exc:  # the one-accepted-claim index: another choice won
        raise Conflict(_("该需求已选定揭榜方或已结束，不能再选定。"), code="challenge_not_open") from exc
    if not accepted:
        raise Conflict(_("该揭榜已被处理，不能再选定。"), code="claim_not_pending")
    from_status = Challenge.objects.filter(pk=challenge.pk).values_list("status", flat=True).first()
    if not move_challenge(challenge=challenge, to=Status.MATCHING, expert=claim.expert, accepted_at=now):
        raise Conflict(_("该需求已选定揭榜方或已结束，不能再选定。"), code="challenge_not_open")
    claim.refresh_from_db()
    record_event(
        challenge=challenge, actor=by, kind=ChallengeEvent.Kind.ACCEPTED, from_status=from_status or "",
        to_status=Status.MATCHING, claim=claim, note=note,
    )
    notify(
        recipients=_team_users(claim),
        message=Message(
            kind=Notification.Kind.CLAIM_ACCEPTED,
            title=_("您的揭榜已被选定：%(title)s") % {"title": challenge.title},
            body=_("%(enterprise)s 选定了您的揭榜方案，需求进入对接阶段：请与企业商定合作内容、金额与周期。")
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
    """An expert withdraws their own claim before a choice is made; the enterprise and the team are told."""
    claim = Claim.objects.select_related("expert", "challenge__enterprise").get(pk=claim.pk)
    if claim.expert.user_id != by.pk:
        raise PermissionDenied(_("只能撤回自己的揭榜。"))
    if not Claim.objects.filter(pk=claim.pk, status=Claim.Status.SUBMITTED).update(
        status=Claim.Status.WITHDRAWN, decided_at=timezone.now()
    ):
        raise Conflict(_("该揭榜已被处理，不能撤回。"), code="claim_not_pending")
    claim.refresh_from_db()
    record_event(challenge=claim.challenge, actor=by, kind=ChallengeEvent.Kind.CLAIM_WITHDRAWN, claim=claim)
    members = claim.members.exclude(role=ClaimMember.Role.LEAD).exclude(status=ClaimMember.Status.DECLINED)
    notify(
        recipients=_enterprise_users(claim.challenge)
        + [member.expert.user for member in members.select_related("expert__user") if member.expert.user_id],
        message=Message(
            kind=Notification.Kind.CLAIM_WITHDRAWN,
            title=_("%(expert)s 撤回了揭榜：%(title)s") % {"expert": claim.expert.name, "title": claim.challenge.title},
            body=_("专家 %(expert)s 撤回了对「%(title)s」的揭榜。")
            % {"expert": claim.expert.name, "title": claim.challenge.title},
            url=challenge_url(claim.challenge),
            dedupe_key=f"claim:{claim.pk}:withdrawn",
        ),
    )
    return claim


# ---------------------------------------------------------------------------------------------- confidentiality


@transaction.atomic
def accept_confidentiality(*, challenge: Challenge, expert: Expert) -> ConfidentialityAcceptance:
    """An expert accepts the confidentiality terms of a confidential challenge; its full details open to them.

    Recorded once with the time; accepting again returns the first record.
    """
    if not challenge.is_confidential:
        raise ApplicationError(_("该需求不是保密需求，无需接受保密条款。"), code="not_confidential")
    if challenge.status not in PUBLISHED_STATUSES:
        raise Conflict(_("该需求尚未发布。"), code="challenge_not_open")
    if not expert.is_active:
        raise PermissionDenied(_("您的专家资格已停用。"))
    if has_conflict_of_interest(expert=expert, organisation=challenge.enterprise):
        raise Conflict(_("您与发榜企业存在利益关联，按回避规则不能查看该保密需求。"), code="conflict_of_interest")
    acceptance, created = ConfidentialityAcceptance.objects.get_or_create(challenge=challenge, expert=expert)
    if created:
        record_event(challenge=challenge, actor=expert.user, kind=ChallengeEvent.Kind.CONFIDENTIALITY,
                     note=expert.name)
    return acceptance


@transaction.atomic
def invite_expert(*, challenge: Challenge, expert: Expert, by: User, note: str = "") -> ChallengeInvitation:
    """The enterprise or the chain's leader invites an expert to a challenge (opens a confidential one in full)."""
    if not (roles.is_enterprise_member(by, challenge.enterprise) or roles.is_chain_leader(by, challenge.chain_id)
            or roles.is_park_staff(by)):
        raise PermissionDenied(_("只有发榜企业、本链链长或管委会可以邀请专家。"))
    challenge = _lock(challenge)
    if challenge.status != Status.OPEN:
        raise Conflict(_("只能为揭榜中的需求邀请专家。"), code="challenge_not_open")
    if not expert.is_active:
        raise ApplicationError(_("该专家已不在库，不能邀请。"), field="expert")
    if has_conflict_of_interest(expert=expert, organisation=challenge.enterprise):
        raise Conflict(_("该专家与发榜企业存在利益关联，不能邀请。"), code="conflict_of_interest")
    note = (note or "").strip()[:500]
    try:
        with transaction.atomic():
            invitation = ChallengeInvitation.objects.create(challenge=challenge, expert=expert, invited_by=by,
                                                            note=note)
    except IntegrityError as exc:
        raise Conflict(_("已邀请过该专家。"), code="duplicate_invitation") from exc
    record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.INVITED,
                 note=_("邀请专家：%(expert)s") % {"expert": expert.name})
    notify(
        recipients=[expert.user] if expert.user_id else [],
        message=Message(
            kind=Notification.Kind.CHALLENGE_INVITATION,
            title=_("邀请您查看并揭榜：%(title)s") % {"title": challenge.title},
            body=_("%(by)s 邀请您查看需求「%(title)s」的完整内容并揭榜。%(note)s")
            % {"by": by.name, "title": challenge.title, "note": note},
            url=challenge_url(challenge),
            dedupe_key=f"invitation:{invitation.pk}",
        ),
    )
    return invitation


# ---------------------------------------------------------------------------------------------- questions


@transaction.atomic
def ask_question(*, challenge: Challenge, expert: Expert, text: str) -> Question:
    """An expert who can see the challenge in full asks a clarifying question while it is open."""
    from challenges.selectors import expert_may_see_full_details

    if not expert.is_active:
        raise PermissionDenied(_("您的专家资格已停用。"))
    if not expert_may_see_full_details(expert=expert, challenge=challenge):
        raise Conflict(_("这是保密需求，请先接受保密条款再提问。"), code="confidentiality_required")
    text = _required_text(text, field="text", message=_("问题至少 5 个字。"), minimum=5, maximum=2000)
    if challenge.status != Status.OPEN:
        raise Conflict(_("只能对揭榜中的需求提问。"), code="challenge_not_open")
    question = Question.objects.create(challenge=challenge, asked_by=expert, text=text)
    record_event(challenge=challenge, actor=expert.user, kind=ChallengeEvent.Kind.QUESTION_ASKED)
    notify(
        recipients=_enterprise_users(challenge),
        message=Message(
            kind=Notification.Kind.QUESTION_ASKED,
            title=_("专家对「%(title)s」提出了问题") % {"title": challenge.title},
            body=text[:300],
            url=challenge_url(challenge),
            dedupe_key=f"question:{question.pk}:asked",
        ),
    )
    return question


@transaction.atomic
def answer_question(*, question: Question, by: User, answer: str) -> Question:
    """The enterprise answers a question once; the answer is visible to every expert who can see the challenge."""
    question = Question.objects.select_related("challenge__enterprise", "asked_by__user").get(pk=question.pk)
    challenge = question.challenge
    _ensure_manager(by, challenge, _("只有发榜企业可以答复问题。"))
    answer = _required_text(answer, field="answer", message=_("请填写答复内容。"), minimum=1, maximum=5000)
    if not Question.objects.filter(pk=question.pk, answered_at__isnull=True).update(
        answer=answer, answered_by=by, answered_at=timezone.now()
    ):
        raise Conflict(_("该问题已答复。"), code="question_answered")
    question.refresh_from_db()
    record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.QUESTION_ANSWERED)
    # The asker, and the experts with a live claim: an answer may change their proposal.
    recipients = [question.asked_by.user] if question.asked_by.user_id else []
    notify(
        recipients=recipients + _live_claim_experts(challenge),
        message=Message(
            kind=Notification.Kind.QUESTION_ANSWERED,
            title=_("企业答复了「%(title)s」的问题") % {"title": challenge.title},
            body=answer[:300],
            url=challenge_url(challenge),
            dedupe_key=f"question:{question.pk}:answered",
        ),
    )
    return question


# ---------------------------------------------------------------------------------------------- agreement


def _agreement_side(user: User, challenge: Challenge) -> str:
    if roles.is_enterprise_member(user, challenge.enterprise):
        return "enterprise"
    if _is_lead_expert(user, challenge):
        return "expert"
    raise PermissionDenied(_("只有发榜企业和选定的揭榜专家可以商定对接协议。"))


def _other_side_users(side: str, challenge: Challenge) -> list[User]:
    return _team_users(_accepted_claim(challenge)) if side == "enterprise" else _enterprise_users(challenge)


@transaction.atomic
def propose_agreement(
    *, challenge: Challenge, by: User, scope: str, amount_wan: Decimal, start_date: dt.date, end_date: dt.date
) -> Agreement:
    """Either side writes (or rewrites) the agreement while the challenge is 对接中.

    The proposer's side counts as confirmed; the other side must confirm the terms as they now stand.
    """
    side = _agreement_side(by, challenge)
    scope = _required_text(scope, field="scope", message=_("合作内容与范围至少 10 个字。"), minimum=10)
    if amount_wan is None or amount_wan < 0:
        raise ApplicationError(_("合作金额不能为负数。"), field="amount_wan")
    if start_date is None or end_date is None:
        raise ApplicationError(_("请填写开始和结束日期。"), field="start_date")
    if end_date < start_date:
        raise ApplicationError(_("结束日期不能早于开始日期。"), field="end_date")
    challenge = _lock(challenge)
    if challenge.status != Status.MATCHING:
        raise Conflict(_("只有对接中的需求可以商定协议。"), code="challenge_not_matching")
    claim = _accepted_claim(challenge)
    now = timezone.now()
    terms = {
        "claim": claim, "scope": scope, "amount_wan": amount_wan, "start_date": start_date, "end_date": end_date,
        "proposed_by": by,
        "enterprise_confirmed_by": by if side == "enterprise" else None,
        "enterprise_confirmed_at": now if side == "enterprise" else None,
        "expert_confirmed_at": now if side == "expert" else None,
    }
    agreement, _created = Agreement.objects.update_or_create(challenge=challenge, defaults=terms)
    record_event(
        challenge=challenge, actor=by, kind=ChallengeEvent.Kind.AGREEMENT_PROPOSED, claim=claim,
        note=_("%(amount)s 万元，%(start)s 至 %(end)s") % {"amount": amount_wan, "start": start_date, "end": end_date},
    )
    notify(
        recipients=_other_side_users(side, challenge),
        message=Message(
            kind=Notification.Kind.AGREEMENT,
            title=_("请确认对接协议：%(title)s") % {"title": challenge.title},
            body=_("%(by)s 提出了对接协议：%(amount)s 万元，%(start)s 至 %(end)s。请查看并确认。")
            % {"by": by.name, "amount": amount_wan, "start": start_date, "end": end_date},
            url=challenge_url(challenge),
            dedupe_key=f"agreement:{agreement.pk}:proposed:{agreement.updated_at.timestamp()}",
        ),
    )
    return agreement


@transaction.atomic
def confirm_agreement(*, agreement: Agreement, by: User) -> Agreement:
    """The other side confirms the agreement; when both have, the challenge moves 对接中 → 实施中."""
    challenge = _lock(agreement.challenge)
    side = _agreement_side(by, challenge)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if challenge.status != Status.MATCHING:
        raise Conflict(_("只有对接中的需求可以确认协议。"), code="challenge_not_matching")
    now = timezone.now()
    if side == "enterprise":
        if agreement.enterprise_confirmed_at is not None:
            raise Conflict(_("企业方已确认该协议。"), code="already_confirmed")
        agreement.enterprise_confirmed_at, agreement.enterprise_confirmed_by = now, by
    else:
        if agreement.expert_confirmed_at is not None:
            raise Conflict(_("专家方已确认该协议。"), code="already_confirmed")
        agreement.expert_confirmed_at = now
    agreement.save(update_fields=["enterprise_confirmed_at", "enterprise_confirmed_by", "expert_confirmed_at"])
    if agreement.is_confirmed:
        _transition(
            challenge=challenge, to=Status.IN_PROGRESS, by=by, kind=ChallengeEvent.Kind.AGREEMENT_CONFIRMED,
            claim=agreement.claim, note=_("双方已确认对接协议，进入实施。"),
            message=_("只有对接中的需求可以确认协议。"), code="challenge_not_matching",
        )
    else:
        record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.AGREEMENT_CONFIRMED,
                     claim=agreement.claim)
    notify(
        recipients=_enterprise_users(challenge) + _team_users(agreement.claim),
        message=Message(
            kind=Notification.Kind.AGREEMENT,
            title=(_("对接协议已生效，需求进入实施：%(title)s") if agreement.is_confirmed
                   else _("对接协议已由一方确认：%(title)s")) % {"title": challenge.title},
            body=_("%(by)s 确认了对接协议。") % {"by": by.name},
            url=challenge_url(challenge),
            dedupe_key=f"agreement:{agreement.pk}:confirmed:{side}:{now.timestamp()}",
        ),
    )
    return agreement


# ---------------------------------------------------------------------------------------------- milestones, delivery


@transaction.atomic
def add_milestone(*, challenge: Challenge, by: User, title: str, due_date: dt.date) -> Milestone:
    """Either side adds a milestone while the challenge is 对接中 or 实施中."""
    side = _agreement_side(by, challenge)
    title = _required_text(title, field="title", message=_("请填写里程碑名称。"), maximum=120)
    if due_date is None:
        raise ApplicationError(_("请填写计划完成日期。"), field="due_date")
    challenge = _lock(challenge)
    if challenge.status not in (Status.MATCHING, Status.IN_PROGRESS):
        raise Conflict(_("只有对接中或实施中的需求可以设置里程碑。"), code="challenge_not_in_progress")
    milestone = Milestone.objects.create(challenge=challenge, title=title, due_date=due_date, created_by=by)
    record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.MILESTONE_ADDED,
                 note=f"{title}（{due_date}）")
    notify(
        recipients=_other_side_users(side, challenge),
        message=Message(
            kind=Notification.Kind.MILESTONE,
            title=_("新增里程碑：%(milestone)s") % {"milestone": title},
            body=_("「%(title)s」新增里程碑「%(milestone)s」，计划 %(due)s 完成。")
            % {"title": challenge.title, "milestone": title, "due": due_date},
            url=challenge_url(challenge),
            dedupe_key=f"milestone:{milestone.pk}:added",
        ),
    )
    return milestone


@transaction.atomic
def submit_milestone(*, milestone: Milestone, by: User, note: str, files: Sequence[UploadedFile] = ()) -> Milestone:
    """The lead expert submits a milestone's delivery note and files; the enterprise is asked to confirm it."""
    challenge = _lock(milestone.challenge)
    _ensure_lead_expert(by, challenge, _("只有承接专家可以提交里程碑成果。"))
    note = _required_text(note, field="delivery_note", message=_("请填写交付说明。"), minimum=5)
    checked = [validate_attachment(file) for file in files]
    if challenge.status != Status.IN_PROGRESS:
        raise Conflict(_("只有实施中的需求可以提交里程碑成果。"), code="challenge_not_in_progress")
    if not Milestone.objects.filter(pk=milestone.pk, status=Milestone.Status.PLANNED).update(
        status=Milestone.Status.SUBMITTED, delivery_note=note, submitted_at=timezone.now()
    ):
        raise Conflict(_("该里程碑已提交。"), code="milestone_not_planned")
    milestone.refresh_from_db()
    _store_attachments(challenge=challenge, by=by, files=checked, kind=Attachment.Kind.MILESTONE, milestone=milestone)
    record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.MILESTONE_SUBMITTED, note=milestone.title)
    notify(
        recipients=_enterprise_users(challenge),
        message=Message(
            kind=Notification.Kind.MILESTONE,
            title=_("里程碑成果已提交：%(milestone)s") % {"milestone": milestone.title},
            body=note[:300],
            url=challenge_url(challenge),
            dedupe_key=f"milestone:{milestone.pk}:submitted",
        ),
    )
    return milestone


@transaction.atomic
def confirm_milestone(*, milestone: Milestone, by: User) -> Milestone:
    """The enterprise confirms a submitted milestone."""
    challenge = milestone.challenge
    _ensure_manager(by, challenge, _("只有发榜企业可以确认里程碑。"))
    challenge = _lock(challenge)
    if not Milestone.objects.filter(pk=milestone.pk, status=Milestone.Status.SUBMITTED).update(
        status=Milestone.Status.CONFIRMED, confirmed_at=timezone.now()
    ):
        raise Conflict(_("只有已提交的里程碑可以确认。"), code="milestone_not_submitted")
    milestone.refresh_from_db()
    record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.MILESTONE_CONFIRMED, note=milestone.title)
    notify(
        recipients=_team_users(_accepted_claim(challenge)),
        message=Message(
            kind=Notification.Kind.MILESTONE,
            title=_("里程碑已确认：%(milestone)s") % {"milestone": milestone.title},
            body=_("%(enterprise)s 确认了里程碑「%(milestone)s」。")
            % {"enterprise": challenge.enterprise.name, "milestone": milestone.title},
            url=challenge_url(challenge),
            dedupe_key=f"milestone:{milestone.pk}:confirmed",
        ),
    )
    return milestone


@transaction.atomic
def submit_delivery(*, challenge: Challenge, by: User, note: str, files: Sequence[UploadedFile] = ()) -> Challenge:
    """The lead expert submits the final delivery: 实施中 → 待验收."""
    _ensure_lead_expert(by, challenge, _("只有承接专家可以提交成果。"))
    note = _required_text(note, field="note", message=_("请填写成果说明（至少 5 个字）。"), minimum=5)
    checked = [validate_attachment(file) for file in files]
    challenge = _lock(challenge)
    _transition(
        challenge=challenge, to=Status.DELIVERED, by=by, kind=ChallengeEvent.Kind.DELIVERED, note=note,
        message=_("只有实施中的需求可以提交成果。"), code="challenge_not_in_progress",
    )
    _store_attachments(challenge=challenge, by=by, files=checked, kind=Attachment.Kind.DELIVERY)
    delivered = challenge.events.filter(kind=ChallengeEvent.Kind.DELIVERED).count()
    notify(
        recipients=_enterprise_users(challenge),
        message=Message(
            kind=Notification.Kind.DELIVERY_SUBMITTED,
            title=_("成果已提交，请验收：%(title)s") % {"title": challenge.title},
            body=note[:300],
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:delivered:{delivered}",
        ),
    )
    return challenge


@transaction.atomic
def accept_delivery(*, challenge: Challenge, by: User, note: str = "") -> Challenge:
    """The enterprise accepts the delivery (验收): 待验收 → 已完成. Then both sides may rate each other."""
    _ensure_manager(by, challenge, _("只有发榜企业可以验收成果。"))
    challenge = _lock(challenge)
    _transition(
        challenge=challenge, to=Status.COMPLETED, by=by, kind=ChallengeEvent.Kind.COMPLETED,
        note=(note or "").strip()[:2000], message=_("只有待验收的需求可以验收。"), code="challenge_not_delivered",
        completed_at=timezone.now(),
    )
    notify(
        recipients=_team_users(_accepted_claim(challenge)),
        message=Message(
            kind=Notification.Kind.DELIVERY_ACCEPTED,
            title=_("成果验收通过：%(title)s") % {"title": challenge.title},
            body=_("%(enterprise)s 验收通过了您的成果，欢迎评价本次合作。") % {"enterprise": challenge.enterprise.name},
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:completed",
        ),
    )
    return challenge


@transaction.atomic
def request_changes(*, challenge: Challenge, by: User, note: str) -> Challenge:
    """The enterprise asks for changes to the delivery: 待验收 → 实施中, with what to change."""
    _ensure_manager(by, challenge, _("只有发榜企业可以要求修改。"))
    note = _required_text(note, field="note", message=_("请说明需要修改的内容（至少 5 个字）。"), minimum=5)
    challenge = _lock(challenge)
    event = _transition(
        challenge=challenge, to=Status.IN_PROGRESS, by=by, kind=ChallengeEvent.Kind.CHANGES_REQUESTED, note=note,
        message=_("只有待验收的需求可以要求修改。"), code="challenge_not_delivered",
    )
    notify(
        recipients=_team_users(_accepted_claim(challenge)),
        message=Message(
            kind=Notification.Kind.CHANGES_REQUESTED,
            title=_("成果需修改：%(title)s") % {"title": challenge.title},
            body=note[:300],
            url=challenge_url(challenge),
            dedupe_key=f"challenge:{challenge.pk}:changes:{event.pk}",
        ),
    )
    return challenge


# ---------------------------------------------------------------------------------------------- ratings


@transaction.atomic
def rate_counterpart(*, challenge: Challenge, by: User, score: int, comment: str = "") -> Rating:
    """After acceptance, the enterprise rates the expert and the lead expert rates the enterprise, once each."""
    if roles.is_enterprise_member(by, challenge.enterprise):
        direction = Rating.Direction.OF_EXPERT
    elif _is_lead_expert(by, challenge):
        direction = Rating.Direction.OF_ENTERPRISE
    else:
        raise PermissionDenied(_("只有发榜企业和承接专家可以评价。"))
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ApplicationError(_("评分应为 1 到 5 的整数。"), field="score")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ApplicationError(_("评语不能超过 2000 个字。"), field="comment")
    challenge = _lock(challenge)
    if challenge.status != Status.COMPLETED:
        raise Conflict(_("验收完成后才能评价。"), code="challenge_not_completed")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                challenge=challenge, direction=direction, rater=by, expert_id=challenge.expert_id, score=score,
                comment=comment,
            )
    except IntegrityError as exc:
        raise Conflict(_("您已评价过本次合作。"), code="already_rated") from exc
    record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.RATED,
                 note=_("%(direction)s：%(score)s 分") % {"direction": rating.get_direction_display(), "score": score})
    recipients = (
        _team_users(_accepted_claim(challenge)) if direction == Rating.Direction.OF_EXPERT
        else _enterprise_users(challenge)
    )
    notify(
        recipients=recipients,
        message=Message(
            kind=Notification.Kind.RATING,
            title=_("您收到了评价：%(title)s") % {"title": challenge.title},
            body=_("%(score)s 分。%(comment)s") % {"score": score, "comment": comment[:200]},
            url=challenge_url(challenge),
            dedupe_key=f"rating:{rating.pk}",
        ),
    )
    return rating


# ---------------------------------------------------------------------------------------------- attachments

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # .zip and the OOXML office files
ATTACHMENT_TYPES: dict[str, tuple[tuple[bytes, ...], str]] = {
    "pdf": ((b"%PDF-",), "application/pdf"),
    "doc": ((OLE2,), "application/msword"),
    "xls": ((OLE2,), "application/vnd.ms-excel"),
    "ppt": ((OLE2,), "application/vnd.ms-powerpoint"),
    "docx": (ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (ZIP, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "png": ((b"\x89PNG\r\n\x1a\n",), "image/png"),
    "jpg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "jpeg": ((b"\xff\xd8\xff",), "image/jpeg"),
    "zip": (ZIP, "application/zip"),
}


@dataclass(frozen=True)
class CheckedFile:
    file: UploadedFile
    name: str
    size: int
    content_type: str


def validate_attachment(file: UploadedFile) -> CheckedFile:
    """Extension, size (≤ 20 MB) and the first bytes of the content must all say an allowed type."""
    name = PurePath(file.name or "").name.strip()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ATTACHMENT_TYPES.get(extension)
    if allowed is None:
        raise ApplicationError(
            _("不支持的文件类型。允许：PDF、Word、Excel、PPT、PNG/JPG 图片和 ZIP 压缩包。"), field="file",
            code="file_type",
        )
    size = file.size or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(_("文件不能超过 20 MB。"), field="file", code="file_too_large")
    if size == 0:
        raise ApplicationError(_("文件是空的。"), field="file", code="file_empty")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    signatures, content_type = allowed
    if not any(head.startswith(signature) for signature in signatures):
        raise ApplicationError(
            _("文件内容与扩展名 .%(extension)s 不符。") % {"extension": extension}, field="file", code="file_content"
        )
    return CheckedFile(file=file, name=name[:255], size=size, content_type=content_type)


def _store_attachments(
    # Called last in a service, after every check passed, so that a refusal never leaves a file on disk.
    *, challenge: Challenge, by: User, files: Sequence[CheckedFile], kind: str, milestone: Milestone | None = None
) -> list[Attachment]:
    stored = []
    for checked in files:
        attachment = Attachment(
            challenge=challenge, milestone=milestone, kind=kind, original_name=checked.name, size=checked.size,
            content_type=checked.content_type, uploaded_by=by,
        )
        attachment.file.save(checked.name, checked.file, save=False)
        attachment.save()
        stored.append(attachment)
        record_event(challenge=challenge, actor=by, kind=ChallengeEvent.Kind.ATTACHMENT_ADDED, note=checked.name)
    return stored


@transaction.atomic
def add_attachment(*, challenge: Challenge, by: User, file: UploadedFile) -> Attachment:
    """The enterprise attaches a file to its challenge (shown with the full details, confidential if it is)."""
    _ensure_manager(by, challenge, _("只有发榜企业可以上传需求附件。"))
    checked = validate_attachment(file)
    challenge = _lock(challenge)
    if challenge.status in (Status.COMPLETED, Status.WITHDRAWN, Status.CLOSED, Status.EXPIRED):
        raise Conflict(_("已结束的需求不能再上传附件。"), code="challenge_finished")
    return _store_attachments(challenge=challenge, by=by, files=[checked], kind=Attachment.Kind.CHALLENGE)[0]


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
