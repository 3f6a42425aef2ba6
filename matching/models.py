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
