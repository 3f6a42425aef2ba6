"""Delivery channels: one small class per way of reaching a person, all behind the same interface.

A channel sends one notification and says whether anything was sent. It raises TransientChannelError when trying
again later may succeed (the mail server is down) and PermanentChannelError when it never will (the address is
refused). Adding a channel (webhooks, WeChat Work) means one class here and one entry in CHANNELS.
"""

from __future__ import annotations

import contextlib
import json
import smtplib
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import Delivery, Notification


class ChannelError(Exception):
    """A channel could not deliver."""


class TransientChannelError(ChannelError):
    """Delivery may succeed later: keep the row pending and retry."""


class PermanentChannelError(ChannelError):
    """Delivery will never succeed: mark the row failed."""


class Channel:
    name: ClassVar[str]

    def send(self, notification: Notification, *, delivery_id: int) -> bool:
        """Deliver one notification. True if sent, False if there was nothing to send (no address)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Around a batch of sends: a channel may hold a connection open for all of them."""
        yield


class InAppChannel(Channel):
    name = Delivery.Channel.IN_APP

    def send(self, notification: Notification, *, delivery_id: int) -> bool:
        return True  # the notification row is the in-app message; the inbox reads it


# SMTP replies in the 5xx range are final; 4xx replies and lost connections are worth another try.
_PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPNotSupportedError)


def notification_link(notification: Notification) -> str:
    base = str(settings.SITE_URL).rstrip("/")
    if not notification.url:
        return f"{base}/"
    if notification.url.startswith(("http://", "https://")):
        return notification.url
    return f"{base}/{notification.url.lstrip('/')}"


class EmailChannel(Channel):
    name = Delivery.Channel.EMAIL

    def __init__(self) -> None:
        self._local = threading.local()  # one SMTP connection per worker thread, for the length of a batch

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        if getattr(self._local, "connection", None) is not None:
            yield
            return
        self._local.connection = get_connection(fail_silently=False)
        try:
            yield
        finally:
            connection, self._local.connection = self._local.connection, None
            with contextlib.suppress(Exception):  # a connection that broke mid-batch has nothing left to close
                connection.close()

    def build_message(self, notification: Notification, *, delivery_id: int) -> EmailMultiAlternatives:
        recipient = notification.recipient
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "notification": notification,
                "recipient": recipient,
                "link": notification_link(notification),
                "inbox_link": f"{str(settings.SITE_URL).rstrip('/')}{reverse('notifications:inbox')}",
            }
            subject = _("【共享专家联盟】%(title)s") % {"title": notification.title}
            text = render_to_string("notifications/email/notification.txt", context)
            html = render_to_string("notifications/email/notification.html", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),  # a subject must be one line
            body=text,
            to=[recipient.email],
            # Lets a mail server or a reader tell a re-sent message from a new one.
            headers={"X-Alliance-Delivery": str(delivery_id)},
            connection=getattr(self._local, "connection", None),
        )
        message.attach_alternative(html, "text/html")
        return message

    def send(self, notification: Notification, *, delivery_id: int) -> bool:
        if not notification.recipient.email:
            return False
        message = self.build_message(notification, delivery_id=delivery_id)
        try:
            message.send(fail_silently=False)
        except _PERMANENT_SMTP_ERRORS as exc:
            raise PermanentChannelError(str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            # A refused login is our configuration, not the recipient: retry until someone fixes it.
            if exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise PermanentChannelError(str(exc)) from exc
            raise TransientChannelError(str(exc)) from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused or dropped connection, timeout, DNS
            self._drop_connection()
            raise TransientChannelError(str(exc)) from exc
        return True

    def _drop_connection(self) -> None:
        # The batch's next message opens a fresh connection instead of writing into a broken one.
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


# Group robots answer HTTP 200 with an error code in the body; these codes mean "too many messages, slow down".
_RATE_LIMIT_CODES = {
    "wecom": {45009},  # api freq out of limit
    "dingtalk": {130101, 130102},  # send too fast
    "feishu": {9499, 11232},  # too many requests, frequency limited
}


def webhook_text(notification: Notification) -> tuple[str, str]:
    """The announcement as (title, markdown), shared by the three robot formats."""
    link = notification_link(notification)
    lines = [f"**{notification.title}**"]
    if notification.body:
        lines += ["", notification.body]
    lines += ["", f"[{_('查看详情')}]({link})"]
    return notification.title, "\n".join(lines)


def webhook_payload(kind: str, notification: Notification) -> dict:
    """The JSON body each platform's custom group robot expects for a markdown (or rich text) message."""
    title, markdown = webhook_text(notification)
    if kind == "dingtalk":
        # 钉钉自定义机器人: msgtype markdown, with a title shown in the conversation list.
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    if kind == "feishu":
        # 飞书自定义机器人: rich text ("post"), a title and paragraphs of text and link elements.
        paragraphs: list[list[dict]] = []
        if notification.body:
            paragraphs.append([{"tag": "text", "text": notification.body}])
        paragraphs.append([{"tag": "a", "text": _("查看详情"), "href": notification_link(notification)}])
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": paragraphs}}}}
    # 企业微信群机器人: msgtype markdown, content only.
    return {"msgtype": "markdown", "markdown": {"content": markdown}}


def webhook_error_code(body: bytes) -> int:
    """The platform's error code in a 200 answer (0 is success); 0 when the body is not the JSON we know."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return 0
    if not isinstance(data, dict):
        return 0
    for key in ("errcode", "code", "StatusCode"):  # 企业微信/钉钉, 飞书, 飞书 (older answers)
        if isinstance(data.get(key), int):
            return data[key]
    return 0


class WebhookChannel(Channel):
    """The group robot of an industry chain: a URL and a platform (企业微信, 钉钉, 飞书) set by park staff."""

    name = Delivery.Channel.WEBHOOK

    def send(self, notification: Notification, *, delivery_id: int) -> bool:
        chain = notification.chain
        if chain is None or not chain.webhook_url:
            return False  # the robot was removed since the event: nothing to send to
        kind = chain.webhook_kind
        with translation.override(settings.LANGUAGE_CODE):
            payload = webhook_payload(kind, notification)
        request = urllib.request.Request(
            chain.webhook_url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8", "X-Alliance-Delivery": str(delivery_id)},
            method="POST",
        )
        timeout = float(getattr(settings, "NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS", 5))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # the URL is set by park staff
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            message = f"HTTP {exc.code} {exc.reason}"
            if exc.code == 429 or exc.code >= 500:
                raise TransientChannelError(message) from exc
            raise PermanentChannelError(message) from exc
        except ValueError as exc:  # a malformed URL or scheme: no retry will fix it
            raise PermanentChannelError(f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:  # refused, reset, timeout, DNS
            raise TransientChannelError(f"{type(exc).__name__}: {exc}") from exc
        code = webhook_error_code(body)
        if code == 0:
            return True
        message = f"{kind} errcode {code}: {body[:300].decode('utf-8', 'replace')}"
        if code in _RATE_LIMIT_CODES.get(kind, set()):
            raise TransientChannelError(message)
        raise PermanentChannelError(message)


CHANNELS: dict[str, Channel] = {
    channel.name: channel for channel in (InAppChannel(), EmailChannel(), WebhookChannel())
}


def get_channel(name: str) -> Channel | None:
    return CHANNELS.get(name)


@contextlib.contextmanager
def open_channels() -> Iterator[None]:
    """Hold every channel's connection open for a batch of deliveries."""
    with contextlib.ExitStack() as stack:
        for channel in CHANNELS.values():
            stack.enter_context(channel.batch())
        yield
