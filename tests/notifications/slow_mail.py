"""An e-mail backend for worker subprocesses: each message takes a while, then becomes one file named after its
delivery, so a test can count across processes what was really handed over (and kill a worker mid-batch)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        directory = Path(os.environ["TEST_MAIL_DIR"])
        delay = float(os.environ.get("TEST_MAIL_DELAY_SECONDS", "0"))
        for message in email_messages:
            time.sleep(delay)
            delivery = message.extra_headers.get("X-Alliance-Delivery", "none")
            (directory / f"{delivery}-{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)
