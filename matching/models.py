"""The matcher's only table: a journal of expert profiles changed since the index was built.

Services that edit experts append a row in the same transaction (matching.services.schedule_index_refresh). The
journal is what makes freshness cheap at 100,000 experts: a ranking call reads its row count and latest id (a small
table, pruned by every full rebuild) instead of fingerprinting the whole expert table, and a refresh re-encodes only
the experts named here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProfileChange(models.Model):
    # Not a foreign key: a deleted expert's row must survive so the index learns it is gone.
    expert_id = models.BigIntegerField(_("专家编号"))
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专家资料变更")
        verbose_name_plural = _("专家资料变更")

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.created_at:%Y-%m-%d %H:%M}"


class TextVector(models.Model):
    """A sentence vector of an expert's profile or a challenge (semantic channel), computed by a Celery task.

    `source_hash` is the hash of the text it was computed from: a vector whose text has changed since is stale and
    is not used. Not foreign keys, so the table stays the matcher's own.
    """

    class Kind(models.TextChoices):
        EXPERT = "expert", _("专家")
        CHALLENGE = "challenge", _("需求")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField(_("对象编号"))
    model = models.CharField(_("模型"), max_length=64)
    source_hash = models.CharField(_("文本摘要"), max_length=40)
    vector = models.BinaryField(_("向量"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("语义向量")
        verbose_name_plural = _("语义向量")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="matching_vector_unique_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
