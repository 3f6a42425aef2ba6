"""Browser fixtures: one Debian chromium for the session, a fresh context per test, and the alliance it walks through.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check must be relaxed for the
ORM calls the tests make between clicks. The live server answers from its own thread with the same database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests import factories

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
# The machine is offline: these flags stop chromium from reaching for updates, sync and QUIC.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PASSWORD = "pass12345"  # what tests.factories.UserFactory sets
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class BrowserProblems:
    """What went wrong below the page: JavaScript errors, console errors, and assets that did not load."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    broken_assets: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("requestfailed", lambda request: self.broken_assets.append(f"failed {request.url}"))
        # Pages may answer 400/409 on purpose (bad input, refusals); static files never should.
        page.on("response", lambda response: "/static/" in response.url and response.status >= 400
                and self.broken_assets.append(f"{response.status} {response.url}"))


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def problems() -> BrowserProblems:
    return BrowserProblems()


def open_context(browser: Browser, problems: BrowserProblems, *, phone: bool = False) -> BrowserContext:
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2} if phone else {
        "viewport": DESKTOP}
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(10_000)
    context.on("page", problems.watch)
    # The accept and withdraw buttons ask for confirmation; the user says yes.
    context.on("page", lambda page: page.on("dialog", lambda dialog: dialog.accept()))
    return context


@pytest.fixture
def page(browser: Browser, problems: BrowserProblems) -> Iterator[Page]:
    context = open_context(browser, problems)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser: Browser, problems: BrowserProblems) -> Iterator[Page]:
    context = open_context(browser, problems, phone=True)
    yield context.new_page()
    context.close()


@pytest.fixture(autouse=True)
def own_match_index(settings, tmp_path_factory) -> None:
    """The expert index lives in a folder of our own, so other test runs' index files never meet ours."""
    from matching.index import forget_loaded_index

    settings.MATCH_INDEX_DIR = tmp_path_factory.mktemp("match-index")
    forget_loaded_index()


def sign_in(page: Page, base_url: str, username: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("密码").fill(PASSWORD)
    form.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def navbar_link(page: Page, name: str):
    return page.locator("#mainNav").get_by_role("link", name=re.compile(name))


@pytest.fixture
def alliance(db):
    """A small alliance: three chains, an enterprise with a member, three experts (one fits packaging and vision),
    and park staff."""
    equipment = factories.IndustryChainFactory(name="高端智能装备", code="equipment", sort_order=1)
    health = factories.IndustryChainFactory(name="生命大健康", code="health", sort_order=2)
    materials = factories.IndustryChainFactory(name="新材料", code="materials", sort_order=3)
    packaging_field = factories.TechnicalFieldFactory(name="智能包装与物流装备", chain=equipment)
    factories.TechnicalFieldFactory(name="生物医药", chain=health)
    enterprise = factories.OrganisationFactory(name="苏州绿野户外用品有限公司", chain=equipment, city="苏州")
    enterprise_user = factories.EnterpriseMembershipFactory(
        organisation=enterprise, user__username="ent_user", user__display_name="陈经理"
    ).user
    fitting = factories.ExpertFactory(
        name="李明", user__username="expert_li", user__display_name="李明", title="教授",
        organisation=factories.UniversityFactory(name="苏州科技大学"),
        research_areas=["机器视觉", "自动包装", "柔性制造"],
        bio="长期从事包装机械与机器视觉研究，主持多条异形件自动包装线的柔性化改造。", chains=[equipment],
    )
    factories.AchievementFactory(expert=fitting, title="面向异形零件的视觉引导柔性包装系统", year=2024)
    pharmacist = factories.ExpertFactory(
        name="王芳", user__username="expert_wang", user__display_name="王芳", title="研究员",
        organisation=factories.UniversityFactory(name="中国药科大学苏州研究院"),
        research_areas=["生物医药", "药物制剂", "缓释制剂"], bio="从事口服缓释制剂的处方与工艺研究。",
        chains=[health],
    )
    chemist = factories.ExpertFactory(
        name="周强", user__username="expert_zhou", user__display_name="周强", title="高级工程师",
        category="enterprise", organisation=factories.UniversityFactory(name="江苏新能源材料研究院"),
        research_areas=["锂电池材料", "电化学储能"], bio="专注于高镍正极材料与固态电解质。", chains=[materials],
    )
    staff = factories.ParkStaffFactory(user__username="park", user__display_name="刘主任").user
    return SimpleNamespace(
        equipment=equipment, health=health, materials=materials, packaging_field=packaging_field,
        enterprise=enterprise, enterprise_user=enterprise_user, fitting=fitting, pharmacist=pharmacist,
        chemist=chemist, staff=staff,
    )
