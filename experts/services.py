"""Writes to expert profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from alliance import roles
from alliance.models import IndustryChain, Organisation, TechnicalField, User
from config.exceptions import ApplicationError, Conflict
from experts.models import Achievement, Expert, ExpertApplication


@dataclass
class AchievementInput:
    kind: str
    title: str
    abstract: str = ""
    year: int | None = None


@dataclass
class ProfileInput:
    name: str
    category: str
    title: str = ""
    organisation: Organisation | None = None
    research_areas: list[str] = field(default_factory=list)
    bio: str = ""
    chains: list[IndustryChain] = field(default_factory=list)
    fields: list[TechnicalField] = field(default_factory=list)
    max_active_claims: int = 3
    is_available: bool = True
    achievements: list[AchievementInput] | None = None  # None: leave achievements as they are


def normalise_areas(areas: list[str] | str) -> list[str]:
    if isinstance(areas, str):
        for separator in "，,、;；\n":
            areas = areas.replace(separator, "|")
        areas = areas.split("|")
    cleaned: list[str] = []
    for area in areas:
        area = str(area).strip()
        if area and area not in cleaned:
            cleaned.append(area[:60])
    return cleaned[:30]


@transaction.atomic
def update_expert_profile(*, expert: Expert, by: User, data: ProfileInput) -> Expert:
    """An expert edits their own profile (park staff may edit any). The match index is refreshed on commit."""
    if not (expert.user_id == by.pk or roles.is_park_staff(by)):
        raise PermissionDenied(_("只能修改自己的专家档案。"))
    if not data.name.strip():
        raise ApplicationError(_("请填写姓名。"), field="name")
    if data.category not in Expert.Category.values:
        raise ApplicationError(_("请选择有效的专家类别。"), field="category")
    areas = normalise_areas(data.research_areas)
    if not areas:
        raise ApplicationError(_("请至少填写一个研究方向，匹配系统据此为您推荐需求。"), field="research_areas")
    if not 1 <= data.max_active_claims <= 20:
        raise ApplicationError(_("同时承接上限应在 1 到 20 之间。"), field="max_active_claims")
    expert.name = data.name.strip()
    expert.category = data.category
    expert.title = data.title.strip()
    expert.organisation = data.organisation
    expert.research_areas = areas
    expert.bio = data.bio.strip()
    expert.max_active_claims = data.max_active_claims
    expert.is_available = data.is_available
    expert.save()
    expert.chains.set(data.chains)
    expert.fields.set(data.fields)
    if data.achievements is not None:
        expert.achievements.all().delete()
        Achievement.objects.bulk_create(
            [
                Achievement(expert=expert, kind=item.kind, title=item.title.strip()[:255],
                            abstract=item.abstract.strip(), year=item.year)
                for item in data.achievements
                if item.title.strip()
            ]
        )
    from matching.services import schedule_index_refresh

    schedule_index_refresh(expert_ids=[expert.pk])
    return expert


# Applications to join the pool (申请入库) ----------------------------------------------------------------------------

@dataclass
class ApplicationInput:
    name: str
    email: str
    organisation_name: str
    category: str
    research_areas: list[str] | str
    achievements: str
    phone: str = ""
    title: str = ""
    chains: list[IndustryChain] = field(default_factory=list)


def _applicant_message(
    *, application: ExpertApplication, recipient: User | None, title: str, body: str, url: str
) -> None:
    """Tell the applicant: through the outbox when they have an account, else by a plain e-mail after commit."""
    from notifications.models import Notification
    from notifications.services import Message, notify

    if recipient is not None and recipient.email:
        notify(recipients=[recipient], message=Message(
            kind=Notification.Kind.EXPERT_APPLICATION, title=title, body=body, url=url,
            dedupe_key=f"expert-application:{application.pk}:{application.status}",
        ))
        return
    link = f"{str(settings.SITE_URL).rstrip('/')}{url}" if url.startswith("/") else url
    text = f"{application.name}：\n\n{body}\n\n{link}\n\n— {_('共享专家联盟')}"
    transaction.on_commit(lambda: send_mail(title, text, None, [application.email], fail_silently=True))


def _notify_staff_of_application(application: ExpertApplication) -> None:
    from notifications.models import Notification
    from notifications.services import Message, notify

    staff = User.objects.filter(park_staff__isnull=False, is_active=True)
    notify(recipients=staff, channels=("in_app",), message=Message(
        kind=Notification.Kind.EXPERT_APPLICATION,
        title=_("新的专家入库申请：%(name)s") % {"name": application.name},
        body=_("%(name)s（%(organisation)s）申请加入专家库，请审核。")
        % {"name": application.name, "organisation": application.organisation_name},
        url=reverse("experts:application_detail", args=[application.pk]),
        dedupe_key=f"expert-application:{application.pk}:submitted",
    ))


@transaction.atomic
def submit_expert_application(*, applicant: User | None, data: ApplicationInput) -> ExpertApplication:
    """Anyone, signed in or not, applies to join the pool; park staff are told in their inbox."""
    errors = []
    name, email = data.name.strip(), data.email.strip().lower()
    if not name:
        errors.append((_("请填写姓名。"), "name"))
    try:
        validate_email(email)
    except ValidationError:
        errors.append((_("请填写有效的联系邮箱。"), "email"))
    if not data.organisation_name.strip():
        errors.append((_("请填写所在单位。"), "organisation_name"))
    if data.category not in Expert.Category.values:
        errors.append((_("请选择有效的专家类别。"), "category"))
    areas = normalise_areas(data.research_areas)
    if not areas:
        errors.append((_("请至少填写一个研究方向，匹配系统据此为您推荐需求。"), "research_areas"))
    if not data.achievements.strip():
        errors.append((_("请简要填写主要成果。"), "achievements"))
    if errors:
        message, field_name = errors[0]
        raise ApplicationError(message, field=field_name)
    if (applicant is not None and applicant.is_authenticated and roles.is_expert(applicant)) or Expert.objects.filter(
        email__iexact=email
    ).exists():
        raise Conflict(_("该邮箱对应的专家已在专家库中，无需重复申请。"), field="email")
    if ExpertApplication.objects.filter(email__iexact=email, status=ExpertApplication.Status.PENDING).exists():
        raise Conflict(_("该邮箱已有一份待审核的申请，请耐心等待审核结果。"), field="email")
    application = ExpertApplication.objects.create(
        applicant=applicant if applicant is not None and applicant.is_authenticated else None,
        name=name[:64], email=email, phone=data.phone.strip()[:32],
        organisation_name=data.organisation_name.strip()[:128],
        title=data.title.strip()[:64], category=data.category, research_areas=areas,
        achievements=data.achievements.strip(),
    )
    application.chains.set(data.chains)
    _notify_staff_of_application(application)
    return application


def _claim_for_review(*, application: ExpertApplication, by: User, to: str, **changes: object) -> None:
    """Pending → approved/refused as one guarded UPDATE: a second reviewer (or a double click) gets a 409."""
    if not roles.is_park_staff(by):
        raise PermissionDenied(_("只有管委会工作人员可以审核入库申请。"))
    moved = ExpertApplication.objects.filter(pk=application.pk, status=ExpertApplication.Status.PENDING).update(
        status=to, reviewed_by=by, reviewed_at=timezone.now(), **changes
    )
    if not moved:
        raise Conflict(_("该申请已被审核，请刷新页面。"))
    application.refresh_from_db()


def _unique_username(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0])[:120] or "expert"
    candidate, number = base, 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


@transaction.atomic
def approve_expert_application(*, application: ExpertApplication, by: User) -> Expert:
    """Create the expert (and an account when the applicant has none) and tell the applicant."""
    _claim_for_review(application=application, by=by, to=ExpertApplication.Status.APPROVED)
    user = application.applicant or User.objects.filter(email__iexact=application.email).order_by("id").first()
    is_new_account = user is None
    if user is not None and hasattr(user, "expert_profile"):
        raise Conflict(_("该账号已有专家档案。"))
    if user is None:
        user = User(username=_unique_username(application.email), email=application.email,
                    display_name=application.name, phone=application.phone)
        user.set_unusable_password()
        user.save()
    organisation = Organisation.objects.filter(name=application.organisation_name).order_by("id").first()
    if organisation is None:
        organisation = Organisation.objects.create(name=application.organisation_name, kind=Organisation.Kind.OTHER)
    expert = Expert.objects.create(
        user=user, name=application.name, email=application.email, phone=application.phone,
        category=application.category, title=application.title, organisation=organisation,
        research_areas=application.research_areas, bio=application.achievements,
    )
    expert.chains.set(application.chains.all())
    ExpertApplication.objects.filter(pk=application.pk).update(expert=expert)
    application.expert = expert
    if is_new_account:
        # A fresh account has no password yet: a plain e-mail carries a one-time link to set one.
        url = reverse("experts:set_password", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                    default_token_generator.make_token(user)])
        body = _("您的专家入库申请已通过。登录用户名：%(username)s。请通过下面的链接设置密码后登录，完善专家档案。") % {
            "username": user.username}
        _applicant_message(application=application, recipient=None, title=_("专家入库申请已通过"), body=body,
                           url=url)
    else:
        _applicant_message(application=application, recipient=user, title=_("专家入库申请已通过"),
                           body=_("您的专家入库申请已通过，欢迎加入共享专家联盟。请完善您的专家档案。"),
                           url=reverse("experts:profile_edit"))
    from matching.services import schedule_index_refresh

    schedule_index_refresh(expert_ids=[expert.pk])
    return expert


@transaction.atomic
def refuse_expert_application(*, application: ExpertApplication, by: User, reason: str) -> ExpertApplication:
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请填写未通过的原因。"), field="reason")
    _claim_for_review(application=application, by=by, to=ExpertApplication.Status.REFUSED, refusal_reason=reason)
    _applicant_message(
        application=application, recipient=application.applicant, title=_("专家入库申请未通过"),
        body=_("很遗憾，您的专家入库申请未通过。原因：%(reason)s") % {"reason": reason},
        url=reverse("experts:apply"),
    )
    return application
