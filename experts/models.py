"""The shared expert pool: profiles, achievements and declared conflicts of interest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.models import IndustryChain, Organisation, TechnicalField


class Expert(models.Model):
    class Category(models.TextChoices):
        NATIONAL_TALENT = "national", _("国家级人才")
        PROVINCIAL_TALENT = "provincial", _("省级人才")
        PROFESSOR = "professor", _("高校教授/研究员")
        CRAFTSMAN = "craftsman", _("工匠大师")
        ENTERPRISE_EXPERT = "enterprise", _("企业技术专家")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="expert_profile", verbose_name=_("账号"),
    )
    name = models.CharField(_("姓名"), max_length=64)
    category = models.CharField(_("专家类别"), max_length=16, choices=Category.choices)
    title = models.CharField(_("职称/头衔"), max_length=64, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="experts",
        verbose_name=_("所在单位"),
    )
    research_areas = models.JSONField(_("研究方向"), default=list, blank=True)
    fields = models.ManyToManyField(TechnicalField, related_name="experts", blank=True, verbose_name=_("技术领域"))
    chains = models.ManyToManyField(IndustryChain, related_name="experts", blank=True, verbose_name=_("服务产业链"))
    bio = models.TextField(_("个人简介"), blank=True)
    email = models.EmailField(_("联系邮箱"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    max_active_claims = models.PositiveSmallIntegerField(_("同时承接上限"), default=3)
    is_available = models.BooleanField(_("接受揭榜"), default=True)
    is_active = models.BooleanField(_("在库"), default=True)
    created_at = models.DateTimeField(_("入库时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("专家")
        verbose_name_plural = _("专家")

    def __str__(self) -> str:
        return self.name


class Achievement(models.Model):
    class Kind(models.TextChoices):
        PAPER = "paper", _("论文")
        PATENT = "patent", _("专利")
        PROJECT = "project", _("项目")
        CASE = "case", _("解决案例")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="achievements", verbose_name=_("专家"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=255)
    abstract = models.TextField(_("摘要"), blank=True)
    year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True)

    class Meta:
        ordering = ["expert_id", "-year", "id"]
        verbose_name = _("成果")
        verbose_name_plural = _("成果")

    def __str__(self) -> str:
        return self.title


class ConflictOfInterest(models.Model):
    """An organisation an expert must not be recommended to or claim from (declared by the expert or staff)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("专家"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="expert_conflicts", verbose_name=_("回避单位")
    )
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("申报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("利益冲突申报")
        verbose_name_plural = _("利益冲突申报")
        constraints = [models.UniqueConstraint(fields=["expert", "organisation"], name="conflict_unique")]

    def __str__(self) -> str:
        return f"{self.expert} ⟂ {self.organisation}"


class ExpertApplication(models.Model):
    """An application to join the expert pool (申请入库), by anyone; park staff approve or refuse it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REFUSED = "refused", _("未通过")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="expert_applications", verbose_name=_("申请账号"),
    )
    name = models.CharField(_("姓名"), max_length=64)
    email = models.EmailField(_("联系邮箱"))
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    organisation_name = models.CharField(_("所在单位"), max_length=128)
    title = models.CharField(_("职称/头衔"), max_length=64, blank=True)
    category = models.CharField(_("专家类别"), max_length=16, choices=Expert.Category.choices)
    research_areas = models.JSONField(_("研究方向"), default=list)
    achievements = models.TextField(_("主要成果"))
    chains = models.ManyToManyField(IndustryChain, related_name="+", blank=True, verbose_name=_("愿意服务的产业链"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    refusal_reason = models.TextField(_("未通过原因"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    expert = models.ForeignKey(
        Expert, on_delete=models.SET_NULL, null=True, blank=True, related_name="applications",
        verbose_name=_("入库专家"),
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("专家入库申请")
        verbose_name_plural = _("专家入库申请")
        constraints = [
            # One application under review per e-mail address at a time.
            models.UniqueConstraint(
                models.functions.Lower("email"), condition=models.Q(status="pending"),
                name="expert_application_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_status_display()}"
