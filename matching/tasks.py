"""Background work of the matcher: keep the persisted expert index in step with the profiles."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def rebuild_match_index_task(expert_ids: list[int] | None = None) -> bool:
    """Rebuild the expert index for the pool as it is now. Debounced: returns False when that build already exists
    (several edits in a burst queue several tasks; the first builds, the rest find the file and return)."""
    from matching.index import rebuild

    _, built = rebuild()
    return built
