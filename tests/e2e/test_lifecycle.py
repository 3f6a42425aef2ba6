"""One challenge from 草稿 to 已完成 with a team claim, walked in the browser by the people who do each step: the
enterprise (desktop), the chain leader (desktop), the lead expert (phone) and the invited expert (phone)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from challenges.models import Challenge, ClaimMember, Milestone, Rating, Status
from tests import factories
from tests.e2e.conftest import navbar_link, open_context, sign_in

TITLE = "异形零件视觉引导柔性包装线改造"
DESCRIPTION = (
    "我司户外车库与宠物屋零部件有 200 多种，尺寸和重量差异大，现有自动包装线只适配标准件。希望通过机器视觉识别零件、"
    "柔性夹爪抓取并自动选择包装规格，实现异形件自动包装。"
)
PROPOSAL = "三维视觉测量零件外形，柔性夹爪抓取，按尺寸自动匹配纸箱规格；先在一条线上试点，再推广到全厂。"
PDF = {"name": "样线方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% lifecycle test\n"}


def status_badge(page: Page):
    return page.locator(".status-badge")


def has_no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_one_challenge_from_draft_to_completed_with_a_team_claim(browser, live_server, alliance, problems):
    base = live_server.url
    leader_user = factories.UserFactory(username="leader_wu", display_name="吴链长")
    alliance.equipment.leaders.add(leader_user)
    member = factories.ExpertFactory(
        name="赵刚", user__username="expert_zhao", user__display_name="赵刚", title="高级工程师",
        organisation=factories.UniversityFactory(name="苏州机器人研究院"),
        research_areas=["工业机器人", "柔性夹爪", "运动控制"], bio="从事工业机器人抓取与柔性夹爪设计。",
        chains=[alliance.equipment],
    )
    contexts = [open_context(browser, problems) for _ in range(2)]
    contexts += [open_context(browser, problems, phone=True) for _ in range(2)]
    enterprise, leader, lead, invitee = (context.new_page() for context in contexts)
    try:
        sign_in(enterprise, base, "ent_user")
        sign_in(leader, base, "leader_wu")
        sign_in(lead, base, "expert_li")
        sign_in(invitee, base, "expert_zhao")

        # the enterprise writes a draft first, then submits it for review
        navbar_link(enterprise, "发布需求").click()
        enterprise.get_by_label("需求名称").fill(TITLE)
        enterprise.get_by_label("需求描述").fill(DESCRIPTION)
        enterprise.get_by_label("所属产业链").select_option(label="高端智能装备")
        enterprise.get_by_label("关键词").fill("机器视觉，柔性夹爪，自动包装")
        enterprise.get_by_label("悬赏金额（万元）").fill("60")
        enterprise.get_by_label("揭榜截止日期").fill((timezone.localdate() + dt.timedelta(days=40)).isoformat())
        enterprise.get_by_role("button", name="保存草稿").click()
        expect(status_badge(enterprise)).to_have_text("草稿")
        challenge = Challenge.objects.get(title=TITLE)
        challenge_url = f"{base}/challenges/{challenge.pk}/"
        enterprise.locator("#manage").get_by_role("button", name="提交审核").click()
        expect(status_badge(enterprise)).to_have_text("待审核")

        # the chain leader finds it under 待审核 and returns it with a reason
        navbar_link(leader, "待审核").click()
        leader.get_by_role("link", name=re.compile(TITLE)).click()
        leader.get_by_label("审核意见").fill("请补充现有包装线的节拍和破损率数据")
        leader.get_by_role("button", name="驳回").click()
        expect(status_badge(leader)).to_have_text("已驳回")

        # the enterprise sees the reason, edits and resubmits
        enterprise.reload()
        expect(enterprise.locator("#review-note")).to_contain_text("请补充现有包装线的节拍和破损率数据")
        enterprise.get_by_role("link", name="修改需求").click()
        enterprise.get_by_label("需求描述").fill(DESCRIPTION + "现有节拍每分钟 12 件，破损率约 3%。")
        enterprise.get_by_role("button", name="重新提交审核").click()
        expect(status_badge(enterprise)).to_have_text("待审核")
        expect(enterprise.locator("#timeline")).to_contain_text("已驳回 → 待审核")

        # the chain leader publishes it
        navbar_link(leader, "待审核").click()
        leader.get_by_role("link", name=re.compile(TITLE)).click()
        leader.get_by_role("button", name="审核通过并发布").click()
        expect(status_badge(leader)).to_have_text("揭榜中")

        # expert A claims on their phone, with expert B in the team (suggested by the matcher, or picked)
        lead.goto(challenge_url)
        claim_form = lead.locator("#my-claim form")
        claim_form.get_by_label("方案概述").fill(PROPOSAL)
        claim_form.get_by_label("预计周期（天）").fill("90")
        suggested = claim_form.locator(f"#team_suggested_{member.pk}")
        if suggested.count():
            suggested.check()
        else:
            claim_form.get_by_label("邀请其他专家组队").select_option(label="赵刚（高级工程师）")
        claim_form.get_by_role("button", name="我要揭榜").click()
        expect(lead.get_by_role("alert").filter(has_text="揭榜成功")).to_be_visible()
        expect(lead.locator("#my-claim [data-testid=claim-team]")).to_contain_text("赵刚（成员 · 已邀请）")
        lead.screenshot(path="/tmp/e2e-lifecycle-1-claim-phone.png", full_page=True)
        assert has_no_horizontal_scroll(lead)

        # expert B accepts the invitation from 团队邀请
        invitee.goto(f"{base}/challenges/team-invitations/")
        row = invitee.locator(".team-invitation", has_text=TITLE)
        expect(row).to_contain_text("李明")
        row.get_by_role("button", name="接受邀请").click()
        expect(invitee.locator(".team-invitation", has_text=TITLE)).to_contain_text("已加入")
        assert ClaimMember.objects.get(expert=member).status == ClaimMember.Status.ACCEPTED

        # A asks a question, the enterprise answers it
        lead.reload()
        lead.get_by_label("我的问题").fill("试点线的最大零件尺寸是多少？")
        lead.get_by_role("button", name="提问").click()
        enterprise.reload()
        enterprise.locator("#questions").get_by_label("答复").fill("最大 2 米，重量不超过 30 公斤。")
        enterprise.get_by_role("button", name="提交答复").click()
        expect(enterprise.locator("#questions")).to_contain_text("最大 2 米")

        # the enterprise sees the team on the claim and chooses it
        claim_row = enterprise.locator("#claims .list-group-item", has_text="李明")
        expect(claim_row).to_contain_text("赵刚（成员 · 已加入）")
        claim_row.get_by_role("button", name="选定该方案").click()
        expect(status_badge(enterprise)).to_have_text("对接中")

        # the enterprise proposes the agreement, A confirms it on the phone
        today = timezone.localdate()
        agreement = enterprise.locator("#agreement")
        agreement.get_by_label("合作内容与范围").fill("完成一条柔性包装样线的设计、安装调试与三个月试运行。")
        agreement.get_by_label("合作金额（万元）").fill("58")
        agreement.get_by_label("开始日期").fill(today.isoformat())
        agreement.get_by_label("结束日期").fill((today + dt.timedelta(days=120)).isoformat())
        agreement.get_by_role("button", name="提出协议").click()
        expect(enterprise.get_by_test_id("enterprise-confirmation")).to_contain_text("陈经理")
        expect(enterprise.get_by_test_id("expert-confirmation")).to_contain_text("待确认")
        lead.reload()
        lead.get_by_role("button", name="确认协议").click()
        expect(status_badge(lead)).to_have_text("实施中")
        expect(lead.get_by_test_id("expert-confirmation")).to_contain_text("李明")

        # A adds a milestone and submits it with a file; the enterprise confirms it
        milestones = lead.locator("#milestones")
        milestones.locator("summary", has_text="新增里程碑").click()
        milestones.get_by_label("里程碑名称").fill("样线方案评审")
        milestones.get_by_label("计划完成日期").fill((today + dt.timedelta(days=30)).isoformat())
        milestones.get_by_role("button", name="添加").click()
        milestone = lead.locator("[data-testid=milestone]", has_text="样线方案评审")
        milestone.get_by_label("交付说明").fill("样线方案与节拍仿真报告，见附件。")
        milestone.get_by_label("成果文件").set_input_files(PDF)
        milestone.get_by_role("button", name="提交里程碑成果").click()
        expect(lead.locator("[data-testid=milestone]", has_text="样线方案评审")).to_contain_text("已提交")
        enterprise.reload()
        expect(enterprise.locator("#milestones")).to_contain_text("样线方案.pdf")
        enterprise.get_by_role("button", name="确认里程碑").click()
        expect(enterprise.locator("[data-testid=milestone]", has_text="样线方案评审")).to_contain_text("已确认")
        assert Milestone.objects.get().status == Milestone.Status.CONFIRMED

        # A submits the delivery; the enterprise accepts it
        lead.reload()
        delivery = lead.locator("#delivery")
        delivery.get_by_label("成果说明").fill("样线已稳定运行，破损率降至 0.5%，附验收报告。")
        delivery.get_by_label("成果文件").set_input_files({**PDF, "name": "验收报告.pdf"})
        delivery.get_by_role("button", name="提交成果，申请验收").click()
        expect(status_badge(lead)).to_have_text("待验收")
        enterprise.reload()
        enterprise.get_by_role("button", name="验收通过").click()
        expect(status_badge(enterprise)).to_have_text("已完成")

        # both rate each other and see the ratings
        enterprise.locator('#ratings label[title="5 星"]').click()
        enterprise.locator("#ratings").get_by_label("评语").fill("方案落地扎实，沟通顺畅。")
        enterprise.get_by_role("button", name="提交评价").click()
        lead.reload()
        lead.locator('#ratings label[title="4 星"]').click()
        lead.get_by_role("button", name="提交评价").click()
        expect(lead.locator("#ratings .rating")).to_have_count(2)
        expect(lead.locator("#ratings")).to_contain_text("方案落地扎实")
        enterprise.reload()
        expect(enterprise.locator("#ratings .rating")).to_have_count(2)
        expect(enterprise.locator("#timeline")).to_contain_text("验收完成")

        challenge.refresh_from_db()
        assert challenge.status == Status.COMPLETED and challenge.expert == alliance.fitting
        assert sorted(Rating.objects.values_list("score", flat=True)) == [4, 5]
        enterprise.screenshot(path="/tmp/e2e-lifecycle-2-completed-desktop.png", full_page=True)
        lead.screenshot(path="/tmp/e2e-lifecycle-3-completed-phone.png", full_page=True)
        assert has_no_horizontal_scroll(lead)
        # Many reloads here: a favicon request cut short by the next navigation is not a broken asset.
        broken = [asset for asset in problems.broken_assets if not asset.startswith("failed ") or
                  not asset.endswith("/static/favicon.svg")]
        assert not problems.page_errors and not broken
    finally:
        for context in contexts:
            context.close()
