"""python manage.py seed_scale — a park-sized alliance for benchmarks: 20,000 experts, 5,000 enterprises,
100,000 challenges, 300,000 claims and their events, spread over the last two years.

Rows go in with bulk_create in large batches (no services, no signals, no notifications), so the whole run takes
minutes. Everything it makes is marked (usernames scale_*, credit codes SCALE*, e-mails @scale.example.cn) and
`--reset` removes it first. Meant for a dedicated benchmark database, never for a live site.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone
from tqdm import tqdm

from alliance.models import EnterpriseMembership, IndustryChain, Organisation, TechnicalField, User
from challenges.models import Challenge, ChallengeEvent, Claim, Status
from experts.models import Expert

CHAINS = [
    ("equipment", "高端智能装备", ["工业机器人", "机器视觉", "数控机床", "智能包装", "精密减速器", "激光加工"]),
    ("health", "生命大健康", ["药物制剂", "医疗器械", "体外诊断", "生物材料", "中药现代化", "康复器械"]),
    ("it", "新一代信息技术", ["工业互联网", "边缘计算", "嵌入式软件", "数据安全", "集成电路设计", "射频通信"]),
    ("materials", "新材料", ["锂电池材料", "高分子复合材料", "特种合金", "纳米涂层", "碳纤维", "功能陶瓷"]),
    ("auto", "汽车零部件", ["热管理", "轻量化车身", "电驱动", "汽车电子", "制动系统", "模具设计"]),
]
# Share of challenges in each status: most are done or under way, a few still drafts.
STATUS_WEIGHTS = {
    Status.DRAFT: 3, Status.PENDING_REVIEW: 2, Status.OPEN: 18, Status.MATCHING: 3, Status.IN_PROGRESS: 15,
    Status.DELIVERED: 4, Status.COMPLETED: 35, Status.EXPIRED: 10, Status.WITHDRAWN: 4, Status.CLOSED: 6,
}
ENGAGED = {Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED, Status.COMPLETED, Status.CLOSED}
UNPUBLISHED = {Status.DRAFT, Status.PENDING_REVIEW}
BATCH = 5000
NEVER_CLAIMED = 0.08
CATEGORIES = list(Expert.Category.values)


@contextlib.contextmanager
def keeping_given_times(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the backdated times we give instead of stamping 'now' (auto_now_add)."""
    fields = [field for model in model_classes for field in model._meta.fields if getattr(field, "auto_now_add", False)
              or getattr(field, "auto_now", False)]
    saved = [(field, field.auto_now_add, getattr(field, "auto_now", False)) for field in fields]
    for field in fields:
        field.auto_now_add = False
        if hasattr(field, "auto_now"):
            field.auto_now = False
    try:
        yield
    finally:
        for field, auto_now_add, auto_now in saved:
            field.auto_now_add = auto_now_add
            if hasattr(field, "auto_now"):
                field.auto_now = auto_now


class Command(BaseCommand):
    help = "Seed a park-sized alliance for benchmarks (use a dedicated database)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--experts", type=int, default=20_000)
        parser.add_argument("--enterprises", type=int, default=5_000)
        parser.add_argument("--challenges", type=int, default=100_000)
        parser.add_argument("--claims", type=int, default=300_000, help="about this many claims in all")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true", help="remove earlier seed_scale data first")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        self.random = random.Random(options["seed"])
        self.progress = not options["no_progress"]
        started = time.monotonic()
        if options["reset"]:
            self.reset()
        elif Organisation.objects.filter(credit_code__startswith="SCALE").exists():
            raise CommandError("seed_scale data already exists: add --reset to rebuild it")
        self.now = timezone.now()
        chains, fields = self.chains_and_fields()
        enterprises, authors = self.enterprises(options["enterprises"], chains)
        experts = self.experts(options["experts"], chains, fields)
        self.challenges_claims_events(options["challenges"], options["claims"], enterprises, authors, experts, fields)
        self.stdout.write(self.style.SUCCESS(
            f"seed_scale: {len(experts)} experts, {len(enterprises)} enterprises, {options['challenges']} challenges, "
            f"{Claim.objects.filter(expert__email__endswith='@scale.example.cn').count()} claims, "
            f"{ChallengeEvent.objects.filter(challenge__enterprise__credit_code__startswith='SCALE').count()} events "
            f"in {time.monotonic() - started:.0f} s"
        ))

    def bar(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit="行", disable=not self.progress)

    def reset(self) -> None:
        scale_challenges = Challenge.objects.filter(enterprise__credit_code__startswith="SCALE")
        ChallengeEvent.objects.filter(challenge__in=scale_challenges).delete()
        Claim.objects.filter(challenge__in=scale_challenges).delete()
        scale_challenges.delete()
        Expert.objects.filter(email__endswith="@scale.example.cn").delete()
        Organisation.objects.filter(credit_code__startswith="SCALE").delete()
        Organisation.objects.filter(name__startswith="规模测试大学").delete()
        User.objects.filter(username__startswith="scale_").delete()

    def chains_and_fields(self) -> tuple[list[IndustryChain], dict[int, list[TechnicalField]]]:
        chains, fields = [], {}
        for order, (code, name, topics) in enumerate(CHAINS, start=1):
            chain = IndustryChain.objects.filter(code=code).first() or IndustryChain.objects.filter(name=name).first()
            if chain is None:
                chain = IndustryChain.objects.create(code=code, name=name, sort_order=order)
            chains.append(chain)
            fields[chain.pk] = [TechnicalField.objects.get_or_create(name=topic, defaults={"chain": chain})[0]
                                for topic in topics]
        return chains, fields

    def when(self, days_back_max: int = 730) -> dt.datetime:
        return self.now - dt.timedelta(seconds=self.random.randint(3600, days_back_max * 86400))

    @transaction.atomic
    def enterprises(self, count: int, chains: list[IndustryChain]) -> tuple[list[Organisation], dict[int, int]]:
        with keeping_given_times(Organisation):
            organisations = Organisation.objects.bulk_create(
                [Organisation(name=f"苏州规模测试企业{index:05d}有限公司", kind=Organisation.Kind.ENTERPRISE,
                              credit_code=f"SCALE{index:013d}", chain=chains[index % len(chains)], city="苏州",
                              created_at=self.when()) for index in range(count)],
                batch_size=BATCH,
            )
        users = User.objects.bulk_create(
            [User(username=f"scale_ent{index:05d}", display_name=f"企业联系人{index}", password="!",
                  email=f"ent{index}@scale.example.cn") for index in range(count)],
            batch_size=BATCH,
        )
        EnterpriseMembership.objects.bulk_create(
            [EnterpriseMembership(user=user, organisation=organisation)
             for user, organisation in zip(users, organisations, strict=True)], batch_size=BATCH,
        )
        return organisations, {organisation.pk: user.pk for organisation, user in zip(organisations, users,
                                                                                       strict=True)}

    @transaction.atomic
    def experts(self, count: int, chains: list[IndustryChain], fields: dict[int, list[TechnicalField]]) -> list[Expert]:
        universities = Organisation.objects.bulk_create(
            [Organisation(name=f"规模测试大学{index:03d}", kind=Organisation.Kind.UNIVERSITY) for index in range(200)]
        )
        with keeping_given_times(Expert):
            experts = []
            for index in range(count):
                chain = chains[index % len(chains)]
                topics = self.random.sample(fields[chain.pk], 2)
                experts.append(Expert(
                    name=f"专家{index:05d}", category=self.random.choice(CATEGORIES), title="教授",
                    organisation=self.random.choice(universities), email=f"expert{index:05d}@scale.example.cn",
                    research_areas=[topic.name for topic in topics] + ["工艺优化"],
                    max_active_claims=self.random.choice([2, 3, 3, 5]), created_at=self.when(),
                    updated_at=self.now,
                ))
            experts = Expert.objects.bulk_create(experts, batch_size=BATCH)
        chain_links, field_links = [], []
        for index, expert in enumerate(experts):
            chain = chains[index % len(chains)]
            chain_links.append(Expert.chains.through(expert_id=expert.pk, industrychain_id=chain.pk))
            if index % 2:  # half list a field explicitly; the others are covered through their research areas
                field_links.append(Expert.fields.through(expert_id=expert.pk,
                                                         technicalfield_id=fields[chain.pk][index % 6].pk))
        Expert.chains.through.objects.bulk_create(chain_links, batch_size=BATCH)
        Expert.fields.through.objects.bulk_create(field_links, batch_size=BATCH)
        return experts

    def challenges_claims_events(self, count: int, claims_total: int, enterprises: list[Organisation],
                                 authors: dict[int, int], experts: list[Expert],
                                 fields: dict[int, list[TechnicalField]]) -> None:
        expert_ids = [expert.pk for expert in experts]
        # About three in four challenges get claims (published, not expired or withdrawn, not left waiting).
        unclaimed_share = sum(STATUS_WEIGHTS[status] for status in (*UNPUBLISHED, Status.EXPIRED, Status.WITHDRAWN))
        claimed_share = (1 - unclaimed_share / sum(STATUS_WEIGHTS.values())) * (1 - NEVER_CLAIMED)
        claims_mean = claims_total / max(1, count * claimed_share)
        statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        bar = self.bar(count, "需求、揭榜与事件")
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            with transaction.atomic(), keeping_given_times(Challenge, Claim, ChallengeEvent):
                plans = []
                for index in range(offset, offset + size):
                    enterprise = enterprises[index % len(enterprises)]
                    status = self.random.choices(statuses, weights)[0]
                    created = self.when()
                    published = None if status in UNPUBLISHED else created + dt.timedelta(hours=self.random.randint(
                        1, 72))
                    if published and published > self.now:
                        published = self.now - dt.timedelta(minutes=5)
                    plans.append((enterprise, status, created, published, index))
                challenges = Challenge.objects.bulk_create([
                    Challenge(
                        enterprise=enterprise, author_id=authors[enterprise.pk], chain_id=enterprise.chain_id,
                        field=fields[enterprise.chain_id][index % 6], title=f"规模测试需求{index:06d}",
                        description="规模测试：生产线效率提升与工艺优化。", keywords=["工艺优化"], status=status,
                        reward_wan=Decimal(self.random.choice([5, 10, 20, 50, 80])) if index % 3 else None,
                        deadline=(published or created).date() + dt.timedelta(days=30), published_at=published,
                        created_at=created, updated_at=created,
                    )
                    for enterprise, status, created, published, index in plans
                ], batch_size=BATCH)
                claims, events, updates = [], [], []
                for challenge in challenges:
                    events.append(ChallengeEvent(challenge=challenge, kind=ChallengeEvent.Kind.CREATED,
                                                 created_at=challenge.created_at, to_status=Status.DRAFT))
                    if challenge.published_at is None:
                        continue
                    events.append(ChallengeEvent(challenge=challenge, kind=ChallengeEvent.Kind.PUBLISHED,
                                                 created_at=challenge.published_at, to_status=Status.OPEN))
                    # Some published challenges wait in vain: the over-SLA cases.
                    if challenge.status in (Status.EXPIRED, Status.WITHDRAWN) or self.random.random() < NEVER_CLAIMED:
                        continue
                    first_delay = dt.timedelta(hours=self.random.lognormvariate(3.3, 1.0))
                    how_many = min(10, max(1, round(self.random.gauss(claims_mean, 1.5))), len(expert_ids))
                    chosen = self.random.sample(expert_ids, how_many)
                    engaged = challenge.status in ENGAGED
                    for rank, expert_id in enumerate(chosen):
                        claimed_at = min(challenge.published_at + first_delay + dt.timedelta(hours=rank * 6),
                                         self.now - dt.timedelta(minutes=1))
                        status = Claim.Status.SUBMITTED
                        if engaged:
                            status = Claim.Status.ACCEPTED if rank == 0 else Claim.Status.DECLINED
                        claims.append(Claim(
                            challenge=challenge, expert_id=expert_id, proposal="规模测试方案", expected_days=60,
                            status=status, created_at=claimed_at,
                            match_rank=self.random.choice([1, 2, 3, 5, 8, 12, 25, None]),
                        ))
                    challenge.first_claimed_at = min(challenge.published_at + first_delay,
                                                     self.now - dt.timedelta(minutes=1))
                    if engaged:
                        challenge.expert_id = chosen[0]
                        challenge.accepted_at = challenge.first_claimed_at + dt.timedelta(
                            days=self.random.randint(1, 10))
                        if challenge.status == Status.COMPLETED:
                            challenge.completed_at = min(
                                challenge.accepted_at + dt.timedelta(days=self.random.randint(20, 120)),
                                self.now - dt.timedelta(minutes=1))
                    updates.append(challenge)
                Challenge.objects.bulk_update(updates, ["first_claimed_at", "expert", "accepted_at", "completed_at"],
                                              batch_size=BATCH)
                claims = Claim.objects.bulk_create(claims, batch_size=BATCH)
                for claim in claims:
                    events.append(ChallengeEvent(challenge_id=claim.challenge_id, kind=ChallengeEvent.Kind.CLAIMED,
                                                 claim=claim, created_at=claim.created_at))
                    if claim.status == Claim.Status.ACCEPTED:
                        events.append(ChallengeEvent(challenge_id=claim.challenge_id,
                                                     kind=ChallengeEvent.Kind.ACCEPTED, claim=claim,
                                                     created_at=claim.created_at + dt.timedelta(days=1)))
                ChallengeEvent.objects.bulk_create(events, batch_size=BATCH)
            bar.update(size)
        bar.close()
