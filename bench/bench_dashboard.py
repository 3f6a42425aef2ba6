"""Dashboard at park scale: the page as park staff renders it, against the raw SQL aggregate for the same KPIs.

    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_m6 \
        .venv/bin/python manage.py seed_scale     # once: 20k experts, 5k enterprises, 100k challenges, 300k claims
    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_m6 \
        .venv/bin/python bench/bench_dashboard.py --requests 40

Prints p50/p95/max of the rendered page (the whole Django view through the test client, templates included),
the number of SQL queries per request, and the same figures for one hand-written SQL statement computing the
headline KPIs, so the overhead of the ORM/view/template is visible.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from alliance.models import IndustryChain, ParkStaff, User  # noqa: E402
from challenges.models import Challenge, Claim  # noqa: E402
from experts.models import Expert  # noqa: E402

RAW_KPIS = """
SELECT COUNT(*) AS posted,
       COUNT(*) FILTER (WHERE published_at IS NOT NULL) AS published,
       COUNT(*) FILTER (WHERE published_at IS NOT NULL AND first_claimed_at IS NOT NULL) AS claimed,
       COUNT(*) FILTER (WHERE status = 'in_progress') AS in_progress,
       COUNT(*) FILTER (WHERE status = 'completed') AS completed,
       COUNT(*) FILTER (WHERE status = 'expired') AS expired,
       COUNT(*) FILTER (WHERE expert_id IS NOT NULL) AS engaged,
       COUNT(*) FILTER (WHERE published_at <= now() - make_interval(days => %(sla)s)
                        AND (first_claimed_at IS NULL
                             OR first_claimed_at > published_at + make_interval(days => %(sla)s))) AS over_sla,
       SUM(reward_wan) FILTER (WHERE published_at IS NOT NULL) AS reward,
       COUNT(DISTINCT enterprise_id) FILTER (WHERE expert_id IS NOT NULL) AS enterprises_served,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM first_claimed_at - published_at))
           FILTER (WHERE first_claimed_at IS NOT NULL AND published_at IS NOT NULL) / 3600 AS median_first_claim_h,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM completed_at - published_at))
           FILTER (WHERE completed_at IS NOT NULL AND published_at IS NOT NULL) / 86400 AS median_completion_d,
       (SELECT COUNT(*) FILTER (WHERE c.status = 'accepted' AND c.match_rank <= 10)::float
               / NULLIF(COUNT(*) FILTER (WHERE c.status = 'accepted'), 0)
          FROM challenges_claim c WHERE c.created_at >= %(start)s) AS match_top_share,
       (SELECT COUNT(DISTINCT c.expert_id) FROM challenges_claim c WHERE c.created_at >= %(start)s) AS active_experts
FROM challenges_challenge
WHERE COALESCE(published_at, created_at) >= %(start)s AND chain_id = ANY(%(chains)s)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, timings: list[float]) -> str:
    return (f"{name:<38} n={len(timings):<3} p50={statistics.median(timings):7.1f} ms  "
            f"p95={percentile(timings, 0.95):7.1f} ms  max={max(timings):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--period", default="year", choices=["month", "quarter", "year", "all"])
    parser.add_argument("--chain", action="store_true", help="one industry chain (the first) instead of all")
    parser.add_argument("--queries", action="store_true", help="print each SQL query of one cold page with its time")
    arguments = parser.parse_args()
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False

    print(f"database {connection.settings_dict['NAME']}: {Expert.objects.count()} experts, "
          f"{Challenge.objects.count()} challenges, {Claim.objects.count()} claims")
    staff_user, _created = User.objects.get_or_create(username="bench_staff", defaults={"display_name": "基准测试"})
    ParkStaff.objects.get_or_create(user=staff_user)
    client = Client()
    client.force_login(staff_user)

    def fetch(path: str, params: dict) -> float:
        started = time.perf_counter()
        response = client.get(path, params)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed

    params = {"period": arguments.period}
    if arguments.chain:
        params["chain"] = IndustryChain.objects.order_by("sort_order", "pk").values_list("pk", flat=True).first()
    for _warm in range(3):
        fetch("/alliance/dashboard/", params)
    # Cold: the cache switched off, every figure computed from the database (what the first visitor after a
    # change waits for). Warm: figures reused until the data changes (what everyone else gets).
    settings.DASHBOARD_CACHE_SECONDS = 0
    executed: list[str] = []
    timed: list[tuple[float, str]] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - started) * 1000, " ".join(sql.split())[:110]))

    with connection.execute_wrapper(count):
        fetch("/alliance/dashboard/", params)
    cold_queries = len(executed)
    if arguments.queries:
        print("one cold page, per query:")
        for elapsed, sql in timed:
            print(f"  {elapsed:7.1f} ms  {sql}")
    cold = [fetch("/alliance/dashboard/", params) for _index in range(max(10, arguments.requests // 2))]
    settings.DASHBOARD_CACHE_SECONDS = 300
    fetch("/alliance/dashboard/", params)
    executed.clear()
    with connection.execute_wrapper(count):
        fetch("/alliance/dashboard/", params)
    warm_queries = len(executed)
    page = [fetch("/alliance/dashboard/", params) for _index in range(arguments.requests)]
    api = [fetch("/api/v1/dashboard/", params) for _index in range(arguments.requests)]
    drill = [fetch("/alliance/dashboard/list/", {**params, "metric": "over_sla"}) for _index in range(10)]

    today = timezone.localdate()
    start = {"year": today.replace(month=1, day=1), "quarter": today.replace(month=(today.month - 1) // 3 * 3 + 1,
             day=1), "month": today.replace(day=1), "all": today.replace(year=2000)}[arguments.period]
    chains = [params["chain"]] if arguments.chain else list(IndustryChain.objects.values_list("pk", flat=True))
    raw = []
    with connection.cursor() as cursor:
        for _index in range(arguments.requests):
            started = time.perf_counter()
            cursor.execute(RAW_KPIS, {"start": start, "sla": int(getattr(settings, "NO_CLAIM_SLA_DAYS", 7)),
                                      "chains": chains})
            cursor.fetchall()
            raw.append((time.perf_counter() - started) * 1000)

    scope = f"chain {params['chain']}" if arguments.chain else "whole alliance"
    print(f"period={arguments.period} (from {start}), {scope}; SQL queries per page: {cold_queries} cold, "
          f"{warm_queries} warm; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(summary("dashboard page, cold (no cache)", cold))
    print(summary("dashboard page, warm (rendered, staff)", page))
    print(summary("dashboard JSON API", api))
    print(summary("drill-down list (over_sla, page 1)", drill))
    print(summary("raw SQL aggregate of the headline KPIs", raw))


if __name__ == "__main__":
    main()
