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
from tests import factories

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


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
