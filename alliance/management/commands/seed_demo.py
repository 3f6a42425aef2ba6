"""`manage.py seed_demo`: load a believable demo alliance (chains, people, experts, challenges in every state).

Challenges go through the real services (post, submit, review, confidentiality, claim with teams, questions,
recommend, accept, agreement, milestones, delivery, acceptance, ratings, withdraw, close) so events, notifications
and match ranks are what the site would have produced; only expiry, which needs a past deadline, is a guarded update
plus its audit event. Afterwards every timestamp is moved back into the last twelve months, deterministically.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass, field

from celery import current_app
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F, OuterRef, ProtectedError, Q, Subquery
from django.test.utils import override_settings
from django.utils import timezone

from alliance import demo_data
from alliance.models import EnterpriseMembership, IndustryChain, Organisation, ParkStaff, TechnicalField, User
from challenges import services as challenge_services
from challenges.models import (
    Agreement,
    ChainRecommendation,
    Challenge,
    ChallengeEvent,
    Claim,
    ClaimMember,
    ConfidentialityAcceptance,
    Milestone,
    Question,
    Rating,
    Status,
)
from config.exceptions import ApplicationError
from experts.models import Achievement, ConflictOfInterest, Expert
from notifications.models import Delivery, Notification

Kind = ChallengeEvent.Kind
# States in which a claim has been chosen.
ENGAGED_STATUSES = (Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED, Status.COMPLETED)


class Command(BaseCommand):
    help = "载入演示数据：5 条产业链、20 家企业、60 余位专家、40 项覆盖全部状态的技术需求。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="先删除已有的演示数据再重新载入。")
        parser.add_argument(
            "--flush", action="store_true", help="先清空整个数据库（manage.py flush --noinput）再载入。"
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["flush"]:
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("数据库已清空。")
        elif options["reset"]:
            delete_demo()
            self.stdout.write("已删除原有演示数据。")
        elif User.objects.filter(username=demo_data.MARKER_USERNAME).exists():
            self.stdout.write("演示数据已存在，未做改动（如需重建请加 --reset）。")
            self.print_logins()
            return

        # Historical notifications must not be mailed: e-mail goes to memory and on-commit tasks run in-process.
        was_eager = current_app.conf.task_always_eager
        current_app.conf.task_always_eager = True
        logging.disable(logging.INFO)  # hundreds of no-op task logs would drown the summary
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                with transaction.atomic():
                    seeder = Seeder(now=timezone.now())
                    summary = seeder.run()
        finally:
            current_app.conf.task_always_eager = was_eager
            logging.disable(logging.NOTSET)

        self.stdout.write(self.style.SUCCESS("演示数据已载入：") + "，".join(f"{k} {v}" for k, v in summary.items()))
        for warning in seeder.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"\n打开 {demo_data.SITE_URL} ，演示账号（密码均为 {demo_data.PASSWORD}）：")
        for role, username in demo_data.DEMO_LOGINS:
            user = User.objects.filter(username=username).first()
            name = user.name if user else ""
            self.stdout.write(f"  {role:<18} {username:<18} {name}")


def demo_usernames() -> set[str]:
    names = {username for username, _, _ in demo_data.PARK_STAFF}
    names |= {chain.leader_username for chain in demo_data.CHAINS}
    names |= {username for enterprise in demo_data.ENTERPRISES for username, _ in enterprise.members}
    names |= {expert.username for expert in demo_data.EXPERTS}
    return names


@transaction.atomic
def delete_demo() -> None:
    """Remove what the demo created, children first (challenges protect their enterprise, author and chain)."""
    usernames = demo_usernames()
    credit_codes = [enterprise.credit_code for enterprise in demo_data.ENTERPRISES]
    institution_names = [name for name, _, _, _ in demo_data.INSTITUTIONS]
    Challenge.objects.filter(
        Q(enterprise__credit_code__in=credit_codes) | Q(author__username__in=usernames)
    ).delete()
    ChainRecommendation.objects.filter(recommended_by__username__in=usernames).delete()
    Expert.objects.filter(user__username__in=usernames).delete()
    User.objects.filter(username__in=usernames).delete()
    Organisation.objects.filter(
        Q(credit_code__in=credit_codes) | Q(name__in=institution_names, kind__in=["university", "institute"])
    ).delete()
    field_names = [name for chain in demo_data.CHAINS for name in chain.fields]
    try:
        with transaction.atomic():
            TechnicalField.objects.filter(name__in=field_names).delete()
            IndustryChain.objects.filter(code__in=[chain.code for chain in demo_data.CHAINS]).delete()
    except ProtectedError:
        # Someone else's challenges use these chains: keep them, seeding updates them in place.
        pass


@dataclass
class Seeder:
    now: dt.datetime
    rng: random.Random = field(default_factory=lambda: random.Random(demo_data.RANDOM_SEED))
    password_hash: str = field(default_factory=lambda: make_password(demo_data.PASSWORD))
    chains: dict[str, IndustryChain] = field(default_factory=dict)
    fields: dict[str, TechnicalField] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    experts: dict[str, Expert] = field(default_factory=dict)
    park_staff_user: User | None = None
    # Highest ids seen so far: rows above them were written by the step being timestamped.
    marks: dict[type, int] = field(default_factory=dict)
    # Steps the services refused (a rule changed since the data was written): reported, not fatal.
    warnings: list[str] = field(default_factory=list)

    def run(self) -> dict[str, int]:
        self.founding = self.now - dt.timedelta(days=400)
        self.create_chains()
        self.create_people()
        self.create_organisations()
        self.create_experts()
        self.reset_marks()
        for seed in sorted(demo_data.CHALLENGES, key=lambda seed: -seed.age_days):
            self.create_challenge(seed)
        self.settle_notifications()
        return {
            "产业链": len(self.chains),
            "企业": sum(1 for org in self.organisations.values() if org.kind == Organisation.Kind.ENTERPRISE),
            "专家": len(self.experts),
            "需求": len(demo_data.CHALLENGES),
            "揭榜": Claim.objects.filter(expert__in=self.experts.values()).count(),
        }

    # ------------------------------------------------------------------ people and organisations
    def make_user(self, username: str, display_name: str, *, is_staff: bool = False) -> User:
        joined = self.founding + dt.timedelta(days=self.rng.randint(0, 30), hours=self.rng.randint(9, 17))
        user = User.objects.create(
            username=username, display_name=display_name, email=f"{username}@demo.alliance.example.com",
            password=self.password_hash, is_staff=is_staff, date_joined=joined,
        )
        self.users[username] = user
        return user

    def create_chains(self) -> None:
        for order, seed in enumerate(demo_data.CHAINS, start=1):
            chain, _ = IndustryChain.objects.update_or_create(
                code=seed.code, defaults={"name": seed.name, "description": seed.description, "sort_order": order}
            )
            self.chains[seed.code] = chain
            for name in seed.fields:
                self.fields[name], _ = TechnicalField.objects.update_or_create(name=name, defaults={"chain": chain})

    def create_people(self) -> None:
        for username, name, position in demo_data.PARK_STAFF:
            user = self.make_user(username, name, is_staff=True)
            ParkStaff.objects.create(user=user, position=position)
        self.park_staff_user = self.users[demo_data.PARK_STAFF[0][0]]
        for seed in demo_data.CHAINS:
            leader = self.make_user(seed.leader_username, seed.leader_name)
            self.chains[seed.code].leaders.add(leader)

    def create_organisations(self) -> None:
        for name, kind, chain_code, description in demo_data.INSTITUTIONS:
            self.organisations[name] = Organisation.objects.create(
                name=name, kind=kind, chain=self.chains.get(chain_code), city="苏州", description=description
            )
        for seed in demo_data.ENTERPRISES:
            enterprise = Organisation.objects.create(
                name=seed.name, kind=Organisation.Kind.ENTERPRISE, credit_code=seed.credit_code,
                chain=self.chains[seed.chain], city=seed.city, description=seed.description,
            )
            self.organisations[seed.key] = enterprise
            for position, (username, display_name) in enumerate(seed.members):
                role = EnterpriseMembership.Role.ADMIN if position == 0 else EnterpriseMembership.Role.MEMBER
                EnterpriseMembership.objects.create(
                    user=self.make_user(username, display_name), organisation=enterprise, role=role
                )
        Organisation.objects.filter(pk__in=[org.pk for org in self.organisations.values()]).update(
            created_at=self.founding
        )
        EnterpriseMembership.objects.filter(organisation__in=self.organisations.values()).update(
            created_at=self.founding + dt.timedelta(days=3)
        )

    def create_experts(self) -> None:
        for seed in demo_data.EXPERTS:
            user = self.make_user(seed.username, seed.name)
            expert = Expert.objects.create(
                user=user, name=seed.name, category=seed.category, title=seed.title,
                organisation=self.organisations[seed.organisation], research_areas=list(seed.areas), bio=seed.bio,
                email=user.email, phone=f"1390512{self.rng.randint(0, 9999):04d}",
                max_active_claims=seed.max_active_claims,
            )
            expert.chains.set([self.chains[code] for code in seed.chains])
            expert.fields.set([self.fields[area] for area in seed.areas if area in self.fields])
            Achievement.objects.bulk_create(
                Achievement(expert=expert, kind=kind, year=year, title=title, abstract=abstract)
                for kind, year, title, abstract in seed.achievements
            )
            Expert.objects.filter(pk=expert.pk).update(created_at=user.date_joined, updated_at=user.date_joined)
            self.experts[seed.username] = expert
        for username, enterprise_key, reason in demo_data.CONFLICTS:
            ConflictOfInterest.objects.create(
                expert=self.experts[username], organisation=self.organisations[enterprise_key], reason=reason
            )
        from matching.services import schedule_index_refresh

        schedule_index_refresh(expert_ids=[expert.pk for expert in self.experts.values()])

    # ------------------------------------------------------------------ timestamps
    # Each model written by a step, and the field that says when.
    STAMPED = {
        ChallengeEvent: "created_at", Notification: "created_at", Claim: "created_at",
        ChainRecommendation: "created_at", ClaimMember: "invited_at", Question: "created_at",
        ConfidentialityAcceptance: "accepted_at", Agreement: "created_at", Milestone: "created_at",
        Rating: "created_at",
    }

    def reset_marks(self) -> None:
        for model in self.STAMPED:
            self.marks[model] = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def stamp(self, when: dt.datetime) -> None:
        """Give every row written since the last stamp the time `when`, as if the step had happened then."""
        for model, field_name in self.STAMPED.items():
            model.objects.filter(pk__gt=self.marks[model]).update(**{field_name: when})
        self.reset_marks()

    def at(self, start: dt.datetime, *, min_hours: float, max_hours: float) -> dt.datetime:
        """A moment some hours after `start`, never later than a few minutes ago."""
        moment = start + dt.timedelta(hours=self.rng.uniform(min_hours, max_hours))
        latest = self.now - dt.timedelta(minutes=self.rng.randint(5, 90))
        return min(moment, latest)

    # ------------------------------------------------------------------ challenges
    def create_challenge(self, seed: demo_data.ChallengeSeed) -> None:
        enterprise = self.organisations[seed.enterprise]
        author = self.users[next(s for s in demo_data.ENTERPRISES if s.key == seed.enterprise).members[0][0]]
        day = (self.now - dt.timedelta(days=seed.age_days)).astimezone(timezone.get_current_timezone())
        start = day.replace(hour=self.rng.randint(8, 17), minute=self.rng.randint(0, 59), second=0, microsecond=0)
        start = min(start, self.now - dt.timedelta(hours=2))
        data = challenge_services.ChallengeInput(
            title=seed.title, description=seed.description, chain=enterprise.chain, field=self.fields[seed.field],
            keywords=list(seed.keywords), expected_outcome=seed.expected_outcome,
            reward_wan=seed.reward_wan, is_confidential=seed.is_confidential, claim_mode=seed.claim_mode,
            deadline=timezone.localdate() + dt.timedelta(days=self.rng.randint(20, 60)),
        )
        if seed.status in (Status.DRAFT, Status.PENDING_REVIEW, Status.REJECTED):
            self.create_unpublished(seed, enterprise=enterprise, author=author, data=data, start=start)
            return

        created = start - dt.timedelta(hours=self.rng.uniform(1, 30))
        challenge = challenge_services.post_challenge(enterprise=enterprise, author=author, data=data)
        # The chain leader reviews and publishes it (the demo keeps the review within the publishing day).
        challenge_services.review_challenge(challenge=challenge, by=enterprise.chain.leaders.first(), approve=True)
        self.stamp(start)
        ChallengeEvent.objects.filter(challenge=challenge, kind=Kind.CREATED).update(created_at=created)
        changes: dict[str, object] = {"created_at": created, "published_at": start}
        deadline = (start + dt.timedelta(days=self.rng.randint(30, 60))).date()
        if seed.status == Status.OPEN:
            deadline = data.deadline
        elif seed.status == Status.EXPIRED:
            deadline = min(deadline, timezone.localdate() - dt.timedelta(days=self.rng.randint(3, 20)))
        changes["deadline"] = deadline

        last = start
        for username, note in seed.recommend:
            try:
                challenge_services.recommend_expert(
                    challenge=challenge, expert=self.experts[username], by=challenge.chain.leaders.first(), note=note
                )
            except ApplicationError as error:
                self.warnings.append(f"未能推荐 {username} →「{seed.title}」：{error.message}")
                continue
            self.stamp(self.at(start, min_hours=1, max_hours=36))

        claims: list[Claim | None] = []
        if seed.is_confidential:
            # Claimants of a confidential challenge first accept its confidentiality terms.
            for claim_seed in seed.claims:
                try:
                    challenge_services.accept_confidentiality(challenge=challenge,
                                                              expert=self.experts[claim_seed.expert])
                except ApplicationError as error:
                    self.warnings.append(f"未能接受保密条款 {claim_seed.expert} →「{seed.title}」：{error.message}")
            self.stamp(self.at(start, min_hours=1, max_hours=2))
        for index, claim_seed in enumerate(seed.claims):
            gap = (2, 120) if index == 0 else (4, 72)
            when = self.at(last, min_hours=gap[0], max_hours=gap[1])
            claims.append(self.claim(seed, challenge, claim_seed, when))
            if claims[-1] is not None:
                changes.setdefault("first_claimed_at", when)
                last = when
                if index == 0 and seed.status == Status.OPEN:
                    last = self.ask_and_answer(challenge, claims[-1], author=author, after=last)
        for index in seed.withdraw:
            claim = claims[index]
            if claim is not None:
                challenge_services.withdraw_claim(claim=claim, by=claim.expert.user)
                when = self.at(claim.created_at, min_hours=12, max_hours=96)
                Claim.objects.filter(pk=claim.pk).update(decided_at=when)
                self.stamp(when)
                last = max(last, when)

        challenge.refresh_from_db()
        accept = seed.accept
        if accept is None and challenge.status == Status.OPEN and seed.status in ENGAGED_STATUSES:
            # In 对接中 and later a claim has been chosen: the first one still standing.
            accept = next((i for i, claim in enumerate(claims) if claim is not None and i not in seed.withdraw), None)
        if accept is not None and claims[accept] is not None:
            challenge_services.accept_claim(claim=claims[accept], by=author)
            last = self.at(last, min_hours=24, max_hours=240)
            Claim.objects.filter(challenge=challenge, decided_at__isnull=False).exclude(
                status=Claim.Status.WITHDRAWN
            ).update(decided_at=last)
            changes["accepted_at"] = last
            self.stamp(last)
        elif challenge.status == Status.MATCHING:  # first come, first served: chosen on the first claim
            changes["accepted_at"] = changes.get("first_claimed_at")
            Claim.objects.filter(challenge=challenge, status=Claim.Status.ACCEPTED).update(
                decided_at=changes["accepted_at"]
            )

        last = self.finish(seed, challenge, author=author, last=last, deadline=deadline, changes=changes)
        changes["updated_at"] = last
        Challenge.objects.filter(pk=challenge.pk).update(**changes)

    def claim(
        self, seed: demo_data.ChallengeSeed, challenge: Challenge, claim_seed: demo_data.ClaimSeed, when: dt.datetime
    ) -> Claim | None:
        expert = self.experts[claim_seed.expert]
        try:
            claim = challenge_services.claim_challenge(
                expert=expert, challenge=challenge, proposal=claim_seed.proposal,
                expected_days=claim_seed.expected_days, team=[self.experts[name] for name in claim_seed.team],
            )
        except ApplicationError as error:
            self.warnings.append(f"未能揭榜 {claim_seed.expert} →「{seed.title}」：{error.message}")
            return None
        # A first-come claim is accepted in the same step; stamp its events too.
        Claim.objects.filter(pk=claim.pk, decided_at__isnull=False).update(decided_at=when)
        self.stamp(when)
        for member in claim.members.filter(status=ClaimMember.Status.INVITED).select_related("expert__user"):
            answered = self.at(when, min_hours=2, max_hours=20)
            challenge_services.respond_team_invitation(member=member, by=member.expert.user, accept=True)
            ClaimMember.objects.filter(pk=member.pk).update(responded_at=answered)
            self.stamp(answered)
        claim.refresh_from_db()
        return claim

    def ask_and_answer(self, challenge: Challenge, claim: Claim, *, author: User, after: dt.datetime) -> dt.datetime:
        """答疑: the first claimant asks a clarifying question and the enterprise answers it the next day."""
        asked = self.at(after, min_hours=1, max_hours=12)
        question = challenge_services.ask_question(
            challenge=challenge, expert=claim.expert,
            text="请问现场可提供的安装空间和现有设备的接口情况如何？是否允许分阶段停线改造？",
        )
        self.stamp(asked)
        answered = self.at(asked, min_hours=3, max_hours=30)
        challenge_services.answer_question(
            question=question, by=author,
            answer="可提供约 20 平方米安装空间，现有设备有 PLC 接口；可利用周末分阶段停线。",
        )
        Question.objects.filter(pk=question.pk).update(answered_at=answered)
        self.stamp(answered)
        return answered
    def move(self, challenge: Challenge, *, to: str, kind: str, actor: User | None, when: dt.datetime,
             note: str = "") -> None:
        from_status = Challenge.objects.filter(pk=challenge.pk).values_list("status", flat=True).get()
        if not challenge_services.move_challenge(challenge=challenge, to=to):
            raise CommandError(f"「{challenge.title}」不能从 {from_status} 转为 {to}")
        challenge_services.record_event(
            challenge=challenge, actor=actor, kind=kind, from_status=from_status, to_status=to, note=note
        )
        self.stamp(when)

    def finish(self, seed: demo_data.ChallengeSeed, challenge: Challenge, *, author: User, last: dt.datetime,
               deadline: dt.date, changes: dict[str, object]) -> dt.datetime:
        """Carry a published challenge on to its final state through the services; returns the last step's time."""
        status = seed.status
        challenge.refresh_from_db()
        expert_user = challenge.expert.user if challenge.expert else None
        services = challenge_services
        milestones: list[Milestone] = []
        if status in (Status.MATCHING, Status.IN_PROGRESS, Status.DELIVERED, Status.COMPLETED):
            last = self.at(last, min_hours=24, max_hours=96)
            start_date = timezone.localtime(last).date()
            agreement = services.propose_agreement(
                challenge=challenge, by=expert_user,
                scope=f"按揭榜方案完成「{challenge.title}」，交付技术报告与验证数据。",
                amount_wan=challenge.reward_wan or 10, start_date=start_date,
                end_date=start_date + dt.timedelta(days=90),
            )
            self.stamp(last)
            if status != Status.MATCHING:
                last = self.at(last, min_hours=12, max_hours=72)
                services.confirm_agreement(agreement=agreement, by=author)
                for offset, title in ((30, "方案设计与评审"), (75, "样机验证")):
                    milestones.append(services.add_milestone(
                        challenge=challenge, by=author, title=title, due_date=start_date + dt.timedelta(days=offset)
                    ))
                self.stamp(last)
        if status in (Status.DELIVERED, Status.COMPLETED):
            last = self.at(last, min_hours=24 * 20, max_hours=24 * 30)
            services.submit_milestone(milestone=milestones[0], by=expert_user, note="方案设计说明书与评审意见已提交。")
            self.stamp(last)
            last = self.at(last, min_hours=12, max_hours=48)
            services.confirm_milestone(milestone=milestones[0], by=author)
            self.stamp(last)
            last = self.at(last, min_hours=24 * 10, max_hours=24 * 45)
            services.submit_delivery(challenge=challenge, by=expert_user, note="已提交成果报告与验证数据，请企业验收。")
            self.stamp(last)
            if status == Status.COMPLETED:
                last = self.at(last, min_hours=24 * 5, max_hours=24 * 20)
                services.accept_delivery(challenge=challenge, by=author, note="成果达到预期指标，验收通过。")
                changes["completed_at"] = last
                self.stamp(last)
                last = self.at(last, min_hours=2, max_hours=48)
                services.rate_counterpart(challenge=challenge, by=author, score=self.rng.choice([4, 5, 5]),
                                          comment="方案扎实，响应及时，成果达到预期。")
                services.rate_counterpart(challenge=challenge, by=expert_user, score=self.rng.choice([4, 5]),
                                          comment="企业配合积极，现场条件准备充分。")
                self.stamp(last)
        elif status == Status.WITHDRAWN:
            last = self.at(last, min_hours=24 * 3, max_hours=24 * 15)
            services.withdraw_challenge(challenge=challenge, by=author, reason=seed.note)
            self.stamp(last)
        elif status == Status.EXPIRED:
            end_of_deadline = timezone.make_aware(dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(0, 5)))
            last = min(end_of_deadline, self.now - dt.timedelta(hours=1))
            self.move(challenge, to=Status.EXPIRED, kind=Kind.EXPIRED, actor=None, when=last,
                      note="截止日期已过，无人揭榜。")
        elif status == Status.CLOSED:
            last = self.at(last, min_hours=24 * 5, max_hours=24 * 30)
            services.close_challenge(challenge=challenge, by=self.park_staff_user, reason=seed.note or "管委会关闭")
            self.stamp(last)
        challenge.refresh_from_db()
        if challenge.status != status:
            raise CommandError(f"「{seed.title}」最终状态为 {challenge.status}，应为 {status}")
        return last

    def create_unpublished(self, seed: demo_data.ChallengeSeed, *, enterprise: Organisation, author: User,
                           data: challenge_services.ChallengeInput, start: dt.datetime) -> None:
        """Drafts, challenges waiting for review and returned ones, through the same services as the site."""
        challenge = challenge_services.post_challenge(enterprise=enterprise, author=author, data=data, submit=False)
        self.stamp(start)
        last = start
        if seed.status in (Status.PENDING_REVIEW, Status.REJECTED):
            last = self.at(last, min_hours=1, max_hours=20)
            challenge_services.submit_challenge(challenge=challenge, by=author)
            self.stamp(last)
        if seed.status == Status.REJECTED:
            last = self.at(last, min_hours=4, max_hours=48)
            challenge_services.review_challenge(challenge=challenge, by=self.park_staff_user, approve=False,
                                                reason=seed.note or "请补充需求细节")
            self.stamp(last)
        Challenge.objects.filter(pk=challenge.pk).update(created_at=start, updated_at=last)

    # ------------------------------------------------------------------ notifications
    def settle_notifications(self) -> None:
        """History is history: older messages are read, and no delivery is left pending to be sent now."""
        demo_notifications = Notification.objects.filter(recipient__in=self.users.values())
        read_before = self.now - dt.timedelta(days=10)
        demo_notifications.filter(created_at__lt=read_before).update(
            read_at=F("created_at") + dt.timedelta(hours=self.rng.randint(1, 20))
        )
        created_at = Subquery(Notification.objects.filter(pk=OuterRef("notification_id")).values("created_at")[:1])
        deliveries = Delivery.objects.filter(notification__in=demo_notifications, state=Delivery.State.PENDING)
        deliveries.filter(channel=Delivery.Channel.IN_APP).update(
            state=Delivery.State.SENT, attempts=1, created_at=created_at, sent_at=created_at
        )
        deliveries.update(state=Delivery.State.SKIPPED, created_at=created_at, sent_at=created_at,
                          last_error="演示数据：历史通知不发送")
