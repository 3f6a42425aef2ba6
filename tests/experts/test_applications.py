"""申请入库: anyone applies; park staff approve (expert + account, applicant told) or refuse with a reason."""

import pytest
from django.core import mail

from alliance.models import User
from experts.models import Expert, ExpertApplication
from notifications.models import Notification

pytestmark = pytest.mark.django_db

APPLY = "/experts/apply/"
FORM = {
    "name": "孙立", "email": "Sun.Li@suda.edu.cn", "phone": "13800000001", "organisation_name": "苏州大学",
    "title": "教授", "category": "professor", "research_areas": "纳米材料、锂电池正极",
    "achievements": "高镍正极专利 3 项",
}


def make_application(**changes) -> ExpertApplication:
    data = {**FORM, "email": "sun.li@suda.edu.cn", "research_areas": ["纳米材料", "锂电池正极"], **changes}
    return ExpertApplication.objects.create(**data)


def test_anonymous_visitor_applies_and_park_staff_are_told(client, park_staff):
    # when someone without an account fills the form
    response = client.post(APPLY, FORM)
    # then the application waits for review, with normalised areas and e-mail, and staff see it in their inbox
    assert response.status_code == 200
    application = ExpertApplication.objects.get()
    assert application.status == ExpertApplication.Status.PENDING
    assert application.email == "sun.li@suda.edu.cn"
    assert application.research_areas == ["纳米材料", "锂电池正极"]
    assert application.applicant is None
    assert Notification.objects.filter(recipient=park_staff, kind=Notification.Kind.EXPERT_APPLICATION).count() == 1


def test_bad_application_is_a_400_with_chinese_messages_and_nothing_saved(client):
    response = client.post(APPLY, {**FORM, "email": "not-an-email", "research_areas": " ， "})
    assert response.status_code == 400
    assert "请输入合法的邮件地址。" in response.content.decode()
    assert not ExpertApplication.objects.exists()


def test_second_pending_application_for_the_same_email_is_refused(client):
    make_application()
    response = client.post(APPLY, FORM)
    assert response.status_code == 400
    assert "待审核的申请" in response.content.decode()
    assert ExpertApplication.objects.count() == 1


def test_approving_an_anonymous_application_creates_account_expert_and_mails_a_password_link(
    client, park_staff, django_capture_on_commit_callbacks
):
    application = make_application()
    client.force_login(park_staff)
    # when park staff approve it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/experts/applications/{application.pk}/approve/")
    # then the expert exists with a new account without password, and the applicant got a plain e-mail with a link
    assert response.status_code == 302
    application.refresh_from_db()
    expert = Expert.objects.get(email="sun.li@suda.edu.cn")
    assert application.status == ExpertApplication.Status.APPROVED and application.expert == expert
    assert expert.user.username == "sun.li" and not expert.user.has_usable_password()
    assert expert.organisation.name == "苏州大学"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sun.li@suda.edu.cn"]
    assert "/experts/welcome/" in mail.outbox[0].body
    # and the link lets them set a password
    link = mail.outbox[0].body.split("http://127.0.0.1:8000")[1].split()[0]
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = {"new_password1": "Xk29!mpq7", "new_password2": "Xk29!mpq7"}
    response = client.post(form_page.redirect_chain[-1][0], new_password)
    assert response.status_code == 302
    expert.user.refresh_from_db()
    assert expert.user.check_password("Xk29!mpq7")


def test_approving_an_applicant_with_an_account_notifies_them_through_the_outbox(client, park_staff):
    user = User.objects.create_user(username="sunli", email="sun.li@suda.edu.cn")
    application = make_application(applicant=user)
    client.force_login(park_staff)
    client.post(f"/experts/applications/{application.pk}/approve/")
    assert Expert.objects.get().user == user
    assert Notification.objects.filter(recipient=user, kind=Notification.Kind.EXPERT_APPLICATION).exists()


def test_refusing_needs_a_reason_and_tells_the_applicant(client, park_staff, django_capture_on_commit_callbacks):
    application = make_application()
    client.force_login(park_staff)
    # without a reason: 400 and nothing changes
    assert client.post(f"/experts/applications/{application.pk}/refuse/", {"reason": " "}).status_code == 400
    application.refresh_from_db()
    assert application.status == ExpertApplication.Status.PENDING
    # with a reason: refused, and the applicant gets the reason by e-mail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/experts/applications/{application.pk}/refuse/", {"reason": "研究方向与园区产业链关联度不高"})
    application.refresh_from_db()
    assert application.status == ExpertApplication.Status.REFUSED
    assert "关联度不高" in mail.outbox[0].body
    assert not Expert.objects.exists()
    # and a second review is a conflict that changes nothing
    assert client.post(f"/experts/applications/{application.pk}/approve/").status_code == 409
    assert not Expert.objects.exists()


@pytest.mark.parametrize("who", ["expert_user", "enterprise_user", "chain_leader"])
def test_others_cannot_review_and_nothing_changes(request, client, api_client, who):
    application = make_application()
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get("/experts/applications/").status_code == 403
    assert client.post(f"/experts/applications/{application.pk}/approve/").status_code == 403
    api_client.force_authenticate(user)
    assert api_client.post(f"/api/v1/expert-applications/{application.pk}/refuse/", {"reason": "x"}).status_code == 403
    assert api_client.get("/api/v1/expert-applications/").status_code == 403
    application.refresh_from_db()
    assert application.status == ExpertApplication.Status.PENDING
    assert Expert.objects.filter(email=application.email).count() == 0


def test_api_apply_then_staff_approve(api_client, park_staff, chain):
    response = api_client.post("/api/v1/expert-applications/apply/", {
        **FORM, "research_areas": ["纳米材料"], "chains": [chain.pk]}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    bad = api_client.post("/api/v1/expert-applications/apply/", {**FORM, "category": "x"}, format="json")
    assert bad.status_code == 400 and "category" in bad.json()["errors"]
    api_client.force_authenticate(park_staff)
    listed = api_client.get("/api/v1/expert-applications/", {"status": "pending"}).json()
    assert [row["name"] for row in listed["results"]] == ["孙立"]
    approved = api_client.post(f"/api/v1/expert-applications/{response.json()['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert list(Expert.objects.get().chains.all()) == [chain]
