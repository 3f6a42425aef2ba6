"""Technical challenges (技术需求/榜单), the claims experts make on them (揭榜), and their audit trail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.models import IndustryChain, Organisation, TechnicalField
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
    Status.PENDING_REVIEW: frozenset({Status.DRAFT, Status.REJECTED}),
    Status.OPEN: frozenset({Status.DRAFT, Status.PENDING_REVIEW}),
    Status.MATCHING: frozenset({Status.OPEN}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.MATCHING}),
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

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="events", verbose_name=_("需求"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
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
