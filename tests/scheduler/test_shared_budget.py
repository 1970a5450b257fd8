"""The send budget shared by processes through PostgreSQL: one total, replies first across them.

Two budgets on one database stand for two bot processes. The 'server' is the attempt function:
it notes when each request arrives, as Telegram would count it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import upgrade
from scheduler.budget import Attempt, Outcome, Priority, SendBudget
from scheduler.shared_budget import SharedWindow
from tests.databases import postgres_database

pytestmark = pytest.mark.postgres

RATE = 20


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    async with postgres_database() as database:
        await upgrade(database.url)
        engine = database.engine()
        yield engine
        await engine.dispose()


def most_in_one_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + 1.0) for i, start in enumerate(ordered))


async def test_two_processes_share_one_total_and_replies_go_first(engine: AsyncEngine) -> None:
    windows = [SharedWindow(engine, RATE) for _ in range(2)]
    budgets = [SendBudget(window) for window in windows]
    arrivals: list[tuple[float, str]] = []

    def attempt(kind: str) -> object:
        async def call() -> Attempt[None]:
            arrivals.append((time.monotonic(), kind))
            await asyncio.sleep(0.005)  # the network
            return Attempt(Outcome.SENT)

        return call

    async def push(chat: int) -> None:
        await budgets[0].send(chat, attempt("push"), priority=Priority.PUSH, retry=False)  # type: ignore[arg-type]

    async def reply(chat: int) -> float:
        asked = time.monotonic()
        await budgets[1].send(chat, attempt("reply"))  # type: ignore[arg-type]
        return time.monotonic() - asked

    try:
        # The sender process drains a broadcast; a second later residents ask the other one.
        broadcast = [asyncio.create_task(push(10_000 + n)) for n in range(50)]
        while sum(kind == "push" for _, kind in arrivals) < RATE:
            await asyncio.sleep(0.01)  # waiting for the broadcast to fill its first second
        latencies = await asyncio.gather(*(reply(20_000 + n) for n in range(10)))
        await asyncio.gather(*broadcast)
    finally:
        for window in windows:
            await window.close()
        for budget in budgets:
            await budget.close()

    assert len(arrivals) == 60
    # One total for both processes, as the server counts.
    assert most_in_one_second([at for at, _ in arrivals]) <= RATE
    # The replies did not queue behind the 30 pushes still waiting: within about a second.
    assert max(latencies) < 1.5, latencies
    first_reply = next(i for i, (_, kind) in enumerate(arrivals) if kind == "reply")
    replies_by = max(i for i, (_, kind) in enumerate(arrivals) if kind == "reply")
    assert replies_by - first_reply < 20, "pushes overtook the waiting replies"
