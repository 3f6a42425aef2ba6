"""factory_boy factories for every model. Realistic enough that a failing test reads like a real case."""

import datetime as dt

import factory
from django.utils import timezone

from alliance.models import EnterpriseMembership, IndustryChain, Organisation, ParkStaff, TechnicalField, User
from challenges.models import (
    Agreement,
    ChainRecommendation,
    Challenge,
    ChallengeEvent,
    ChallengeInvitation,
    Claim,
    ClaimMember,
    ConfidentialityAcceptance,
    Milestone,
    Question,
    Rating,
    Status,
)
from experts.models import Achievement, ConflictOfInterest, Expert


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.django.Password("pass12345")


class IndustryChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryChain
        django_get_or_create = ("code",)

    name = factory.Iterator(["高端智能装备", "生命大健康", "新一代信息技术", "新材料", "汽车零部件"])
    code = factory.Iterator(["equipment", "health", "it", "materials", "auto"])


class TechnicalFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TechnicalField
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"技术领域{n}")
    chain = factory.SubFactory(IndustryChainFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"苏州示例制造有限公司{n}")
    kind = Organisation.Kind.ENTERPRISE
    credit_code = factory.Sequence(lambda n: f"91320500MA{n:08d}")
    chain = factory.SubFactory(IndustryChainFactory)


class UniversityFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"示例理工大学{n}")
    kind = Organisation.Kind.UNIVERSITY
    credit_code = None


class EnterpriseMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = EnterpriseMembership.Role.ADMIN


class ParkStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParkStaff

    user = factory.SubFactory(UserFactory, is_staff=True)
    position = "科技招商局"


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"专家{n}")
    category = Expert.Category.PROFESSOR
    title = "教授"
    organisation = factory.SubFactory(UniversityFactory)
    research_areas = factory.LazyFunction(lambda: ["机器视觉", "工业机器人"])
    bio = "长期从事智能制造装备研究。"
    max_active_claims = 3

    @factory.post_generation
    def chains(self, create, extracted, **kwargs):
        if create and extracted:
            self.chains.set(extracted)


class AchievementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Achievement

    expert = factory.SubFactory(ExpertFactory)
    kind = Achievement.Kind.PAPER
    title = "基于深度学习的工件缺陷检测方法"
    year = 2023


class ConflictOfInterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictOfInterest

    expert = factory.SubFactory(ExpertFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    reason = "曾任该企业技术顾问"


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    enterprise = factory.SubFactory(OrganisationFactory)
    author = factory.LazyAttribute(
        lambda o: EnterpriseMembershipFactory(organisation=o.enterprise).user
    )
    chain = factory.LazyAttribute(lambda o: o.enterprise.chain or IndustryChainFactory())
    title = "异形件自动包装线柔性改造"
    description = "户外车库与宠物屋零部件尺寸、重量差异大，标准自动包装线无法适配，需要柔性包装方案。"
    keywords = factory.LazyFunction(lambda: ["自动包装", "机器视觉", "柔性制造"])
    expected_outcome = "包装效率提升 50%"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    status = Status.OPEN
    published_at = factory.LazyFunction(timezone.now)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    challenge = factory.SubFactory(ChallengeFactory)
    expert = factory.SubFactory(ExpertFactory)
    proposal = "采用视觉识别加柔性夹爪的方案，按零件尺寸自动选择包装规格。"
    expected_days = 60


class ChainRecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChainRecommendation

    challenge = factory.SubFactory(ChallengeFactory)
    expert = factory.SubFactory(ExpertFactory)
    recommended_by = factory.SubFactory(UserFactory)
    note = "研究方向高度相关"


class ChallengeEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChallengeEvent

    challenge = factory.SubFactory(ChallengeFactory)
    kind = ChallengeEvent.Kind.PUBLISHED


class ClaimMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimMember

    claim = factory.SubFactory(ClaimFactory)
    expert = factory.SubFactory(ExpertFactory)
    role = ClaimMember.Role.MEMBER
    status = ClaimMember.Status.INVITED


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    challenge = factory.SubFactory(ChallengeFactory)
    asked_by = factory.SubFactory(ExpertFactory)
    text = "现有包装线的节拍是多少？是否允许增加工位？"


class ConfidentialityAcceptanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConfidentialityAcceptance

    challenge = factory.SubFactory(ChallengeFactory, is_confidential=True)
    expert = factory.SubFactory(ExpertFactory)


class ChallengeInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChallengeInvitation

    challenge = factory.SubFactory(ChallengeFactory)
    expert = factory.SubFactory(ExpertFactory)
    invited_by = factory.SubFactory(UserFactory)
    note = "方向高度相关，欢迎查看"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    challenge = factory.SubFactory(ChallengeFactory, status=Status.MATCHING)
    claim = factory.SubFactory(ClaimFactory, challenge=factory.SelfAttribute("..challenge"),
                               status=Claim.Status.ACCEPTED)
    scope = "完成柔性包装样线设计、安装调试与三个月试运行。"
    amount_wan = 60
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=120))
    proposed_by = factory.SubFactory(UserFactory)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    challenge = factory.SubFactory(ChallengeFactory, status=Status.IN_PROGRESS)
    title = "样线方案评审"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    created_by = factory.SubFactory(UserFactory)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    challenge = factory.SubFactory(ChallengeFactory, status=Status.COMPLETED)
    direction = Rating.Direction.OF_EXPERT
    rater = factory.SubFactory(UserFactory)
    expert = factory.SubFactory(ExpertFactory)
    score = 5
    comment = "方案落地扎实，沟通顺畅。"
