"""Benchmark of notification fan-out: one event that notifies N people, delivered by ONE Celery worker (not in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_m5 REDIS_URL=redis://127.0.0.1:6379/15 \
        .venv/bin/python bench/bench_notifications.py [--sizes 1000 5000 20000] [--batch 100]

For each size it creates N users with an e-mail address, then, on PostgreSQL and a real Redis:

1. write: notifications.services.notify() inside one transaction (what a service does when a challenge is published
   to N experts): N notification rows and 2N pending deliveries (in-app, e-mail), plus the preference lookup;
2. enqueue: the on-commit hand-over to Redis (N / batch delivery tasks);
3. deliver: until ONE worker subprocess (`celery worker --pool=solo`, e-mail backend locmem: every message is built
   from the Chinese HTML and text templates and handed to the backend) has left no delivery pending.

It prints the seconds of each step, the total from the start of the event to the last e-mail handed over, and the
rate. The database named in DATABASE_URL is created and migrated if needed; the bench users are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_m5")

import dj_database_url  # noqa: E402
import psycopg  # noqa: E402


def ensure_database(url: str) -> None:
    config = dj_database_url.parse(url)
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432, user=config["USER"],
        password=config["PASSWORD"] or None, dbname="postgres", autocommit=True,
    )
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from alliance.models import User  # noqa: E402
from config.celery_app import app  # noqa: E402
from notifications.models import Delivery, Notification  # noqa: E402
from notifications.services import Message, notify  # noqa: E402

PREFIX = "bench-notify-"


def start_worker(batch: int) -> subprocess.Popen:
    env = {**os.environ, "NOTIFICATION_BATCH_SIZE": str(batch)}
    command = [
        sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--pool=solo", "--concurrency=1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
    ]
    worker = subprocess.Popen(command, env=env, cwd=ROOT)
    time.sleep(4)  # let it import Django and connect before the clock starts
    return worker


def make_users(count: int, run: int) -> list[User]:
    users = [
        User(username=f"{PREFIX}{run}-{number}", email=f"expert{number}@bench.example.cn",
             display_name=f"专家{number}", password="!")
        for number in range(count)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    return list(User.objects.filter(username__startswith=f"{PREFIX}{run}-").order_by("pk"))


def cleanup() -> None:
    Notification.objects.filter(recipient__username__startswith=PREFIX).delete()
    User.objects.filter(username__startswith=PREFIX).delete()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), a figure that other load on the machine does not inflate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_size(count: int, run: int, worker_pid: int) -> dict[str, float]:
    users = make_users(count, run)
    message = Message(
        kind=Notification.Kind.CHALLENGE_PUBLISHED,
        title="有一项新需求与您的研究方向匹配：异形件自动包装线柔性改造",
        body="苏州绿野户外用品有限公司 在高端智能装备产业链发布了技术需求「异形件自动包装线柔性改造」，欢迎揭榜。",
        url="/challenges/1/", dedupe_key=f"bench:{run}:published",
    )
    cpu_before = cpu_seconds(worker_pid)
    started = time.perf_counter()
    with transaction.atomic():
        ids = notify(recipients=users, message=message)
        written = time.perf_counter()
    enqueued = time.perf_counter()  # on-commit callbacks ran inside the atomic block's exit
    assert len(ids) == count
    # A cheap poll (the bench database holds nothing else), so that watching does not slow the worker down.
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    while pending.exists():
        time.sleep(0.1)
    finished = time.perf_counter()
    worker_cpu = cpu_seconds(worker_pid) - cpu_before
    states = dict(
        Delivery.objects.filter(notification_id__in=ids).values_list("state").annotate(n=Count("id"))
    )
    assert states == {Delivery.State.SENT: 2 * count}, states
    return {
        "write": written - started, "enqueue": enqueued - written, "deliver": finished - enqueued,
        "total": finished - started, "worker_cpu": worker_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--batch", type=int, default=100, help="notifications per delivery task")
    arguments = parser.parse_args()
    os.environ["NOTIFICATION_BATCH_SIZE"] = str(arguments.batch)
    from django.conf import settings

    settings.NOTIFICATION_BATCH_SIZE = arguments.batch
    call_command("migrate", verbosity=0)
    cleanup()
    app.control.purge()
    worker = start_worker(arguments.batch)
    print(f"database {settings.DATABASES['default']['NAME']}, broker {settings.CELERY_BROKER_URL}, "
          f"e-mail backend {settings.EMAIL_BACKEND}, batch {arguments.batch}, one worker (solo pool)")
    print(f"{'recipients':>10} {'write s':>8} {'enqueue s':>9} {'deliver s':>9} {'total s':>8} {'e-mails/s':>9} "
          f"{'worker CPU s':>12} {'load':>5}")
    try:
        for run, count in enumerate(arguments.sizes):
            figures = run_size(count, run, worker.pid)
            print(f"{count:>10} {figures['write']:>8.2f} {figures['enqueue']:>9.2f} {figures['deliver']:>9.2f} "
                  f"{figures['total']:>8.2f} {count / figures['total']:>9.0f} {figures['worker_cpu']:>12.2f} "
                  f"{os.getloadavg()[0]:>5.1f}", flush=True)
            cleanup()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        cleanup()


if __name__ == "__main__":
    main()
