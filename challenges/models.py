"""Technical challenges (技术需求/榜单), the claims experts make on them (揭榜), the work that follows (对接, 里程碑,
验收, 评价), and their audit trail."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.models import IndustryChain, Organisation, TechnicalField
from challenges.storage import PrivateStorage
from challenges.storage import private_storage as build_private_storage
from experts.models import Expert


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_REVIEW = "pending_review", _("待审核")
    OPEN = "open", _("揭榜中")
    MATCHING = "matching", _("对接中")
    IN_PROGRESS = "in_progress", _("实施中")
    DELIVERED = "delivered", _("待验收")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")
    CLOSED = "closed", _("已关闭")


# The whole lifecycle in one place: target status -> the statuses it may be reached from.
# Every move is a conditional UPDATE guarded by these sources (challenges.services.move_challenge).
TRANSITIONS: dict[str, frozenset[str]] = {
    # submitted for review (again, after the enterprise edited a returned one)
    Status.PENDING_REVIEW: frozenset({Status.DRAFT, Status.REJECTED}),
    # published by the chain leader or park staff
    Status.OPEN: frozenset({Status.PENDING_REVIEW}),
    # a claim was chosen (or the first came, in first-come mode): the two sides agree on scope and terms
    Status.MATCHING: frozenset({Status.OPEN}),
    # agreement confirmed by both sides; or the enterprise asked for changes after a delivery
    Status.IN_PROGRESS: frozenset({Status.MATCHING, Status.DELIVERED}),
    Status.DELIVERED: frozenset({Status.IN_PROGRESS}),
    Status.COMPLETED: frozenset({Status.DELIVERED}),
    Status.REJECTED: frozenset({Status.PENDING_REVIEW}),
    Status.WITHDRAWN: frozenset({Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED, Status.OPEN}),
    Status.EXPIRED: frozenset({Status.OPEN}),
    Status.CLOSED: frozenset(
        {Status.OPEN, Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED, Status.EXPIRED, Status.REJECTED}
    ),
}

# Statuses in which experts may see a challenge in the hall and claim it.
CLAIMABLE_STATUSES = frozenset({Status.OPEN})
# Statuses that count as "published" (visible to experts, including after a claim was chosen).
PUBLISHED_STATUSES = frozenset(
    {Status.OPEN, Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED, Status.COMPLETED, Status.EXPIRED,
     Status.CLOSED}
)


def sources_of(target: str) -> frozenset[str]:
    return TRANSITIONS[target]


class Challenge(models.Model):
    Status = Status

    class ClaimMode(models.TextChoices):
        CHOOSE_ONE = "choose_one", _("择优选定（企业在多个揭榜方案中选择）")
        FIRST_COME = "first_come", _("先到先得（首个揭榜即承接）")

    enterprise = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="challenges", verbose_name=_("发榜企业")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_challenges",
        verbose_name=_("发布人"),
    )
    chain = models.ForeignKey(
        IndustryChain, on_delete=models.PROTECT, related_name="challenges", verbose_name=_("所属产业链")
    )
    field = models.ForeignKey(
        TechnicalField, on_delete=models.SET_NULL, null=True, blank=True, related_name="challenges",
        verbose_name=_("技术领域"),
    )
    title = models.CharField(_("需求名称"), max_length=120)
    description = models.TextField(_("需求描述"))
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    expected_outcome = models.TextField(_("预期成果"), blank=True)
    reward_wan = models.DecimalField(
        _("悬赏金额（万元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField(_("揭榜截止日期"))
    is_confidential = models.BooleanField(_("保密需求"), default=False)
    claim_mode = models.CharField(
        _("揭榜方式"), max_length=16, choices=ClaimMode.choices, default=ClaimMode.CHOOSE_ONE
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    expert = models.ForeignKey(
        Expert, on_delete=models.SET_NULL, null=True, blank=True, related_name="engaged_challenges",
        verbose_name=_("承接专家"),
    )
    # The reviewer's reason when the challenge was returned (已驳回); cleared when it is published.
    review_note = models.TextField(_("审核意见"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    first_claimed_at = models.DateTimeField(_("首次揭榜时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("选定时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")
        indexes = [
            models.Index(fields=["chain", "status"], name="challenge_chain_status"),
            models.Index(fields=["enterprise", "status"], name="challenge_enterprise_status"),
            # Dashboard: completions per month (index-only counts) and the challenges that hold experts' load.
            models.Index(fields=["completed_at"], condition=Q(completed_at__isnull=False),
                         name="challenge_completed_at"),
            models.Index(fields=["id"], name="challenge_load_ids",
                         condition=Q(status__in=["open", "matching", "in_progress", "delivered"])),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_claimable(self) -> bool:
        return self.status in CLAIMABLE_STATUSES


class Claim(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待选定")
        ACCEPTED = "accepted", _("已选定")
        DECLINED = "declined", _("未选中")
        WITHDRAWN = "withdrawn", _("已撤回")

    # A claim that still holds a place: counts against the expert's limit and blocks a second claim.
    LIVE_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="claims", verbose_name=_("需求"))
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="claims", verbose_name=_("揭榜专家"))
    proposal = models.TextField(_("方案概述"))
    expected_days = models.PositiveIntegerField(_("预计周期（天）"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    # Where the matcher ranked this expert for the challenge when they claimed (None: not in the top list).
    match_rank = models.PositiveIntegerField(_("匹配排名"), null=True, blank=True)
    match_score = models.FloatField(_("匹配得分"), null=True, blank=True)
    created_at = models.DateTimeField(_("揭榜时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("揭榜")
        verbose_name_plural = _("揭榜")
        indexes = [
            # Dashboard: claims per month and per period (index-only), newest claims first in the drill-down list.
            models.Index(fields=["created_at"], include=["expert", "status", "match_rank"], name="claim_created_at"),
        ]
        constraints = [
            # One live claim per expert and challenge, enforced by the database as the last line of defence.
            models.UniqueConstraint(
                fields=["challenge", "expert"], condition=Q(status__in=["submitted", "accepted"]),
                name="claim_one_live_per_expert",
            ),
            # At most one accepted claim per challenge, whatever the races.
            models.UniqueConstraint(
                fields=["challenge"], condition=Q(status="accepted"), name="claim_one_accepted_per_challenge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.challenge}"


class ChainRecommendation(models.Model):
    """A chain leader's recommendation (指派推荐) of an expert for a challenge of their chain."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="recommendations", verbose_name=_("需求")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="chain_recommendations", verbose_name=_("推荐专家")
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chain_recommendations",
        verbose_name=_("推荐人"),
    )
    note = models.CharField(_("推荐理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("链长推荐")
        verbose_name_plural = _("链长推荐")
        constraints = [
            models.UniqueConstraint(fields=["challenge", "expert"], name="recommendation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} ⇐ {self.challenge}"


class ChallengeEvent(models.Model):
    """The audit trail: one row per transition or claim action. Also the dashboard's raw data."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建需求")
        SUBMITTED = "submitted", _("提交审核")
        PUBLISHED = "published", _("发布")
        RETURNED = "returned", _("驳回")
        CLAIMED = "claimed", _("揭榜")
        CLAIM_WITHDRAWN = "claim_withdrawn", _("撤回揭榜")
        ACCEPTED = "accepted", _("选定揭榜方")
        DECLINED = "declined", _("未选中")
        RECOMMENDED = "recommended", _("链长推荐")
        DELIVERED = "delivered", _("提交成果")
        COMPLETED = "completed", _("验收完成")
        WITHDRAWN = "withdrawn", _("撤回需求")
        EXPIRED = "expired", _("过期")
        CLOSED = "closed", _("关闭")
        UPDATED = "updated", _("修改")
        TEAM_INVITED = "team_invited", _("邀请团队成员")
        TEAM_JOINED = "team_joined", _("加入揭榜团队")
        TEAM_DECLINED = "team_declined", _("谢绝团队邀请")
        QUESTION_ASKED = "question_asked", _("专家提问")
        QUESTION_ANSWERED = "question_answered", _("企业答复")
        CONFIDENTIALITY = "confidentiality", _("接受保密条款")
        INVITED = "invited", _("邀请专家查看")
        AGREEMENT_PROPOSED = "agreement_proposed", _("提出对接协议")
        AGREEMENT_CONFIRMED = "agreement_confirmed", _("确认对接协议")
        MILESTONE_ADDED = "milestone_added", _("新增里程碑")
        MILESTONE_SUBMITTED = "milestone_submitted", _("提交里程碑成果")
        MILESTONE_CONFIRMED = "milestone_confirmed", _("确认里程碑")
        CHANGES_REQUESTED = "changes_requested", _("要求修改")
        RATED = "rated", _("评价")
        ATTACHMENT_ADDED = "attachment_added", _("上传附件")

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="events", verbose_name=_("需求"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    kind = models.CharField(_("事件"), max_length=32, choices=Kind.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="events", verbose_name=_("揭榜")
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("需求事件")
        verbose_name_plural = _("需求事件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.challenge}"


class ClaimMember(models.Model):
    """A member of the team behind a claim: the claiming expert leads, the experts they invite accept or decline."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头人")
        MEMBER = "member", _("成员")

    class Status(models.TextChoices):
        INVITED = "invited", _("已邀请")
        ACCEPTED = "accepted", _("已加入")
        DECLINED = "declined", _("已谢绝")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="members", verbose_name=_("揭榜"))
    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="claim_memberships", verbose_name=_("专家")
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True)

    class Meta:
        ordering = ["claim_id", "role", "id"]  # "lead" sorts before "member"
        verbose_name = _("揭榜团队成员")
        verbose_name_plural = _("揭榜团队成员")
        constraints = [
            models.UniqueConstraint(fields=["claim", "expert"], name="claim_member_unique"),
            models.UniqueConstraint(fields=["claim"], condition=Q(role="lead"), name="claim_one_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} ({self.get_role_display()}) · {self.claim_id}"


class Question(models.Model):
    """A clarifying question (答疑) an expert asks about a challenge, and the enterprise's answer."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="questions", verbose_name=_("需求")
    )
    asked_by = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="questions", verbose_name=_("提问专家"))
    text = models.TextField(_("问题"))
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提问时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("答疑")
        verbose_name_plural = _("答疑")

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class ConfidentialityAcceptance(models.Model):
    """An expert accepted the confidentiality terms of a confidential challenge (recorded with the time)."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="confidentiality_acceptances", verbose_name=_("需求")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="confidentiality_acceptances", verbose_name=_("专家")
    )
    accepted_at = models.DateTimeField(_("接受时间"), auto_now_add=True)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("保密承诺")
        verbose_name_plural = _("保密承诺")
        constraints = [models.UniqueConstraint(fields=["challenge", "expert"], name="confidentiality_unique")]

    def __str__(self) -> str:
        return f"{self.expert} ✓ {self.challenge}"


class ChallengeInvitation(models.Model):
    """The enterprise or a chain leader invites an expert to see a confidential challenge in full."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("需求")
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.CASCADE, related_name="challenge_invitations", verbose_name=_("受邀专家")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("邀请人")
    )
    note = models.CharField(_("邀请说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("需求邀请")
        verbose_name_plural = _("需求邀请")
        constraints = [models.UniqueConstraint(fields=["challenge", "expert"], name="invitation_unique")]

    def __str__(self) -> str:
        return f"{self.expert} ⇐ {self.challenge}"


class Agreement(models.Model):
    """The terms both sides agree on after a claim is chosen (对接). Editing it asks both sides to confirm again."""

    challenge = models.OneToOneField(
        Challenge, on_delete=models.CASCADE, related_name="agreement", verbose_name=_("需求")
    )
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("揭榜"))
    scope = models.TextField(_("合作内容与范围"))
    amount_wan = models.DecimalField(_("合作金额（万元）"), max_digits=10, decimal_places=2)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    enterprise_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("企业确认人"),
    )
    enterprise_confirmed_at = models.DateTimeField(_("企业确认时间"), null=True, blank=True)
    expert_confirmed_at = models.DateTimeField(_("专家确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("对接协议")
        verbose_name_plural = _("对接协议")

    def __str__(self) -> str:
        return f"{self.challenge} · {self.amount_wan} 万元"

    @property
    def is_confirmed(self) -> bool:
        return self.enterprise_confirmed_at is not None and self.expert_confirmed_at is not None


class Milestone(models.Model):
    """A stage of the work with its due date; the expert submits a delivery note and files, the enterprise confirms."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("进行中")
        SUBMITTED = "submitted", _("已提交")
        CONFIRMED = "confirmed", _("已确认")

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("需求")
    )
    title = models.CharField(_("里程碑"), max_length=120)
    due_date = models.DateField(_("计划完成日期"))
    delivery_note = models.TextField(_("交付说明"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")

    def __str__(self) -> str:
        return self.title


def attachment_path(attachment: "Attachment", filename: str) -> str:
    # The stored name is random: the original name is kept in the row and given back on download.
    suffix = PurePath(filename).suffix.lower()
    return f"challenges/{attachment.challenge_id}/{uuid.uuid4().hex}{suffix}"


def private_storage() -> PrivateStorage:
    return build_private_storage()


class Attachment(models.Model):
    """A file of a challenge, a milestone or a delivery. Stored under PRIVATE_MEDIA_ROOT, served after a check."""

    class Kind(models.TextChoices):
        CHALLENGE = "challenge", _("需求附件")
        MILESTONE = "milestone", _("里程碑成果")
        DELIVERY = "delivery", _("验收成果")

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("需求")
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments",
        verbose_name=_("里程碑"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.CHALLENGE)
    file = models.FileField(_("文件"), upload_to=attachment_path, storage=private_storage, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class Rating(models.Model):
    """After acceptance both sides rate each other once (1-5 with a comment). Feeds the expert's track record."""

    class Direction(models.TextChoices):
        OF_EXPERT = "of_expert", _("企业评价专家")
        OF_ENTERPRISE = "of_enterprise", _("专家评价企业")

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("需求"))
    direction = models.CharField(_("评价方向"), max_length=16, choices=Direction.choices)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("评价人")
    )
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("专家"))
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("评语"), blank=True)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            # One rating per side (hence per rater) and challenge.
            models.UniqueConstraint(fields=["challenge", "direction"], name="rating_one_per_side"),
            models.UniqueConstraint(fields=["challenge", "rater"], name="rating_one_per_rater"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} · {self.score} · {self.challenge}"
