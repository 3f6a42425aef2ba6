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

    # 团队揭榜: the matcher's suggested co-claimants (checkboxes) and any other alliance experts (a select).
    team_suggested = forms.TypedMultipleChoiceField(
        label=_("推荐的团队成员"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("请选择推荐列表中的专家。")},
    )
    team_others = forms.ModelMultipleChoiceField(
        label=_("邀请其他专家组队"), required=False, queryset=Expert.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("可不选，单独揭榜。受邀专家接受后加入团队。"),
        error_messages={"invalid_choice": _("请选择在库的专家。"), "invalid_pk_value": _("请选择在库的专家。")},
    )
    # A service error about the team belongs under the select.
    field_aliases = {"team": "team_others"}

    def __init__(self, *args: Any, lead: Expert | None = None, suggestions: list[Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions or []
        suggested_ids = [suggestion.expert.pk for suggestion in self.suggestions]
        self.fields["team_suggested"].choices = [(pk, pk) for pk in suggested_ids]
        others = Expert.objects.filter(is_active=True).exclude(pk__in=suggested_ids).order_by("name", "id")
        if lead is not None:
            others = others.exclude(pk=lead.pk)
        field: forms.ModelMultipleChoiceField = self.fields["team_others"]  # type: ignore[assignment]
        field.queryset = others
        field.label_from_instance = ExpertChoice.label_from_instance.__get__(field)  # type: ignore[method-assign]
        self._style_widgets()

    def selected_suggestion_ids(self) -> set[int]:
        if self.is_bound:
            return {int(value) for value in self.data.getlist("team_suggested") if str(value).isdigit()}
        return set()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = list(Expert.objects.filter(pk__in=cleaned.get("team_suggested") or []))
        chosen += [expert for expert in cleaned.get("team_others") or [] if expert not in chosen]
        cleaned["team"] = chosen
        return cleaned


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


# ---------------------------------------------------------------------------------------------- lifecycle forms
# Each form below feeds one service on the challenge page. They use their own auto_id prefix so that several forms
# on one page never share an element id; the POSTed names stay plain.


class LifecycleForm(BootstrapFormMixin, forms.Form):
    id_prefix = "form"

    def __init__(self, *args: Any, id_prefix: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{id_prefix or self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self._style_widgets()


def _reason_field(label: str, *, required: bool, required_message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": required_message, "max_length": _("内容最多 1000 个字。")},
    )


class ReviewForm(LifecycleForm):
    """审核: publish (approve) or return with a reason. The button pressed says which."""

    id_prefix = "review"
    reason = _reason_field(_("审核意见"), required=False)


class CloseForm(LifecycleForm):
    id_prefix = "close"
    reason = _reason_field(_("关闭原因"), required=True, required_message=_("请填写关闭原因。"))


class WithdrawForm(LifecycleForm):
    id_prefix = "withdraw"
    reason = _reason_field(_("撤回原因"), required=False)


class InviteExpertForm(LifecycleForm):
    """The enterprise or chain leader invites an expert to see (and claim) a challenge."""

    id_prefix = "invite"
    expert = ExpertChoice(
        label=_("邀请专家"), queryset=Expert.objects.filter(is_active=True).order_by("name", "id"),
        empty_label=_("请选择专家"),
        error_messages={"required": _("请选择要邀请的专家。"), "invalid_choice": _("请选择在库的专家。")},
    )
    note = forms.CharField(label=_("邀请说明"), required=False, max_length=500,
                           error_messages={"max_length": _("邀请说明最多 500 个字。")})


class QuestionForm(LifecycleForm):
    id_prefix = "question"
    text = forms.CharField(
        label=_("我的问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写问题。"), "max_length": _("问题最多 2000 个字。")},
    )


class AnswerForm(LifecycleForm):
    id_prefix = "answer"
    answer = forms.CharField(
        label=_("答复"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写答复内容。"), "max_length": _("答复最多 5000 个字。")},
    )


def _date_field(label: str, required_message: str) -> forms.DateField:
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": required_message, "invalid": _("请输入有效的日期。")},
    )


class AgreementForm(LifecycleForm):
    """对接协议: scope, amount in 万元, and the dates."""

    id_prefix = "agreement"
    scope = forms.CharField(
        label=_("合作内容与范围"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
        help_text=_("至少 10 个字。"),
        error_messages={"required": _("请填写合作内容与范围。"), "max_length": _("内容不能超过 5000 个字。")},
    )
    amount_wan = forms.DecimalField(
        label=_("合作金额（万元）"), max_digits=10, decimal_places=2, min_value=Decimal("0"),
        error_messages={
            "required": _("请填写合作金额。"), "invalid": _("请输入有效的金额。"),
            "min_value": _("合作金额不能为负数。"),
            "max_digits": _("金额过大。"), "max_decimal_places": _("金额最多保留两位小数。"),
        },
    )
    start_date = _date_field(_("开始日期"), _("请填写开始日期。"))
    end_date = _date_field(_("结束日期"), _("请填写结束日期。"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        return cleaned


class MilestoneForm(LifecycleForm):
    id_prefix = "milestone"
    title = forms.CharField(
        label=_("里程碑名称"), max_length=120,
        error_messages={"required": _("请填写里程碑名称。"), "max_length": _("里程碑名称最多 120 个字。")},
    )
    due_date = _date_field(_("计划完成日期"), _("请填写计划完成日期。"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple>; each is checked by challenges.services.validate_attachment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [file for file in files if file]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


FILES_HELP = _("可上传 PDF、Word、Excel、PPT、PNG/JPG 图片或 ZIP 压缩包，每个文件不超过 20 MB。")


def _files_field(label: str) -> MultipleFileField:
    return MultipleFileField(label=label, required=False, help_text=FILES_HELP,
                             error_messages={"invalid": _("请上传文件。"), "empty": _("文件是空的。")})


class SubmitMilestoneForm(LifecycleForm):
    id_prefix = "submit_milestone"
    field_aliases = {"file": "files"}
    delivery_note = forms.CharField(
        label=_("交付说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
        error_messages={"required": _("请填写交付说明。"), "max_length": _("内容不能超过 5000 个字。")},
    )
    files = _files_field(_("成果文件"))


class DeliveryForm(LifecycleForm):
    id_prefix = "delivery"
    field_aliases = {"file": "files"}
    note = forms.CharField(
        label=_("成果说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
        error_messages={"required": _("请填写成果说明（至少 5 个字）。"), "max_length": _("内容不能超过 5000 个字。")},
    )
    files = _files_field(_("成果文件"))


class AcceptDeliveryForm(LifecycleForm):
    id_prefix = "accept_delivery"
    note = forms.CharField(label=_("验收意见"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"max_length": _("内容不能超过 2000 个字。")})


class RequestChangesForm(LifecycleForm):
    id_prefix = "changes"
    note = forms.CharField(
        label=_("需要修改的内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
        error_messages={"required": _("请说明需要修改的内容（至少 5 个字）。"),
                        "max_length": _("内容不能超过 5000 个字。")},
    )


class RatingForm(LifecycleForm):
    id_prefix = "rating"
    score = forms.TypedChoiceField(
        label=_("评分"), coerce=int, widget=forms.RadioSelect,
        choices=[(value, "★" * value) for value in range(5, 0, -1)],
        error_messages={"required": _("请选择 1 到 5 星评分。"), "invalid_choice": _("评分应为 1 到 5 的整数。")},
    )
    comment = forms.CharField(label=_("评语"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"max_length": _("评语不能超过 2000 个字。")})


class AttachmentForm(LifecycleForm):
    id_prefix = "attachment"
    file = forms.FileField(
        label=_("上传附件"), help_text=FILES_HELP, allow_empty_file=True,
        error_messages={"required": _("请选择要上传的文件。"), "invalid": _("请上传文件。"),
                        "empty": _("文件是空的。")},
    )


class TeamInviteForm(LifecycleForm):
    """The lead invites one more expert to the claim's team."""

    id_prefix = "team_invite"
    expert = ExpertChoice(
        label=_("邀请团队成员"), queryset=Expert.objects.filter(is_active=True).order_by("name", "id"),
        empty_label=_("请选择专家"),
        error_messages={"required": _("请选择要邀请的专家。"), "invalid_choice": _("请选择在库的专家。")},
    )

    def __init__(self, *args: Any, lead: Expert | None = None, suggestions: list[Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: ExpertChoice = self.fields["expert"]  # type: ignore[assignment]
        queryset = Expert.objects.filter(is_active=True)
        if lead is not None:
            queryset = queryset.exclude(pk=lead.pk)
        field.queryset = queryset
        suggested = [(s.expert.pk, f"{field.label_from_instance(s.expert)} · {s.adds_text}")
                     for s in suggestions or []]
        suggested_ids = {s.expert.pk for s in suggestions or []}
        others = [(expert.pk, field.label_from_instance(expert))
                  for expert in queryset.exclude(pk__in=suggested_ids).order_by("name", "id")]
        choices: list[Any] = [("", _("请选择专家"))]
        if suggested:
            choices.append((_("匹配推荐"), suggested))
        if others:
            choices.append((_("其他在库专家"), others))
        field.choices = choices


class MineFilterForm(BootstrapFormMixin, forms.Form):
    """我的需求: every status, drafts and returned ones included."""

    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *Status.choices], required=False,
        error_messages={"invalid_choice": _("请选择有效的状态。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()
