"""Simplified Chinese first: pages speak English only to someone who chose it."""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages follow the language cookie set by the switch in the navbar, else Simplified Chinese.

    A browser's Accept-Language is ignored for pages: people open our links from WeChat and e-mail in browsers
    whose language they did not pick for us, and the park's working language is Chinese. The API (/api/) keeps
    Django's usual negotiation so that a client can ask for English messages with Accept-Language.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
