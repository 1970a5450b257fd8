"""Start-up: `omradesbot run` to its first getUpdates, and `omradesbot ask` from spawn to exit.

Baselines in the same run: the echo bot to its first getUpdates, and for `ask` a bare
`python -c pass` and `omradesbot --help` (the interpreter and the command's own parsing).
The process clock and the emulator's are both CLOCK_MONOTONIC, so they compare across processes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    CONTENT_DIR,
    OMRADESBOT,
    PYTHON,
    TOKEN,
    Emulator,
    bench_env,
    median,
    running_emulator,
    start_bot,
    stop_process,
    wall_time,
)
from bench.e2e import bot_command

QUESTION = "När startar områdesarbetet i Balltorp?"


async def time_to_first_poll(emulator: Emulator, kind: str, db: Path) -> float:
    """Seconds from spawning the bot to the first getUpdates the emulator receives."""
    await emulator.control.call("reset")
    # A question already waiting, so the first getUpdates returns at once: the emulator logs a
    # call when it is answered, and an empty long poll would be answered only at its timeout.
    await emulator.control.send_text(880_001, QUESTION)
    env = bench_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.base_url,
            "OMRADESBOT_DATABASE_URL": f"sqlite:///{db}",
            "OMRADESBOT_CONTENT_DIR": str(CONTENT_DIR),
        }
    )
    bot = await start_bot(bot_command(kind), env, db.parent)
    try:
        polled = await emulator.first_poll_at(within=60)
    finally:
        await stop_process(bot.process)
    return polled - bot.started_at


async def run(*, quick: bool) -> dict[str, Any]:
    """Median of several runs each; the bot's first start (which migrates) reported apart."""
    runs = 1 if quick else 5
    result: dict[str, Any] = {"runs": runs}
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        db = Path(tmp) / "bot.db"
        async with running_emulator() as emulator:
            result["run_fresh_db_s"] = await time_to_first_poll(emulator, "omradesbot", db)
            bot, echo = [], []
            for _ in range(runs):  # alternating, so drift hits both alike
                echo.append(await time_to_first_poll(emulator, "echo", db))
                bot.append(await time_to_first_poll(emulator, "omradesbot", db))
        result["run_s"] = median(bot)
        result["echo_run_s"] = median(echo)
        # The matcher's trained model is kept between starts (bot/matching/store.py): `ask` is
        # timed with it kept, and apart with an empty cache, as after a content change.
        kept = str(Path(tmp) / "cache")
        env = bench_env({"OMRADESBOT_CONTENT_DIR": str(CONTENT_DIR), "OMRADESBOT_CACHE_DIR": kept})
        wall_time([str(OMRADESBOT), "ask", QUESTION], env, Path(tmp))  # trains and keeps it
        ask, cold, bare, helps = [], [], [], []
        for number in range(runs):
            bare.append(wall_time([str(PYTHON), "-c", "pass"], env, Path(tmp)))
            helps.append(wall_time([str(OMRADESBOT), "--help"], env, Path(tmp)))
            ask.append(wall_time([str(OMRADESBOT), "ask", QUESTION], env, Path(tmp)))
            empty = {**env, "OMRADESBOT_CACHE_DIR": str(Path(tmp) / f"empty-{number}")}
            cold.append(wall_time([str(OMRADESBOT), "ask", QUESTION], empty, Path(tmp)))
    result["ask_s"] = median(ask)
    result["ask_cold_s"] = median(cold)
    result["python_s"] = median(bare)
    result["help_s"] = median(helps)
    return result
