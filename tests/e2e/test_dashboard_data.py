"""Browser: from a dashboard number to the list behind it, and the Excel export of that list."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_park_staff_drill_from_a_kpi_to_its_list_and_download_it(page, live_server, alliance, problems):
    # given a challenge published three weeks ago that nobody claimed (over the 7-day SLA) and a fresh one
    factories.ChallengeFactory(enterprise=alliance.enterprise, chain=alliance.equipment, title="无人问津的需求",
                               published_at=timezone.now() - dt.timedelta(days=21))
    factories.ChallengeFactory(enterprise=alliance.enterprise, chain=alliance.equipment, title="刚发布的需求")
    sign_in(page, live_server.url, "park")
    page.goto(f"{live_server.url}/alliance/dashboard/?period=all")
    page.wait_for_load_state("networkidle")  # let the favicon finish, so navigating away cancels nothing
    # when they click the 超时未揭榜 number
    card = page.locator(".kpi-card", has_text="超时未揭榜")
    expect(card.locator(".kpi-value")).to_have_text("1")
    card.locator("a").click()
    # then the list shows exactly that challenge
    page.wait_for_url("**/alliance/dashboard/list/**")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="超时未揭榜的需求")).to_be_visible()
    rows = page.locator("#drilldown-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("无人问津的需求")
    page.screenshot(path="/tmp/e2e-dashboard-drilldown.png", full_page=True)
    # (checked before the download: starting one may cancel a still-loading favicon request)
    assert not problems.page_errors and not problems.broken_assets
    # and the Excel button downloads the same rows under a Chinese sheet name
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    book = load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read()))
    sheet = book.worksheets[0]
    assert sheet.title == "超时未揭榜的需求"
    assert sheet["B2"].value == "无人问津的需求" and sheet.max_row == 2
