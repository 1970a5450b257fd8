"""Logging for the Telegram transport: the bot token is masked in every record, wherever it hides.

The Bot API puts the token in every request URL, and httpx logs request URLs at INFO, so the
noisy HTTP loggers are quietened and a filter on the handler masks the token in the message,
its arguments, the traceback and the stack.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from typing import TextIO

MASK = "***"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")

# These log every request URL (with the token inside) at INFO or DEBUG.
CHATTY_LOGGERS = ("httpx", "httpcore")
# These log residents' data at DEBUG: PTB whole updates and every call's parameters (chat ids,
# names, the text of questions), aiosqlite every statement with its parameters. They stay at
# INFO whatever the level, so no log line holds a resident's id or words (docs/reliability.md,
# /forget) and OMRADESBOT_LOG_LEVEL=DEBUG shows the bot's own debugging only.
PRIVATE_LOGGERS = ("telegram", "aiosqlite")


class SecretMaskingFilter(logging.Filter):
    """Replaces each secret by `***` in a record before any handler formats it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def mask(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so the handler reuses the masked text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the traceback if any.

    For log collectors (journald, Loki, ...): a multi-line traceback stays inside its event.
    """

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            event["exception"] = record.exc_text
        if record.stack_info:
            event["stack"] = record.stack_info
        return json.dumps(event, ensure_ascii=False)


class _BotLogHandler(logging.StreamHandler[TextIO]):
    """The handler `configure_logging` installs, recognisable so it can be replaced."""


def configure_logging(
    level: str = "INFO",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    log_format: str = "text",
) -> logging.Handler:
    """Send logs to `stream` (stderr) with `secrets` masked; return the handler installed.

    `log_format` is "text" (one human-readable line per event) or "json" (one JSON object per
    line, tracebacks included).
    """
    handler = _BotLogHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT))
    handler.addFilter(SecretMaskingFilter(secrets))
    root = logging.getLogger()
    # Configuring twice (tests, a second `run` in one process) replaces our handler, not doubles it.
    for old in [h for h in root.handlers if isinstance(h, _BotLogHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in PRIVATE_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    return handler
