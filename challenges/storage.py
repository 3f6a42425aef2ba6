"""Private storage for challenge attachments: under settings.PRIVATE_MEDIA_ROOT, never under MEDIA_ROOT.

Files get no public URL; they are streamed by the attachment download API after it checked the user may see them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:  # pragma: no cover - guard against accidental public links
        raise ValueError("private attachments have no public URL; use the download API")


def private_storage() -> PrivateStorage:
    # Built on each call so that the current settings (tests override PRIVATE_MEDIA_ROOT) are used.
    return PrivateStorage(location=str(settings.PRIVATE_MEDIA_ROOT), base_url=None)
