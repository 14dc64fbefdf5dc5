"""Log records never carry a family's private status link.

Django logs the path of refused or failing requests (405, 403 on a missing CSRF cookie,
500), and a status link's path holds the secret that opens the family's request.
"""

from __future__ import annotations

import logging
import re

STATUS_LINK = re.compile(r"(/request/status/[^/\s]+/)[^/\s\"']+")
REDACTED = r"\1[secret]"


def redact(text: str) -> str:
    return STATUS_LINK.sub(REDACTED, text)


class RedactStatusLinks(logging.Filter):
    """Rewrite the message without secrets; drop the request object, whose path and
    headers an error report would otherwise print."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/request/status/" in message or hasattr(record, "request"):
            record.msg = redact(message)
            record.args = ()
            if hasattr(record, "request"):
                request = record.request
                path = getattr(request, "path", "")
                if "/request/status/" in str(path):
                    record.request = None
        return True
