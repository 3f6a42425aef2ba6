"""Stale-while-revalidate: recent figures are served at once while one worker task recomputes them."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import translation

from alliance import dashboard
from alliance.tasks import refresh_dashboard_figures_task
from challenges.models import Status
from config.celery_app import app
from tests.alliance.test_dashboard_queries import add_activity


@pytest.fixture(autouse=True)
def no_warm_up_queued():
    # The warm-up markers are global keys of the (per-process) test cache: start each test without them.
    cache.delete_many([dashboard.WARM_QUEUED_KEY, dashboard.WARM_RECENT_KEY])


@pytest.fixture
def queued(monkeypatch):
    """The refresh tasks sent to the broker, as (kwargs, countdown)."""
    sent: list[tuple[dict, float]] = []
    monkeypatch.setattr(refresh_dashboard_figures_task, "apply_async",
                        lambda kwargs, countdown: sent.append((kwargs, countdown)))
    return sent


def direct(settings, **filters) -> dict:
    """The figures computed from the database, no cache involved."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    settings.DASHBOARD_CACHE_SECONDS = 0
    try:
        data = dashboard.dashboard_data(**filters)
    finally:
        settings.DASHBOARD_CACHE_SECONDS = seconds
    return without_time(data)


def without_time(data: dict) -> dict:
    return {key: value for key, value in data.items() if key not in ("computed_at", "is_fresh")}


def scoped_refreshes(sent: list[tuple[dict, float]]) -> list[dict]:
    return [kwargs for kwargs, _countdown in sent if kwargs]


def test_after_a_change_recent_figures_are_served_and_one_refresh_is_queued(
    settings, park_staff, chain, queued, django_capture_on_commit_callbacks
):
    # given park staff looked at one chain, then the data changed
    add_activity(chain=chain, size=1)
    before = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    add_activity(chain=chain, size=2)
    # when they look twice more before any worker ran
    with django_capture_on_commit_callbacks(execute=True):
        first = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
        second = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    # then both got the earlier figures at once, marked as not fresh, with their time
    assert first["is_fresh"] is second["is_fresh"] is False
    assert first["computed_at"] == before["computed_at"]
    assert without_time(first) == without_time(before)
    # and exactly one recompute of that scope was queued, after a short delay (a burst costs one)
    assert scoped_refreshes(queued) == [{"chain_ids": [chain.pk], "is_whole_alliance": False,
                                         "start": before["filters"]["start"], "end": before["filters"]["end"]}]
    assert all(countdown == dashboard.REFRESH_DELAY_SECONDS for _kwargs, countdown in queued)
    # when the worker runs it
    outcome = refresh_dashboard_figures_task(**scoped_refreshes(queued)[0])
    # then the next view is fresh and exactly the direct computation
    after = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    assert outcome == {"computed": 1}
    assert after["is_fresh"] is True
    assert after["totals"]["posted"] == before["totals"]["posted"] + 6
    assert without_time(after) == direct(settings, user=park_staff, chain_id=chain.pk)


def test_figures_older_than_the_bound_are_never_served(settings, park_staff, chain, queued):
    # given figures computed 121 seconds ago, and a change since
    settings.DASHBOARD_MAX_STALE_SECONDS = 120
    add_activity(chain=chain, size=1)
    dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    scope = dashboard.dashboard_scope(user=park_staff, chain_id=chain.pk)
    key = dashboard._figures_key(scope)
    entry = cache.get(key)
    entry["computed_at"] -= 121
    cache.set(key, entry)
    add_activity(chain=chain, size=1)
    # when staff look again
    data = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    # then the figures were computed in the request: fresh, current, exact
    assert data["is_fresh"] is True
    assert without_time(data) == direct(settings, user=park_staff, chain_id=chain.pk)
    assert cache.get(key)["computed_at"] > entry["computed_at"] + 100


def test_unchanged_data_is_served_fresh_from_the_cache(settings, park_staff, chain, queued,
                                                       django_capture_on_commit_callbacks):
    # given figures computed a moment ago
    add_activity(chain=chain, size=1)
    first = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    # when nothing changed and staff look again
    with django_capture_on_commit_callbacks(execute=True):
        again = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    # then the same figures are fresh and nothing is recomputed
    assert again == first
    assert again["is_fresh"] is True
    assert scoped_refreshes(queued) == []


@pytest.fixture
def eager_tasks():
    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = was


def test_with_eager_tasks_a_change_is_computed_in_the_request(settings, eager_tasks, park_staff, chain, queued,
                                                              django_capture_on_commit_callbacks):
    # given the quick start (tasks run inline) and figures computed before a change
    add_activity(chain=chain, size=1)
    dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    add_activity(chain=chain, size=1)
    # when staff look again
    with django_capture_on_commit_callbacks(execute=True):
        data = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    # then they see the current figures, and no task was queued (it would have run in their request)
    assert data["is_fresh"] is True
    assert without_time(data) == direct(settings, user=park_staff, chain_id=chain.pk)
    assert queued == []


def test_refresh_is_idempotent_and_leaves_figures_to_the_worker_computing_them(park_staff, chain):
    # given figures behind the data
    add_activity(chain=chain, size=1)
    dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    add_activity(chain=chain, size=1)
    scope = dashboard.dashboard_scope(user=park_staff, chain_id=chain.pk)
    key = dashboard._figures_key(scope)
    arguments = dashboard._scope_arguments(scope)
    stale = cache.get(key)
    # when another worker holds the lock, the task leaves them alone
    assert cache.add(dashboard._lock_key(key), 1, 60)
    assert refresh_dashboard_figures_task(**arguments) == {"busy": 1}
    assert cache.get(key) == stale
    cache.delete(dashboard._lock_key(key))
    # when it runs twice, the second run finds the work done
    assert refresh_dashboard_figures_task(**arguments) == {"computed": 1}
    computed = cache.get(key)
    assert refresh_dashboard_figures_task(**arguments) == {"fresh": 1}
    # then the figures were computed once, and the lock is free
    assert cache.get(key) == computed
    assert computed["computed_at"] > stale["computed_at"]
    assert cache.add(dashboard._lock_key(key), 1, 1)


def test_warm_up_prepares_the_default_views_for_staff_and_chain_leaders(
    settings, park_staff, chain_leader, chain, other_chain, queued
):
    # given activity on two chains and nothing cached
    add_activity(chain=chain, size=1)
    add_activity(chain=other_chain, size=1)
    # when the warm-up task runs
    outcomes = refresh_dashboard_figures_task()
    # then every default view was computed once: this year and all, whole alliance and each chain
    chain_count = len(dashboard.default_scopes()) // 2 - 1
    assert outcomes == {"computed": 2 * (1 + chain_count)}
    # and the leader's own page, the staff's chain filter and the staff's whole alliance are served from it, fresh
    year_start, today = dashboard.period_range(period="year")
    for user, chain_id in ((chain_leader, None), (park_staff, chain.pk), (park_staff, None)):
        for start, end in ((year_start, today), (None, None)):
            scope = dashboard.dashboard_scope(user=user, chain_id=chain_id, start=start, end=end)
            assert cache.get(dashboard._figures_key(scope)) is not None
            data = dashboard.dashboard_data(user=user, chain_id=chain_id, start=start, end=end)
            assert data["is_fresh"] is True
            assert without_time(data) == direct(settings, user=user, chain_id=chain_id, start=start, end=end)
    # and nothing needed computing in the requests
    assert queued == []
    # when it runs again with nothing changed, nothing is recomputed
    assert refresh_dashboard_figures_task() == {"fresh": 2 * (1 + chain_count)}


def test_a_burst_of_changes_queues_one_warm_up(park_staff, chain, queued, django_capture_on_commit_callbacks):
    # given warmed views
    add_activity(chain=chain, size=1)
    refresh_dashboard_figures_task()
    # when changes keep coming and pages are looked at, and writers ask for a warm-up too
    with django_capture_on_commit_callbacks(execute=True):
        for _round in range(3):
            add_activity(chain=chain, size=1)
            dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
            dashboard.request_default_views_warmed()
    # then one warm-up was queued, after the interval since the last one (the trailing edge of the burst)
    warm_ups = [countdown for kwargs, countdown in queued if not kwargs]
    assert warm_ups == [dashboard.WARM_INTERVAL_SECONDS]
    assert len(scoped_refreshes(queued)) == 1


def test_labels_follow_the_reader_language_from_shared_figures(park_staff, chain):
    # given figures computed for a Chinese reader
    add_activity(chain=chain, size=1)
    with translation.override("zh-hans"):
        chinese = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    # when an English reader looks at the same scope
    with translation.override("en"):
        english = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
        expected = {value: str(label) for value, label in Status.choices}
    # then the same figures come with English labels
    assert english["computed_at"] == chinese["computed_at"]
    assert english["totals"] == chinese["totals"]
    assert {row["value"]: row["label"] for row in english["statuses"]} == expected
    assert english["statuses"] != chinese["statuses"]


def test_page_and_api_say_when_the_figures_were_computed(client, api_client, park_staff, chain, queued):
    # given staff looked, then the data changed
    add_activity(chain=chain, size=1)
    client.force_login(park_staff)
    api_client.force_authenticate(park_staff)
    fresh_page = client.get("/alliance/dashboard/", {"chain": chain.pk})
    computed_at = dt.datetime.fromisoformat(fresh_page.context["data"]["computed_at"])
    add_activity(chain=chain, size=1)
    # when they open the page and the API again
    page = client.get("/alliance/dashboard/", {"chain": chain.pk})
    api = api_client.get("/api/v1/dashboard/", {"chain": chain.pk})
    # then both say when the figures were computed and that a refresh is under way
    assert f"数据更新于 {computed_at:%H:%M}" in fresh_page.content.decode()
    assert "正在刷新" not in fresh_page.content.decode()
    assert f"数据更新于 {computed_at:%H:%M}" in page.content.decode()
    assert "正在刷新" in page.content.decode()
    assert api.status_code == 200
    assert api.json()["is_fresh"] is False
    assert dt.datetime.fromisoformat(api.json()["computed_at"]) == computed_at
    assert api.json()["computed_at"].endswith("+08:00")


def test_broker_down_still_serves_the_page_and_tries_once_per_interval(
    monkeypatch, park_staff, chain, django_capture_on_commit_callbacks
):
    # given figures behind the data, and a broker that refuses every message
    attempts = []

    def refuse(kwargs, countdown):
        attempts.append(kwargs)
        raise ConnectionError("broker down")

    monkeypatch.setattr(refresh_dashboard_figures_task, "apply_async", refuse)
    add_activity(chain=chain, size=1)
    before = dashboard.dashboard_data(user=park_staff, chain_id=chain.pk)
    add_activity(chain=chain, size=1)
    # when staff look three times
    with django_capture_on_commit_callbacks(execute=True):
        views = [dashboard.dashboard_data(user=park_staff, chain_id=chain.pk) for _index in range(3)]
    # then every view got the recent figures, and the refresh of that scope was tried once, not per view
    assert [view["computed_at"] for view in views] == [before["computed_at"]] * 3
    assert len(scoped_refreshes([(kwargs, 0) for kwargs in attempts])) == 1


def test_a_lifecycle_write_queues_one_warm_up_of_the_default_views(settings,
                                                                    expert, open_challenge, monkeypatch):
    # given a worker-backed site (not the eager quick start)
    from django.core.cache import cache

    from alliance import dashboard
    from challenges import services

    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(dashboard.WARM_QUEUED_KEY)
    queued = []
    monkeypatch.setattr(dashboard, "_enqueue_on_commit", lambda arguments, **kwargs: queued.append(arguments))
    # when an expert claims (two events are written in one burst)
    services.claim_challenge(expert=expert, challenge=open_challenge,
                             proposal="采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。", expected_days=30)
    services.record_event(challenge=open_challenge, actor=None, kind="updated")
    # then the default views are queued for a warm-up exactly once
    assert queued == [{}]
