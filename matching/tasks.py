"""Background work of the matcher: keep the persisted expert index in step with the profiles."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def refresh_match_index_task() -> str:
    """Bring the index up to the journal of changed experts: a patch file (their rows re-encoded) or, when patches
    cover too much of the pool, a full rebuild. Debounced and idempotent: returns "fresh" when an earlier run of a
    burst already did the work, "busy" when another worker is rebuilding."""
    from matching.index import refresh

    return refresh()


@shared_task(acks_late=True, ignore_result=True)
def rebuild_match_index_task() -> bool:
    """A full rebuild (new vocabulary, journal pruned): schedule nightly in the admin's periodic tasks."""
    from matching.index import rebuild

    return rebuild() is not None


@shared_task(acks_late=True, ignore_result=True)
def embed_vectors_task(expert_ids: list[int] | None = None, challenge_ids: list[int] | None = None) -> int:
    """Sentence vectors for the semantic channel, in batches: re-enqueues itself while texts remain stale. Safe to
    run twice (current vectors are skipped). Schedule it nightly with no arguments to cover every expert."""
    from matching import semantic
    from matching.services import embed_vectors

    if not semantic.is_enabled_for_site():
        return 0  # the site ranks lexically: no CPU spent on vectors nobody reads
    remaining = embed_vectors(expert_ids=expert_ids, challenge_ids=challenge_ids)
    if remaining:
        embed_vectors_task.delay(expert_ids=expert_ids, challenge_ids=challenge_ids)
    return remaining
