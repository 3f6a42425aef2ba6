"""The journeys people make in the browser: post and choose (enterprise), find and claim (expert), watch (park
staff), on a phone, and in English. Each signs in through the form and clicks its way through."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from challenges import services
from challenges.models import Challenge, Claim, Status
from tests import factories
from tests.e2e.conftest import navbar_link, sign_in

TITLE = "户外车库与宠物屋零件自动包装线柔性改造"
DESCRIPTION = (
    "我司生产户外车库与宠物屋，零部件有 200 多种，尺寸从 10 厘米到 2 米不等，重量差异大。现有自动包装线只能适配"
    "标准件，异形件全靠人工装箱，效率低、破损多。希望通过机器视觉识别零件并自动选择包装规格，实现柔性包装。"
)
PROPOSAL = "采用三维视觉测量零件外形，柔性夹爪抓取，按尺寸自动匹配纸箱规格；先在一条线上试点，再推广到全厂。"


def open_packaging_challenge(alliance, **overrides) -> Challenge:
    values = {
        "enterprise": alliance.enterprise, "author": alliance.enterprise_user, "chain": alliance.equipment,
        "field": alliance.packaging_field, "title": TITLE, "description": DESCRIPTION,
        "keywords": ["自动包装", "机器视觉", "柔性制造"], "reward_wan": Decimal("50"),
    }
    values.update(overrides)
    return factories.ChallengeFactory(**values)


def has_no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_enterprise_posts_a_challenge_sees_matched_experts_and_chooses_a_claim(page, live_server, alliance, problems):
    # given an enterprise member signed in
    sign_in(page, live_server.url, "ent_user")

    # when they open 发布需求 from the navbar and fill the form
    navbar_link(page, "发布需求").click()
    expect(page.get_by_role("heading", name="发布技术需求")).to_be_visible()
    deadline = timezone.localdate() + dt.timedelta(days=45)
    page.get_by_label("需求名称").fill(TITLE)
    page.get_by_label("需求描述").fill(DESCRIPTION)
    page.get_by_label("所属产业链").select_option(label="高端智能装备")
    page.get_by_label("技术领域").select_option(label="智能包装与物流装备（高端智能装备）")
    page.get_by_label("关键词").fill("自动包装，机器视觉，柔性制造")
    page.get_by_label("悬赏金额（万元）").fill("50")
    page.get_by_label("揭榜截止日期").fill(deadline.isoformat())
    page.get_by_label("保密需求").set_checked(False)
    page.get_by_role("button", name="提交审核").click()

    # then they land on the challenge page, waiting for review, with matched experts carrying a score and reasons
    challenge = Challenge.objects.get(title=TITLE)
    page.wait_for_url(f"**/challenges/{challenge.pk}/")
    expect(page.get_by_role("alert").filter(has_text="已提交审核")).to_be_visible()
    expect(page.locator(".status-badge")).to_have_text("待审核")
    assert challenge.is_confidential is False and challenge.reward_wan == Decimal("50")
    assert challenge.keywords == ["自动包装", "机器视觉", "柔性制造"] and challenge.deadline == deadline
    matches = page.locator("#matches .list-group-item")
    first = matches.first
    expect(first).to_contain_text("#1")
    expect(first).to_contain_text("李明")
    expect(first.locator(".text-primary")).to_have_text(re.compile(r"^[1-9]\d*%$"))
    expect(first.locator("ul li").first).to_contain_text("研究方向匹配")
    expect(first).to_contain_text("服务本产业链")
    expect(page.locator("#matches")).not_to_contain_text("周强")  # batteries have nothing to do with packaging

    # when park staff publish it (elsewhere), it is listed under 我的需求 as 揭榜中
    services.review_challenge(challenge=challenge, by=alliance.staff, approve=True)
    navbar_link(page, "我的需求").click()
    row = page.locator(".list-group-item", has_text=TITLE)
    expect(row.locator(".status-badge")).to_have_text("揭榜中")

    # when the fitting expert claims it (elsewhere) and the enterprise opens the challenge again
    services.claim_challenge(expert=alliance.fitting, challenge=challenge, proposal=PROPOSAL, expected_days=45)
    row.click()
    claim_row = page.locator("#claims .list-group-item", has_text="李明")
    expect(claim_row).to_contain_text(PROPOSAL)
    expect(claim_row).to_contain_text("待选定")

    # and chooses that claim (confirming the dialog)
    claim_row.get_by_role("button", name="选定该方案").click()

    # then the two sides are matching (对接中) with that expert
    expect(page.get_by_role("alert").filter(has_text="已选定 李明 为揭榜方")).to_be_visible()
    expect(page.locator(".status-badge")).to_have_text("对接中")
    expect(page.locator(".challenge-facts")).to_contain_text("承接专家")
    expect(page.locator(".challenge-facts")).to_contain_text("李明")
    expect(page.locator("#claims .list-group-item", has_text="李明")).to_contain_text("已选定")
    challenge.refresh_from_db()
    assert challenge.status == Status.MATCHING and challenge.expert == alliance.fitting
    page.screenshot(path="/tmp/e2e-enterprise.png", full_page=True)
    assert not problems.page_errors and not problems.broken_assets


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_expert_finds_the_challenge_claims_it_once_and_sees_it_pending(page, live_server, alliance, problems):
    # given an open packaging challenge, another in the same chain and one in another chain
    challenge = open_packaging_challenge(alliance)
    spindle = open_packaging_challenge(
        alliance, title="数控机床主轴热变形补偿", description="高速加工时主轴温升导致尺寸超差，需要热变形建模与补偿。",
        keywords=["数控机床", "热变形", "误差补偿"], field=None,
    )
    health_enterprise = factories.OrganisationFactory(name="苏州康健医疗器械有限公司", chain=alliance.health)
    factories.ChallengeFactory(
        enterprise=health_enterprise, chain=alliance.health, title="缓释制剂工艺放大",
        description="实验室缓释片处方放大到中试时释放度不稳定。", keywords=["缓释制剂", "工艺放大"],
    )

    # when the expert signs in, they land on 为我推荐 with the challenge and why it fits them
    sign_in(page, live_server.url, "expert_li")
    expect(page.get_by_role("heading", name="为我推荐")).to_be_visible()
    card = page.locator(".card", has=page.get_by_role("link", name=TITLE))
    expect(card).to_contain_text("研究方向匹配")
    expect(card).to_contain_text("服务本产业链")
    expect(page.locator("main h3").first).to_have_text(f"#1{TITLE}")

    # when they open the hall and filter by chain, then by keyword
    navbar_link(page, "榜单大厅").click()
    results = page.locator("#hall-results")
    expect(results).to_contain_text("缓释制剂工艺放大")
    page.get_by_label("产业链").select_option(label="高端智能装备")
    expect(results).not_to_contain_text("缓释制剂工艺放大")
    expect(results).to_contain_text(spindle.title)
    expect(results).to_contain_text("共 2 项需求")
    page.get_by_label("关键词").fill("包装")
    page.get_by_role("button", name="筛选").click()
    expect(results).not_to_contain_text(spindle.title)
    expect(results).to_contain_text("共 1 项需求")
    assert f"chain={alliance.equipment.pk}" in page.url and "q=" in page.url

    # and open the challenge
    results.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/challenges/{challenge.pk}/")
    detail_url = page.url
    claim_form = page.locator("#my-claim form")

    # when the proposal is too short, then the Chinese field error shows and nothing is claimed
    claim_form.get_by_label("方案概述").fill("视觉方案")
    claim_form.get_by_label("预计周期（天）").fill("45")
    claim_form.get_by_role("button", name="我要揭榜").click()
    expect(page.locator("#my-claim .invalid-feedback")).to_have_text("方案概述至少 10 个字，请说明解决思路。")
    expect(page.locator("#id_proposal")).to_have_class(re.compile("is-invalid"))
    assert not Claim.objects.exists()

    # given the same page left open in a second tab
    second_tab = page.context.new_page()
    second_tab.goto(detail_url)

    # when they submit a proper claim
    claim_form.get_by_label("方案概述").fill(PROPOSAL)
    claim_form.get_by_label("预计周期（天）").fill("45")
    claim_form.get_by_role("button", name="我要揭榜").click()

    # then it is accepted as pending and the form is gone: no second claim from this page
    expect(page.get_by_role("alert").filter(has_text="揭榜成功")).to_be_visible()
    expect(page.locator("#my-claim")).to_contain_text("待选定")
    expect(page.locator("#my-claim textarea")).to_have_count(0)
    expect(page.get_by_role("button", name="我要揭榜")).to_have_count(0)

    # when they try again from the stale tab, then the Chinese refusal shows and still only one claim exists
    second_tab.locator("#my-claim form").get_by_label("方案概述").fill(PROPOSAL)
    second_tab.locator("#my-claim form").get_by_label("预计周期（天）").fill("30")
    second_tab.get_by_role("button", name="我要揭榜").click()
    expect(second_tab.get_by_role("alert").filter(has_text="您已揭榜该需求，请勿重复揭榜。")).to_be_visible()
    assert Claim.objects.filter(challenge=challenge).count() == 1
    assert Claim.objects.get().expected_days == 45
    second_tab.close()

    # and 我的揭榜 lists the claim as 待选定
    navbar_link(page, "我的揭榜").click()
    row = page.locator(".list-group-item", has_text=TITLE)
    expect(row).to_contain_text("待选定")
    expect(row).to_contain_text("揭榜中")
    page.screenshot(path="/tmp/e2e-expert.png", full_page=True)
    assert not problems.page_errors and not problems.broken_assets


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_park_staff_sees_kpis_and_rendered_charts_on_the_dashboard(page, live_server, alliance, problems):
    # given challenges in two chains, one claimed and in progress
    published_at = timezone.now() - dt.timedelta(days=3)
    in_progress = open_packaging_challenge(alliance, status=Status.IN_PROGRESS, expert=alliance.fitting,
                                           published_at=published_at,
                                           first_claimed_at=published_at + dt.timedelta(hours=5))
    factories.ClaimFactory(challenge=in_progress, expert=alliance.fitting, status=Claim.Status.ACCEPTED)
    open_packaging_challenge(alliance, title="数控机床主轴热变形补偿", published_at=published_at)
    health_enterprise = factories.OrganisationFactory(name="苏州康健医疗器械有限公司", chain=alliance.health)
    factories.ChallengeFactory(enterprise=health_enterprise, chain=alliance.health, title="缓释制剂工艺放大",
                               published_at=published_at)

    # when park staff sign in and open 联盟看板 from the navbar
    sign_in(page, live_server.url, "park")
    page.goto(f"{live_server.url}/")
    navbar_link(page, "联盟看板").click()
    page.wait_for_url("**/alliance/dashboard/**")

    # then the KPI cards show the figures
    expect(page.get_by_role("heading", name="联盟看板")).to_be_visible()
    published_card = page.locator(".kpi-card", has_text="已上榜")
    expect(published_card.locator(".kpi-value")).to_have_text("3")
    expect(page.locator(".kpi-card", has_text="实施中").locator(".kpi-value")).to_have_text("1")
    assert page.locator(".kpi-card").count() >= 6

    # and every chart container holds a drawn ECharts canvas, with no errors in the console
    charts = page.locator(".dashboard-chart")
    expect(charts).to_have_count(7)
    for index in range(7):
        canvas = charts.nth(index).locator("canvas")
        expect(canvas).to_have_count(1)
        box = canvas.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    assert page.evaluate("typeof echarts") == "object"
    # Bootstrap's stylesheet is served: the navbar has its primary colour, not the browser default.
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.screenshot(path="/tmp/e2e-dashboard.png", full_page=True)
    assert not problems.console_errors
    assert not problems.page_errors and not problems.broken_assets


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_hall_and_challenge_page_fit_a_phone_and_the_menu_opens(phone_page, live_server, alliance, problems):
    # given an open challenge and an expert signed in on a phone
    page = phone_page
    challenge = open_packaging_challenge(alliance)
    sign_in(page, live_server.url, "expert_li")

    # when they open the collapsed menu with the toggler
    menu = page.locator("#mainNav")
    expect(menu).to_be_hidden()
    page.locator(".navbar-toggler").click()

    # then the menu shows its links, and 榜单大厅 takes them to a hall that fits the screen
    expect(menu).to_be_visible()
    expect(page.locator(".navbar-toggler")).to_have_attribute("aria-expanded", "true")
    navbar_link(page, "榜单大厅").click()
    expect(page.locator("#hall-results")).to_contain_text(TITLE)
    assert has_no_horizontal_scroll(page)
    page.screenshot(path="/tmp/e2e-phone-hall.png", full_page=True)

    # and so does the challenge page
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/challenges/{challenge.pk}/")
    expect(page.get_by_role("button", name="我要揭榜")).to_be_visible()
    assert has_no_horizontal_scroll(page)
    page.screenshot(path="/tmp/e2e-phone-detail.png", full_page=True)
    assert not problems.page_errors and not problems.broken_assets


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_language_switch_turns_the_page_to_english(page, live_server, alliance, problems):
    # given an expert signed in, reading in Chinese
    sign_in(page, live_server.url, "expert_li")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    path = page.url

    # when they choose English in the language switch
    page.locator("select[name=language]").select_option(label="English")

    # then the page comes back in English on the same address
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == path
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.screenshot(path="/tmp/e2e-language.png", full_page=True)
    assert not problems.page_errors and not problems.broken_assets


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_dashboard_period_select_names_the_period_the_figures_cover(page, live_server, alliance):
    # given park staff on the dashboard for the first time (no filter chosen)
    sign_in(page, live_server.url, "park")
    page.goto(f"{live_server.url}/alliance/dashboard/")
    # then the period select shows the period the figures are counted over (from 1 January: this year)
    expect(page.locator("main")).to_contain_text(f"{timezone.localdate().year}-01-01")
    assert page.get_by_label("统计周期").evaluate("select => select.selectedOptions[0].text") == "本年"
