"""Delivery channels: one small class per way of reaching a person, all behind the same interface.

A channel sends one notification and says whether anything was sent. It raises TransientChannelError when trying
again later may succeed (the mail server is down) and PermanentChannelError when it never will (the address is
refused). Adding a channel (webhooks, WeChat Work) means one class here and one entry in CHANNELS.
"""

from __future__ import annotations

import smtplib
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
            raise TransientChannelError(str(exc)) from exc
        return True


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in (InAppChannel(), EmailChannel())}


def get_channel(name: str) -> Channel | None:
    return CHANNELS.get(name)
