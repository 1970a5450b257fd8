"""The send budget on a virtual clock: replies first, per-chat rules, retries and lost messages."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.budget import (
    MAX_REPLY_ATTEMPTS,
    TRANSIENT_BACKOFF,
    Attempt,
    Outcome,
    Priority,
    SendBudget,
)


class VirtualClock:
    """Monotonic time that moves only when someone sleeps: no test waits for real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # let everyone else run first, then move time on
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def budget(rate: float = 5.0, **options: object) -> tuple[SendBudget, VirtualClock]:
    clock = VirtualClock()
    return SendBudget.local(rate, clock=clock, **options), clock


async def send(
    budget: SendBudget, clock: VirtualClock, chat: int, priority: Priority, log: list[str]
) -> None:
    """Take a permit, 'send' (answered 10 ms later), give it back."""
    await budget.acquire(chat, priority)
    log.append(f"{priority.name.lower()}:{chat}@{clock.now - 1000:.2f}")
    await clock.sleep(0.01)
    budget.finish(chat)


async def test_replies_overtake_a_waiting_broadcast() -> None:
    gate, clock = budget(rate=5)
    log: list[str] = []
    pushes = [
        asyncio.create_task(send(gate, clock, 100 + n, Priority.PUSH, log)) for n in range(15)
    ]
    await asyncio.sleep(0)
    await clock.sleep(0.3)  # the broadcast has taken the first slots
    replies = [asyncio.create_task(send(gate, clock, 7 + n, Priority.REPLY, log)) for n in range(3)]
    await asyncio.gather(*pushes, *replies)
    first_reply = next(i for i, entry in enumerate(log) if entry.startswith("reply"))
    # Every reply goes out before any push that was still waiting when the replies came.
    assert [e.split(":")[0] for e in log[first_reply : first_reply + 3]] == ["reply"] * 3
    assert first_reply <= 5
    assert sum(e.startswith("push") for e in log) == 15


async def test_one_message_in_flight_per_chat_and_pushes_a_second_apart() -> None:
    gate, clock = budget(rate=30)
    log: list[str] = []
    await asyncio.gather(
        send(gate, clock, 1, Priority.REPLY, log),
        send(gate, clock, 1, Priority.REPLY, log),
        send(gate, clock, 1, Priority.PUSH, log),
    )
    times = [float(entry.split("@")[1]) for entry in log]
    # The second reply waits only for the first's answer (and the even spacing of 1/30 s); the
    # push goes a second after the last answer.
    assert times[1] - times[0] < 0.05
    assert times[2] - times[1] >= 1.0


async def test_a_group_gets_at_most_20_messages_a_minute() -> None:
    gate, clock = budget(rate=30)
    log: list[str] = []
    for _ in range(21):
        await send(gate, clock, -500, Priority.REPLY, log)
    times = [float(entry.split("@")[1]) for entry in log]
    assert times[19] < 1.0
    assert times[20] >= 60.0


async def test_the_rate_holds_as_telegram_counts_it() -> None:
    gate, clock = budget(rate=10)
    log: list[str] = []
    await asyncio.gather(*(send(gate, clock, n, Priority.REPLY, log) for n in range(40)))
    times = sorted(float(entry.split("@")[1]) for entry in log)
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 1.0) <= 10


def attempts(*outcomes: Outcome, retry_after: float = 2.0) -> tuple[list[float], object]:
    """An attempt function answering `outcomes` in turn, recording when it was called."""
    calls: list[float] = []
    queue = list(outcomes)

    async def attempt() -> Attempt[str]:
        outcome = queue.pop(0)
        calls.append(0.0)
        return Attempt(outcome, value=outcome.value, retry_after=retry_after)

    return calls, attempt


async def test_a_reply_refused_with_429_waits_retry_after_and_arrives() -> None:
    lost: list[tuple[int, str]] = []
    gate, clock = budget(on_lost=lambda chat, reason: lost.append((chat, reason)))
    calls, attempt = attempts(Outcome.RATE_LIMITED, Outcome.RATE_LIMITED, Outcome.SENT)
    started = clock.now
    assert await gate.send(7, attempt) == "sent"  # type: ignore[arg-type]
    assert len(calls) == 3
    assert clock.now - started >= 4.0  # retry_after 2 s, twice
    assert lost == []
    assert gate.stats.rate_limited == 2


async def test_a_reply_that_cannot_be_sent_is_counted_not_dropped_silently(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lost: list[tuple[int, str]] = []
    gate, _ = budget(on_lost=lambda chat, reason: lost.append((chat, reason)))
    calls, attempt = attempts(*[Outcome.RATE_LIMITED] * MAX_REPLY_ATTEMPTS)
    assert await gate.send(7_000_123, attempt) == "rate_limited"  # type: ignore[arg-type]
    assert len(calls) == MAX_REPLY_ATTEMPTS
    calls, attempt = attempts(*[Outcome.TRANSIENT] * (len(TRANSIENT_BACKOFF) + 1))
    await gate.send(8, attempt)  # type: ignore[arg-type]
    assert len(calls) == len(TRANSIENT_BACKOFF) + 1
    calls, attempt = attempts(Outcome.BLOCKED)
    await gate.send(9, attempt)  # type: ignore[arg-type]
    assert len(calls) == 1  # a blocked bot is not retried
    assert lost == [(7_000_123, "rate_limited"), (8, "transient"), (9, "blocked")]
    assert gate.stats.lost == {"rate_limited": 1, "transient": 1, "blocked": 1}
    assert "was not delivered" in caplog.text
    assert "7000123" not in caplog.text  # chats are pseudonyms in the log


async def test_pushes_are_not_retried_by_the_budget() -> None:
    lost: list[tuple[int, str]] = []
    gate, _ = budget(on_lost=lambda chat, reason: lost.append((chat, reason)))
    calls, attempt = attempts(Outcome.RATE_LIMITED)
    await gate.send(7, attempt, priority=Priority.PUSH, retry=False)  # type: ignore[arg-type]
    assert len(calls) == 1
    assert lost == []  # the outbox records its own failures


async def test_a_broadcast_share_caps_pushes_and_leaves_the_rest_to_replies() -> None:
    gate, clock = budget(rate=30, push_rate=10)
    log: list[str] = []
    pushes = [send(gate, clock, 100 + n, Priority.PUSH, log) for n in range(30)]
    replies = [send(gate, clock, 200 + n, Priority.REPLY, log) for n in range(30)]
    await asyncio.gather(*pushes, *replies)
    push_times = sorted(float(e.split("@")[1]) for e in log if e.startswith("push"))
    reply_times = sorted(float(e.split("@")[1]) for e in log if e.startswith("reply"))
    for i, start in enumerate(push_times):
        assert sum(1 for t in push_times[i:] if t < start + 1.0) <= 10
    assert reply_times[-1] < 1.5  # the replies had the other 20 a second and more
