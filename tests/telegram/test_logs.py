"""The token-masking log filter and the logging set-up of `omradesbot run`."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.telegram.logs import MASK, SecretMaskingFilter, configure_logging

TOKEN = "123456789:AAE-secret_part-of-the-token-xyz"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_masks_the_token_in_message_arguments_and_traceback() -> None:
    mask = SecretMaskingFilter([TOKEN])
    try:
        raise ValueError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except ValueError as error:
        record = _record("calling %s with %r", f"/bot{TOKEN}/getMe", {"t": TOKEN}, exc=error)
    assert mask.filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text
    assert f"/bot{MASK}/getMe" in text
    assert "ValueError" in text  # the traceback is still there


def test_leaves_records_without_secrets_alone() -> None:
    record = _record("%d residents", 3)
    assert SecretMaskingFilter([TOKEN]).filter(record)
    assert record.getMessage() == "3 residents"
    assert SecretMaskingFilter([]).filter(_record("x"))


def test_configure_logging_masks_quietens_http_and_replaces_itself(restore_root: None) -> None:
    first = configure_logging("DEBUG", secrets=[TOKEN], stream=io.StringIO())
    stream = io.StringIO()
    second = configure_logging("INFO", secrets=[TOKEN], stream=stream)
    root = logging.getLogger()
    assert first not in root.handlers
    assert second in root.handlers
    assert logging.getLogger("httpx").level == logging.WARNING
    assert logging.getLogger("httpcore").level == logging.WARNING
    logging.getLogger("bot.test").info("token %s here", TOKEN)
    assert stream.getvalue().strip().endswith(f"token {MASK} here")


def test_debug_logging_keeps_residents_data_out_of_library_logs(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", secrets=[TOKEN], stream=stream)
    # PTB logs whole updates and call parameters at DEBUG, aiosqlite every SQL parameter.
    logging.getLogger("telegram.ext.Application").debug("update {'chat': {'id': 4711}}")
    logging.getLogger("telegram.Bot").debug("Calling sendMessage with {'chat_id': 4711}")
    logging.getLogger("aiosqlite").debug("executing partial(execute, 'SELECT', (4711,))")
    logging.getLogger("bot.outbox").debug("the bot's own debugging still shows")
    logging.getLogger("telegram.ext.Updater").info("Starting polling")
    logged = stream.getvalue()
    assert "4711" not in logged
    assert "the bot's own debugging still shows" in logged
    assert "Starting polling" in logged
