"""Dashboard at park scale: the page as park staff renders it, against the raw SQL aggregate for the same KPIs.

    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_m6 \
        .venv/bin/python manage.py seed_scale     # once: 20k experts, 5k enterprises, 100k challenges, 300k claims
    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_m6 \
        .venv/bin/python bench/bench_dashboard.py --requests 40

Prints p50/p95/max of the rendered page (the whole Django view through the test client, templates included),
the number of SQL queries per request, and the same figures for one hand-written SQL statement computing the
headline KPIs, so the overhead of the ORM/view/template is visible.

Live: the page while the data keeps changing, as at a real park (stale-while-revalidate at work). A writer process
claims a challenge through challenges.services.claim_challenge every --write-every seconds (an event row when no
claim is allowed), a Celery worker (subprocess) refreshes the figures; the cache and the broker must be one Redis:

    export DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_m6
    CACHE_URL=redis://127.0.0.1:6379/12 REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python bench/bench_dashboard.py --live 150

Prints p50/p95/max of the renders, how old the served figures were (now - computed_at: p50/p95/max), how many
renders were fresh, stale or computed in the request, the worker's refreshes, and the raw SQL aggregate measured
under the same load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
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
    parser.add_argument("--live", type=float, default=0, metavar="SECONDS",
                        help="render while a writer changes the data and a Celery worker refreshes the figures")
    parser.add_argument("--every", type=float, default=1.5, help="live: seconds between renders")
    parser.add_argument("--write-every", type=float, default=2.0, help="live: seconds between writes")
    parser.add_argument("--mix", action="store_true",
                        help="live: rotate through this year / all, whole alliance / first chain")
    parser.add_argument("--writer", type=float, default=0, metavar="SECONDS", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.writer:
        write_for(arguments.writer, every=arguments.write_every)
        return
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
    if arguments.live:
        live(client, params, arguments)
        return
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
    # Inline: the cache on, but no figures for this view (its first view ever, or figures older than the staleness
    # bound): computed in the request, with what depends on the experts alone (field coverage) cached.
    from django.core.cache import cache

    from alliance import dashboard

    start_date, end_date = dashboard.period_range(period=arguments.period)
    figures_key = dashboard._figures_key(dashboard.dashboard_scope(
        user=staff_user, chain_id=params.get("chain"), start=start_date, end=end_date))
    inline = []
    for _index in range(max(10, arguments.requests // 2)):
        cache.delete(figures_key)
        inline.append(fetch("/alliance/dashboard/", params))
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
    print(summary("page computed in the request", inline))
    print(summary("dashboard page, warm (rendered, staff)", page))
    print(summary("dashboard JSON API", api))
    print(summary("drill-down list (over_sla, page 1)", drill))
    print(summary("raw SQL aggregate of the headline KPIs", raw))


# Live: renders while the data changes -------------------------------------------------------------------------------

PROPOSAL = "基准测试：现场揭榜方案，分阶段验证后交付。"


def write_for(seconds: float, *, every: float) -> None:
    """The writer process: a claim through the service every `every` seconds (the lifecycle write a park sees most),
    or an event row when the picked expert may not claim. Prints one line per write kind at the end."""
    from django.db import transaction

    from challenges.models import ChallengeEvent, Status
    from challenges.services import claim_challenge

    rng = random.Random(6)
    today = timezone.localdate()
    open_ids = list(Challenge.objects.filter(status=Status.OPEN, deadline__gte=today).values_list("pk", flat=True))
    expert_ids = list(Expert.objects.filter(is_active=True).values_list("pk", flat=True))
    counts = {"claims": 0, "events": 0}
    stopping = []
    signal.signal(signal.SIGTERM, lambda _signal, _frame: stopping.append(True))

    def write_once() -> None:
        challenge = Challenge.objects.get(pk=rng.choice(open_ids))
        for _attempt in range(5):
            expert = Expert.objects.get(pk=rng.choice(expert_ids))
            try:
                claim_challenge(expert=expert, challenge=challenge, proposal=PROPOSAL, expected_days=30)
            except Exception:  # refused (load limit, conflict, …): try another expert
                continue
            counts["claims"] += 1
            return
        with transaction.atomic():
            ChallengeEvent.objects.create(challenge=challenge, actor=None, kind=ChallengeEvent.Kind.UPDATED,
                                          from_status=challenge.status, to_status=challenge.status, note="基准测试")
        counts["events"] += 1

    write_once()  # the first claim may load or build the match index: before the clock starts
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    while time.monotonic() < deadline and not stopping:
        next_at += every
        write_once()
        time.sleep(max(0.0, next_at - time.monotonic()))
    print(f"writes: {counts['claims']} claims, {counts['events']} events", flush=True)


def live(client: Client, params: dict, arguments: argparse.Namespace) -> None:
    from django.core.cache import cache

    from alliance import dashboard
    from config.celery_app import app

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower() or app.conf.task_always_eager:
        sys.exit("--live needs CACHE_URL (one Redis cache for this process and the worker) and a non-eager Celery")
    seconds = max(arguments.live, 120)
    cache.clear()  # the bench's own Redis database: start with nothing cached
    app.control.purge()
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    worker_log = tempfile.NamedTemporaryFile("w+", prefix="bench-dashboard-worker-", suffix=".log", delete=False)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "-l", "info",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=environment, stdout=worker_log, stderr=subprocess.STDOUT,
    )
    writer = subprocess.Popen(
        [sys.executable, __file__, "--writer", str(seconds + 15), "--write-every", str(arguments.write_every)],
        env=environment, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready", "the writer did not start"
        views = [params]
        if arguments.mix:
            first_chain = IndustryChain.objects.order_by("sort_order", "pk").values_list("pk", flat=True).first()
            views = [{"period": "year"}, {"period": "all"}, {"period": "year", "chain": first_chain},
                     {"period": "all", "chain": first_chain}]
        for view in views:  # the first views ever: computed in the request, then kept warm
            client.get("/alliance/dashboard/", view)
        timings: list[float] = []
        staleness: list[float] = []
        kinds = {"fresh": 0, "stale": 0, "computed in the request": 0}
        started_at = time.monotonic()
        next_at = started_at
        number = 0
        while time.monotonic() - started_at < seconds:
            view = views[number % len(views)]
            number += 1
            before = time.time()
            begun = time.perf_counter()
            response = client.get("/alliance/dashboard/", view)
            timings.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200, response.status_code
            data = response.context["data"]
            computed_at = dt.datetime.fromisoformat(data["computed_at"]).timestamp()
            staleness.append(max(0.0, time.time() - computed_at))
            if computed_at >= before:
                kinds["computed in the request"] += 1
            else:
                kinds["fresh" if data["is_fresh"] else "stale"] += 1
            next_at += arguments.every
            time.sleep(max(0.0, next_at - time.monotonic()))
        elapsed = time.monotonic() - started_at
        raw = raw_aggregate(params, arguments.period, arguments.requests // 2 or 10)
    finally:
        writer.send_signal(signal.SIGTERM)
        try:
            writes = writer.communicate(timeout=30)[0].strip()
        except subprocess.TimeoutExpired:
            writer.kill()
            writes = "(writer killed)"
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
    worker_log.seek(0)
    runs = re.findall(r"refresh_dashboard_figures_task\[[^\]]+\] succeeded in ([0-9.]+)s: (\{.*\})", worker_log.read())
    # A scope refresh reports one outcome ({'computed': 1}); a warm-up one per default view.
    scoped = [float(took) for took, outcome in runs if sum(map(int, re.findall(r"\d+", outcome))) == 1]
    warm_ups = [float(took) for took, outcome in runs if sum(map(int, re.findall(r"\d+", outcome))) > 1]
    view_names = ", ".join("/".join(str(value) for value in view.values()) for view in views)
    print(f"live for {elapsed:.0f} s: views {view_names}; a render every {arguments.every} s, a write every "
          f"{arguments.write_every} s ({writes or 'writer stopped early'}); "
          f"DASHBOARD_MAX_STALE_SECONDS={dashboard.max_stale_seconds()}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(summary("dashboard page, live", timings))
    print(f"{'age of the served figures':<38} n={len(staleness):<3} p50={statistics.median(staleness):7.1f} s   "
          f"p95={percentile(staleness, 0.95):7.1f} s   max={max(staleness):7.1f} s")
    print("renders: " + ", ".join(f"{count} {kind}" for kind, count in kinds.items()))
    if scoped:
        print(f"worker: {len(scoped)} scope refreshes (p50 {statistics.median(scoped):.2f} s), {len(warm_ups)} warm-ups"
              + (f" (p50 {statistics.median(warm_ups):.2f} s)" if warm_ups else ""))
    print(summary("raw SQL aggregate (same load)", raw))
    print(f"worker log: {worker_log.name}")


def raw_aggregate(params: dict, period: str, times: int) -> list[float]:
    today = timezone.localdate()
    start = {"year": today.replace(month=1, day=1), "quarter": today.replace(month=(today.month - 1) // 3 * 3 + 1,
             day=1), "month": today.replace(day=1), "all": today.replace(year=2000)}[period]
    chains = [params["chain"]] if params.get("chain") else list(IndustryChain.objects.values_list("pk", flat=True))
    timings = []
    with connection.cursor() as cursor:
        for _index in range(times):
            started = time.perf_counter()
            cursor.execute(RAW_KPIS, {"start": start, "sla": int(getattr(settings, "NO_CLAIM_SLA_DAYS", 7)),
                                      "chains": chains})
            cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


if __name__ == "__main__":
    main()
