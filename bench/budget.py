"""Send budget: replies while a broadcast drains, under Telegram's limits, through the emulator.

A real `omradesbot run` with its defaults (30 messages a second in all) and a queued broadcast
to 1,000 subscribers; a standalone emulator with Telegram's limits (its defaults). Once the
broadcast is draining, residents ask a question each, 10 a second for 15 seconds. Figures, all
from the emulator's send log: reply latency (question sent to answer accepted), the share of
sends refused with 429, and the broadcast's rate while the questions are answered as a share of
what the replies leave of the budget (30/s minus the replies' rate).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.broadcast import FIRST_SUBSCRIBER, prepare_database
from bench.common import (
    CONTENT_DIR,
    OMRADESBOT,
    TOKEN,
    bench_env,
    median,
    running_emulator,
    start_bot,
    stop_process,
)
from bot.content import load_content

BUDGET = 30.0  # OMRADESBOT_SEND_RATE's default: the bot's whole rate
FIRST_ASKER = 5_000_000
QUESTIONS_PER_S = 10.0


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


async def run(*, quick: bool) -> dict[str, Any]:
    """One run: the broadcast, the questions beside it, the figures."""
    subscribers = 100 if quick else 1_000
    questions = 20 if quick else 150
    texts = [entry.questions["sv"][0] for entry in load_content(CONTENT_DIR).faq]
    with tempfile.TemporaryDirectory(prefix="bench-budget-") as tmp:
        db = Path(tmp) / "bot.db"
        await prepare_database(db, subscribers)
        async with running_emulator() as emulator:  # Telegram's limits: the emulator's defaults
            env = bench_env(
                {
                    "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_URL": emulator.base_url,
                    "OMRADESBOT_DATABASE_URL": f"sqlite:///{db}",
                    "OMRADESBOT_CONTENT_DIR": str(CONTENT_DIR),
                }
            )
            bot = await start_bot([str(OMRADESBOT), "run"], env, db.parent)
            try:
                deadline = time.monotonic() + 60
                while not await emulator.control.call("counts"):
                    if bot.process.returncode is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the broadcast did not start: {bot.log_tail()}")
                    await asyncio.sleep(0.05)
                asked: dict[int, float] = {}
                started = time.monotonic()
                for number in range(questions):
                    # A steady stream of residents: the schedule, not the replies, sets the pace.
                    await asyncio.sleep(
                        max(0.0, started + number / QUESTIONS_PER_S - time.monotonic())
                    )
                    chat = FIRST_ASKER + number
                    asked[chat] = time.monotonic()  # CLOCK_MONOTONIC: the emulator's clock too
                    await emulator.control.send_text(chat, texts[number % len(texts)])
                deadline = time.monotonic() + 3 * subscribers / BUDGET + 60
                while True:
                    counts = {int(c): n for c, n in (await emulator.control.call("counts")).items()}
                    replied = sum(1 for chat in asked if counts.get(chat))
                    reached = sum(1 for c in counts if FIRST_SUBSCRIBER <= c < FIRST_ASKER)
                    if replied == questions and reached == subscribers:
                        break
                    if bot.process.returncode is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"stalled: {replied} replies, {reached} reached")
                    await asyncio.sleep(0.1)
                log = await emulator.send_log()
            finally:
                await stop_process(bot.process)
    accepted = [r for r in log if r["status"] == 200]
    replies: dict[int, float] = {}
    for record in accepted:
        chat = int(record["chat_id"] or 0)
        if chat in asked and chat not in replies:
            replies[chat] = float(record["at"])
    latencies = [replies[chat] - asked[chat] for chat in asked]
    window_start, window_end = min(asked.values()), max(replies.values())
    span = window_end - window_start
    pushed_in_window = sum(
        1
        for r in accepted
        if FIRST_SUBSCRIBER <= int(r["chat_id"] or 0) < FIRST_ASKER
        and window_start <= float(r["at"]) <= window_end
    )
    reply_rate = len(replies) / span
    broadcast_rate = pushed_in_window / span
    left = BUDGET - reply_rate
    refused = sum(1 for r in log if r["status"] == 429)
    return {
        "subscribers": subscribers,
        "questions": questions,
        "questions_per_s": QUESTIONS_PER_S,
        "budget_per_s": BUDGET,
        "reply_p50_s": median(latencies),
        "reply_p95_s": percentile(latencies, 0.95),
        "reply_max_s": max(latencies),
        "sends": len(log),
        "refused_429": refused,
        "share_429": refused / max(1, len(log)),
        "window_s": span,
        "reply_rate_per_s": reply_rate,
        "broadcast_rate_per_s": broadcast_rate,
        "left_by_replies_per_s": left,
        "broadcast_share_of_left": broadcast_rate / left if left > 0 else float("nan"),
    }
