"""KPI reads for the alliance dashboard (管委会看板) and the lists behind every number (drill-down).

Pure reads with a fixed number of queries whatever the data size. Every figure is computed from columns the
challenge services keep up to date (published_at, first_claimed_at, accepted_at, completed_at, expert) so that
the page stays one pass over the challenges of the period, not one subquery per row.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
import statistics
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from challenges.models import Challenge, ChallengeEvent, Claim, Status
from config.exceptions import ApplicationError
from experts.models import Expert

logger = logging.getLogger(__name__)

TOP_LIMIT = 10
FIELD_LIMIT = 12
RECENT_EVENTS_LIMIT = 20
TREND_MONTHS = 12
# The matcher "worked" for an accepted claim when the chosen expert was in its top list.
MATCH_TOP_RANK = 10
# Claims that still hold a place in an expert's load (same rule as challenges.services.ACTIVE_STATUSES).
LOAD_CHALLENGE_STATUSES = (Status.OPEN, Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED)


def no_claim_sla_days() -> int:
    """Days a published challenge may wait for its first claim before it counts as over the SLA."""
    return int(getattr(settings, "NO_CLAIM_SLA_DAYS", 7))


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


@dataclass(frozen=True)
class Scope:
    """What one dashboard request looks at: the chains the user may watch (maybe one of them) and the period."""

    chains: list[IndustryChain]
    chain_id: int | None
    start: dt.date | None
    end: dt.date | None
    is_whole_alliance: bool  # park staff without a chain filter: experts serving no chain count too

    @property
    def chain_ids(self) -> list[int]:
        return [chain.pk for chain in self.chains]

    @property
    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        return _local_bounds(self.start, self.end)


def dashboard_scope(
    *, user: User, chain_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None,
    chains: list[IndustryChain] | None = None,
) -> Scope:
    """Authorise and resolve the filters: 403 for other roles and for a chain the leader does not lead.

    `chains` may hand over what dashboard_chains(user=user) returned earlier in the request (saves a query).
    """
    if chains is None:
        chains = list(dashboard_chains(user=user))
    chains = sorted(chains, key=lambda chain: (chain.sort_order, chain.pk))
    if chain_id is not None:
        chains = [chain for chain in chains if chain.pk == chain_id]
        if not chains:
            if roles.is_park_staff(user):
                raise ApplicationError(_("所选产业链不存在。"), field="chain")
            raise PermissionDenied(_("您只能查看自己所负责产业链的数据。"))
    return Scope(
        chains=chains, chain_id=chain_id, start=start, end=end,
        is_whole_alliance=chain_id is None and roles.is_park_staff(user),
    )


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


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# The querysets every figure and every drill-down list starts from -------------------------------------------------

def scope_challenges(scope: Scope) -> QuerySet[Challenge]:
    """Challenges of the scope counted in the period by publication time (creation time while unpublished)."""
    start_at, end_before = scope.bounds
    return (
        Challenge.objects.filter(chain_id__in=scope.chain_ids)
        .alias(period_at=Coalesce("published_at", "created_at"))
        .filter(_in_range("period_at", start_at, end_before))
    )


def _claims_of_scope(scope: Scope) -> QuerySet[Claim]:
    # Every challenge belongs to a chain: for the whole alliance the join to challenges can be skipped.
    if scope.is_whole_alliance:
        return Claim.objects.all()
    return Claim.objects.filter(challenge__chain_id__in=scope.chain_ids)


def _events_of_scope(scope: Scope) -> QuerySet[ChallengeEvent]:
    if scope.is_whole_alliance:
        return ChallengeEvent.objects.all()
    return ChallengeEvent.objects.filter(challenge__chain_id__in=scope.chain_ids)


def scope_claims(scope: Scope) -> QuerySet[Claim]:
    """Claims on the scope's challenges, made in the period."""
    start_at, end_before = scope.bounds
    return _claims_of_scope(scope).filter(_in_range("created_at", start_at, end_before))


def scope_expert_pool(scope: Scope) -> QuerySet[Expert]:
    """Experts in the pool serving the scope's chains (the whole active pool for the whole alliance)."""
    experts = Expert.objects.filter(is_active=True)
    if scope.is_whole_alliance:
        return experts
    serving = Expert.chains.through.objects.filter(industrychain_id__in=scope.chain_ids).values("expert_id")
    return experts.filter(pk__in=serving)


def published_condition() -> Q:
    return Q(published_at__isnull=False)


def claimed_condition() -> Q:
    return Q(published_at__isnull=False, first_claimed_at__isnull=False)


def over_sla_condition(now: dt.datetime | None = None) -> Q:
    """Published at least N days ago and not claimed within N days (still unclaimed, or claimed late)."""
    sla = dt.timedelta(days=no_claim_sla_days())
    now = now or timezone.now()
    return Q(published_at__isnull=False, published_at__lte=now - sla) & (
        Q(first_claimed_at__isnull=True) | Q(first_claimed_at__gt=F("published_at") + sla)
    )


def engaged_condition() -> Q:
    """An expert was chosen (the challenge was taken on); the enterprise was served."""
    return Q(expert_id__isnull=False)


def field_coverage_condition(field: TechnicalField) -> Q:
    """An expert covers a field when they list it, or name it among their research areas."""
    if connection.vendor == "postgresql":
        return Q(fields=field) | Q(research_areas__contains=[field.name])
    return Q(fields=field) | Q(research_areas__icontains=f'"{field.name}"')


# The dashboard ------------------------------------------------------------------------------------------------------

def _versions() -> tuple[str, str]:
    """(data version, experts version), in one query over primary-key indexes.

    The data version changes whenever the dashboard's raw data does: every challenge move and claim writes an
    event row, new challenges and claims get new ids, expert edits touch updated_at. The experts version is its
    experts-only part: what the field coverage depends on."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MAX(id) FROM challenges_challengeevent), (SELECT MAX(id) FROM challenges_claim),"
            " (SELECT MAX(id) FROM challenges_challenge), (SELECT MAX(updated_at) FROM experts_expert),"
            " (SELECT COUNT(*) FROM experts_expert)"
        )
        values = [str(value) for value in cursor.fetchone()]
    return ":".join(values), ":".join(values[3:])


def data_version() -> str:
    """Changes whenever the dashboard's raw data does (see _versions)."""
    return _versions()[0]


# The figures cache: stale-while-revalidate --------------------------------------------------------------------------
#
# Figures are stored per scope (chains, whole alliance or not, dates, today) with the data version they were computed
# from and when. A request whose version matches gets them as they are (fresh). When the data changed since, figures
# at most DASHBOARD_MAX_STALE_SECONDS old are served at once (with their time on the page) and ONE debounced worker
# task recomputes them; older or missing figures are computed in the request. The same task keeps the default views
# (this year and all, whole alliance and each chain) warm, so a first view rarely waits. With Celery eager (the quick
# start) nothing is served stale: the request computes.

# A burst of changes within this many seconds costs one recompute.
REFRESH_DELAY_SECONDS = 2
# The default views are warmed at most once per this many seconds (well under the staleness bound).
WARM_INTERVAL_SECONDS = 30
# A worker that died while computing blocks the figures it held for at most this long.
COMPUTE_LOCK_SECONDS = 120
# A refresh asked for blocks another one for the same figures until it starts, or at most this long (lost message).
QUEUED_SECONDS = 60
DEFAULT_PERIODS = (Period.YEAR, Period.ALL)


def cache_seconds() -> int:
    """How long unchanged figures count as fresh (the SLA count moves with the clock); 0 switches the cache off."""
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 300))


def max_stale_seconds() -> int:
    """Figures computed longer ago than this are never served once the data changed."""
    return int(getattr(settings, "DASHBOARD_MAX_STALE_SECONDS", 120))


@dataclass(frozen=True)
class Figures:
    data: dict[str, Any]
    computed_at: float  # epoch seconds when the computation started (its data is at least that recent)
    is_fresh: bool  # computed from the current data version


def _figures_key(scope: Scope) -> str:
    # The chain filter itself is not part of the key: a chain leader's own chain is the same figures as park
    # staff filtering on it. Today is: the trend's months and the presets' end day move with it.
    parts = (tuple(scope.chain_ids), scope.is_whole_alliance, scope.start, scope.end, timezone.localdate())
    return "dashboard:figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _queued_key(key: str) -> str:
    return key.replace("dashboard:figures:", "dashboard:queued:", 1)


def _lock_key(key: str) -> str:
    return key.replace("dashboard:figures:", "dashboard:computing:", 1)


WARM_QUEUED_KEY = "dashboard:warm-queued"
WARM_RECENT_KEY = "dashboard:warm-recent"


def _tasks_run_inline() -> bool:
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def dashboard_data(
    *, user: User, chain_id: int | None = None, start: dt.date | None = None, end: dt.date | None = None,
    chains: list[IndustryChain] | None = None,
) -> dict[str, Any]:
    """Every dashboard figure for the chains the user may watch, optionally one chain and a date range.

    Challenges count in the period by their publication time (creation time while unpublished); claims and
    events by the time they happened. The monthly trend always covers the last 12 months.

    `computed_at` (ISO, Beijing time) says when the figures were computed and `is_fresh` whether the data changed
    since: see dashboard_figures for how long stale figures may be served.
    """
    scope = dashboard_scope(user=user, chain_id=chain_id, start=start, end=end, chains=chains)
    figures = dashboard_figures(scope)
    data = copy.deepcopy(figures.data)
    data["filters"] = {
        "chain_id": chain_id,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
    }
    data["computed_at"] = timezone.localtime(
        dt.datetime.fromtimestamp(figures.computed_at, tz=dt.UTC)
    ).isoformat(timespec="milliseconds")
    data["is_fresh"] = figures.is_fresh
    return _localised(data)


def dashboard_figures(scope: Scope) -> Figures:
    """The figures of an authorised scope: cached and current, cached and at most DASHBOARD_MAX_STALE_SECONDS old
    (a refresh is queued), or computed now. DASHBOARD_CACHE_SECONDS = 0 computes every time."""
    seconds = cache_seconds()
    if not seconds:
        started = time.time()
        return Figures(data=_compute_dashboard_data(scope), computed_at=started, is_fresh=True)
    version, experts_version = _versions()
    key = _figures_key(scope)
    entry = cache.get(key)
    now = time.time()
    inline = _tasks_run_inline()
    if entry is not None:
        age = now - entry["computed_at"]
        if entry["version"] == version and age <= seconds:
            if not inline and age > seconds / 2:
                request_figures_refresh(scope)  # refresh ahead, so a view that is watched never goes cold
            return Figures(data=entry["data"], computed_at=entry["computed_at"], is_fresh=True)
        if not inline and 0 <= age <= max_stale_seconds():
            request_figures_refresh(scope)
            return Figures(data=entry["data"], computed_at=entry["computed_at"], is_fresh=False)
    entry = _compute_and_store(scope, key=key, version=version, experts_version=experts_version)
    if not inline:
        request_default_views_warmed()
    return Figures(data=entry["data"], computed_at=entry["computed_at"], is_fresh=True)


def _compute_and_store(scope: Scope, *, key: str, version: str, experts_version: str) -> dict[str, Any]:
    # The version is read before computing: a change during the computation leaves the entry behind it, so the
    # next request refreshes again rather than taking newer data as covered.
    started = time.time()
    entry = {"version": version, "computed_at": started,
             "data": _compute_dashboard_data(scope, experts_version=experts_version)}
    cache.set(key, entry, max(cache_seconds(), max_stale_seconds()))
    return entry


def _enqueue_on_commit(kwargs: dict[str, Any], *, marker: str, countdown: float = REFRESH_DELAY_SECONDS) -> None:
    def enqueue() -> None:
        from alliance.tasks import refresh_dashboard_figures_task

        try:
            refresh_dashboard_figures_task.apply_async(kwargs=kwargs, countdown=countdown)
        except Exception:  # broker down: stale figures age out and requests compute inline; nothing is lost
            # The marker stays: one request per QUEUED_SECONDS pays for trying again, not every one.
            logger.warning("could not enqueue the dashboard refresh (%s)", marker, exc_info=True)

    transaction.on_commit(enqueue)


def request_figures_refresh(scope: Scope) -> None:
    """Queue one recompute of a scope's figures (and a warm-up of the default views) unless one is queued."""
    key = _figures_key(scope)
    if cache.add(_queued_key(key), 1, QUEUED_SECONDS):
        _enqueue_on_commit(_scope_arguments(scope), marker=_queued_key(key))
    request_default_views_warmed()


def request_default_views_warmed() -> None:
    """Queue a warm-up of the default views unless one is queued: soon, or WARM_INTERVAL_SECONDS after the last one
    started, so changes during or after a warm-up get exactly one more. Writers may call it (on commit) so that
    the figures are ready before anyone looks."""
    if cache.add(WARM_QUEUED_KEY, 1, WARM_INTERVAL_SECONDS + QUEUED_SECONDS):
        countdown = WARM_INTERVAL_SECONDS if cache.get(WARM_RECENT_KEY) else REFRESH_DELAY_SECONDS
        _enqueue_on_commit({}, marker=WARM_QUEUED_KEY, countdown=countdown)


def note_alliance_changed() -> None:
    """Called by writers (every ChallengeEvent): get the default views recomputed in the background right after the
    write commits, so the next reader finds fresh figures. With eager Celery (the quick start) the next reader
    computes them anyway, so writers are not slowed down."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request_default_views_warmed()


def _scope_arguments(scope: Scope) -> dict[str, Any]:
    return {
        "chain_ids": scope.chain_ids, "is_whole_alliance": scope.is_whole_alliance,
        "start": scope.start.isoformat() if scope.start else None,
        "end": scope.end.isoformat() if scope.end else None,
    }


def scope_of(
    *, chain_ids: list[int], is_whole_alliance: bool, start: str | None = None, end: str | None = None,
) -> Scope:
    """A scope rebuilt from task arguments (the request that asked for it was authorised)."""
    chains = sorted(IndustryChain.objects.filter(pk__in=chain_ids), key=lambda chain: (chain.sort_order, chain.pk))
    return Scope(
        chains=chains, chain_id=None, is_whole_alliance=is_whole_alliance,
        start=dt.date.fromisoformat(start) if start else None, end=dt.date.fromisoformat(end) if end else None,
    )


def refresh_figures(scope: Scope) -> str:
    """The worker's job: recompute one scope's figures unless they are current ("fresh") or another worker is
    computing them ("busy"). Returns what it did ("computed")."""
    key = _figures_key(scope)
    lock = _lock_key(key)
    if not cache.add(lock, 1, COMPUTE_LOCK_SECONDS):
        cache.delete(_queued_key(key))  # the next request asks again, after that worker's run
        return "busy"
    try:
        cache.delete(_queued_key(key))  # changes from now on queue another run
        version, experts_version = _versions()
        entry = cache.get(key)
        if entry is not None and entry["version"] == version and time.time() - entry["computed_at"] <= (
            cache_seconds() / 2
        ):
            return "fresh"
        _compute_and_store(scope, key=key, version=version, experts_version=experts_version)
        return "computed"
    finally:
        cache.delete(lock)


def default_scopes() -> list[Scope]:
    """What most people open: this year and all, for the whole alliance and for each chain."""
    chains = sorted(IndustryChain.objects.all(), key=lambda chain: (chain.sort_order, chain.pk))
    scopes = []
    for period in DEFAULT_PERIODS:
        start, end = period_range(period=period)
        scopes.append(Scope(chains=chains, chain_id=None, start=start, end=end, is_whole_alliance=True))
        scopes.extend(Scope(chains=[chain], chain_id=chain.pk, start=start, end=end, is_whole_alliance=False)
                      for chain in chains)
    return scopes


def warm_default_views() -> dict[str, int]:
    """Bring every default view up to the current data (those already current are skipped). Returns counts."""
    if not cache_seconds():
        return {}
    cache.set(WARM_RECENT_KEY, 1, WARM_INTERVAL_SECONDS)
    cache.delete(WARM_QUEUED_KEY)  # changes from now on queue the next warm-up
    outcomes: dict[str, int] = {}
    for scope in default_scopes():
        outcome = refresh_figures(scope)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _localised(data: dict[str, Any]) -> dict[str, Any]:
    """Labels in the reader's language: the cached figures are shared by every language."""
    for row in data["statuses"]:
        row["label"] = str(Status(row["value"]).label)
    for row in data["status_distribution"]:
        row["label"] = str(Status(row["status"]).label)
    for event in data["recent_activity"]:
        event["kind_label"] = str(ChallengeEvent.Kind(event["kind"]).label)
        if event["actor"] is None:
            event["actor"] = _("系统")
    return data


def _compute_dashboard_data(scope: Scope, *, experts_version: str | None = None) -> dict[str, Any]:
    chain_id, start, end = scope.chain_id, scope.start, scope.end
    chains = scope.chains
    challenges = scope_challenges(scope)
    claims = scope_claims(scope)

    # One pass over the period's challenges gives the matrix, the funnel, the headline counts, the fields in
    # demand, the top enterprises and the enterprises served (GROUPING SETS on PostgreSQL).
    if connection.vendor == "postgresql":
        grouped = _challenge_figures_in_one_pass(scope, challenges)
    else:
        grouped = _challenge_figures_portable(scope, challenges)
    per_chain, matrix = grouped.per_chain, grouped.matrix
    totals = {
        key: sum(row[key] for row in per_chain.values())
        for key in ("posted", "published", "claimed", "engaged", "over_sla")
    }
    totals["in_progress"] = sum(row[Status.IN_PROGRESS] for row in matrix.values())
    totals["completed"] = sum(row[Status.COMPLETED] for row in matrix.values())
    totals["expired"] = sum(row[Status.EXPIRED] for row in matrix.values())
    totals["reward_wan"] = float(sum((row["reward"] for row in per_chain.values()), Decimal(0)))
    timings = _timings(challenges)
    totals["enterprises_served"] = grouped.enterprises_served
    claim_figures, top_by_claims, top_by_accepted = _claim_figures_and_top_experts(claims)
    totals.update(claim_figures)
    load = _pool_load(scope)
    totals.update(load)

    median_hours = timings["median_first_claim_hours"]
    median_days = timings["median_completion_days"]
    return {
        "filters": {
            "chain_id": chain_id,
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
        },
        "sla_days": no_claim_sla_days(),
        "match_top_rank": MATCH_TOP_RANK,
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
        "funnel": [
            {
                "chain_id": chain.pk,
                "chain_name": chain.name,
                "posted": per_chain[chain.pk]["posted"],
                "claimed": per_chain[chain.pk]["claimed"],
                "completed": matrix[chain.pk][Status.COMPLETED],
            }
            for chain in chains
        ],
        "status_distribution": [
            {"status": value, "label": str(label), "count": sum(row[value] for row in matrix.values())}
            for value, label in Status.choices
        ],
        "totals": totals,
        "claim_rate": _rate(totals["claimed"], totals["published"]),
        "completion_rate": _rate(totals["completed"], totals["engaged"]),
        "median_hours_to_first_claim": round(median_hours, 1) if median_hours is not None else None,
        "median_days_to_completion": round(median_days, 1) if median_days is not None else None,
        "utilisation": _rate(load["live_claims"], load["capacity"]),
        "match_top_share": _rate(claim_figures["accepted_top"], claim_figures["accepted_claims"]),
        "fields": _with_coverage(grouped.fields, experts_version=experts_version),
        "top_experts_by_claims": top_by_claims,
        "top_experts_by_accepted": top_by_accepted,
        "top_enterprises": grouped.top_enterprises,
        "recent_activity": _recent_activity(scope),
        "monthly_trend": _monthly_trend(scope),
    }


@dataclass
class _ChallengeFigures:
    """What one pass over the period's challenges yields."""

    per_chain: dict[int, dict[str, Any]]  # chain -> posted, published, claimed, engaged, over_sla, reward
    matrix: dict[int, dict[str, int]]  # chain -> status -> challenges
    fields: list[dict[str, Any]]  # the most demanded fields: field_id, name, demand, unclaimed
    top_enterprises: list[dict[str, Any]]
    enterprises_served: int


def _empty_figures(scope: Scope) -> _ChallengeFigures:
    return _ChallengeFigures(
        per_chain={
            chain_id: {"posted": 0, "published": 0, "claimed": 0, "engaged": 0, "over_sla": 0, "reward": Decimal(0)}
            for chain_id in scope.chain_ids
        },
        matrix={chain_id: {status: 0 for status in Status.values} for chain_id in scope.chain_ids},
        fields=[], top_enterprises=[], enterprises_served=0,
    )


def _add_chain_status_row(figures: _ChallengeFigures, row: dict[str, Any]) -> None:
    figures.matrix[row["chain_id"]][row["status"]] = row["posted"]
    totals = figures.per_chain[row["chain_id"]]
    for key in ("posted", "published", "claimed", "engaged", "over_sla"):
        totals[key] += row[key]
    totals["reward"] += row["reward"] or Decimal(0)


def _enterprise_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "enterprise_id": row["enterprise_id"],
        "name": row["name"],
        "posted": row["posted"],
        "published": row["published"],
        "completed": row["completed"],
    }


# GROUPING(field_id, enterprise_id) tells the three grouping sets apart.
_BY_CHAIN_STATUS, _BY_FIELD, _BY_ENTERPRISE = 3, 1, 2

_ONE_PASS_SQL = """
SELECT ranked.*, CASE ranked.grouping_set WHEN {by_field} THEN field.name WHEN {by_enterprise} THEN enterprise.name
                 END AS name
FROM (
    SELECT grouped.*,
           ROW_NUMBER() OVER (PARTITION BY grouped.grouping_set ORDER BY grouped.posted DESC, grouped.enterprise_id)
               AS enterprise_rank,
           COUNT(*) FILTER (WHERE grouped.engaged > 0) OVER (PARTITION BY grouped.grouping_set) AS served
    FROM (
        SELECT GROUPING(period.field_id, period.enterprise_id) AS grouping_set,
               period.chain_id, period.status, period.field_id, period.enterprise_id,
               COUNT(*) AS posted,
               COUNT(*) FILTER (WHERE period.published_at IS NOT NULL) AS published,
               COUNT(*) FILTER (WHERE period.published_at IS NOT NULL AND period.first_claimed_at IS NOT NULL)
                   AS claimed,
               COUNT(*) FILTER (WHERE period.expert_id IS NOT NULL) AS engaged,
               COUNT(*) FILTER (WHERE period.published_at <= %(sla_start)s AND (period.first_claimed_at IS NULL
                                      OR period.first_claimed_at > period.published_at + %(sla)s)) AS over_sla,
               SUM(period.reward_wan) FILTER (WHERE period.published_at IS NOT NULL) AS reward,
               COUNT(*) FILTER (WHERE period.first_claimed_at IS NULL) AS unclaimed,
               COUNT(*) FILTER (WHERE period.status = %(completed)s) AS completed
        FROM ({period_sql}) period
        GROUP BY GROUPING SETS ((period.chain_id, period.status), (period.field_id), (period.enterprise_id))
    ) grouped
) ranked
LEFT JOIN {field_table} field ON ranked.grouping_set = {by_field} AND field.id = ranked.field_id
LEFT JOIN {enterprise_table} enterprise ON ranked.grouping_set = {by_enterprise}
                                        AND enterprise.id = ranked.enterprise_id
WHERE ranked.grouping_set <> {by_enterprise} OR ranked.enterprise_rank <= %(top)s
"""


def _challenge_figures_in_one_pass(scope: Scope, challenges: QuerySet[Challenge]) -> _ChallengeFigures:
    """PostgreSQL: one scan of the period's challenges, aggregated three ways at once (GROUPING SETS); the top
    enterprises are ranked and the enterprises served counted by window functions before leaving the database.
    Same figures as _challenge_figures_portable (a test compares both)."""
    figures = _empty_figures(scope)
    period = challenges.order_by().values_list(
        "chain_id", "status", "field_id", "enterprise_id", "expert_id", "published_at", "first_claimed_at",
        "reward_wan",
    )
    try:
        period_sql, period_params = period.query.sql_with_params()
    except EmptyResultSet:  # no chain in scope
        return figures
    # The inner query's %s placeholders are numbered into named ones so both kinds can share one statement.
    names = [f"p{index}" for index in range(len(period_params))]
    period_sql = period_sql.replace("%%", "%%%%") % tuple(f"%({name})s" for name in names)
    sql = _ONE_PASS_SQL.format(
        period_sql=period_sql, by_field=_BY_FIELD, by_enterprise=_BY_ENTERPRISE,
        field_table=TechnicalField._meta.db_table, enterprise_table=Organisation._meta.db_table,
    )
    sla = dt.timedelta(days=no_claim_sla_days())
    params = {
        **dict(zip(names, period_params, strict=True)),
        "sla_start": timezone.now() - sla, "sla": sla, "completed": Status.COMPLETED, "top": TOP_LIMIT,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [column.name for column in cursor.description]
        rows = [dict(zip(keys, values, strict=True)) for values in cursor.fetchall()]
    fields = []
    enterprises = []
    for row in rows:
        if row["grouping_set"] == _BY_CHAIN_STATUS:
            _add_chain_status_row(figures, row)
        elif row["grouping_set"] == _BY_FIELD:
            if row["field_id"] is not None:
                fields.append({"field_id": row["field_id"], "name": row["name"], "demand": row["posted"],
                               "unclaimed": row["unclaimed"]})
        else:
            figures.enterprises_served = row["served"]
            enterprises.append(row)
    fields.sort(key=lambda row: (-row["demand"], row["field_id"]))
    figures.fields = fields[:FIELD_LIMIT]
    enterprises.sort(key=lambda row: row["enterprise_rank"])
    figures.top_enterprises = [_enterprise_entry(row) for row in enterprises]
    return figures


def _challenge_figures_portable(scope: Scope, challenges: QuerySet[Challenge]) -> _ChallengeFigures:
    """Any database (SQLite in the quick start): the same figures in four plain grouped queries."""
    figures = _empty_figures(scope)
    rows = (
        challenges.order_by()
        .values("chain_id", "status")
        .annotate(
            posted=Count("id"),
            published=Count("id", filter=published_condition()),
            claimed=Count("id", filter=claimed_condition()),
            engaged=Count("id", filter=engaged_condition()),
            over_sla=Count("id", filter=over_sla_condition()),
            reward=Sum("reward_wan", filter=published_condition()),
        )
    )
    for row in rows:
        _add_chain_status_row(figures, row)
    figures.fields = [
        {"field_id": row["field_id"], "name": row["field__name"], "demand": row["demand"],
         "unclaimed": row["unclaimed"]}
        for row in challenges.order_by()
        .filter(field_id__isnull=False)
        .values("field_id", "field__name")
        .annotate(demand=Count("id"), unclaimed=Count("id", filter=Q(first_claimed_at__isnull=True)))
        .order_by("-demand", "field_id")[:FIELD_LIMIT]
    ]
    figures.top_enterprises = [
        _enterprise_entry(row)
        for row in challenges.order_by()
        .values("enterprise_id", name=F("enterprise__name"))
        .annotate(
            posted=Count("id"),
            published=Count("id", filter=published_condition()),
            completed=Count("id", filter=Q(status=Status.COMPLETED)),
        )
        .order_by("-posted", "enterprise_id")[:TOP_LIMIT]
    ]
    figures.enterprises_served = challenges.order_by().aggregate(
        served=Count("enterprise_id", filter=engaged_condition(), distinct=True)
    )["served"]
    return figures


def _timings(challenges: QuerySet[Challenge]) -> dict[str, Any]:
    """Medians from publication to first claim and to completion: by PostgreSQL, in Python on SQLite."""
    if connection.vendor == "postgresql":
        result = challenges.order_by().aggregate(
            first_claim_seconds=_MedianSeconds(
                _epoch_seconds(F("first_claimed_at") - F("published_at")), filter=claimed_condition()
            ),
            completion_seconds=_MedianSeconds(
                _epoch_seconds(F("completed_at") - F("published_at")),
                filter=Q(published_at__isnull=False, completed_at__isnull=False),
            ),
        )
        first, completion = result["first_claim_seconds"], result["completion_seconds"]
    else:
        first, completion = _medians_in_python(challenges)
    return {
        "median_first_claim_hours": first / 3600 if first is not None else None,
        "median_completion_days": completion / 86400 if completion is not None else None,
    }


def _medians_in_python(challenges: QuerySet[Challenge]) -> tuple[float | None, float | None]:
    """Fallback for SQLite (the quick start): one query for the times, the medians in Python."""
    rows = challenges.order_by().filter(published_condition()).values_list(
        "published_at", "first_claimed_at", "completed_at"
    )
    first_claims, completions = [], []
    for published_at, first_claimed_at, completed_at in rows:
        if first_claimed_at:
            first_claims.append((first_claimed_at - published_at).total_seconds())
        if completed_at:
            completions.append((completed_at - published_at).total_seconds())
    return (
        statistics.median(first_claims) if first_claims else None,
        statistics.median(completions) if completions else None,
    )


def _pool_load(scope: Scope) -> dict[str, int]:
    """Now, not over the period: the pool's capacity (sum of limits) against the claims it currently holds."""
    pool = scope_expert_pool(scope)
    figures = pool.order_by().aggregate(pool_experts=Count("id"), capacity=Coalesce(Sum("max_active_claims"), 0))
    figures["live_claims"] = Claim.objects.filter(
        expert__in=pool, status__in=Claim.LIVE_STATUSES, challenge__status__in=LOAD_CHALLENGE_STATUSES
    ).count()
    return figures


def _with_coverage(demand: list[dict[str, Any]], *, experts_version: str | None = None) -> list[dict[str, Any]]:
    """The most demanded technical fields of the period and how many pool experts cover each.

    Coverage depends on the experts alone: with their version known it is cached, so a change of challenges or
    claims does not count the pool again (the same dozen fields top most views)."""
    field_ids = sorted(row["field_id"] for row in demand)
    if experts_version is None or not field_ids:
        coverage = field_coverage(field_ids=field_ids)
    else:
        key = "dashboard:coverage:" + hashlib.sha256(repr((experts_version, field_ids)).encode()).hexdigest()
        coverage = cache.get(key)
        if coverage is None:
            coverage = field_coverage(field_ids=field_ids)
            cache.set(key, coverage, max(cache_seconds(), max_stale_seconds(), 600))
    return [{**row, "experts": coverage.get(row["field_id"], 0)} for row in demand]


_COVERAGE_SQL = """
SELECT field_id, COUNT(DISTINCT expert_id) FROM (
    SELECT link.technicalfield_id AS field_id, link.expert_id
    FROM experts_expert_fields link JOIN experts_expert expert ON expert.id = link.expert_id
    WHERE expert.is_active AND link.technicalfield_id = ANY(%(ids)s)
    UNION
    SELECT field.id, expert.id
    FROM experts_expert expert
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(expert.research_areas) = 'array' THEN expert.research_areas ELSE '[]'::jsonb END
    ) AS area(name)
    JOIN alliance_technicalfield field ON field.name = area.name
    WHERE expert.is_active AND field.id = ANY(%(ids)s)
) AS pairs
GROUP BY field_id
"""


def field_coverage(*, field_ids: list[int]) -> dict[int, int]:
    """Active experts per field (listed in their fields or named in their research areas), in one query."""
    if not field_ids:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_COVERAGE_SQL, {"ids": list(field_ids)})
            return dict(cursor.fetchall())
    # SQLite (quick start, a few dozen experts): pairs in Python.
    names = dict(TechnicalField.objects.filter(pk__in=field_ids).values_list("pk", "name"))
    by_name = {name: pk for pk, name in names.items()}
    pairs: set[tuple[int, int]] = set(
        Expert.fields.through.objects.filter(technicalfield_id__in=field_ids, expert__is_active=True).values_list(
            "technicalfield_id", "expert_id"
        )
    )
    for expert_id, areas in Expert.objects.filter(is_active=True).values_list("pk", "research_areas"):
        for area in areas or []:
            if area in by_name:
                pairs.add((by_name[area], expert_id))
    counts: dict[int, int] = {}
    for field_id, _expert_id in pairs:
        counts[field_id] = counts.get(field_id, 0) + 1
    return counts


def _claim_figures_and_top_experts(
    claims: QuerySet[Claim],
) -> tuple[dict[str, int], list[dict[str, Any]], list[dict[str, Any]]]:
    """One pass over the period's claims grouped by expert: the claim counts (window sums over the groups), the
    active experts (the number of groups) and the ten experts with most claims and most accepted claims."""
    accepted = Q(status=Claim.Status.ACCEPTED)
    ranked = (
        claims.order_by()
        .values("expert_id")
        .annotate(
            claims=Count("id"),
            accepted=Count("id", filter=accepted),
            accepted_top=Count("id", filter=accepted & Q(match_rank__isnull=False, match_rank__lte=MATCH_TOP_RANK)),
        )
        .annotate(
            by_claims=Window(RowNumber(), order_by=[F("claims").desc(), F("accepted").desc(), F("expert_id").asc()]),
            by_accepted=Window(RowNumber(), order_by=[F("accepted").desc(), F("claims").desc(), F("expert_id").asc()]),
        )
        .values_list("expert_id", "claims", "accepted", "accepted_top", "by_claims", "by_accepted")
    )
    figures = {"claims": 0, "active_experts": 0, "accepted_claims": 0, "accepted_top": 0}
    # Django cannot filter "either rank in the top ten" on window functions over a GROUP BY: wrap it in SQL,
    # with the totals over every group computed before the filter.
    try:
        sql, params = ranked.query.sql_with_params()
    except EmptyResultSet:  # no chain in scope: nothing to rank
        return figures, [], []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM (SELECT ranked.*, COUNT(*) OVER () AS all_experts, SUM(ranked.claims) OVER () AS all_claims,"
            " SUM(ranked.accepted) OVER () AS all_accepted, SUM(ranked.accepted_top) OVER () AS all_top"
            f" FROM ({sql}) ranked) totals WHERE totals.by_claims <= %s OR totals.by_accepted <= %s",
            [*params, TOP_LIMIT, TOP_LIMIT],
        )
        keys = ("expert_id", "claims", "accepted", "accepted_top", "by_claims", "by_accepted",
                "all_experts", "all_claims", "all_accepted", "all_top")
        rows = [dict(zip(keys, values, strict=True)) for values in cursor.fetchall()]
    if rows:
        first = rows[0]
        figures = {"claims": int(first["all_claims"]), "active_experts": int(first["all_experts"]),
                   "accepted_claims": int(first["all_accepted"]), "accepted_top": int(first["all_top"])}
    # Names in a second small query: grouping 300,000 claims by expert alone is much cheaper than by its names.
    experts = Expert.objects.select_related("organisation").in_bulk([row["expert_id"] for row in rows])

    def entry(row: dict[str, Any]) -> dict[str, Any]:
        expert = experts[row["expert_id"]]
        return {
            "expert_id": expert.pk,
            "name": expert.name,
            "title": expert.title,
            "organisation": expert.organisation.name if expert.organisation else "",
            "claims": row["claims"],
            "accepted": row["accepted"],
        }

    by_claims = [entry(row) for row in sorted(rows, key=lambda row: row["by_claims"]) if row["by_claims"] <= TOP_LIMIT]
    by_accepted = [
        entry(row) for row in sorted(rows, key=lambda row: row["by_accepted"])
        if row["by_accepted"] <= TOP_LIMIT and row["accepted"] > 0
    ]
    return figures, by_claims, by_accepted


def _recent_activity(scope: Scope) -> list[dict[str, Any]]:
    start_at, end_before = scope.bounds
    events = (
        _events_of_scope(scope)
        .filter(_in_range("created_at", start_at, end_before))
        .select_related("actor", "challenge", "challenge__chain")
        .order_by("-created_at", "-id")[:RECENT_EVENTS_LIMIT]
    )
    return [
        {
            "at": timezone.localtime(event.created_at).isoformat(),
            "actor": event.actor.name if event.actor else None,  # 系统, in the reader's language (_localised)
            "kind": event.kind,
            "kind_label": str(event.get_kind_display()),
            "challenge_id": event.challenge_id,
            "challenge_title": event.challenge.title,
            "chain_name": event.challenge.chain.name,
        }
        for event in events
    ]


def _monthly_trend(scope: Scope) -> dict[str, list]:
    """Publications, claims and completions per local month over the last 12 months, in one query.

    A figure is a COUNT over one month's range of an indexed column (a scalar subquery, an index-only range
    scan), not a GROUP BY of the local month of every row: converting 200,000 timestamps to local months and
    grouping them cost five times more. Claims of one chain need the join to their challenges: those are
    counted in one pass with a filter per month instead of joining twelve times."""
    months = _month_starts(timezone.localdate(), TREND_MONTHS)
    starts = [_local_bounds(month, None)[0] for month in months]

    def month_ranges(field: str) -> list[Q]:
        ranges = []
        for index, month_start in enumerate(starts):
            in_month = Q(**{f"{field}__gte": month_start})
            if index + 1 < len(starts):
                in_month &= Q(**{f"{field}__lt": starts[index + 1]})
            ranges.append(in_month)
        return ranges

    # Every challenge belongs to a chain: for the whole alliance the chain filter can be skipped.
    challenges = Challenge.objects.all() if scope.is_whole_alliance else Challenge.objects.filter(
        chain_id__in=scope.chain_ids
    )
    claims = _claims_of_scope(scope)
    columns: list[str] = []
    params: list[Any] = []
    sources: list[str] = []  # FROM: the one-pass claim counts of a chain
    source_params: list[Any] = []
    try:
        series = [(challenges, "published_at"), (claims, "created_at"), (challenges, "completed_at")]
        for queryset, field in series:
            if queryset is claims and not scope.is_whole_alliance:
                counts = {f"month_{index}": Count("id", filter=in_month)
                          for index, in_month in enumerate(month_ranges(field))}
                one_row = (
                    queryset.filter(**{f"{field}__gte": starts[0]}).order_by()
                    .annotate(one=Value(1)).values("one").annotate(**counts).values_list(*counts)
                )
                sql, sql_params = one_row.query.sql_with_params()
                columns.extend(f"claims_by_month.{name}" for name in counts)
                sources.append(f"({sql}) claims_by_month")
                source_params.extend(sql_params)
                continue
            for in_month in month_ranges(field):
                sql, sql_params = queryset.filter(in_month).order_by().annotate(one=Value(1)).values(
                    "one").query.sql_with_params()
                columns.append(f"(SELECT COUNT(*) FROM ({sql}) month_rows)")
                params.extend(sql_params)
    except EmptyResultSet:  # no chain in scope
        counts_in_order = [0] * (3 * len(months))
    else:
        sql = "SELECT " + ", ".join(columns) + (" FROM " + ", ".join(sources) if sources else "")
        with connection.cursor() as cursor:
            cursor.execute(sql, params + source_params)
            counts_in_order = list(cursor.fetchone())
    return {
        "months": [f"{month.year}-{month.month:02d}" for month in months],
        **{name: counts_in_order[number * len(months):(number + 1) * len(months)]
           for number, name in enumerate(("published", "claimed", "completed"))},
    }


# Drill-down: the list behind every number ---------------------------------------------------------------------------

class ListKind:
    CHALLENGES = "challenges"
    CLAIMS = "claims"
    EXPERTS = "experts"
    ENTERPRISES = "enterprises"


# metric -> (kind of list, title, the extra parameter it needs)
METRICS: dict[str, tuple[str, Any, str | None]] = {
    "posted": (ListKind.CHALLENGES, gettext_lazy("发布需求"), None),
    "published": (ListKind.CHALLENGES, gettext_lazy("已上榜需求"), None),
    "claimed": (ListKind.CHALLENGES, gettext_lazy("获得揭榜的需求"), None),
    "in_progress": (ListKind.CHALLENGES, gettext_lazy("实施中的需求"), None),
    "completed": (ListKind.CHALLENGES, gettext_lazy("已完成的需求"), None),
    "expired": (ListKind.CHALLENGES, gettext_lazy("已过期的需求"), None),
    "engaged": (ListKind.CHALLENGES, gettext_lazy("已选定专家的需求"), None),
    "over_sla": (ListKind.CHALLENGES, gettext_lazy("超时未揭榜的需求"), None),
    "reward": (ListKind.CHALLENGES, gettext_lazy("悬赏需求"), None),
    "first_claim_time": (ListKind.CHALLENGES, gettext_lazy("首次揭榜用时"), None),
    "completion_time": (ListKind.CHALLENGES, gettext_lazy("完成用时"), None),
    "status": (ListKind.CHALLENGES, gettext_lazy("按状态"), "status"),
    "field": (ListKind.CHALLENGES, gettext_lazy("技术领域的需求"), "field"),
    "enterprise": (ListKind.CHALLENGES, gettext_lazy("企业发布的需求"), "enterprise"),
    "claims": (ListKind.CLAIMS, gettext_lazy("揭榜记录"), None),
    "accepted_claims": (ListKind.CLAIMS, gettext_lazy("被选定的揭榜"), None),
    "match_top": (ListKind.CLAIMS, gettext_lazy("来自匹配前十的选定揭榜"), None),
    "expert": (ListKind.CLAIMS, gettext_lazy("专家的揭榜"), "expert"),
    "active_experts": (ListKind.EXPERTS, gettext_lazy("本期揭榜专家"), None),
    "pool": (ListKind.EXPERTS, gettext_lazy("在库专家及负荷"), None),
    "field_experts": (ListKind.EXPERTS, gettext_lazy("覆盖该领域的专家"), "field"),
    "enterprises_served": (ListKind.ENTERPRISES, gettext_lazy("已服务企业"), None),
}
METRIC_CHOICES = [(metric, label) for metric, (_kind, label, _param) in METRICS.items()]


@dataclass
class Drilldown:
    metric: str
    kind: str
    title: str
    queryset: QuerySet
    scope: Scope


def _hours_to_first_claim() -> ExpressionWrapper:
    return ExpressionWrapper(F("first_claimed_at") - F("published_at"), output_field=DurationField())


def _time_to_completion() -> ExpressionWrapper:
    return ExpressionWrapper(F("completed_at") - F("published_at"), output_field=DurationField())


def drilldown(
    *, scope: Scope, metric: str, status: str | None = None, field: TechnicalField | None = None,
    expert: Expert | None = None, enterprise: Organisation | None = None,
) -> Drilldown:
    """The rows behind one dashboard number, in the same scope (chains the user may watch, period)."""
    if metric not in METRICS:
        raise ApplicationError(_("请选择有效的统计指标。"), field="metric")
    kind, label, needs = METRICS[metric]
    given = {"status": status, "field": field, "expert": expert, "enterprise": enterprise}
    if needs and not given[needs]:
        raise ApplicationError(_("该指标需要指定筛选对象。"), field=needs)
    title = str(label)
    if kind == ListKind.CHALLENGES:
        queryset = _challenge_list(scope, metric, status=status, field=field, enterprise=enterprise)
    elif kind == ListKind.CLAIMS:
        queryset = _claim_list(scope, metric, expert=expert)
    elif kind == ListKind.EXPERTS:
        queryset = _expert_list(scope, metric, field=field)
    else:
        queryset = _enterprise_list(scope)
    if status:
        title = f"{title} · {Status(status).label}"
    for subject in (field, expert, enterprise):
        if subject is not None and needs:
            title = f"{title} · {subject}"
    return Drilldown(metric=metric, kind=kind, title=title, queryset=queryset, scope=scope)


def _challenge_list(
    scope: Scope, metric: str, *, status: str | None, field: TechnicalField | None,
    enterprise: Organisation | None,
) -> QuerySet[Challenge]:
    challenges = scope_challenges(scope).select_related("enterprise", "chain", "field", "expert")
    order = ["-published_at", "-id"]
    conditions = {
        "posted": Q(),
        "published": published_condition(),
        "claimed": claimed_condition(),
        "in_progress": Q(status=Status.IN_PROGRESS),
        "completed": Q(status=Status.COMPLETED),
        "expired": Q(status=Status.EXPIRED),
        "engaged": engaged_condition(),
        "over_sla": over_sla_condition(),
        "reward": published_condition() & Q(reward_wan__isnull=False),
        "first_claim_time": claimed_condition(),
        "completion_time": Q(published_at__isnull=False, completed_at__isnull=False),
        "status": Q(status=status),
        "field": Q(field=field),
        "enterprise": Q(enterprise=enterprise),
    }
    challenges = challenges.filter(conditions[metric])
    if metric == "reward":
        order = ["-reward_wan", "-id"]
    elif metric == "first_claim_time":
        challenges = challenges.annotate(delay=_hours_to_first_claim())
        order = ["-delay", "-id"]
    elif metric == "completion_time":
        challenges = challenges.annotate(delay=_time_to_completion())
        order = ["-delay", "-id"]
    return challenges.order_by(*order)


def _claim_list(scope: Scope, metric: str, *, expert: Expert | None) -> QuerySet[Claim]:
    claims = scope_claims(scope).select_related(
        "challenge", "challenge__chain", "challenge__enterprise", "expert", "expert__organisation"
    )
    accepted = Q(status=Claim.Status.ACCEPTED)
    conditions = {
        "claims": Q(),
        "accepted_claims": accepted,
        "match_top": accepted & Q(match_rank__isnull=False, match_rank__lte=MATCH_TOP_RANK),
        "expert": Q(expert=expert),
    }
    return claims.filter(conditions[metric]).order_by("-created_at", "-id")


def _expert_list(scope: Scope, metric: str, *, field: TechnicalField | None) -> QuerySet[Expert]:
    if metric == "active_experts":
        experts = Expert.objects.filter(pk__in=scope_claims(scope).values("expert_id"))
    elif metric == "field_experts":
        experts = Expert.objects.filter(is_active=True).filter(field_coverage_condition(field)).distinct()
    else:
        experts = scope_expert_pool(scope)
    live = Q(claims__status__in=Claim.LIVE_STATUSES, claims__challenge__status__in=LOAD_CHALLENGE_STATUSES)
    experts = experts.select_related("organisation").annotate(live_claims=Count("claims", filter=live))
    if metric == "pool":
        return experts.order_by("-live_claims", "id")
    return experts.order_by("id")


def _enterprise_list(scope: Scope) -> QuerySet[Organisation]:
    served = scope_challenges(scope).filter(engaged_condition())
    return Organisation.objects.filter(pk__in=served.values("enterprise_id")).select_related("chain").order_by("id")


def served_counts(scope: Scope, enterprise_ids: list[int]) -> dict[int, int]:
    """Challenges of the period taken on by an expert, per enterprise (for an enterprise list's count column)."""
    return dict(
        scope_challenges(scope).filter(engaged_condition(), enterprise_id__in=enterprise_ids)
        .order_by().values("enterprise_id").annotate(count=Count("id")).values_list("enterprise_id", "count")
    )
