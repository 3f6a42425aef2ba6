"""The transactional outbox: a notification is a row written with the event; deliveries are sent by Celery."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one person about one event. The in-app inbox reads these rows."""

    class Kind(models.TextChoices):
        CHALLENGE_PUBLISHED = "challenge_published", _("新需求发布")
        CLAIM_SUBMITTED = "claim_submitted", _("收到揭榜")
        CLAIM_ACCEPTED = "claim_accepted", _("揭榜被选定")
        CLAIM_DECLINED = "claim_declined", _("揭榜未选中")
        CHAIN_RECOMMENDATION = "chain_recommendation", _("链长推荐")
        GENERIC = "generic", _("系统通知")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
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

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("通知")
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
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
