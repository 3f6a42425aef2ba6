"""Expert pages: the directory (专家库), a profile, and the expert's own profile form (我的专家档案)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alliance import roles
from alliance.models import IndustryChain, User
from challenges.models import Challenge, Claim, Status
from config.exceptions import ApplicationError
from experts.forms import (
    AchievementFormSet,
    BootstrapFormMixin,
    ExpertFilterForm,
    ProfileForm,
    achievement_initial,
    achievements_from,
)
from experts.models import Achievement, Expert, ExpertApplication
from experts.selectors import get_expert, get_expert_application, list_expert_applications, list_experts
from experts.services import (
    ApplicationInput,
    approve_expert_application,
    refuse_expert_application,
    submit_expert_application,
    update_expert_profile,
)

EXPERTS_PER_PAGE = 20


def filter_experts(experts: QuerySet[Expert], filters: dict) -> QuerySet[Expert]:
    if filters.get("category"):
        experts = experts.filter(category=filters["category"])
    if filters.get("chain"):
        experts = experts.filter(chains=filters["chain"])
    if filters.get("field"):
        experts = experts.filter(fields=filters["field"])
    keyword = (filters.get("q") or "").strip()
    if keyword:
        experts = experts.filter(
            Q(name__icontains=keyword)
            | Q(title__icontains=keyword)
            | Q(research_areas__icontains=keyword)
            | Q(bio__icontains=keyword)
        )
    # Filtering across many-to-many rows can repeat an expert.
    return experts.distinct() if filters.get("chain") or filters.get("field") else experts


@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET or None)
    experts = list_experts(user=request.user)
    status = 200
    if form.is_bound and not form.is_valid():
        experts, status = experts.none(), 400
    elif form.is_bound:
        experts = filter_experts(experts, form.cleaned_data)
    page = Paginator(experts, EXPERTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "experts/list.html",
        {"form": form, "page": page, "experts": page.object_list, "query_string": query.urlencode()},
        status=status,
    )


def can_see_contact(*, user: User, expert: Expert) -> bool:
    """Staff and the expert see contact details; an enterprise only once the expert is engaged on its challenge."""
    if roles.is_park_staff(user) or (expert.user_id is not None and expert.user_id == user.pk):
        return True
    enterprise_ids = roles.enterprise_ids_of(user)
    return bool(enterprise_ids) and Challenge.objects.filter(
        expert=expert, enterprise_id__in=enterprise_ids
    ).exists()


def achievements_by_kind(expert: Expert) -> list[tuple[str, list[Achievement]]]:
    items = list(expert.achievements.all())
    groups = []
    for kind, label in Achievement.Kind.choices:
        of_kind = [item for item in items if item.kind == kind]
        if of_kind:
            groups.append((label, of_kind))
    return groups


@login_required
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = get_expert(user=request.user, pk=pk)
    track_record = {
        "accepted": Claim.objects.filter(expert=expert, status=Claim.Status.ACCEPTED).count(),
        "completed": Challenge.objects.filter(expert=expert, status=Status.COMPLETED).count(),
    }
    return render(
        request,
        "experts/detail.html",
        {
            "expert": expert,
            "achievement_groups": achievements_by_kind(expert),
            "track_record": track_record,
            "show_contact": can_see_contact(user=request.user, expert=expert),
            "is_own_profile": expert.user_id is not None and expert.user_id == request.user.pk,
        },
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    # No pk in the URL: this page only ever edits the signed-in user's own profile.
    expert = roles.expert_of(request.user)
    if expert is None:
        return render(request, "experts/no_profile.html", status=403)
    if request.method != "POST":
        form = ProfileForm(initial=ProfileForm.initial_for(expert))
        formset = AchievementFormSet(initial=achievement_initial(expert), prefix="achievements")
        return render(request, "experts/profile_form.html", {"form": form, "formset": formset, "expert": expert})

    form = ProfileForm(request.POST)
    formset = AchievementFormSet(request.POST, initial=achievement_initial(expert), prefix="achievements")
    if form.is_valid() and formset.is_valid():
        try:
            update_expert_profile(
                expert=expert, by=request.user, data=form.to_input(achievements=achievements_from(formset))
            )
        except ApplicationError as error:
            form.add_service_error(error.field, error.message)
        else:
            messages.success(request, _("专家档案已保存。"))
            return redirect("experts:profile_edit")
    expert.refresh_from_db()
    return render(
        request, "experts/profile_form.html", {"form": form, "formset": formset, "expert": expert}, status=400
    )


# Applications to join the pool (申请入库) ----------------------------------------------------------------------------

class ApplicationForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    email = forms.EmailField(label=gettext_lazy("联系邮箱"), help_text=gettext_lazy("审核结果将发送到该邮箱。"))
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32, required=False)
    organisation_name = forms.CharField(label=gettext_lazy("所在单位"), max_length=128)
    title = forms.CharField(label=gettext_lazy("职称/头衔"), max_length=64, required=False)
    category = forms.ChoiceField(label=gettext_lazy("专家类别"), choices=Expert.Category.choices)
    research_areas = forms.CharField(label=gettext_lazy("研究方向"), max_length=600,
                                     help_text=gettext_lazy("多个方向用逗号或顿号分隔，例如：机器视觉、柔性制造"))
    achievements = forms.CharField(label=gettext_lazy("主要成果"), widget=forms.Textarea(attrs={"rows": 5}),
                                   max_length=5000,
                                   help_text=gettext_lazy("代表性论文、专利、项目或解决过的企业难题。"))
    chains = forms.ModelMultipleChoiceField(label=gettext_lazy("愿意服务的产业链"),
                                            queryset=IndustryChain.objects.all(), required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def to_input(self) -> ApplicationInput:
        data = self.cleaned_data
        return ApplicationInput(
            name=data["name"], email=data["email"], phone=data["phone"], organisation_name=data["organisation_name"],
            title=data["title"], category=data["category"], research_areas=data["research_areas"],
            achievements=data["achievements"], chains=list(data["chains"]),
        )


class RefuseApplicationForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("未通过原因"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=1000, error_messages={"required": gettext_lazy("请填写未通过的原因。")})


def apply(request: HttpRequest) -> HttpResponse:
    """申请入库: open to everyone, signed in or not."""
    if request.method != "POST":
        initial = {}
        if request.user.is_authenticated:
            initial = {"name": request.user.name, "email": request.user.email, "phone": request.user.phone}
        return render(request, "experts/apply.html", {"form": ApplicationForm(initial=initial)})
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            submit_expert_application(applicant=request.user, data=form.to_input())
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return render(request, "experts/apply_done.html", {"email": form.cleaned_data["email"]})
    return render(request, "experts/apply.html", {"form": form}, status=400)


def _require_park_staff(request: HttpRequest) -> None:
    if not roles.is_park_staff(request.user):
        raise PermissionDenied(_("只有管委会工作人员可以审核入库申请。"))


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    _require_park_staff(request)
    applications = list_expert_applications(user=request.user)
    status = request.GET.get("status", ExpertApplication.Status.PENDING)
    if status in ExpertApplication.Status.values:
        applications = applications.filter(status=status)
    else:
        status = ""
    page = Paginator(applications, EXPERTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "experts/application_list.html", {
        "page": page, "status": status, "statuses": ExpertApplication.Status.choices,
        "query_string": f"status={status}",
    })


def _render_application(request: HttpRequest, application: ExpertApplication, *,
                        refuse_form: RefuseApplicationForm | None = None, status: int = 200) -> HttpResponse:
    return render(request, "experts/application_detail.html", {
        "application": application, "refuse_form": refuse_form or RefuseApplicationForm(),
        "is_pending": application.status == ExpertApplication.Status.PENDING,
    }, status=status)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_park_staff(request)
    return _render_application(request, get_expert_application(user=request.user, pk=pk))


@login_required
@require_POST
def application_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_park_staff(request)
    application = get_expert_application(user=request.user, pk=pk)
    try:
        expert = approve_expert_application(application=application, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        application.refresh_from_db()
        return _render_application(request, application, status=error.status)
    messages.success(request, _("已通过，%(name)s 已加入专家库。") % {"name": expert.name})
    return redirect("experts:application_detail", pk=application.pk)


@login_required
@require_POST
def application_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    _require_park_staff(request)
    application = get_expert_application(user=request.user, pk=pk)
    form = RefuseApplicationForm(request.POST)
    if form.is_valid():
        try:
            refuse_expert_application(application=application, by=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
            application.refresh_from_db()
            return _render_application(request, application, refuse_form=form, status=error.status)
        messages.success(request, _("已将未通过的原因告知申请人。"))
        return redirect("experts:application_detail", pk=application.pk)
    return _render_application(request, application, refuse_form=form, status=400)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """An approved applicant without an account sets their first password from the e-mailed link."""

    template_name = "experts/set_password.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("密码已设置，请登录。"))
        return super().form_valid(form)
