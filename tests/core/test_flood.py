"""The flood gate: one notice over the limit, silence until the minute behind is calm."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.core.flood import FloodGate, SharedFloodGate, Verdict
from bot.storage.engine import session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import FloodMessage
from tests.databases import Database


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2021, 9, 1, 12, 0, tzinfo=STOCKHOLM)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def test_limit_then_one_notice_then_silence_until_calm() -> None:
    clock = FakeClock()
    gate = FloodGate(3, clock)
    verdicts = [gate.check(1) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTICE] + [Verdict.DROP] * 2
    clock.advance(30)
    assert gate.check(1) is Verdict.DROP  # still hammering within the minute
    clock.advance(60)
    assert gate.check(1) is Verdict.ALLOW  # calm again
    assert [gate.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTICE]


def test_chats_are_counted_separately_and_forgotten() -> None:
    clock = FakeClock()
    gate = FloodGate(1, clock)
    assert gate.check(1) is Verdict.ALLOW
    assert gate.check(2) is Verdict.ALLOW
    assert gate.check(1) is Verdict.NOTICE
    gate.forget(1)
    assert gate.check(1) is Verdict.ALLOW


def test_sliding_window_not_fixed_minutes() -> None:
    clock = FakeClock()
    gate = FloodGate(2, clock)
    gate.check(1)
    clock.advance(50)
    gate.check(1)
    clock.advance(20)  # the first message is now 70 s old
    assert gate.check(1) is Verdict.ALLOW
    assert gate.check(1) is Verdict.NOTICE


def test_sweep_frees_quiet_chats() -> None:
    clock = FakeClock()
    gate = FloodGate(5, clock)
    gate.check(1)
    gate.check(2)
    clock.advance(61)
    gate.check(2)
    gate.sweep()
    assert len(gate) == 1


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FloodGate(0, FakeClock())


async def test_the_shared_gate_counts_once_for_every_process(database: Database) -> None:
    # Two processes behind a load balancer, each with its gate on the one database.
    engine = database.engine()
    await upgrade(engine)
    clock = FakeClock()
    try:
        gates = [SharedFloodGate(session_factory(engine), 3, clock) for _ in range(2)]
        verdicts = [await gates[n % 2].admit(1) for n in range(6)]
        assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTICE] + [Verdict.DROP] * 2
        assert await gates[1].admit(2) is Verdict.ALLOW  # another chat has its own count
        clock.advance(30)
        assert await gates[0].admit(1) is Verdict.DROP  # still hammering within the minute
        clock.advance(60)
        assert await gates[1].admit(1) is Verdict.ALLOW  # calm again
        await gates[0].tidy()
        async with session_factory(engine)() as session:
            left = await session.scalar(select(func.count()).select_from(FloodMessage))
        assert left == 1  # only the last minute is kept
    finally:
        await engine.dispose()
