"""After the choice: agreement, milestones with files, delivery and acceptance, ratings, attachments and the
timeline, on the challenge page. Every refusal asserts that nothing changed."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from challenges import services
from challenges.models import Agreement, Attachment, Challenge, ChallengeEvent, Claim, Milestone, Rating, Status
from tests import factories

pytestmark = pytest.mark.django_db


def pdf(name="成果报告.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def detail(client, challenge):
    return client.get(reverse("challenges:detail", args=[challenge.pk])).content.decode()


def status_of(challenge):
    return Challenge.objects.get(pk=challenge.pk).status


@pytest.fixture
def engaged(enterprise, enterprise_user, chain, expert):
    """A challenge in 对接中 with the expert's claim chosen."""
    challenge = factories.ChallengeFactory(enterprise=enterprise, author=enterprise_user, chain=chain,
                                           status=Status.MATCHING, expert=expert)
    factories.ClaimFactory(challenge=challenge, expert=expert, status=Claim.Status.ACCEPTED)
    return challenge


def agreement_data(**overrides):
    today = timezone.localdate()
    data = {"scope": "完成柔性包装样线设计、安装调试与三个月试运行。", "amount_wan": "60",
            "start_date": today.isoformat(), "end_date": (today + dt.timedelta(days=120)).isoformat()}
    data.update(overrides)
    return data


def move(challenge, status):
    Challenge.objects.filter(pk=challenge.pk).update(status=status)
    challenge.refresh_from_db()


def test_enterprise_proposes_expert_confirms_and_both_confirmations_show(client, enterprise_user, expert_user,
                                                                         engaged):
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:propose_agreement", args=[engaged.pk]), agreement_data())
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.enterprise_confirmed_at is not None and agreement.expert_confirmed_at is None
    # the proposer has nothing to confirm; the expert has
    assert reverse("challenges:confirm_agreement", args=[engaged.pk]) not in detail(client, engaged)
    client.force_login(expert_user)
    assert reverse("challenges:confirm_agreement", args=[engaged.pk]) in detail(client, engaged)
    assert client.post(reverse("challenges:confirm_agreement", args=[engaged.pk])).status_code == 302
    assert status_of(engaged) == Status.IN_PROGRESS
    content = detail(client, engaged)
    assert "60 万元" in content
    assert content.count("bi-check-circle text-success") == 2  # who confirmed, and when, for both sides


def test_agreement_with_end_before_start_is_400_and_nothing_is_created(client, enterprise_user, engaged):
    client.force_login(enterprise_user)
    today = timezone.localdate()
    response = client.post(reverse("challenges:propose_agreement", args=[engaged.pk]),
                           agreement_data(end_date=(today - dt.timedelta(days=1)).isoformat(), amount_wan="abc"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "结束日期不能早于开始日期。" in content and "请输入有效的金额。" in content
    assert not Agreement.objects.exists()


def test_short_scope_is_refused_by_the_service_on_its_field(client, enterprise_user, engaged):
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:propose_agreement", args=[engaged.pk]), agreement_data(scope="做样线"))
    assert response.status_code == 400
    assert "合作内容与范围至少 10 个字。" in response.content.decode()
    assert not Agreement.objects.exists()


def test_outsiders_cannot_propose_or_confirm(client, other_expert, other_enterprise_user, engaged, enterprise_user):
    for user in (other_expert.user, other_enterprise_user):
        client.force_login(user)
        assert client.post(reverse("challenges:propose_agreement", args=[engaged.pk]),
                           agreement_data()).status_code == 403
        assert client.post(reverse("challenges:confirm_agreement", args=[engaged.pk])).status_code == 403
    assert not Agreement.objects.exists()
    assert status_of(engaged) == Status.MATCHING
    # and there is nothing to confirm yet: a clean 409
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:confirm_agreement", args=[engaged.pk]))
    assert response.status_code == 409
    assert "还没有对接协议" in response.content.decode()


def test_outsiders_do_not_see_the_work(client, other_expert, engaged):
    factories.AgreementFactory(challenge=engaged, claim=engaged.claims.get(), scope="保密的合作内容十个字以上")
    client.force_login(other_expert.user)
    content = detail(client, engaged)
    assert "保密的合作内容" not in content and 'id="agreement"' not in content


def test_milestone_added_submitted_with_a_file_and_confirmed(client, enterprise_user, expert_user, engaged):
    move(engaged, Status.IN_PROGRESS)
    client.force_login(expert_user)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert client.post(reverse("challenges:add_milestone", args=[engaged.pk]),
                       {"title": "样线方案评审", "due_date": due}).status_code == 302
    milestone = Milestone.objects.get()
    response = client.post(reverse("challenges:submit_milestone", args=[milestone.pk]),
                           {"delivery_note": "提交样线方案与仿真报告。", "files": [pdf("样线方案.pdf")]})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.SUBMITTED
    attachment = milestone.attachments.get()
    client.force_login(enterprise_user)
    content = detail(client, engaged)
    assert "样线方案.pdf" in content and reverse("challenges:download_attachment", args=[attachment.pk]) in content
    assert client.post(reverse("challenges:confirm_milestone", args=[milestone.pk])).status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.CONFIRMED


def test_refused_file_shows_the_chinese_reason_and_nothing_is_submitted(client, expert_user, engaged):
    move(engaged, Status.IN_PROGRESS)
    milestone = factories.MilestoneFactory(challenge=engaged)
    client.force_login(expert_user)
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(reverse("challenges:submit_milestone", args=[milestone.pk]),
                           {"delivery_note": "提交样线方案与仿真报告。", "files": [bad]})
    assert response.status_code == 400
    assert "不支持的文件类型" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.PLANNED
    assert not Attachment.objects.exists()


def test_enterprise_cannot_submit_and_expert_cannot_confirm_a_milestone(client, enterprise_user, expert_user,
                                                                        other_expert, engaged):
    move(engaged, Status.IN_PROGRESS)
    milestone = factories.MilestoneFactory(challenge=engaged)
    client.force_login(enterprise_user)
    assert client.post(reverse("challenges:submit_milestone", args=[milestone.pk]),
                       {"delivery_note": "企业代交的成果说明"}).status_code == 403
    client.force_login(other_expert.user)
    assert client.post(reverse("challenges:submit_milestone", args=[milestone.pk]),
                       {"delivery_note": "外人提交的成果说明"}).status_code == 404
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.PLANNED
    Milestone.objects.filter(pk=milestone.pk).update(status=Milestone.Status.SUBMITTED)
    client.force_login(expert_user)
    assert client.post(reverse("challenges:confirm_milestone", args=[milestone.pk])).status_code == 403
    assert Milestone.objects.get(pk=milestone.pk).status == Milestone.Status.SUBMITTED


def test_delivery_changes_requested_then_accepted(client, enterprise_user, expert_user, engaged):
    move(engaged, Status.IN_PROGRESS)
    client.force_login(expert_user)
    response = client.post(reverse("challenges:submit_delivery", args=[engaged.pk]),
                           {"note": "样线已调试完成，附验收报告。", "files": [pdf()]})
    assert response.status_code == 302
    assert status_of(engaged) == Status.DELIVERED
    client.force_login(enterprise_user)
    content = detail(client, engaged)
    assert "样线已调试完成" in content and "成果报告.pdf" in content and "验收通过" in content
    # asking for changes needs a note
    response = client.post(reverse("challenges:request_changes", args=[engaged.pk]), {"note": ""})
    assert response.status_code == 400
    assert "请说明需要修改的内容（至少 5 个字）。" in response.content.decode()
    assert status_of(engaged) == Status.DELIVERED
    assert client.post(reverse("challenges:request_changes", args=[engaged.pk]),
                       {"note": "破损率数据缺少一周的记录。"}).status_code == 302
    assert status_of(engaged) == Status.IN_PROGRESS
    services.submit_delivery(challenge=engaged, by=expert_user, note="补充了一周的破损率记录。")
    assert client.post(reverse("challenges:accept_delivery", args=[engaged.pk]), {"note": "满意"}).status_code == 302
    assert status_of(engaged) == Status.COMPLETED


def test_expert_cannot_accept_their_own_delivery(client, expert_user, engaged):
    move(engaged, Status.DELIVERED)
    client.force_login(expert_user)
    assert client.post(reverse("challenges:accept_delivery", args=[engaged.pk])).status_code == 403
    assert client.post(reverse("challenges:request_changes", args=[engaged.pk]),
                       {"note": "自己要求自己修改"}).status_code == 403
    assert status_of(engaged) == Status.DELIVERED


def test_accepting_a_delivery_twice_is_409(client, enterprise_user, engaged):
    move(engaged, Status.COMPLETED)
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:accept_delivery", args=[engaged.pk]))
    assert response.status_code == 409
    assert "只有待验收的需求可以验收。" in response.content.decode()


def test_both_sides_rate_and_see_the_ratings(client, enterprise_user, expert_user, engaged):
    move(engaged, Status.COMPLETED)
    client.force_login(enterprise_user)
    assert "评价专家" in detail(client, engaged)
    assert client.post(reverse("challenges:rate", args=[engaged.pk]),
                       {"score": "5", "comment": "方案落地扎实"}).status_code == 302
    client.force_login(expert_user)
    assert client.post(reverse("challenges:rate", args=[engaged.pk]),
                       {"score": "4", "comment": "配合积极"}).status_code == 302
    assert {(r.direction, r.score) for r in Rating.objects.all()} == {
        (Rating.Direction.OF_EXPERT, 5), (Rating.Direction.OF_ENTERPRISE, 4)}
    content = detail(client, engaged)
    assert "方案落地扎实" in content and "配合积极" in content and "★★★★★" in content
    assert reverse("challenges:rate", args=[engaged.pk]) not in content  # rated: no second form


def test_bad_score_is_400_second_rating_409_outsider_403(client, enterprise_user, other_expert, engaged):
    move(engaged, Status.COMPLETED)
    client.force_login(enterprise_user)
    response = client.post(reverse("challenges:rate", args=[engaged.pk]), {"score": "9"})
    assert response.status_code == 400
    assert "评分应为 1 到 5 的整数。" in response.content.decode()
    assert not Rating.objects.exists()
    factories.RatingFactory(challenge=engaged, rater=enterprise_user, expert=engaged.expert)
    response = client.post(reverse("challenges:rate", args=[engaged.pk]), {"score": "3"})
    assert response.status_code == 409
    assert "您已评价过本次合作。" in response.content.decode()
    client.force_login(other_expert.user)
    assert client.post(reverse("challenges:rate", args=[engaged.pk]), {"score": "1"}).status_code == 403
    assert Rating.objects.count() == 1


def test_enterprise_uploads_an_attachment_and_only_those_who_may_see_download_it(client, enterprise_user,
                                                                                 expert_user, open_challenge):
    client.force_login(enterprise_user)
    content = detail(client, open_challenge)
    assert "每个文件不超过 20 MB" in content
    assert client.post(reverse("challenges:upload_attachment", args=[open_challenge.pk]),
                       {"file": pdf("产线图纸.pdf")}).status_code == 302
    attachment = Attachment.objects.get()
    download = reverse("challenges:download_attachment", args=[attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # an expert who has not accepted the terms of a confidential challenge gets nothing
    Challenge.objects.filter(pk=open_challenge.pk).update(is_confidential=True)
    client.force_login(expert_user)
    assert "产线图纸.pdf" not in detail(client, open_challenge)
    assert client.get(download).status_code == 404


def test_refused_upload_shows_the_reason_and_experts_cannot_upload(client, enterprise_user, expert_user,
                                                                   open_challenge):
    client.force_login(enterprise_user)
    fake = SimpleUploadedFile("报告.pdf", b"not really a pdf", content_type="application/pdf")
    response = client.post(reverse("challenges:upload_attachment", args=[open_challenge.pk]), {"file": fake})
    assert response.status_code == 400
    assert "文件内容与扩展名 .pdf 不符。" in response.content.decode()
    response = client.post(reverse("challenges:upload_attachment", args=[open_challenge.pk]), {})
    assert response.status_code == 400
    assert "请选择要上传的文件。" in response.content.decode()
    client.force_login(expert_user)
    assert client.post(reverse("challenges:upload_attachment", args=[open_challenge.pk]),
                       {"file": pdf()}).status_code == 403
    assert not Attachment.objects.exists()


def test_timeline_shows_who_when_from_to_and_note(client, chain_leader, enterprise_user, enterprise, chain):
    challenge = factories.ChallengeFactory(enterprise=enterprise, author=enterprise_user, chain=chain,
                                           status=Status.PENDING_REVIEW, published_at=None)
    services.review_challenge(challenge=challenge, by=chain_leader, approve=False, reason="请补充节拍数据")
    client.force_login(enterprise_user)
    content = detail(client, challenge)
    event = challenge.events.get(kind=ChallengeEvent.Kind.RETURNED)
    assert "待审核 → 已驳回" in content
    assert "张链长" in content and "请补充节拍数据" in content
    assert timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M") in content


def test_other_experts_see_the_return_in_the_timeline_but_not_the_reason_or_reviewer(client, chain_leader,
                                                                                     expert_user, enterprise, chain):
    challenge = factories.ChallengeFactory(enterprise=enterprise, chain=chain, status=Status.PENDING_REVIEW,
                                           published_at=None)
    services.review_challenge(challenge=challenge, by=chain_leader, approve=False, reason="内部意见：预算偏低")
    Challenge.objects.filter(pk=challenge.pk).update(status=Status.OPEN)
    client.force_login(expert_user)
    content = detail(client, challenge)
    assert "待审核 → 已驳回" in content
    assert "内部意见：预算偏低" not in content and "张链长" not in content
