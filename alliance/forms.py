"""Forms of the alliance pages: the dashboard filters, the drill-down list's metric, and the import upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.dashboard import METRIC_CHOICES, Period
from alliance.exports import FORMATS
from alliance.imports import Kind
from alliance.models import IndustryChain, Organisation, TechnicalField
from challenges.models import Status
from experts.models import Expert

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("统计周期"), choices=Period.CHOICES, required=False)
    start = forms.DateField(
        label=gettext_lazy("开始日期"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    chain = forms.IntegerField(label=gettext_lazy("产业链"), required=False, min_value=1, widget=forms.Select)

    def __init__(self, *args: Any, chains: list[IndustryChain], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chain"].widget.choices = [("", _("全部产业链")), *[(chain.pk, chain.name) for chain in chains]]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select)
                                          else "form-control")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["period"] = cleaned.get("period") or Period.DEFAULT
        if cleaned["period"] == Period.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start and "start" not in self.errors:
                self.add_error("start", _("自定义统计周期请填写开始日期。"))
            if not end and "end" not in self.errors:
                self.add_error("end", _("自定义统计周期请填写结束日期。"))
            if start and end and start > end:
                self.add_error("end", _("结束日期不能早于开始日期。"))
        return cleaned

    def mark_invalid_fields(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class DrilldownForm(DashboardFilterForm):
    """The dashboard's filters plus which number to open (and the object it is about, for some metrics)."""

    metric = forms.ChoiceField(label=gettext_lazy("统计指标"), choices=METRIC_CHOICES,
                               error_messages={"required": gettext_lazy("请选择统计指标。"),
                                               "invalid_choice": gettext_lazy("请选择有效的统计指标。")})
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=[("", "—"), *Status.choices], required=False)
    field = forms.ModelChoiceField(label=gettext_lazy("技术领域"), queryset=TechnicalField.objects.all(),
                                   required=False, widget=forms.HiddenInput)
    expert = forms.ModelChoiceField(label=gettext_lazy("专家"), queryset=Expert.objects.all(), required=False,
                                    widget=forms.HiddenInput)
    enterprise = forms.ModelChoiceField(label=gettext_lazy("企业"), queryset=Organisation.objects.all(),
                                        required=False, widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=[("", ""), *[(value, value) for value in FORMATS]], required=False,
                               widget=forms.HiddenInput)


class ExportFormatForm(forms.Form):
    format = forms.ChoiceField(choices=[(value, value) for value in FORMATS], required=False)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("数据类型"), choices=Kind.CHOICES,
                             widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv）"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
                           error_messages={"required": gettext_lazy("请选择要上传的文件。")})

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 10 MB。"))
        return upload
