"""The notification settings form: per kind of event, the channels and whether e-mail waits for the daily digest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification, NotificationPreference
from notifications.services import Preference


class PreferencesForm(forms.Form):
    """Three fields per kind: `<kind>-in_app`, `<kind>-email`, `<kind>-frequency`."""

    def __init__(self, *args, preferences: list[Preference], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = [preference.kind for preference in preferences]
        for preference in preferences:
            kind = preference.kind
            self.fields[f"{kind}-in_app"] = forms.BooleanField(
                label=_("站内信"), required=False, initial=preference.in_app
            )
            self.fields[f"{kind}-email"] = forms.BooleanField(
                label=_("电子邮件"), required=False, initial=preference.email
            )
            self.fields[f"{kind}-frequency"] = forms.ChoiceField(
                label=_("邮件发送方式"), choices=NotificationPreference.Frequency.choices,
                initial=preference.frequency,
                error_messages={
                    "required": _("请选择邮件发送方式。"),
                    "invalid_choice": _("请选择“即时发送”或“每日摘要”。"),
                },
            )

    def rows(self) -> list[dict]:
        """What the template lays out: one card per kind with its three bound fields."""
        labels = dict(Notification.Kind.choices)
        return [
            {
                "kind": kind, "label": labels[kind], "in_app": self[f"{kind}-in_app"], "email": self[f"{kind}-email"],
                "frequency": self[f"{kind}-frequency"],
            }
            for kind in self.kinds
        ]

    def preferences(self) -> list[Preference]:
        data = self.cleaned_data
        return [
            Preference(
                kind=kind, in_app=data[f"{kind}-in_app"], email=data[f"{kind}-email"],
                frequency=data[f"{kind}-frequency"],
            )
            for kind in self.kinds
        ]
