"""Periodic work of the challenge lifecycle. Thin and idempotent: each task calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def expire_overdue_challenges_task() -> int:
    """Beat (hourly): 揭榜中 challenges past their deadline with no accepted claim → 已过期. Safe to run twice."""
    from challenges.services import expire_overdue_challenges

    return len(expire_overdue_challenges())
