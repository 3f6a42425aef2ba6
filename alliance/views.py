"""Pages of the alliance app: the park's dashboard (管委会看板), the lists behind its numbers, exports and imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import roles
from alliance.dashboard import (
    METRICS,
    Drilldown,
    ListKind,
    Period,
    Scope,
    dashboard_chains,
    dashboard_data,
    dashboard_scope,
    drilldown,
    period_range,
    served_counts,
)
from alliance.exports import FORMATS, Table, dated_filename, export_response
from alliance.forms import DashboardFilterForm, DrilldownForm, ExportFormatForm, ImportForm
from alliance.imports import TITLES, Kind, export_table, read_rows, template_tables
from alliance.models import IndustryChain, Organisation
from alliance.services import import_records
from challenges.models import Challenge, Claim, Status
from config.exceptions import ApplicationError
from experts.models import Expert

__all__ = ["DashboardFilterForm", "dashboard", "dashboard_export", "drilldown_list", "export_list", "import_data"]

ROWS_PER_PAGE = 50
FILTER_KEYS = ("period", "start", "end", "chain")


def _url_or_empty(name: str, **query: Any) -> str:
    """Link to a list page if it exists; numbers without a page behind them stay plain text."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _filter_query(form: DashboardFilterForm) -> dict[str, Any]:
    """The dashboard filters as they were chosen, to carry into drill-down and export links."""
    cleaned = form.cleaned_data
    query: dict[str, Any] = {"period": cleaned["period"], "chain": cleaned.get("chain")}
    if cleaned["period"] == Period.CUSTOM:
        query.update(start=cleaned["start"].isoformat(), end=cleaned["end"].isoformat())
    return {key: value for key, value in query.items() if value not in (None, "")}


def _drill_url(filters: dict[str, Any], metric: str, **extra: Any) -> str:
    return _url_or_empty("alliance:drilldown", **filters, metric=metric, **extra)


def _percent(rate: float | None) -> str:
    return f"{rate * 100:.1f}%" if rate is not None else "—"


def _kpi_cards(data: dict[str, Any], filters: dict[str, Any]) -> list[dict[str, Any]]:
    totals = data["totals"]
    median = data["median_hours_to_first_claim"]
    completion_days = data["median_days_to_completion"]

    def card(label: str, value: Any, metric: str, icon: str, unit: str = "", note: str = "") -> dict[str, Any]:
        return {"label": label, "value": value, "url": _drill_url(filters, metric), "icon": icon, "unit": unit,
                "note": note, "metric": metric}

    return [
        card(_("发布需求"), totals["posted"], "posted", "clipboard-data"),
        card(_("已上榜"), totals["published"], "published", "megaphone"),
        card(_("获得揭榜"), totals["claimed"], "claimed", "hand-index"),
        card(_("实施中"), totals["in_progress"], "in_progress", "gear"),
        card(_("已完成"), totals["completed"], "completed", "check2-circle"),
        card(_("已过期"), totals["expired"], "expired", "hourglass"),
        card(_("揭榜率"), _percent(data["claim_rate"]), "claimed", "percent",
             note=_("获得揭榜数 ÷ 上榜数")),
        card(_("完成率"), _percent(data["completion_rate"]), "engaged", "flag",
             note=_("完成数 ÷ 选定专家的需求数")),
        card(_("首次揭榜中位用时"), median if median is not None else "—", "first_claim_time", "stopwatch",
             unit=_("小时") if median is not None else ""),
        card(_("完成中位用时"), completion_days if completion_days is not None else "—", "completion_time",
             "calendar-check", unit=_("天") if completion_days is not None else ""),
        card(_("悬赏总额"), f"{totals['reward_wan']:,.2f}", "reward", "cash-coin", unit=_("万元")),
        card(_("服务企业"), totals["enterprises_served"], "enterprises_served", "building-check"),
        card(_("揭榜专家"), totals["active_experts"], "active_experts", "people",
             note=_("在库 %(count)s 人") % {"count": totals["pool_experts"]}),
        card(_("专家负荷率"), _percent(data["utilisation"]), "pool", "speedometer",
             note=_("在办 %(live)s / 上限 %(capacity)s") % {"live": totals["live_claims"],
                                                          "capacity": totals["capacity"]}),
        card(_("超时未揭榜"), totals["over_sla"], "over_sla", "alarm",
             note=_("发布 %(days)s 天内无人揭榜") % {"days": data["sla_days"]}),
        card(_("匹配前十命中率"), _percent(data["match_top_share"]), "match_top", "bullseye",
             note=_("选定揭榜中来自匹配前 %(rank)s 名的占比") % {"rank": data["match_top_rank"]}),
    ]


def _matrix_rows(data: dict[str, Any], status_columns: list[dict[str, Any]], filters: dict[str, Any]) -> list[dict]:
    base = {key: value for key, value in filters.items() if key != "chain"}
    return [
        {
            "chain_name": row["chain_name"],
            "total": row["total"],
            "url": _drill_url({**base, "chain": row["chain_id"]}, "posted"),
            "cells": [
                {
                    "count": row["counts"][column["status"]],
                    "url": _drill_url({**base, "chain": row["chain_id"]}, "status", status=column["status"]),
                }
                for column in status_columns
            ],
        }
        for row in data["by_chain"]
    ]


def _read_filters(request: HttpRequest, form_class: type[DashboardFilterForm] = DashboardFilterForm,
                  chains: list[IndustryChain] | None = None) -> DashboardFilterForm:
    query: QueryDict = request.GET.copy()
    if not query.get("period"):
        # A first visit shows the default period, and the select must name that same period.
        query["period"] = Period.DEFAULT
    return form_class(query, chains=chains if chains is not None else list(dashboard_chains(user=request.user)))


def _dates(form: DashboardFilterForm) -> tuple[Any, Any]:
    return period_range(period=form.cleaned_data["period"], start=form.cleaned_data["start"],
                        end=form.cleaned_data["end"])


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """管委会看板: park staff see every chain, a chain leader their own; anyone else gets 403."""
    chains = list(dashboard_chains(user=request.user))
    form = _read_filters(request, chains=chains)
    context: dict[str, Any] = {"form": form, "data": None}
    if not form.is_valid():
        form.mark_invalid_fields()
        return render(request, "alliance/dashboard.html", context, status=400)
    start, end = _dates(form)
    try:
        data = dashboard_data(user=request.user, chain_id=form.cleaned_data["chain"], start=start, end=end,
                              chains=chains)
    except ApplicationError as error:
        form.add_error(error.field, error.message)
        form.mark_invalid_fields()
        return render(request, "alliance/dashboard.html", context, status=400)
    filters = _filter_query(form)
    # Only the statuses that occur get a column, so the table stays readable on a phone.
    status_columns = [row for row in data["status_distribution"] if row["count"]]
    data["labels"] = {
        "by_chain": _("各产业链需求状态"),
        "funnel": _("各产业链转化漏斗"),
        "trend": _("近 12 个月趋势"),
        "published": _("发布需求"),
        "claimed": _("揭榜次数"),
        "completed": _("完成需求"),
        "posted": _("发布"),
        "claimed_challenges": _("获得揭榜"),
        "status": _("需求状态分布"),
        "fields": _("技术领域供需"),
        "demand": _("需求数"),
        "experts": _("覆盖专家数"),
        "top_experts": _("最活跃专家"),
        "top_enterprises": _("发榜企业排行"),
        "claims": _("揭榜次数"),
        "accepted": _("被选定次数"),
        "empty": _("暂无数据"),
    }
    context.update(
        data=data,
        kpis=_kpi_cards(data, filters),
        start=start,
        end=end,
        status_columns=status_columns,
        matrix_rows=_matrix_rows(data, status_columns, filters),
        filters=filters,
        drilldown_url=reverse("alliance:drilldown"),
        filter_query=urlencode(filters),
        export_xlsx_url=_url_or_empty("alliance:dashboard_export", **filters, format="xlsx"),
        export_csv_url=_url_or_empty("alliance:dashboard_export", **filters, format="csv"),
        is_park_staff=roles.is_park_staff(request.user),
        updated_at=dt.datetime.fromisoformat(data["computed_at"]),
    )
    return render(request, "alliance/dashboard.html", context)


# Dashboard export ---------------------------------------------------------------------------------------------------

def dashboard_tables(data: dict[str, Any], cards: list[dict[str, Any]]) -> list[Table]:
    return [
        Table(_("指标"), [_("指标"), _("数值"), _("单位"), _("说明")],
              [[card["label"], card["value"], card["unit"], card["note"]] for card in cards], [22, 16, 10, 40]),
        Table(_("各产业链"), [_("产业链"), _("发布"), _("获得揭榜"), _("已完成"),
                            *[str(label) for _value, label in Status.choices]],
              [[row["chain_name"], funnel["posted"], funnel["claimed"], funnel["completed"],
                *[row["counts"][value] for value in Status.values]]
               for row, funnel in zip(data["by_chain"], data["funnel"], strict=True)], [16]),
        Table(_("月度趋势"), [_("月份"), _("发布需求"), _("揭榜次数"), _("完成需求")],
              list(zip(data["monthly_trend"]["months"], data["monthly_trend"]["published"],
                       data["monthly_trend"]["claimed"], data["monthly_trend"]["completed"], strict=True)),
              [12, 12, 12, 12]),
        Table(_("技术领域供需"), [_("技术领域"), _("需求数"), _("未获揭榜"), _("覆盖专家数")],
              [[row["name"], row["demand"], row["unclaimed"], row["experts"]] for row in data["fields"]],
              [24, 10, 10, 12]),
        Table(_("专家排行"), [_("专家"), _("职称/头衔"), _("所在单位"), _("揭榜次数"), _("被选定次数")],
              [[row["name"], row["title"], row["organisation"], row["claims"], row["accepted"]]
               for row in data["top_experts_by_claims"]], [12, 14, 28, 10, 12]),
        Table(_("企业排行"), [_("企业"), _("发布"), _("上榜"), _("完成")],
              [[row["name"], row["posted"], row["published"], row["completed"]] for row in data["top_enterprises"]],
              [32, 8, 8, 8]),
    ]


@login_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures as a workbook (one sheet per block) or a CSV, for the same people and filters."""
    form = _read_filters(request)
    if not form.is_valid():
        return HttpResponse(_("筛选条件有误。"), status=400, content_type="text/plain; charset=utf-8")
    start, end = _dates(form)
    try:
        data = dashboard_data(user=request.user, chain_id=form.cleaned_data["chain"], start=start, end=end)
    except ApplicationError as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    file_format = request.GET.get("format") if request.GET.get("format") in FORMATS else "xlsx"
    cards = _kpi_cards(data, {})
    return export_response(tables=dashboard_tables(data, cards), filename=dated_filename(_("联盟看板")),
                           file_format=file_format)


# Drill-down lists ---------------------------------------------------------------------------------------------------

def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _hours(later: Any, earlier: Any) -> float | str:
    return round((later - earlier).total_seconds() / 3600, 1) if later and earlier else ""


def _days(later: Any, earlier: Any) -> float | str:
    return round((later - earlier).total_seconds() / 86400, 1) if later and earlier else ""


def _challenge_cells(challenge: Challenge) -> list[Any]:
    return [
        challenge.pk, challenge.title, challenge.enterprise.name, challenge.chain.name,
        challenge.field.name if challenge.field else "", challenge.get_status_display(),
        challenge.reward_wan if challenge.reward_wan is not None else "", _local(challenge.published_at),
        _hours(challenge.first_claimed_at, challenge.published_at),
        _days(challenge.completed_at, challenge.published_at), challenge.expert.name if challenge.expert else "",
    ]


def _claim_cells(claim: Claim) -> list[Any]:
    organisation = claim.expert.organisation
    return [
        claim.pk, claim.challenge.title, claim.challenge.chain.name, claim.expert.name,
        organisation.name if organisation else "", claim.get_status_display(),
        claim.match_rank if claim.match_rank is not None else "", _local(claim.created_at),
    ]


def _expert_cells(expert: Expert) -> list[Any]:
    return [
        expert.pk, expert.name, expert.get_category_display(), expert.title,
        expert.organisation.name if expert.organisation else "", "；".join(expert.research_areas or []),
        expert.live_claims, expert.max_active_claims,
    ]


def _columns(*pairs: tuple[str, int]) -> tuple[list[Any], list[int]]:
    return [header for header, _width in pairs], [width for _header, width in pairs]


HEADERS = {
    ListKind.CHALLENGES: _columns(
        (gettext_lazy("编号"), 8), (gettext_lazy("需求名称"), 36), (gettext_lazy("发榜企业"), 30),
        (gettext_lazy("产业链"), 14), (gettext_lazy("技术领域"), 18), (gettext_lazy("状态"), 10),
        (gettext_lazy("悬赏（万元）"), 12), (gettext_lazy("发布时间"), 18), (gettext_lazy("首次揭榜用时（小时）"), 12),
        (gettext_lazy("完成用时（天）"), 12), (gettext_lazy("承接专家"), 12),
    ),
    ListKind.CLAIMS: _columns(
        (gettext_lazy("编号"), 8), (gettext_lazy("需求名称"), 36), (gettext_lazy("产业链"), 14),
        (gettext_lazy("揭榜专家"), 12), (gettext_lazy("所在单位"), 28), (gettext_lazy("状态"), 10),
        (gettext_lazy("匹配排名"), 10), (gettext_lazy("揭榜时间"), 18),
    ),
    ListKind.EXPERTS: _columns(
        (gettext_lazy("编号"), 8), (gettext_lazy("姓名"), 12), (gettext_lazy("专家类别"), 16),
        (gettext_lazy("职称/头衔"), 14), (gettext_lazy("所在单位"), 28), (gettext_lazy("研究方向"), 40),
        (gettext_lazy("在办揭榜"), 10), (gettext_lazy("同时承接上限"), 12),
    ),
    ListKind.ENTERPRISES: _columns(
        (gettext_lazy("编号"), 8), (gettext_lazy("企业名称"), 32), (gettext_lazy("统一社会信用代码"), 24),
        (gettext_lazy("产业链"), 14), (gettext_lazy("所在地"), 12), (gettext_lazy("获服务需求数"), 12),
    ),
}


def _translated_headers(kind: str) -> list[str]:
    return [str(header) for header in HEADERS[kind][0]]


def drilldown_rows(drill: Drilldown, objects: Iterable[Any], scope: Scope) -> Iterator[list[Any]]:
    if drill.kind == ListKind.CHALLENGES:
        yield from (_challenge_cells(challenge) for challenge in objects)
    elif drill.kind == ListKind.CLAIMS:
        yield from (_claim_cells(claim) for claim in objects)
    elif drill.kind == ListKind.EXPERTS:
        yield from (_expert_cells(expert) for expert in objects)
    else:
        organisations: list[Organisation] = list(objects)
        counts = served_counts(scope, [organisation.pk for organisation in organisations])
        for organisation in organisations:
            yield [organisation.pk, organisation.name, organisation.credit_code or "",
                   organisation.chain.name if organisation.chain else "", organisation.city,
                   counts.get(organisation.pk, 0)]


def _link_for(kind: str, row: list[Any]) -> str:
    """Where a row's name leads: the challenge or the expert it is about (pages that authorise by themselves)."""
    try:
        if kind == ListKind.CHALLENGES:
            return reverse("challenges:detail", args=[row[0]])
        if kind == ListKind.EXPERTS:
            return reverse("experts:detail", args=[row[0]])
    except NoReverseMatch:
        return ""
    return ""


@login_required
def drilldown_list(request: HttpRequest) -> HttpResponse:
    """The list behind one dashboard number: same filters, a metric, pages of 50, Excel and CSV buttons."""
    chains = list(dashboard_chains(user=request.user))
    form = _read_filters(request, DrilldownForm, chains=chains)
    context: dict[str, Any] = {"form": form, "drill": None}
    if not form.is_valid():
        form.mark_invalid_fields()
        return render(request, "alliance/drilldown.html", context, status=400)
    cleaned = form.cleaned_data
    start, end = _dates(form)
    try:
        scope = dashboard_scope(user=request.user, chain_id=cleaned["chain"], start=start, end=end, chains=chains)
        drill = drilldown(scope=scope, metric=cleaned["metric"], status=cleaned["status"] or None,
                          field=cleaned["field"], expert=cleaned["expert"], enterprise=cleaned["enterprise"])
    except ApplicationError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return render(request, "alliance/drilldown.html", context, status=400)
    headers = _translated_headers(drill.kind)
    if cleaned["format"]:
        rows = drilldown_rows(drill, drill.queryset.iterator(chunk_size=2000), scope)
        table = Table(drill.title, headers, rows, HEADERS[drill.kind][1])
        return export_response(tables=[table], filename=dated_filename(drill.title), file_format=cleaned["format"])
    page = Paginator(drill.queryset, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"cells": cells, "url": _link_for(drill.kind, cells)} for cells in drilldown_rows(drill, page, scope)]
    query = request.GET.copy()
    for key in ("page", "format"):
        query.pop(key, None)
    dashboard_query = urlencode({key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key)})
    context.update(
        drill=drill, page=page, rows=rows, headers=headers, query_string=query.urlencode(),
        dashboard_url=f"{reverse('alliance:dashboard')}?{dashboard_query}",
        start=start, end=end, chain_name=scope.chains[0].name if cleaned["chain"] else _("全部产业链"),
        metric_label=METRICS[drill.metric][1],
    )
    return render(request, "alliance/drilldown.html", context)


# Lists out to Excel / CSV -------------------------------------------------------------------------------------------

def _require_staff(request: HttpRequest) -> None:
    if not roles.is_park_staff(request.user):
        raise PermissionDenied(_("只有管委会工作人员可以进行此操作。"))


@login_required
def export_list(request: HttpRequest, kind: str) -> HttpResponse:
    """Export a whole list: challenges and experts for park staff and chain leaders (their chains), enterprises and
    chains for park staff. Experts, enterprises and chains come in the import layout, so they import back as is."""
    chains = list(dashboard_chains(user=request.user))  # 403 for anyone but staff and chain leaders
    is_staff = roles.is_park_staff(request.user)
    form = ExportFormatForm(request.GET)
    file_format = form.cleaned_data["format"] if form.is_valid() and form.cleaned_data["format"] else "xlsx"
    chain_ids = [chain.pk for chain in chains]
    if kind == "challenges":
        challenges = Challenge.objects.filter(chain_id__in=chain_ids).select_related(
            "enterprise", "chain", "field", "expert").order_by("-created_at", "-id")
        status = request.GET.get("status")
        if status:
            if status not in Status.values:
                return HttpResponse(_("请选择有效的状态。"), status=400, content_type="text/plain; charset=utf-8")
            challenges = challenges.filter(status=status)
        headers = _translated_headers(ListKind.CHALLENGES)
        table = Table(_("技术需求"), headers, (_challenge_cells(challenge) for challenge in challenges.iterator(
            chunk_size=2000)), HEADERS[ListKind.CHALLENGES][1])
    elif kind == Kind.EXPERTS:
        from experts.forms import ExpertFilterForm
        from experts.views import filter_experts

        experts = Expert.objects.filter(is_active=True)
        filters = ExpertFilterForm(request.GET)
        if filters.is_valid():
            experts = filter_experts(experts, filters.cleaned_data)
        if not is_staff:
            experts = experts.filter(chains__in=chain_ids).distinct()
        # Contact details only for park staff, as on the expert pages.
        table = export_table(Kind.EXPERTS, experts, with_contact=is_staff)
    elif kind in (Kind.ENTERPRISES, Kind.CHAINS):
        _require_staff(request)
        queryset = (Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE) if kind == Kind.ENTERPRISES
                    else IndustryChain.objects.all())
        table = export_table(kind, queryset)
    else:
        return HttpResponse(_("未知的列表。"), status=404, content_type="text/plain; charset=utf-8")
    return export_response(tables=[table], filename=dated_filename(table.title), file_format=file_format)


# Imports ------------------------------------------------------------------------------------------------------------

@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require_staff(request)
    if kind not in TITLES:
        return HttpResponse(_("未知的数据类型。"), status=404, content_type="text/plain; charset=utf-8")
    file_format = request.GET.get("format") if request.GET.get("format") in FORMATS else "xlsx"
    tables = template_tables(kind)
    if file_format == "csv":
        tables = tables[:1]
    return export_response(tables=tables, filename=_("%(kind)s导入模板") % {"kind": TITLES[kind]},
                           file_format=file_format)


@login_required
def import_data(request: HttpRequest) -> HttpResponse:
    """Park staff upload a spreadsheet and get the report: counts, and each refused row with its reasons."""
    _require_staff(request)
    templates = [{"kind": kind, "label": label} for kind, label in Kind.CHOICES]
    if request.method != "POST":
        return render(request, "alliance/import.html", {"form": ImportForm(), "templates": templates})
    form = ImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_rows(kind=form.cleaned_data["kind"], stream=upload, filename=upload.name)
            report = import_records(kind=form.cleaned_data["kind"], rows=rows, by=request.user)
        except ApplicationError as error:
            form.add_error("file" if error.field == "file" else None, error.message)
    if report is None:
        return render(request, "alliance/import.html", {"form": form, "templates": templates}, status=400)
    if report.refused:
        messages.warning(request, report.summary())
    else:
        messages.success(request, report.summary())
    return render(request, "alliance/import.html",
                  {"form": ImportForm(initial={"kind": report.kind}), "templates": templates, "report": report})
