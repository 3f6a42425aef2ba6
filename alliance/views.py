"""Pages of the alliance app: the park's dashboard (管委会看板)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.dashboard import Period, dashboard_chains, dashboard_data, period_range
from alliance.models import IndustryChain
from challenges.models import Status
from config.exceptions import ApplicationError


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


def _url_or_empty(name: str, **query: Any) -> str:
    """Link to a list page if it exists yet; numbers without a page behind them stay plain text."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _kpi_cards(data: dict[str, Any], chain_id: int | None) -> list[dict[str, Any]]:
    totals = data["totals"]
    rate = data["claim_rate"]
    median = data["median_hours_to_first_claim"]

    def chain_list(status: str = "") -> str:
        return _url_or_empty("challenges:chain", status=status, chain=chain_id)

    return [
        {"label": _("发布需求"), "value": totals["posted"], "url": chain_list(), "icon": "clipboard-data"},
        {"label": _("已上榜"), "value": totals["published"], "url": _url_or_empty("challenges:hall", chain=chain_id),
         "icon": "megaphone"},
        {"label": _("获得揭榜"), "value": totals["claimed"], "url": "", "icon": "hand-index"},
        {"label": _("实施中"), "value": totals["in_progress"], "url": chain_list(Status.IN_PROGRESS),
         "icon": "gear"},
        {"label": _("已完成"), "value": totals["completed"], "url": chain_list(Status.COMPLETED),
         "icon": "check2-circle"},
        {"label": _("已过期"), "value": totals["expired"], "url": chain_list(Status.EXPIRED), "icon": "hourglass"},
        {"label": _("揭榜率"), "value": f"{rate * 100:.1f}%" if rate is not None else "—", "url": "",
         "icon": "percent"},
        {"label": _("首次揭榜中位用时"),
         "value": median if median is not None else "—", "unit": _("小时") if median is not None else "", "url": "",
         "icon": "stopwatch"},
        {"label": _("服务企业"), "value": totals["enterprises_served"], "url": "", "icon": "building-check"},
    ]


def _matrix_rows(data: dict[str, Any], status_columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "chain_name": row["chain_name"],
            "total": row["total"],
            "url": _url_or_empty("challenges:hall", chain=row["chain_id"]),
            "cells": [
                {
                    "count": row["counts"][column["status"]],
                    "url": _url_or_empty("challenges:chain", status=column["status"], chain=row["chain_id"]),
                }
                for column in status_columns
            ],
        }
        for row in data["by_chain"]
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """管委会看板: park staff see every chain, a chain leader their own; anyone else gets 403."""
    chains = list(dashboard_chains(user=request.user))
    query = request.GET.copy()
    if not query.get("period"):
        # A first visit shows the default period, and the select must name that same period.
        query["period"] = Period.DEFAULT
    form = DashboardFilterForm(query, chains=chains)
    context: dict[str, Any] = {"form": form, "data": None}
    if not form.is_valid():
        form.mark_invalid_fields()
        return render(request, "alliance/dashboard.html", context, status=400)
    chain_id = form.cleaned_data["chain"]
    start, end = period_range(
        period=form.cleaned_data["period"], start=form.cleaned_data["start"], end=form.cleaned_data["end"]
    )
    try:
        data = dashboard_data(user=request.user, chain_id=chain_id, start=start, end=end)
    except ApplicationError as error:
        form.add_error(error.field, error.message)
        form.mark_invalid_fields()
        return render(request, "alliance/dashboard.html", context, status=400)
    # Only the statuses that occur get a column, so the table stays readable on a phone.
    status_columns = [row for row in data["status_distribution"] if row["count"]]
    data["labels"] = {
        "by_chain": _("各产业链需求状态"),
        "trend": _("近 12 个月趋势"),
        "published": _("发布需求"),
        "claimed": _("揭榜次数"),
        "status": _("需求状态分布"),
        "top_experts": _("最活跃专家"),
        "claims": _("揭榜次数"),
        "accepted": _("被选定次数"),
        "empty": _("暂无数据"),
    }
    context.update(
        data=data,
        kpis=_kpi_cards(data, chain_id),
        start=start,
        end=end,
        status_columns=status_columns,
        matrix_rows=_matrix_rows(data, status_columns),
        chain_list_url=_url_or_empty("challenges:chain"),
        hall_url=_url_or_empty("challenges:hall"),
    )
    return render(request, "alliance/dashboard.html", context)
