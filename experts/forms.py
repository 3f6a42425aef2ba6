"""Forms of the expert pages. They parse input only; the domain rules live in experts.services."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.models import IndustryChain, Organisation, TechnicalField
from experts.models import Achievement, Expert
from experts.services import AchievementInput, ProfileInput

# The service names TechnicalField "fields"; a form cannot (Form.fields is taken), so map it here.
SERVICE_FIELD_TO_FORM_FIELD = {"fields": "technical_fields"}


class BootstrapFormMixin:
    """Give every widget its Bootstrap 5 class, so templates stay plain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ProfileForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    category = forms.ChoiceField(label=_("专家类别"), choices=Expert.Category.choices)
    title = forms.CharField(label=_("职称/头衔"), max_length=64, required=False)
    organisation = forms.ModelChoiceField(
        label=_("所在单位"), queryset=Organisation.objects.order_by("kind", "name"), required=False,
        empty_label=_("（不填）"),
    )
    # Not required here: the service refuses an empty list with a message that says why it matters.
    research_areas = forms.CharField(
        label=_("研究方向"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("每行一个，或用逗号分隔，如：机器视觉，柔性制造")}),
        help_text=_("匹配系统据此为您推荐技术需求。"),
    )
    bio = forms.CharField(label=_("个人简介"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    chains = forms.ModelMultipleChoiceField(
        label=_("服务产业链"), queryset=IndustryChain.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technical_fields = forms.ModelMultipleChoiceField(
        label=_("技术领域"),
        queryset=TechnicalField.objects.select_related("chain").order_by("chain__sort_order", "chain_id", "name"),
        required=False, widget=forms.CheckboxSelectMultiple,
    )
    # The 1..20 range is the service's rule; the widget bounds only help the browser.
    max_active_claims = forms.IntegerField(
        label=_("同时承接上限"), widget=forms.NumberInput(attrs={"min": 1, "max": 20}),
        help_text=_("同时处于揭榜或实施中的需求最多几项。"),
    )
    is_available = forms.BooleanField(label=_("接受揭榜"), required=False)

    @classmethod
    def initial_for(cls, expert: Expert) -> dict[str, Any]:
        return {
            "name": expert.name,
            "category": expert.category,
            "title": expert.title,
            "organisation": expert.organisation_id,
            "research_areas": "\n".join(expert.research_areas or []),
            "bio": expert.bio,
            "chains": list(expert.chains.values_list("pk", flat=True)),
            "technical_fields": list(expert.fields.values_list("pk", flat=True)),
            "max_active_claims": expert.max_active_claims,
            "is_available": expert.is_available,
        }

    def technical_field_groups(self) -> list[tuple[str, list[BoundField]]]:
        """The technical field checkboxes grouped under their chain's name, for the template."""
        groups: OrderedDict[str, list] = OrderedDict()
        for checkbox in self["technical_fields"]:
            field = checkbox.data["value"].instance
            label = field.chain.name if field.chain_id else str(_("其他领域"))
            groups.setdefault(label, []).append(checkbox)
        return list(groups.items())

    def add_service_error(self, field: str | None, message: str) -> None:
        field = SERVICE_FIELD_TO_FORM_FIELD.get(field or "", field)
        self.add_error(field if field in self.fields else None, message)

    def to_input(self, *, achievements: list[AchievementInput] | None) -> ProfileInput:
        data = self.cleaned_data
        return ProfileInput(
            name=data["name"],
            category=data["category"],
            title=data["title"],
            organisation=data["organisation"],
            research_areas=data["research_areas"],
            bio=data["bio"],
            chains=list(data["chains"]),
            fields=list(data["technical_fields"]),
            max_active_claims=data["max_active_claims"],
            is_available=data["is_available"],
            achievements=achievements,
        )


class AchievementForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Achievement.Kind.choices)
    # A row left without a title is dropped, so a stray "add row" click does no harm.
    title = forms.CharField(label=_("名称"), max_length=255, required=False)
    abstract = forms.CharField(label=_("摘要"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    year = forms.IntegerField(label=_("年份"), required=False, min_value=1950)

    def clean_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        if year is not None and year > timezone.localdate().year + 1:
            raise forms.ValidationError(_("年份不能晚于明年。"))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("title") or "").strip() and ((data.get("abstract") or "").strip() or data.get("year")):
            self.add_error("title", _("请填写成果名称。"))
        return data


AchievementFormSet = forms.formset_factory(AchievementForm, extra=0, can_delete=True, max_num=100, validate_max=True)


def achievement_initial(expert: Expert) -> list[dict[str, Any]]:
    return [
        {"kind": item.kind, "title": item.title, "abstract": item.abstract, "year": item.year}
        for item in expert.achievements.order_by("-year", "id")
    ]


def achievements_from(formset: forms.BaseFormSet) -> list[AchievementInput]:
    """The rows the expert kept: deleted and untouched blank rows are dropped."""
    items: list[AchievementInput] = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not data["title"].strip():
            continue
        items.append(
            AchievementInput(kind=data["kind"], title=data["title"], abstract=data["abstract"], year=data["year"])
        )
    return items


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("专家类别"), required=False, choices=[("", _("全部类别")), *Expert.Category.choices]
    )
    chain = forms.ModelChoiceField(
        label=_("服务产业链"), queryset=IndustryChain.objects.all(), required=False, empty_label=_("全部产业链")
    )
    field = forms.ModelChoiceField(
        label=_("技术领域"), queryset=TechnicalField.objects.select_related("chain").order_by("chain_id", "name"),
        required=False, empty_label=_("全部领域"),
    )
