"""`omradesbot run` as a real subprocess against the emulator; the token never reaches the logs."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import sys
from pathlib import Path

from bot.telegram.logs import configure_logging
from tests.e2e.conftest import ROOT, TOKEN, Resident, rows_about
from tools.emulator import BotApiEmulator

OMRADESBOT = Path(sys.executable).with_name("omradesbot")


async def test_omradesbot_run_serves_residents_and_stops_cleanly(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    db_file = tmp_path / "data" / "bot.db"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.base_url,
        "OMRADESBOT_DATABASE_URL": f"sqlite:///{db_file}",
        "OMRADESBOT_CONTENT_DIR": str(ROOT / "content"),
        "OMRADESBOT_LOG_LEVEL": "DEBUG",
    }
    process = await asyncio.create_subprocess_exec(
        str(OMRADESBOT),
        "run",
        cwd=tmp_path,  # runs from any directory
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        resident = Resident(emulator, emulator.user(7300, language_code="sv"))
        # Start-up (imports, migrations) takes a few seconds; the wait is event-driven.
        before = emulator.count_messages(resident.chat_id)
        await emulator.send_text(resident.user, "/start")
        await emulator.wait_for_messages(resident.chat_id, before + 1, timeout=30)
        assert "Balltorp" in (await resident.says("/prenumerera balltorp")).content
        assert rows_about(db_file, resident.chat_id)["subscriptions"] == 1
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    logs = (stdout + stderr).decode()
    assert process.returncode == 0, logs
    assert "is ready" in logs
    assert TOKEN not in logs
    assert TOKEN.split(":", 1)[1] not in logs


async def test_token_is_masked_in_every_log_record_of_a_run(resident: Resident) -> None:
    stream = io.StringIO()
    root_level = logging.getLogger().level
    handler = configure_logging("DEBUG", secrets=[TOKEN], stream=stream)
    try:
        await resident.says("/start")
        await resident.says("varför flyttar arbetet?")
        logging.getLogger("test").error("a token in a message: %s", TOKEN)
        try:
            raise RuntimeError(f"failed calling {resident.emulator.base_url}{TOKEN}/getMe")
        except RuntimeError:
            logging.getLogger("test").exception("a token in a traceback")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(root_level)
    logs = stream.getvalue()
    assert "HTTP Request: POST" in logs  # the request URLs really were logged ...
    assert "/bot***/sendMessage" in logs  # ... with the token redacted
    assert TOKEN not in logs
    assert logs.count("***") >= 4
