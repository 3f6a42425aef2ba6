"""KPI reads for the alliance dashboard (管委会看板). Pure reads: a fixed number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Aggregate, Count, Exists, F, FloatField, Func, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import roles
from alliance.models import IndustryChain, User
from challenges.models import Challenge, ChallengeEvent, Claim, Status
from config.exceptions import ApplicationError

TOP_LIMIT = 10
RECENT_EVENTS_LIMIT = 20
TREND_MONTHS = 12


class Period:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    ALL = "all"
    CUSTOM = "custom"

    CHOICES = [
        (MONTH, gettext_lazy("本月")),
        (QUARTER, gettext_lazy("本季度")),
        (YEAR, gettext_lazy("本年")),
        (ALL, gettext_lazy("全部")),
        (CUSTOM, gettext_lazy("自定义")),
    ]
    DEFAULT = YEAR


def period_range(
    *, period: str, start: dt.date | None = None, end: dt.date | None = None, today: dt.date | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """The inclusive date range a period stands for, in local (Beijing) dates."""
    today = today or timezone.localdate()
    if period == Period.MONTH:
        return today.replace(day=1), today
    if period == Period.QUARTER:
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if period == Period.YEAR:
        return today.replace(month=1, day=1), today
    if period == Period.CUSTOM:
        return start, end
    return None, None


def dashboard_chains(*, user: User) -> QuerySet[IndustryChain]:
    """The chains a user may watch: all for park staff, their own for chain leaders; anyone else is refused."""
    if roles.is_park_staff(user):
        return IndustryChain.objects.all()
    chain_ids = roles.led_chain_ids_of(user)
    if chain_ids:
        return IndustryChain.objects.filter(pk__in=chain_ids)
    raise PermissionDenied(_("只有管委会工作人员和链长可以查看联盟看板。"))


class _MedianSeconds(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median computed by the database."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _epoch_seconds(expression: Any) -> Func:
    return Func(expression, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField())


def _local_bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start 00:00, day after end 00:00) in the current time zone, so a whole local end day is included."""
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None
    end_before = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None
    return start_at, end_before


def _in_range(field: str, start_at: dt.datetime | None, end_before: dt.datetime | None) -> Q:
    condition = Q()
    if start_at:
        condition &= Q(**{f"{field}__gte": start_at})
    if end_before:
        condition &= Q(**{f"{field}__lt": end_before})
    return condition


def _month_starts(today: dt.date, count: int) -> list[dt.date]:
    months: list[dt.date] = []
    year, month = today.year, today.month
    for _index in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _month_key(value: dt.datetime | dt.date) -> tuple[int, int]:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.year, value.month


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def dashboard_data(
    *, user: User, chain_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    """Every dashboard figure for the chains the user may watch, optionally one chain and a date range.

    Challenges count in the period by their publication time (creation time while unpublished); claims and
    events by the time they happened. The monthly trend always covers the last 12 months.
    """
    chains = list(dashboard_chains(user=user).order_by("sort_order", "id"))
    if chain_id is not None:
        chains = [chain for chain in chains if chain.pk == chain_id]
        if not chains:
            if roles.is_park_staff(user):
                raise ApplicationError(_("所选产业链不存在。"), field="chain")
            raise PermissionDenied(_("您只能查看自己所负责产业链的数据。"))
    chain_ids = [chain.pk for chain in chains]
    start_at, end_before = _local_bounds(start, end)

    in_scope = Challenge.objects.filter(chain_id__in=chain_ids)
    challenges = in_scope.alias(period_at=Coalesce("published_at", "created_at")).filter(
        _in_range("period_at", start_at, end_before)
    )
    claims = Claim.objects.filter(challenge__chain_id__in=chain_ids)

    # One row per (chain, status): the matrix, the status pie and the chain totals all come from it.
    matrix = {chain.pk: {status: 0 for status in Status.values} for chain in chains}
    for row in challenges.order_by().values("chain_id", "status").annotate(count=Count("id")):
        matrix[row["chain_id"]][row["status"]] = row["count"]

    totals = _totals(challenges)
    median_hours = totals.pop("median_hours")
    if median_hours is _NOT_COMPUTED:
        median_hours = _median_hours_in_python(challenges)

    return {
        "filters": {
            "chain_id": chain_id,
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
        },
        "statuses": [{"value": value, "label": str(label)} for value, label in Status.choices],
        "chains": [{"id": chain.pk, "name": chain.name} for chain in chains],
        "by_chain": [
            {
                "chain_id": chain.pk,
                "chain_name": chain.name,
                "counts": matrix[chain.pk],
                "total": sum(matrix[chain.pk].values()),
            }
            for chain in chains
        ],
        "status_distribution": [
            {"status": value, "label": str(label), "count": sum(row[value] for row in matrix.values())}
            for value, label in Status.choices
        ],
        "totals": totals,
        "claim_rate": _rate(totals["claimed"], totals["published"]),
        "median_hours_to_first_claim": round(median_hours, 1) if median_hours is not None else None,
        "top_experts_by_claims": _top_experts(claims.filter(_in_range("created_at", start_at, end_before)), "claims"),
        "top_experts_by_accepted": _top_experts(
            claims.filter(_in_range("created_at", start_at, end_before)), "accepted"
        ),
        "top_enterprises": _top_enterprises(challenges),
        "recent_activity": _recent_activity(chain_ids, start_at, end_before),
        "monthly_trend": _monthly_trend(in_scope, claims),
    }


_NOT_COMPUTED = object()


def _totals(challenges: QuerySet[Challenge]) -> dict[str, Any]:
    """All headline counts in one aggregate query (and the median too on PostgreSQL)."""
    has_claim = Exists(Claim.objects.filter(challenge=OuterRef("pk")))
    has_accepted_claim = Exists(Claim.objects.filter(challenge=OuterRef("pk"), status=Claim.Status.ACCEPTED))
    published = Q(published_at__isnull=False)
    aggregates: dict[str, Any] = {
        "posted": Count("id"),
        "published": Count("id", filter=published),
        "claimed": Count("id", filter=published & Q(has_claim=True)),
        "in_progress": Count("id", filter=Q(status=Status.IN_PROGRESS)),
        "completed": Count("id", filter=Q(status=Status.COMPLETED)),
        "expired": Count("id", filter=Q(status=Status.EXPIRED)),
        "enterprises_served": Count("enterprise_id", filter=Q(has_accepted_claim=True), distinct=True),
    }
    if connection.vendor == "postgresql":
        aggregates["median_seconds"] = _MedianSeconds(
            _epoch_seconds(F("first_claimed_at") - F("published_at")),
            filter=Q(published_at__isnull=False, first_claimed_at__isnull=False),
        )
    totals = challenges.order_by().alias(has_claim=has_claim, has_accepted_claim=has_accepted_claim).aggregate(
        **aggregates
    )
    if "median_seconds" in totals:
        seconds = totals.pop("median_seconds")
        totals["median_hours"] = seconds / 3600 if seconds is not None else None
    else:
        totals["median_hours"] = _NOT_COMPUTED
    return totals


def _median_hours_in_python(challenges: QuerySet[Challenge]) -> float | None:
    """Fallback for SQLite (the quick start): one query for the delays, the median in Python."""
    pairs = challenges.order_by().filter(published_at__isnull=False, first_claimed_at__isnull=False).values_list(
        "published_at", "first_claimed_at"
    )
    delays = [(claimed_at - published_at).total_seconds() / 3600 for published_at, claimed_at in pairs]
    return statistics.median(delays) if delays else None


def _top_experts(claims: QuerySet[Claim], order: str) -> list[dict[str, Any]]:
    rows = (
        claims.order_by()
        .values("expert_id", "expert__name", "expert__title", "expert__organisation__name")
        .annotate(claims=Count("id"), accepted=Count("id", filter=Q(status=Claim.Status.ACCEPTED)))
        .filter(**{f"{order}__gt": 0})
        .order_by(f"-{order}", "-claims" if order == "accepted" else "-accepted", "expert_id")[:TOP_LIMIT]
    )
    return [
        {
            "expert_id": row["expert_id"],
            "name": row["expert__name"],
            "title": row["expert__title"],
            "organisation": row["expert__organisation__name"] or "",
            "claims": row["claims"],
            "accepted": row["accepted"],
        }
        for row in rows
    ]


def _top_enterprises(challenges: QuerySet[Challenge]) -> list[dict[str, Any]]:
    rows = (
        challenges.order_by()
        .values("enterprise_id", "enterprise__name")
        .annotate(
            posted=Count("id"),
            published=Count("id", filter=Q(published_at__isnull=False)),
            completed=Count("id", filter=Q(status=Status.COMPLETED)),
        )
        .order_by("-posted", "enterprise_id")[:TOP_LIMIT]
    )
    return [
        {
            "enterprise_id": row["enterprise_id"],
            "name": row["enterprise__name"],
            "posted": row["posted"],
            "published": row["published"],
            "completed": row["completed"],
        }
        for row in rows
    ]


def _recent_activity(
    chain_ids: list[int], start_at: dt.datetime | None, end_before: dt.datetime | None
) -> list[dict[str, Any]]:
    events = (
        ChallengeEvent.objects.filter(challenge__chain_id__in=chain_ids)
        .filter(_in_range("created_at", start_at, end_before))
        .select_related("actor", "challenge", "challenge__chain")
        .order_by("-created_at", "-id")[:RECENT_EVENTS_LIMIT]
    )
    return [
        {
            "at": timezone.localtime(event.created_at).isoformat(),
            "actor": event.actor.name if event.actor else _("系统"),
            "kind": event.kind,
            "kind_label": str(event.get_kind_display()),
            "challenge_id": event.challenge_id,
            "challenge_title": event.challenge.title,
            "chain_name": event.challenge.chain.name,
        }
        for event in events
    ]


def _monthly_trend(challenges: QuerySet[Challenge], claims: QuerySet[Claim]) -> dict[str, list]:
    months = _month_starts(timezone.localdate(), TREND_MONTHS)
    since, _until = _local_bounds(months[0], None)
    published = {
        _month_key(row["month"]): row["count"]
        for row in challenges.filter(published_at__gte=since)
        .order_by()
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(count=Count("id"))
    }
    claimed = {
        _month_key(row["month"]): row["count"]
        for row in claims.filter(created_at__gte=since)
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(count=Count("id"))
    }
    keys = [(month.year, month.month) for month in months]
    return {
        "months": [f"{year}-{month:02d}" for year, month in keys],
        "published": [published.get(key, 0) for key in keys],
        "claimed": [claimed.get(key, 0) for key in keys],
    }
