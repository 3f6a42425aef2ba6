"""Periodic notifications (run by django-celery-beat): deadline reminders, no-claim escalation, weekly digest.

Each job is idempotent through the notification dedupe key: running it twice, or on two beat nodes, notifies once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance.models import User
from challenges.models import Challenge, Claim
from experts.models import Expert
from notifications.channels import notification_link
from notifications.models import Notification
from notifications.services import Message, notify


def _challenge_url(challenge: Challenge) -> str:
    return reverse("challenges:detail", args=[challenge.pk])


def send_deadline_reminders(*, today: dt.date | None = None) -> int:
    """Challenges still open for claims whose deadline falls in the next days: remind the enterprise's members and
    the experts with a live claim. One reminder per challenge and deadline (a moved deadline reminds again)."""
    today = today or timezone.localdate()
    days = int(getattr(settings, "NOTIFICATION_DEADLINE_REMINDER_DAYS", 3))
    challenges = Challenge.objects.filter(
        status__in=[Challenge.Status.OPEN, Challenge.Status.MATCHING],
        deadline__gte=today,
        deadline__lte=today + dt.timedelta(days=days),
    ).select_related("enterprise")
    written = 0
    with translation.override(settings.LANGUAGE_CODE):
        for challenge in challenges:
            with transaction.atomic():
                members = User.objects.filter(memberships__organisation_id=challenge.enterprise_id)
                claimants = User.objects.filter(
                    expert_profile__claims__challenge=challenge,
                    expert_profile__claims__status__in=Claim.LIVE_STATUSES,
                )
                left = (challenge.deadline - today).days
                message = Message(
                    kind=Notification.Kind.DEADLINE_REMINDER,
                    title=_("「%(title)s」将于 %(deadline)s 截止揭榜（还有 %(days)d 天）")
                    % {"title": challenge.title, "deadline": challenge.deadline.isoformat(), "days": left},
                    body=_("请及时处理揭榜方案；截止后将不再接受新的揭榜。"),
                    url=_challenge_url(challenge),
                    dedupe_key=f"challenge:{challenge.pk}:deadline:{challenge.deadline.isoformat()}",
                )
                written += len(notify(recipients=[*members, *claimants], message=message))
    return written


def escalate_unclaimed_challenges(*, now: dt.datetime | None = None) -> int:
    """Open challenges nobody has claimed N days after publication: tell the chain leaders and park staff, once."""
    now = now or timezone.now()
    days = settings.NO_CLAIM_SLA_DAYS
    any_claim = Claim.objects.filter(challenge_id=OuterRef("pk"))
    challenges = (
        Challenge.objects.filter(status=Challenge.Status.OPEN, published_at__lte=now - dt.timedelta(days=days))
        .exclude(Exists(any_claim))
        .select_related("enterprise", "chain")
    )
    staff = list(User.objects.filter(park_staff__isnull=False, is_active=True))
    written = 0
    with translation.override(settings.LANGUAGE_CODE):
        for challenge in challenges:
            with transaction.atomic():
                waited = (now - challenge.published_at).days
                message = Message(
                    kind=Notification.Kind.NO_CLAIM_ESCALATION,
                    title=_("无人揭榜：「%(title)s」发布 %(days)d 天仍无专家揭榜")
                    % {"title": challenge.title, "days": waited},
                    body=_("%(enterprise)s（%(chain)s）的需求至今无人揭榜，建议链长指派推荐专家或与企业沟通需求。")
                    % {"enterprise": challenge.enterprise.name, "chain": challenge.chain.name},
                    url=_challenge_url(challenge),
                    dedupe_key=f"challenge:{challenge.pk}:no-claim",
                )
                written += len(notify(recipients=[*challenge.chain.leaders.all(), *staff], message=message))
    return written


def send_weekly_expert_digests(*, today: dt.date | None = None) -> int:
    """Each active expert gets one message a week listing the open challenges published this week that fit them."""
    from matching.services import rank_challenges_for_expert

    today = today or timezone.localdate()
    year, week, _weekday = today.isocalendar()
    since = timezone.now() - dt.timedelta(days=7)
    size = int(getattr(settings, "NOTIFICATION_WEEKLY_DIGEST_SIZE", 5))
    if not Challenge.objects.filter(status=Challenge.Status.OPEN, published_at__gte=since).exists():
        return 0
    experts = Expert.objects.filter(is_active=True, user__isnull=False, user__is_active=True).select_related("user")
    written = 0
    with translation.override(settings.LANGUAGE_CODE):
        for expert in experts.iterator(chunk_size=200):
            # Rank more than we show: older challenges are filtered out after ranking.
            matches = [
                match for match in rank_challenges_for_expert(expert, limit=size * 4)
                if match.challenge.published_at and match.challenge.published_at >= since
            ][:size]
            if not matches:
                continue
            lines = []
            for match in matches:
                challenge = match.challenge
                lines.append(
                    _("· %(title)s（%(enterprise)s，%(deadline)s 截止）")
                    % {"title": challenge.title, "enterprise": challenge.enterprise.name,
                       "deadline": challenge.deadline.isoformat()}
                )
                link_holder = Notification(url=_challenge_url(challenge))
                lines.append(f"  {notification_link(link_holder)}")
            message = Message(
                kind=Notification.Kind.WEEKLY_DIGEST,
                title=_("本周为您推荐 %(count)d 项新需求") % {"count": len(matches)},
                body="\n".join(lines),
                url=reverse("challenges:recommended"),
                dedupe_key=f"weekly-digest:{year}-W{week:02d}",
            )
            with transaction.atomic():
                written += len(notify(recipients=[expert.user], message=message))
    return written
