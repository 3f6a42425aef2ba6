"""Who is who in the alliance: users, industry chains, organisations and the roles that tie them."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. Roles are relations (expert profile, enterprise membership, chain leader, park staff)."""

    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)


class IndustryChain(models.Model):
    """An industry chain (产业链) of the park, steered by its chain leaders (链长)."""

    name = models.CharField(_("产业链名称"), max_length=64, unique=True)
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    description = models.TextField(_("简介"), blank=True)
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="led_chains", blank=True, verbose_name=_("链长")
    )
    class WebhookKind(models.TextChoices):
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        FEISHU = "feishu", _("飞书")

    webhook_url = models.URLField(_("群机器人 Webhook"), blank=True)
    webhook_kind = models.CharField(
        _("群机器人类型"), max_length=16, choices=WebhookKind.choices, default=WebhookKind.WECOM,
        help_text=_("新需求发布时，通知按该平台的消息格式发送到上面的 Webhook 地址。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")

    def __str__(self) -> str:
        return self.name


class TechnicalField(models.Model):
    """A technical field (技术领域) used to file challenges and to tell which fields the expert pool covers."""

    name = models.CharField(_("领域名称"), max_length=64, unique=True)
    chain = models.ForeignKey(
        IndustryChain, on_delete=models.SET_NULL, null=True, blank=True, related_name="fields",
        verbose_name=_("所属产业链"),
    )

    class Meta:
        ordering = ["chain_id", "id"]
        verbose_name = _("技术领域")
        verbose_name_plural = _("技术领域")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An enterprise, university or institute. Enterprises post challenges; experts belong to one."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        UNIVERSITY = "university", _("高校")
        INSTITUTE = "institute", _("科研院所")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.ENTERPRISE)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=32, unique=True, null=True, blank=True,
        help_text=_("企业的自然键，用于导入去重。"),
    )
    chain = models.ForeignKey(
        IndustryChain, on_delete=models.SET_NULL, null=True, blank=True, related_name="organisations",
        verbose_name=_("所属产业链"),
    )
    city = models.CharField(_("所在地"), max_length=64, blank=True)
    description = models.TextField(_("简介"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        constraints = [models.UniqueConstraint(fields=["name", "kind"], name="organisation_unique_name_kind")]

    def __str__(self) -> str:
        return self.name


class EnterpriseMembership(models.Model):
    """A user who acts for an enterprise: posts its challenges and chooses among claims."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("管理员")
        MEMBER = "member", _("成员")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("企业")
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("企业成员")
        verbose_name_plural = _("企业成员")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class ParkStaff(models.Model):
    """A member of the park administration (管委会): sees the whole alliance and uses the admin site."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="park_staff", verbose_name=_("用户")
    )
    position = models.CharField(_("职务"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("管委会工作人员")
        verbose_name_plural = _("管委会工作人员")

    def __str__(self) -> str:
        return f"{self.user} ({self.position})" if self.position else str(self.user)
