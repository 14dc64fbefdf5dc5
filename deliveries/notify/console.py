"""Development: the notice's text goes to the log, its address never."""

from __future__ import annotations

import logging

from deliveries.notify import Message

logger = logging.getLogger(__name__)


class ConsoleBackend:
    def send(self, address: str, message: Message) -> str | None:
        logger.info("notice: %s", message.body)
        return None

    def delete_record(self, ref: str) -> bool:
        return True  # nothing kept by a provider that we could delete
