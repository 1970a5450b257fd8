"""Broadcast: how close `omradesbot run` comes to its send rate, per second, through the emulator.

Each scenario is a real bot process whose SQLite database already holds the subscribers and one
queued broadcast (as after a staff member pressed Send); a standalone emulator counts what
arrives. The two 30/s scenarios (the bot's default total) run side by side (each its own
emulator and bot: at 30/s they need a few percent of a core), the 1,000/s one alone, against an
emulator that allows 1,000/s (Telegram's paid broadcasts).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import tempfile
import time
from bisect import bisect_left
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.common import (
    CONTENT_DIR,
    OMRADESBOT,
    TOKEN,
    Emulator,
    bench_env,
    cpu_seconds,
    running_emulator,
    start_bot,
    stop_process,
)
from bot.storage import outbox as store
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import Broadcast, Resident, Subscription
from bot.storage.residents import subscriber_chat_ids

FIRST_SUBSCRIBER = 2_000_000
FAULT_RATE = 0.02
RETRY_AFTER = 1  # seconds the emulator's 429 asks for (Telegram's real ones are often longer)
TEXT = "Hej! Områdesarbetet startar i Balltorp hösten 2021. Välkommen att vara med."


async def prepare_database(path: Path, subscribers: int) -> None:
    """A migrated SQLite file with `subscribers` Balltorp subscribers and one queued broadcast."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        now = dt.datetime.now(dt.UTC)
        ids = range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers)
        async with sessions() as session, session.begin():
            await session.execute(
                insert(Resident),
                [
                    {
                        "chat_id": c,
                        "language": "en" if c % 5 == 0 else "sv",
                        "language_chosen": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for c in ids
                ],
            )
            await session.execute(
                insert(Subscription),
                [
                    {"chat_id": c, "area": "balltorp", "active": True, "created_at": now}
                    for c in ids
                ],
            )
        async with sessions() as session, session.begin():
            recipients = await subscriber_chat_ids(session, "balltorp")
            broadcast = Broadcast(
                kind="broadcast",
                area="balltorp",
                text_sv=TEXT,
                text_en=TEXT,
                created_by=1,
                created_at=now,
                status="draft",
            )
            assert await store.enqueue_broadcast(session, broadcast, recipients, now=now)
    finally:
        await engine.dispose()


def max_in_window(times: list[float], window: float = 1.0) -> tuple[int, float]:
    """The most sends in any window of `window` seconds (sliding, as Telegram counts), and
    where that window starts (seconds after the first send)."""
    best, at = 0, 0.0
    for index, start in enumerate(times):
        count = bisect_left(times, start + window, lo=index) - index
        if count > best:
            best, at = count, start - times[0]
    return best, at


async def delivered(emulator: Emulator) -> dict[int, int]:
    """Messages per subscriber chat so far."""
    counts: dict[str, int] = await emulator.control.call("counts")
    return {int(c): n for c, n in counts.items() if int(c) >= FIRST_SUBSCRIBER}


async def scenario(
    name: str, db: Path, subscribers: int, rate: float, *, faults: bool
) -> dict[str, Any]:
    """One broadcast from queued to the last subscriber, observed in the emulator's send log."""
    # The emulator enforces Telegram's limits, with the overall rate at the bot's limit when the
    # scenario raises it past Telegram's 30/s.
    async with running_emulator("--global-rate", str(max(rate, 30.0))) as emulator:
        if faults:
            await emulator.control.call(
                "faults",
                rate=FAULT_RATE,
                seed=20,
                kinds=["429"],
                methods=["sendMessage"],
                retry_after=RETRY_AFTER,
            )
        env = bench_env(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": emulator.base_url,
                "OMRADESBOT_DATABASE_URL": f"sqlite:///{db}",
                "OMRADESBOT_CONTENT_DIR": str(CONTENT_DIR),
                "OMRADESBOT_SEND_RATE": str(rate),
            }
        )
        bot = await start_bot([str(OMRADESBOT), "run"], env, db.parent)
        try:
            expected = 3 * subscribers / rate + 120
            deadline = time.monotonic() + expected
            # CPU is sampled from the first delivery on, so start-up is not counted.
            busy: tuple[float, float, float] | None = None
            while (count := len(await delivered(emulator))) < subscribers:
                if bot.process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name}: the broadcast stalled: {bot.log_tail()}")
                if busy is None and count:
                    busy = (
                        time.monotonic(),
                        cpu_seconds(bot.pid),
                        cpu_seconds(emulator.process.pid),
                    )
                await asyncio.sleep(0.1)
            busy = busy or (
                time.monotonic(),
                cpu_seconds(bot.pid),
                cpu_seconds(emulator.process.pid),
            )
            elapsed = max(time.monotonic() - busy[0], 1e-9)
            bot_cpu = (cpu_seconds(bot.pid) - busy[1]) / elapsed
            emulator_cpu = (cpu_seconds(emulator.process.pid) - busy[2]) / elapsed
            await asyncio.sleep(1.5)  # anything sent twice shows up now
            counts = await delivered(emulator)
            log = await emulator.send_log()
        finally:
            await stop_process(bot.process)
    sent = sorted(
        float(r["at"])
        for r in log
        if r["status"] == 200 and int(r["chat_id"] or 0) >= FIRST_SUBSCRIBER
    )
    refused = sum(1 for r in log if r["status"] == 429)
    span = sent[-1] - sent[0]
    achieved = (len(sent) - 1) / span if span > 0 else float("nan")
    per_second = Counter(int(t - sent[0]) for t in sent)
    return {
        "name": name,
        "subscribers": subscribers,
        "limit": rate,
        "fault_rate": FAULT_RATE if faults else 0.0,
        "sent": len(sent),
        "seconds": span,
        "achieved_per_s": achieved,
        "ratio": achieved / rate,
        # A pause of every send (a 429 flood) would show as a long gap between accepted sends.
        "longest_gap_s": max((b - a for a, b in itertools.pairwise(sent)), default=0.0),
        "max_in_1s": max_in_window(sent)[0],
        "max_in_1s_at": max_in_window(sent)[1],
        "attempts_max_in_1s": max_in_window(
            sorted(float(r["at"]) for r in log if int(r["chat_id"] or 0) >= FIRST_SUBSCRIBER)
        )[0],
        "refused_429": refused,
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "lost": subscribers - len(counts),
        "bot_cpu_share": bot_cpu,
        "emulator_cpu_share": emulator_cpu,
        "per_second": [per_second.get(s, 0) for s in range(int(span) + 1)],
    }


async def run(*, quick: bool) -> dict[str, Any]:
    """The three scenarios: 30/s, 30/s with 2% 429s, and 1,000/s."""
    subscribers = 100 if quick else 3_000
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
        dbs = [Path(tmp) / f"bot{i}.db" for i in range(3)]
        for db in dbs:  # one after another: Alembic's context is process-global
            await prepare_database(db, subscribers)
        slow = (
            scenario("limit 30/s", dbs[0], subscribers, 30.0, faults=False),
            scenario("limit 30/s, 2% 429", dbs[1], subscribers, 30.0, faults=True),
        )
        # Side by side: at 30/s each needs a quarter of a core, and a send holds its slot in the
        # window until its answer, so the other's load can slow it but never overfill a second.
        plain, faulty = await asyncio.gather(*slow)
        ceiling = await scenario("limit 1,000/s", dbs[2], subscribers, 1000.0, faults=False)
    return {"subscribers": subscribers, "scenarios": [plain, faulty, ceiling]}
