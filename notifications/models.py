"""The transactional outbox: a notification is a row written with the event; deliveries are sent by Celery."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one person about one event, or to one chain's group robot. The in-app inbox reads these rows.

    A row has either a recipient (a person: in-app, e-mail) or a chain (its group robot: webhook), never both.
    """

    class Kind(models.TextChoices):
        CHALLENGE_PUBLISHED = "challenge_published", _("新需求发布")
        CLAIM_SUBMITTED = "claim_submitted", _("收到揭榜")
        CLAIM_ACCEPTED = "claim_accepted", _("揭榜被选定")
        CLAIM_DECLINED = "claim_declined", _("揭榜未选中")
        CHAIN_RECOMMENDATION = "chain_recommendation", _("链长推荐")
        CLAIM_WITHDRAWN = "claim_withdrawn", _("揭榜已撤回")
        TEAM_INVITATION = "team_invitation", _("团队揭榜邀请")
        TEAM_RESPONSE = "team_response", _("团队邀请回复")
        QUESTION_ASKED = "question_asked", _("专家提问")
        QUESTION_ANSWERED = "question_answered", _("企业答复")
        REVIEW_SUBMITTED = "review_submitted", _("需求待审核")
        REVIEW_PUBLISHED = "review_published", _("需求审核通过")
        REVIEW_RETURNED = "review_returned", _("需求被驳回")
        CHALLENGE_INVITATION = "challenge_invitation", _("保密需求邀请")
        AGREEMENT = "agreement", _("对接协议")
        MILESTONE = "milestone", _("里程碑进展")
        DELIVERY_SUBMITTED = "delivery_submitted", _("成果已提交")
        DELIVERY_ACCEPTED = "delivery_accepted", _("成果验收通过")
        CHANGES_REQUESTED = "changes_requested", _("成果需修改")
        RATING = "rating", _("评价")
        CHALLENGE_WITHDRAWN = "challenge_withdrawn", _("需求已撤回")
        CHALLENGE_CLOSED = "challenge_closed", _("需求已关闭")
        CHALLENGE_EXPIRED = "challenge_expired", _("需求已过期")
        DEADLINE_REMINDER = "deadline_reminder", _("截止提醒")
        NO_CLAIM_ESCALATION = "no_claim_escalation", _("无人揭榜预警")
        WEEKLY_DIGEST = "weekly_digest", _("每周需求推荐")
        DAILY_DIGEST = "daily_digest", _("每日通知摘要")
        EXPERT_APPLICATION = "expert_application", _("专家入库申请")
        GENERIC = "generic", _("系统通知")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人"),
        null=True, blank=True,
    )
    chain = models.ForeignKey(
        "alliance.IndustryChain", on_delete=models.CASCADE, related_name="announcements",
        verbose_name=_("产业链群机器人"), null=True, blank=True,
    )
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # A key that makes one event notify one person once, even if the service runs twice.
    dedupe_key = models.CharField(_("去重键"), max_length=200)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_unique_per_event"),
            models.UniqueConstraint(fields=["chain", "dedupe_key"], name="announcement_unique_per_event"),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, chain__isnull=True)
                | Q(recipient__isnull=True, chain__isnull=False),
                name="notification_person_or_chain",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One channel's attempt to deliver a notification. Pending rows are re-sent by a periodic task."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("站内信")
        EMAIL = "email", _("电子邮件")
        WEBHOOK = "webhook", _("群机器人")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("无需发送")
        DIGESTED = "digested", _("已并入摘要")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    # Waits for the recipient's daily digest instead of going out at once (their preference for this kind).
    is_digest = models.BooleanField(_("并入每日摘要"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最后错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_unique_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.notification}"


class NotificationPreference(models.Model):
    """How one person wants to hear about one kind of event. No row means the defaults (see DEFAULT_PREFERENCE)."""

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("即时发送")
        DAILY = "daily", _("每日摘要")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("通知类型"), max_length=32, choices=Notification.Kind.choices)
    in_app = models.BooleanField(_("站内信"), default=True)
    email = models.BooleanField(_("电子邮件"), default=True)
    frequency = models.CharField(
        _("邮件发送方式"), max_length=16, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["user_id", "kind"]
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"
