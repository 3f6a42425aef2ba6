"""Background work of the alliance dashboard: keep its cached figures up to the data (stale-while-revalidate)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def refresh_dashboard_figures_task(
    chain_ids: list[int] | None = None, is_whole_alliance: bool = False, start: str | None = None,
    end: str | None = None,
) -> dict[str, int]:
    """Recompute one scope's figures (chain_ids given), or warm every default view (no arguments).

    Idempotent: figures already current are skipped, figures another worker is computing are left to it (a
    cache.add lock). Queued with a short countdown and at most once per scope until it starts (the default views
    at most once per WARM_INTERVAL_SECONDS), so a burst of changes costs one recompute."""
    from alliance.dashboard import refresh_figures, scope_of, warm_default_views

    if chain_ids is None:
        return warm_default_views()
    scope = scope_of(chain_ids=chain_ids, is_whole_alliance=is_whole_alliance, start=start, end=end)
    return {refresh_figures(scope): 1}
