"""End to end through a real Celery worker and Redis: stale figures are served, then refreshed by the worker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from alliance import dashboard
from config.celery_app import app
from tests.alliance.test_dashboard_queries import add_activity

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TIMEOUT_SECONDS = 30


@pytest.fixture
def celery_worker():
    # The project's own app on Redis: the point is the real path, not the eager shortcut.
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url.startswith("redis://")
    app.control.purge()  # messages left by earlier runs name scopes that no longer exist
    cache.delete_many([dashboard.WARM_QUEUED_KEY, dashboard.WARM_RECENT_KEY])
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_worker_brings_stale_figures_up_to_the_data(celery_worker, park_staff, chain):
    # given staff looked at a chain, then the data changed
    add_activity(chain=chain, size=1)
    before = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    add_activity(chain=chain, size=2)
    # when they look again: the earlier figures come at once and a refresh goes to the worker
    stale = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    assert stale["is_fresh"] is False
    assert stale["totals"] == before["totals"]
    # then, a moment later, the worker has stored the current figures
    deadline = time.monotonic() + TIMEOUT_SECONDS
    current = stale
    while not current["is_fresh"] and time.monotonic() < deadline:
        time.sleep(0.3)
        current = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    assert current["is_fresh"] is True
    assert current["computed_at"] > before["computed_at"]
    assert current["totals"]["posted"] == before["totals"]["posted"] + 6
