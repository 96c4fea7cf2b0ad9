"""Keep stored values out of pymongo's command log.

pymongo logs every command and reply document at DEBUG on ``pymongo.command`` (when an
application turns that logger on) — connector configs and payloads included. Opening a MongoDB
store adds one filter to that logger which replaces those documents by a placeholder and keeps
the rest of the record (command name, duration, server). Without pymongo's structured log
messages (``LogMessage`` with its fields), the filter lets records through unchanged.
"""

from __future__ import annotations

import logging
from typing import Final

COMMAND_LOGGER: Final = "pymongo.command"
HIDDEN: Final = "<hidden by integration-store>"
_DOCUMENT_FIELDS: Final = ("command", "reply", "failure")


class DocumentsHidden(logging.Filter):
    """Replaces the documents of a pymongo command log record by ``HIDDEN``."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = getattr(record.msg, "_kwargs", None)
        if isinstance(fields, dict):
            for name in _DOCUMENT_FIELDS:
                if name in fields:
                    fields[name] = HIDDEN
        return True


def hide_documents() -> None:
    """Install the filter once per process."""
    logger = logging.getLogger(COMMAND_LOGGER)
    if not any(isinstance(existing, DocumentsHidden) for existing in logger.filters):
        logger.addFilter(DocumentsHidden())
