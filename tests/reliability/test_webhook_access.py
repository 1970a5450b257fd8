"""The webhook refuses requests without the right secret, as `omradesbot run --webhook` serves
it: refused updates are never handled; the one with the secret is."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.e2e.webhook_support import PUBLIC_URL, SECRET, free_port, post_update, take_updates
from tests.reliability.conftest import start_bot_process
from tests.reliability.results import Results
from tools.emulator import BotApiEmulator

WRONG = [None, "", "wrong-secret", SECRET[:-1], SECRET + "x", SECRET.upper()]


async def test_the_webhook_refuses_a_missing_or_wrong_secret(
    tmp_path: Path, emulator: BotApiEmulator, results: Results
) -> None:
    port = free_port()
    resident = emulator.user(7_400_001, language_code="sv")
    bot = await start_bot_process(
        emulator,
        f"sqlite:///{tmp_path}/bot.db",
        OMRADESBOT_WEBHOOK_URL=PUBLIC_URL,
        OMRADESBOT_WEBHOOK_SECRET=SECRET,
        OMRADESBOT_LISTEN=f"127.0.0.1:{port}",
    )
    try:
        await emulator.wait_until(lambda: emulator.webhook.url == PUBLIC_URL, timeout=30)
        async with aiohttp.ClientSession() as http:
            for secret in WRONG:
                await emulator.send_text(resident, "/start")
                (update,) = take_updates(emulator)
                assert await post_update(http, port, update, secret=secret) == 403
            await emulator.send_text(resident, "/help")
            (update,) = take_updates(emulator)
            assert await post_update(http, port, update) == 200
            await emulator.wait_for_messages(resident.id, 1, timeout=15)
        assert bot.returncode is None
    finally:
        bot.terminate()
        assert await bot.wait() == 0
    # Only /help was handled: none of the refused /start updates got the welcome.
    assert emulator.count_messages(resident.id) == 1
    assert "/hjalp" in emulator.last_message(resident.id).text
    results.record(
        "access",
        "webhook",
        {"refused_with_403": len(WRONG), "refused_updates_handled": 0, "accepted": 1},
    )
