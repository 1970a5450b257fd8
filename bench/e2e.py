"""End to end: updates/s and peak RSS of `omradesbot run` beside a minimal PTB echo bot.

Both bots run as their own processes against one standalone emulator (a third process). Before
a bot starts, 50 residents' questions are queued in the emulator, so the bot drains a backlog as
fast as it can: the figure is updates answered per second from its first getUpdates to its last
reply, with no driver in the way.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.answering import dev_sets, load_cases
from bench.common import (
    CONTENT_DIR,
    OMRADESBOT,
    PYTHON,
    ROOT,
    TOKEN,
    Emulator,
    bench_env,
    median,
    running_emulator,
    start_bot,
    stop_process,
)
from bot.storage.migrate import upgrade

RESIDENTS = 50
FIRST_RESIDENT = 810_000
# The flood gate (20 a minute by default) would rightly stop a resident who fires 20 questions
# in a second; the backlog here is a load test, not a flood, so the gate is widened.
FLOOD_LIMIT = "1000"
# This section measures how fast each bot handles updates, so Telegram's limits are lifted on
# both sides: the emulator enforces none, and the bot's send budget (30/s by default, the
# bot's whole rate) is raised out of the way, though every reply still passes through it.
NO_LIMITS = ("--global-rate", "0", "--per-chat-rate", "0", "--group-rate", "0")
SEND_RATE = "100000"


def bot_command(kind: str, profile: Path | None = None) -> list[str]:
    """How each bot is started; with `profile`, under pyinstrument writing a text report there."""
    if kind == "echo":
        return [str(PYTHON), str(ROOT / "bench" / "echo_bot.py")]
    if profile is not None:
        profiler = [str(PYTHON), "-m", "pyinstrument", "-r", "text", "-o", str(profile)]
        return [*profiler, "-m", "bot", "run"]
    return [str(OMRADESBOT), "run"]


async def queue_questions(emulator: Emulator, per_resident: int) -> int:
    """Each resident writes `per_resident` dev questions, round robin; returns how many."""
    cases = load_cases(dev_sets()[0])
    semaphore = asyncio.Semaphore(16)

    async def send(resident: int, number: int) -> None:
        case = cases[(resident * 7 + number) % len(cases)]
        async with semaphore:
            await emulator.control.send_text(
                FIRST_RESIDENT + resident, case["q"], language_code=case["lang"]
            )

    for number in range(per_resident):  # in rounds, so every resident's questions stay ordered
        await asyncio.gather(*(send(r, number) for r in range(RESIDENTS)))
    return RESIDENTS * per_resident


async def replies_to_residents(emulator: Emulator) -> int:
    """Messages the bot has sent to the residents' chats so far."""
    counts: dict[str, int] = await emulator.control.call("counts")
    return sum(n for chat, n in counts.items() if int(chat) >= FIRST_RESIDENT)


async def one_run(
    emulator: Emulator, kind: str, per_resident: int, workdir: Path, profile: Path | None = None
) -> dict[str, Any]:
    """Queue the backlog, start the bot, wait for every reply; throughput and peak RSS."""
    await emulator.control.call("reset")
    updates = await queue_questions(emulator, per_resident)
    database = f"sqlite:///{workdir / f'{kind}-{time.monotonic_ns()}.db'}"
    if kind != "echo":
        # An installed bot restarts on a database it migrated before; the first start, which
        # migrates (and imports Alembic), is timed apart under Start-up.
        await upgrade(database)
    env = bench_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.base_url,
            "OMRADESBOT_DATABASE_URL": database,
            "OMRADESBOT_CONTENT_DIR": str(CONTENT_DIR),
            "OMRADESBOT_FLOOD_LIMIT": FLOOD_LIMIT,
            "OMRADESBOT_SEND_RATE": SEND_RATE,
        }
    )
    bot = await start_bot(bot_command(kind, profile), env, workdir)
    try:
        deadline = time.monotonic() + 180
        while await replies_to_residents(emulator) < updates:
            if bot.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} bot stopped or stalled: {bot.log_tail()}")
            await asyncio.sleep(0.05)
        rss = bot.peak_rss_kib()
    finally:
        await stop_process(bot.process)
    if bot.process.returncode not in (0, -15):
        raise RuntimeError(f"{kind} bot exited {bot.process.returncode}: {bot.log_tail()}")
    first_poll = await emulator.first_poll_at(within=1)
    replies = [
        r
        for r in await emulator.send_log()
        if r["status"] == 200 and int(r["chat_id"] or 0) >= FIRST_RESIDENT
    ]
    last_reply = max(float(r["at"]) for r in replies)
    return {
        "bot": kind,
        "updates": updates,
        "replies": len(replies),
        "seconds": last_reply - first_poll,
        "updates_per_s": updates / (last_reply - first_poll),
        "peak_rss_mib": rss / 1024,
    }


async def run(*, quick: bool) -> dict[str, Any]:
    """Alternate echo and bot runs on one emulator; medians per bot."""
    per_resident = 1 if quick else 20
    rounds = 1 if quick else 2
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        async with running_emulator(*NO_LIMITS) as emulator:
            for _ in range(rounds):
                for kind in ("echo", "omradesbot"):
                    runs.append(await one_run(emulator, kind, per_resident, Path(tmp)))
    result: dict[str, Any] = {"residents": RESIDENTS, "per_resident": per_resident, "runs": runs}
    for kind in ("echo", "omradesbot"):
        mine = [r for r in runs if r["bot"] == kind]
        result[kind] = {
            "updates_per_s": median([r["updates_per_s"] for r in mine]),
            "peak_rss_mib": median([r["peak_rss_mib"] for r in mine]),
        }
    result["throughput_ratio"] = (
        result["omradesbot"]["updates_per_s"] / result["echo"]["updates_per_s"]
    )
    result["rss_ratio"] = result["omradesbot"]["peak_rss_mib"] / result["echo"]["peak_rss_mib"]
    result["imports_rss_mib"] = [] if quick else import_footprint()
    return result


async def profile_bot(*, quick: bool) -> str:
    """A pyinstrument profile of `omradesbot run` draining the same backlog (text report)."""
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        report = Path(tmp) / "profile.txt"
        async with running_emulator(*NO_LIMITS) as emulator:
            await one_run(emulator, "omradesbot", 2 if quick else 20, Path(tmp), report)
        return report.read_text()


# What the bot imports, in the order start-up imports it; each step's peak RSS in a fresh process.
IMPORT_STEPS = (
    ("python", "pass"),
    ("+ telegram.ext (all the echo bot needs)", "import telegram.ext"),
    (
        "+ sqlalchemy asyncio, aiosqlite, asyncpg",
        "import sqlalchemy.ext.asyncio, aiosqlite, asyncpg",
    ),
    ("+ alembic", "import alembic.command"),
    ("+ apscheduler", "import apscheduler.schedulers.asyncio"),
    ("+ rapidfuzz, snowballstemmer", "import rapidfuzz, snowballstemmer"),
    ("+ numpy", "import numpy"),
    ("+ matplotlib (Agg)", "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot"),
    ("+ bot.telegram.app (the rest of the bot)", "import bot.telegram.app"),
)


def import_footprint() -> list[tuple[str, float]]:
    """Peak RSS after each import step, cumulatively, to show where the bot's memory goes."""
    footprint = []
    code = []
    for label, statement in IMPORT_STEPS:
        code.append(statement)
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from this (larger) process.
        peak = (
            "import re, pathlib; "
            "status = pathlib.Path('/proc/self/status').read_text(); "
            "print(re.search(r'VmHWM:\\s+(\\d+)', status)[1])"
        )
        script = "; ".join([*code, peak])
        output = subprocess.run(
            [str(PYTHON), "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        footprint.append((label, int(output.split()[-1]) / 1024))
    return footprint
