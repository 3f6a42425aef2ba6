"""Web forms for the challenge pages. They check shapes and types; the domain rules live in challenges.services."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from alliance.models import IndustryChain, Organisation, TechnicalField
from challenges.models import PUBLISHED_STATUSES, Challenge, Status
from experts.models import Expert

HALL_STATUS_CHOICES = [("", _("全部状态"))] + [
    (value, label) for value, label in Status.choices if value in PUBLISHED_STATUSES
]


class BootstrapFormMixin:
    """Gives every widget its Bootstrap class and marks fields with errors, including errors added by views."""

    def _style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        names = [field] if field else []
        if field is None and isinstance(error, dict):
            names = list(error)
        for name in names:
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class TechnicalFieldChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: TechnicalField) -> str:
        if not obj.chain_id:
            return obj.name
        return _("%(name)s（%(chain)s）") % {"name": obj.name, "chain": obj.chain.name}


class ChallengeForm(BootstrapFormMixin, forms.Form):
    """发布需求. The enterprise is chosen only when the user acts for several."""

    enterprise = forms.ModelChoiceField(
        label=_("发榜企业"), queryset=Organisation.objects.none(), empty_label=None,
        error_messages={"required": _("请选择发榜企业。"), "invalid_choice": _("请选择您所在的企业。")},
    )
    title = forms.CharField(
        label=_("需求名称"), max_length=120,
        error_messages={"required": _("请填写需求名称。"), "max_length": _("需求名称最多 120 个字。")},
    )
    description = forms.CharField(
        label=_("需求描述"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("说明遇到的技术问题、现有条件和难点，至少 10 个字。"),
        error_messages={"required": _("请填写需求描述。")},
    )
    chain = forms.ModelChoiceField(
        label=_("所属产业链"), queryset=IndustryChain.objects.all(), empty_label=_("请选择产业链"),
        error_messages={"required": _("请选择所属产业链。"), "invalid_choice": _("请选择有效的产业链。")},
    )
    field = TechnicalFieldChoice(
        label=_("技术领域"), queryset=TechnicalField.objects.select_related("chain"), required=False,
        empty_label=_("不限"), error_messages={"invalid_choice": _("请选择有效的技术领域。")},
    )
    keywords = forms.CharField(
        label=_("关键词"), required=False, max_length=400,
        help_text=_("用逗号分隔，例如：机器视觉，自动包装"),
    )
    expected_outcome = forms.CharField(
        label=_("预期成果"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )
    reward_wan = forms.DecimalField(
        label=_("悬赏金额（万元）"), required=False, max_digits=10, decimal_places=2, min_value=Decimal("0"),
        help_text=_("可不填，表示面议。"),
        error_messages={
            "invalid": _("请输入有效的金额。"),
            "min_value": _("悬赏金额不能为负数。"),
            "max_digits": _("金额过大。"),
            "max_decimal_places": _("金额最多保留两位小数。"),
        },
    )
    deadline = forms.DateField(
        label=_("揭榜截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请选择揭榜截止日期。"), "invalid": _("请输入有效的日期。")},
    )
    is_confidential = forms.BooleanField(
        label=_("保密需求"), required=False,
        help_text=_("勾选后，未参与的专家只能看到名称、产业链和技术领域。"),
    )
    claim_mode = forms.ChoiceField(
        label=_("揭榜方式"), choices=Challenge.ClaimMode.choices, initial=Challenge.ClaimMode.CHOOSE_ONE,
        widget=forms.RadioSelect, error_messages={"required": _("请选择揭榜方式。")},
    )

    def __init__(self, *args: Any, enterprises: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.has_several_enterprises = enterprises.count() > 1
        self.single_enterprise = None if self.has_several_enterprises else enterprises.first()
        if self.single_enterprise is not None:
            # Nothing to choose: the one enterprise is used when the field is left out.
            self.fields["enterprise"].widget = forms.HiddenInput()
            self.fields["enterprise"].required = False
            self.fields["enterprise"].initial = self.single_enterprise.pk
        self._style_widgets()

    def clean_enterprise(self) -> Organisation | None:
        return self.cleaned_data.get("enterprise") or self.single_enterprise


class ClaimForm(BootstrapFormMixin, forms.Form):
    """揭榜: a proposal and how long it would take."""

    proposal = forms.CharField(
        label=_("方案概述"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("说明解决思路、技术路线和已有基础，至少 10 个字。"),
        error_messages={"required": _("请填写方案概述。")},
    )
    expected_days = forms.IntegerField(
        label=_("预计周期（天）"), min_value=1, max_value=3650,
        error_messages={
            "required": _("请填写预计周期。"),
            "invalid": _("请输入整数天数。"),
            "min_value": _("预计周期应在 1 到 3650 天之间。"),
            "max_value": _("预计周期应在 1 到 3650 天之间。"),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()


class ExpertChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Expert) -> str:
        detail = obj.title or obj.get_category_display()
        return _("%(name)s（%(detail)s）") % {"name": obj.name, "detail": detail}


class RecommendForm(BootstrapFormMixin, forms.Form):
    """链长推荐: the matcher's suggestions come first, then every other active expert."""

    expert = ExpertChoice(
        label=_("推荐专家"), queryset=Expert.objects.filter(is_active=True),
        error_messages={"required": _("请选择要推荐的专家。"), "invalid_choice": _("请选择在库的专家。")},
    )
    note = forms.CharField(
        label=_("推荐理由"), required=False, max_length=500,
        error_messages={"max_length": _("推荐理由最多 500 个字。")},
    )

    def __init__(self, *args: Any, matched_experts: list[tuple[Expert, float]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: ExpertChoice = self.fields["expert"]  # type: ignore[assignment]
        matched = matched_experts or []
        matched_ids = {expert.pk for expert, _score in matched}
        suggested = [
            (expert.pk, f"{field.label_from_instance(expert)} · {round(score * 100)}%") for expert, score in matched
        ]
        others = [
            (expert.pk, field.label_from_instance(expert))
            for expert in Expert.objects.filter(is_active=True).exclude(pk__in=matched_ids).order_by("name", "id")
        ]
        choices: list[Any] = [("", _("请选择专家"))]
        if suggested:
            choices.append((_("匹配推荐"), suggested))
        if others:
            choices.append((_("其他在库专家"), others))
        field.choices = choices
        self._style_widgets()


def keyword_condition(text: str) -> Q:
    """Title, description or a keyword contains the text.

    Keywords are a JSON list: PostgreSQL compares its text form with the characters as typed, while SQLite
    stores non-ASCII characters as \\u escapes, so both spellings are tried.
    """
    escaped = json.dumps(text)[1:-1]
    condition = Q(title__icontains=text) | Q(description__icontains=text) | Q(keywords__icontains=text)
    if escaped != text:
        condition |= Q(keywords__icontains=escaped)
    return condition


class HallFilterForm(BootstrapFormMixin, forms.Form):
    """榜单大厅 filters from the query string. Invalid values are reported and ignored, never a 500."""

    q = forms.CharField(label=_("关键词"), required=False, max_length=100,
                        error_messages={"max_length": _("关键词最多 100 个字。")})
    chain = forms.ModelChoiceField(
        label=_("产业链"), queryset=IndustryChain.objects.all(), required=False, empty_label=_("全部产业链"),
        error_messages={"invalid_choice": _("请选择有效的产业链。")},
    )
    field = TechnicalFieldChoice(
        label=_("技术领域"), queryset=TechnicalField.objects.select_related("chain"), required=False,
        empty_label=_("全部领域"), error_messages={"invalid_choice": _("请选择有效的技术领域。")},
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=HALL_STATUS_CHOICES, required=False,
        error_messages={"invalid_choice": _("请选择有效的状态。")},
    )
    reward_min = forms.DecimalField(
        label=_("最低悬赏（万元）"), required=False, min_value=Decimal("0"), max_digits=10, decimal_places=2,
        error_messages={"invalid": _("请输入有效的金额。"), "min_value": _("金额不能为负数。"),
                        "max_digits": _("金额过大。"), "max_decimal_places": _("金额最多保留两位小数。")},
    )
    reward_max = forms.DecimalField(
        label=_("最高悬赏（万元）"), required=False, min_value=Decimal("0"), max_digits=10, decimal_places=2,
        error_messages={"invalid": _("请输入有效的金额。"), "min_value": _("金额不能为负数。"),
                        "max_digits": _("金额过大。"), "max_decimal_places": _("金额最多保留两位小数。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        low, high = cleaned.get("reward_min"), cleaned.get("reward_max")
        if low is not None and high is not None and low > high:
            self.add_error("reward_max", _("最高悬赏不能低于最低悬赏。"))
        return cleaned

    def filter(self, queryset: QuerySet[Challenge]) -> QuerySet[Challenge]:
        """Apply the filters that are valid; call after is_valid()."""
        data = self.cleaned_data
        if data.get("chain"):
            queryset = queryset.filter(chain=data["chain"])
        if data.get("field"):
            queryset = queryset.filter(field=data["field"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        # A confidential challenge shows only its title, chain and field in lists, so filters and search must not
        # reveal its reward or description either: it matches on the title alone.
        if data.get("reward_min") is not None:
            queryset = queryset.filter(reward_wan__gte=data["reward_min"], is_confidential=False)
        if data.get("reward_max") is not None:
            queryset = queryset.filter(reward_wan__lte=data["reward_max"], is_confidential=False)
        text = (data.get("q") or "").strip()
        if text:
            queryset = queryset.filter(
                (Q(is_confidential=False) & keyword_condition(text)) | Q(is_confidential=True, title__icontains=text)
            )
        return queryset


class ChainFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *Status.choices], required=False,
        error_messages={"invalid_choice": _("请选择有效的状态。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()
