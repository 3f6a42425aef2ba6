"""Pages speak Simplified Chinese unless the visitor chose English with the language switch."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_page_is_chinese_even_when_the_browser_prefers_english(client):
    # given a phone browser set to English, opening a link from WeChat
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    # then the page is Chinese
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in response.content.decode()


def test_language_switch_makes_pages_english(client):
    # when the visitor picks English in the switch
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # then later pages are English
    page = client.get(reverse("login"))
    assert '<html lang="en"' in page.content.decode()


def test_api_follows_accept_language(api_client):
    # the API negotiates with Accept-Language as usual
    english = api_client.get("/api/v1/chains/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api_client.get("/api/v1/chains/")
    assert english.status_code in (401, 403)
    assert english.headers["Content-Language"] == "en"
    assert chinese.headers["Content-Language"] == "zh-hans"


def test_favicon_is_served_by_us(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/")
