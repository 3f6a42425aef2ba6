"""English as the second language: pages and API messages follow the visitor's language, Chinese by default,
and the English catalogue leaves no string untranslated."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from challenges.models import Challenge, Claim, Status
from experts.models import ExpertApplication
from notifications.models import Notification, NotificationPreference
from tests import factories

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
CONFIRMED_TEXT = re.compile(r"""confirm\('\{% translate "([^"]+)" %\}'\)""")


def english_client() -> Client:
    """A browser whose visitor chose English with the navbar switch (pages follow only that cookie)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text_of(response) -> str:
    return response.content.decode()


# Pages ---------------------------------------------------------------------------------------------------------


def test_home_page_is_chinese_when_no_language_is_asked_for(db):
    # when a visitor with no language preference opens the home page
    page = text_of(Client().get(reverse("home")))
    # then the pitch and the sign-in button are in Chinese
    assert '<html lang="zh-hans">' in page
    assert "企业发榜" in page and "登录参与" in page
    assert "Enterprises post" not in page and "Log in" not in page


def test_home_page_is_english_for_a_visitor_who_chose_english(db):
    # when a visitor who chose English opens the home page
    page = text_of(english_client().get(reverse("home")))
    # then the pitch and the sign-in button are in English
    assert '<html lang="en">' in page
    assert "Enterprises post" in page and "Experts claim" in page and "Log in to take part" in page
    assert "企业发榜" not in page and "登录参与" not in page


def test_language_switcher_turns_the_hall_english_and_back(expert_user, open_challenge):
    # given a signed-in expert who picks English in the switcher
    client = Client()
    client.force_login(expert_user)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("challenges:hall")})
    assert response.status_code == 302
    # when they open the hall
    page = text_of(client.get(reverse("challenges:hall")))
    # then navigation, statuses and counts are English while the challenge itself keeps its own words
    assert "Challenge hall" in page and "Recommended for me" in page
    assert "Open for claims" in page and "1 challenge" in page
    assert open_challenge.title in page
    assert "榜单大厅" not in page and "揭榜中" not in page
    # when they switch back to Chinese
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("challenges:hall")})
    page = text_of(client.get(reverse("challenges:hall")))
    # then the hall is Chinese again
    assert "榜单大厅" in page and "揭榜中" in page
    assert "Challenge hall" not in page


def test_login_page_follows_the_language(db):
    # when the login page is opened in English and then with no preference
    english = text_of(english_client().get(reverse("login")))
    chinese = text_of(Client().get(reverse("login")))
    # then its heading and fields are in that language
    assert "Log in to the Shared Expert Alliance" in english and "Username" in english and "Password" in english
    assert "登录共享专家联盟" not in english and "用户名" not in english
    assert "登录共享专家联盟" in chinese and "用户名" in chinese
    assert "Username" not in chinese


def test_bad_login_is_refused_with_an_english_message(db):
    # given a park user
    factories.UserFactory(username="somebody")
    # when they sign in in English with the wrong password
    response = english_client().post(reverse("login"), {"username": "somebody", "password": "wrong"})
    # then the form comes back with an English error and nobody is signed in
    page = text_of(response)
    assert response.status_code == 200
    assert "Incorrect username or password. Please try again." in page
    assert "_auth_user_id" not in response.wsgi_request.session


def test_dashboard_for_park_staff_follows_the_language(park_staff, open_challenge):
    # given park staff signed in, once reading English and once with no preference
    english_reader = english_client()
    english_reader.force_login(park_staff)
    chinese_reader = Client()
    chinese_reader.force_login(park_staff)
    # when each opens the alliance dashboard
    english = english_reader.get(reverse("alliance:dashboard"))
    chinese = chinese_reader.get(reverse("alliance:dashboard"))
    # then titles, figures' labels and period choices are in that language
    assert english.status_code == chinese.status_code == 200
    english_page, chinese_page = text_of(english), text_of(chinese)
    english_labels = ("Alliance dashboard", "Claim rate", "Median time to first claim", "Most active experts")
    for label in (*english_labels, "This month"):
        assert label in english_page
    for label in ("联盟看板", "揭榜率", "首次揭榜中位用时", "最活跃专家"):
        assert label not in english_page
        assert label in chinese_page
    assert "Alliance dashboard" not in chinese_page


def test_form_errors_are_english_for_an_english_reader(enterprise_user):
    # given an enterprise member reading English
    client = english_client()
    client.force_login(enterprise_user)
    # when they post a challenge with no title and a one-word description
    response = client.post(reverse("challenges:create"), {"title": "", "description": "短"})
    # then the form comes back with English field errors and nothing is posted
    page = text_of(response)
    assert response.status_code == 400
    assert "Please enter a title for the challenge." in page and "Please choose a claim deadline." in page
    assert "请填写需求名称。" not in page
    assert not Challenge.objects.exists()


# Pages added since the first pass ----------------------------------------------------------------------------------


def english_client_for(user) -> Client:
    client = english_client()
    client.force_login(user)
    return client


def pending_challenge(enterprise, enterprise_user, chain) -> Challenge:
    return factories.ChallengeFactory(
        enterprise=enterprise, author=enterprise_user, chain=chain, status=Status.PENDING_REVIEW, published_at=None
    )


def test_review_list_is_english_for_a_chain_leader_who_chose_english(chain_leader, enterprise, enterprise_user, chain):
    # given a challenge waiting for review in the leader's chain
    challenge = pending_challenge(enterprise, enterprise_user, chain)
    # when the chain leader opens the 待审核 list in English and then with no preference
    english = english_client_for(chain_leader).get(reverse("challenges:review_list"))
    chinese_reader = Client()
    chinese_reader.force_login(chain_leader)
    chinese = chinese_reader.get(reverse("challenges:review_list"))
    # then heading, count, status and dates are in that language and the challenge keeps its own words
    assert english.status_code == chinese.status_code == 200
    page = text_of(english)
    assert "Challenges pending review" in page and "Pending review" in page and "Submitted at: " in page
    assert "1 challenge is waiting for review; the earliest submitted come first." in page
    assert challenge.title in page
    assert "待审核需求" not in page and "等待审核" not in page and "提交时间" not in page
    assert "待审核需求" in text_of(chinese) and "Challenges pending review" not in text_of(chinese)


def test_empty_review_list_says_so_in_english(chain_leader):
    page = text_of(english_client_for(chain_leader).get(reverse("challenges:review_list")))
    assert "No challenges are pending review." in page and "没有待审核的需求" not in page


def test_review_buttons_are_actions_while_the_timeline_keeps_past_tense(chain_leader, enterprise, enterprise_user,
                                                                        chain):
    # given a challenge waiting for review
    challenge = pending_challenge(enterprise, enterprise_user, chain)
    # when the chain leader opens it in English
    page = text_of(english_client_for(chain_leader).get(reverse("challenges:detail", args=[challenge.pk])))
    # then the review buttons say what they do ("驳回" is also the name of a past event, "Returned")
    assert "Approve and publish" in page and ">Return</button>" in page.replace("\n", "")
    assert "Returned</button>" not in page


def test_notification_settings_page_is_english(enterprise_user):
    # when a member who chose English opens the notification settings
    page = text_of(english_client_for(enterprise_user).get(reverse("notifications:preferences")))
    # then kinds, channels and the e-mail choices are English
    for text in ("Notification settings", "Claim received", "In-app message", "Email", "Immediately", "Daily digest",
                 "Back to notifications", "Save settings"):
        assert text in page, text
    for text in ("通知设置", "收到揭榜", "站内信", "即时发送", "每日摘要", "保存设置"):
        assert text not in page, text


def test_bad_notification_settings_are_refused_in_english_and_nothing_is_saved(enterprise_user):
    # given settings with a frequency that does not exist
    form = {f"{kind}-frequency": "immediate" for kind in Notification.Kind.values if kind != "daily_digest"}
    form[f"{Notification.Kind.CLAIM_SUBMITTED}-frequency"] = "hourly"
    # when a member reading English saves them
    response = english_client_for(enterprise_user).post(reverse("notifications:preferences"), form)
    # then the form comes back with English messages and no preference is stored
    page = text_of(response)
    assert response.status_code == 400
    assert "Please correct the errors marked below before saving." in page
    assert "Please choose “Immediately” or “Daily digest”." in page
    assert "请选择" not in page
    assert not NotificationPreference.objects.exists()


def test_dashboard_drill_down_is_english_on_the_page_and_in_the_csv(park_staff, open_challenge):
    client = english_client_for(park_staff)
    query = {"metric": "status", "status": Status.OPEN, "period": "all"}
    # when park staff reading English open the list behind a status count
    response = client.get(reverse("alliance:drilldown"), query)
    # then title, column headers, totals and export buttons are English
    page = text_of(response)
    assert response.status_code == 200
    assert "Challenges by status · Open for claims" in page and "Details" in page and "Total: 1" in page
    for header in ("ID", "Title", "Posting enterprise", "Reward (10k CNY)", "Time to first claim (hours)",
                   "Export Excel", "Export CSV"):
        assert f">{header}<" in page or f"> {header}<" in page, header
    assert "明细列表" not in page and "按状态" not in page and "悬赏（万元）" not in page
    assert open_challenge.title in page
    # and the CSV download has the same English headers
    download = client.get(reverse("alliance:drilldown"), {**query, "format": "csv"})
    csv_text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("ID,Title,Posting enterprise,Industry chain,Technical field,Status")


def test_dashboard_drill_down_refuses_an_unknown_metric_in_english(park_staff):
    response = english_client_for(park_staff).get(reverse("alliance:drilldown"), {"metric": "nonsense"})
    assert response.status_code == 400
    assert "Please choose a valid metric." in text_of(response)
    assert "请选择有效的统计指标" not in text_of(response)


def test_navbar_action_and_dashboard_count_are_different_english_words(park_staff, enterprise_user, open_challenge):
    # "发布需求" is the navbar's action for an enterprise and a count on the dashboard
    navbar = text_of(english_client_for(enterprise_user).get(reverse("challenges:hall")))
    dashboard = text_of(english_client_for(park_staff).get(reverse("alliance:dashboard")))
    assert "Post a challenge" in navbar and "Challenges posted" not in navbar
    assert "Challenges posted" in dashboard


APPLICATION = {
    "name": "Sun Li", "email": "sun.li@suda.edu.cn", "phone": "13800000001", "organisation_name": "Soochow University",
    "title": "Professor", "category": "professor", "research_areas": "nanomaterials, battery cathodes",
    "achievements": "Three patents on high-nickel cathodes",
}


def test_expert_application_form_is_english(db):
    # when a visitor who chose English opens the form to join the pool
    page = text_of(english_client().get(reverse("experts:apply")))
    # then its heading, labels, hints and button are English
    for text in ("Apply to join the expert pool", "Main achievements", "Industry chains you are willing to serve",
                 "The result of the review will be sent to this email.", "Submit application"):
        assert text in page, text
    assert "申请加入专家库" not in page and "主要成果" not in page and "提交申请" not in page


def test_bad_expert_application_is_refused_in_english_and_nothing_is_saved(db):
    # when a visitor reading English sends the form with a broken e-mail and no achievements
    response = english_client().post(reverse("experts:apply"), {**APPLICATION, "email": "not-an-email",
                                                                "achievements": ""})
    # then the form comes back with English messages and no application exists
    page = text_of(response)
    assert response.status_code == 400
    assert "Your application was not submitted. Please correct the highlighted fields." in page
    assert "Enter a valid email address." in page
    assert "申请未提交" not in page
    assert not ExpertApplication.objects.exists()


def test_expert_application_is_confirmed_in_english(db):
    response = english_client().post(reverse("experts:apply"), APPLICATION)
    page = text_of(response)
    assert response.status_code == 200
    assert "Application submitted" in page and "send the result to sun.li@suda.edu.cn" in page
    assert ExpertApplication.objects.filter(email="sun.li@suda.edu.cn").count() == 1


# API -------------------------------------------------------------------------------------------------------------


def claims_url(challenge: Challenge) -> str:
    return f"/api/v1/challenges/{challenge.pk}/claims/"


PROPOSAL = "采用三维视觉测量加柔性夹爪，按零件尺寸自动匹配包装规格。"


def test_refused_claim_is_explained_in_english_when_asked(api_client, expert_user, open_challenge):
    # given a challenge that has been closed
    Challenge.objects.filter(pk=open_challenge.pk).update(status=Status.CLOSED)
    api_client.force_authenticate(expert_user)
    # when an expert whose client asks for English claims it
    response = api_client.post(
        claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 30}, format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the 409 explains why in English, with the status name translated too, and no claim exists
    assert response.status_code == 409
    assert response.json()["detail"] == "This challenge is currently “Closed” and cannot be claimed."
    assert not Claim.objects.exists()


def test_refused_claim_is_explained_in_chinese_by_default(api_client, expert_user, open_challenge):
    # given a challenge that has been closed
    Challenge.objects.filter(pk=open_challenge.pk).update(status=Status.CLOSED)
    api_client.force_authenticate(expert_user)
    # when an expert claims it with no language preference
    response = api_client.post(claims_url(open_challenge), {"proposal": PROPOSAL, "expected_days": 30}, format="json")
    # then the 409 is in Chinese and no claim exists
    assert response.status_code == 409
    assert response.json()["detail"] == "该需求当前为「已关闭」，不能揭榜。"
    assert not Claim.objects.exists()


def test_invalid_claim_lists_english_field_messages(api_client, expert_user, open_challenge):
    # given an expert whose client asks for English
    api_client.force_authenticate(expert_user)
    # when they claim without a proposal
    response = api_client.post(
        claims_url(open_challenge), {"expected_days": 30}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    # then the 400 and its field message are English and no claim exists
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Some of the submitted data is invalid. Please check it and try again."
    assert body["errors"]["proposal"] == ["Please summarise your proposal."]
    assert not Claim.objects.exists()


def test_returning_a_challenge_without_a_reason_is_explained_in_english(api_client, chain_leader, enterprise,
                                                                        enterprise_user, chain):
    # given a challenge waiting for review
    challenge = pending_challenge(enterprise, enterprise_user, chain)
    api_client.force_authenticate(chain_leader)
    # when the chain leader's client, asking for English, returns it with no reason
    response = api_client.post(f"/api/v1/challenges/{challenge.pk}/review/", {"approve": False}, format="json",
                               HTTP_ACCEPT_LANGUAGE="en")
    # then the 400 asks for a reason in English and the challenge still waits for review
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Please give a reason when returning a challenge, so the enterprise knows what to change."
    )
    challenge.refresh_from_db()
    assert challenge.status == Status.PENDING_REVIEW


# The catalogue ------------------------------------------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgctxt, msgid, msgid_plural and the msgstr forms, strings unquoted."""
    entries: list[dict] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set(), "msgstr": {}}
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                text = ast.literal_eval(line)
                if isinstance(key, int):
                    entry["msgstr"][key] += text
                else:
                    entry[key] += text
            else:
                keyword, _, quoted = line.partition(" ")
                text = ast.literal_eval(quoted)
                if keyword.startswith("msgstr"):
                    key = int(keyword[7:-1]) if "[" in keyword else 0
                    entry["msgstr"][key] = text
                else:
                    key = keyword
                    entry[key] = text
        if entry.get("msgid"):
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return read_po(PO_PATH)


def test_catalogue_is_read(catalogue):
    # a parser that found nothing would make the checks below pass vacuously
    assert len(catalogue) > 400
    assert any(entry["msgid"] == "榜单大厅" and entry["msgstr"][0] == "Challenge hall" for entry in catalogue)


def test_every_string_has_a_checked_english_translation(catalogue):
    untranslated = [entry["msgid"] for entry in catalogue if not all(entry["msgstr"].values())]
    fuzzy = [entry["msgid"] for entry in catalogue if "fuzzy" in entry["flags"]]
    assert untranslated == [], "run makemessages and translate these in locale/en/LC_MESSAGES/django.po"
    assert fuzzy == [], "check these translations and remove their fuzzy flag"


def test_translations_keep_every_placeholder(catalogue):
    broken = []
    for entry in catalogue:
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, translation in entry["msgstr"].items():
            source = sources[min(index, 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                broken.append((source, translation))
    assert broken == []


def test_translations_are_english_not_chinese(catalogue):
    # 简体中文 is a language's own name in the switcher; everything else should have no Chinese left
    cjk = re.compile(r"[\u4e00-\u9fff]")
    leftovers = [entry["msgid"] for entry in catalogue for text in entry["msgstr"].values() if cjk.search(text)]
    assert leftovers == []


def test_compiled_catalogue_matches_the_po(catalogue):
    # the .mo is committed so the site runs without gettext: it must be compiled from the current .po
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue:
        context, msgid, forms = entry.get("msgctxt"), entry["msgid"], entry["msgstr"]
        if "msgid_plural" in entry:
            found = [compiled.ngettext(msgid, entry["msgid_plural"], count) for count in (1, 2)]
            expected = [forms[0], forms[1]]
        elif context is not None:
            found, expected = [compiled.pgettext(context, msgid)], [forms[0]]
        else:
            found, expected = [compiled.gettext(msgid)], [forms[0]]
        if found != expected:
            stale.append(msgid)
    assert stale == [], "run: python manage.py compilemessages --ignore=.venv --ignore=node_modules"


def test_texts_inside_javascript_confirm_have_no_apostrophe(catalogue):
    # templates put these inside confirm('...'): an apostrophe in the English would end the string and the
    # browser would skip the question and submit at once
    templates = Path(settings.BASE_DIR) / "templates"
    quoted = set()
    for template in templates.rglob("*.html"):
        quoted |= set(CONFIRMED_TEXT.findall(template.read_text(encoding="utf-8")))
    assert len(quoted) >= 3
    english = {entry["msgid"]: entry["msgstr"][0] for entry in catalogue if "msgctxt" not in entry}
    assert [msgid for msgid in quoted if "'" in english[msgid]] == []
