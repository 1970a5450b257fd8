"""The send-rate limiter on a virtual clock: never above the limit as the server counts, close
to it when busy, and 429s that delay one message rather than every send."""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from scheduler.outbox import default_max_in_flight
from scheduler.ratelimit import RateLimiter


@dataclass
class Run:
    """What the simulated server saw: accepted arrivals, 429s, and when each ended."""

    arrivals: list[float] = field(default_factory=list)
    accepted: dict[int, int] = field(default_factory=dict)
    refusals: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    finished_at: float = 0.0

    def achieved(self) -> float:
        times = sorted(self.arrivals)
        return (len(times) - 1) / (times[-1] - times[0])


def simulate(
    limiter: RateLimiter,
    messages: int,
    *,
    max_in_flight: int,
    latency: Callable[[random.Random], float],
    refuse: Callable[[float, random.Random], bool] = lambda at, rng: False,
    retry_after: float = 1.0,
    seed: int = 1,
) -> Run:
    """Send `messages` (one chat each) as the outbox sender does, on a virtual clock.

    Each request reaches the server at a random moment between its start and its answer, so
    requests started evenly may arrive bunched; `refuse(arrival)` answers 429 (not counted).
    """
    rng = random.Random(seed)
    run = Run()
    queue = [(0.0, chat) for chat in range(messages)]  # (may start at, chat)
    in_flight: list[tuple[float, int, bool]] = []  # (answered at, chat, refused)
    now = 0.0
    while queue or in_flight:
        start_at = math.inf
        if queue and len(in_flight) < max_in_flight:
            start_at = max(queue[0][0], limiter.ready_at(now))
        answer_at = in_flight[0][0] if in_flight else math.inf
        if start_at <= answer_at:
            now = start_at
            assert limiter.available(now) == 1
            _, chat = heapq.heappop(queue)
            limiter.start(now, chat)
            run.starts.append(now)
            took = latency(rng)
            arrival = now + rng.random() * took
            refused = refuse(arrival, rng)
            if refused:
                run.refusals.append(arrival)
            else:
                run.arrivals.append(arrival)
                run.accepted[chat] = run.accepted.get(chat, 0) + 1
            heapq.heappush(in_flight, (now + took, chat, refused))
        else:
            now, chat, refused = heapq.heappop(in_flight)
            if refused:
                heapq.heappush(queue, (limiter.refused(now, retry_after, chat), chat))
            else:
                limiter.finish(now, chat)
    run.finished_at = now
    return run


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    """The emulator's count: events `window` or more apart are in different windows."""
    ordered = sorted(times)
    return max(i - bisect.bisect_right(ordered, t - window) + 1 for i, t in enumerate(ordered))


def uneven(rng: random.Random) -> float:
    """Round trips of 1-80 ms, now and then 300 ms: a loaded machine."""
    return 0.3 if rng.random() < 0.02 else rng.uniform(0.001, 0.08)


@pytest.mark.parametrize("rate", [1.0, 2.5, 25.0, 30.0, 1000.0])
def test_the_server_never_counts_more_than_the_rate_in_any_second(rate: float) -> None:
    messages = max(20, int(rate * 10))
    run = simulate(
        RateLimiter(rate),
        messages,
        max_in_flight=default_max_in_flight(rate),
        latency=uneven,
    )

    assert len(run.accepted) == messages
    assert most_in_any_window(run.arrivals) <= math.floor(max(rate, 1.0))


@pytest.mark.parametrize("seed", range(5))
def test_requests_in_flight_cannot_bunch_into_one_window(seed: int) -> None:
    # The case that broke the old rule: evenly started, then held up and arriving together.
    run = simulate(
        RateLimiter(25.0),
        500,
        max_in_flight=5,
        latency=lambda rng: rng.choice((0.002, 0.002, 0.002, 0.15)),
        seed=seed,
    )

    assert most_in_any_window(run.arrivals) <= 25


@pytest.mark.parametrize("rate", [25.0, 1000.0])
def test_sustains_at_least_97_percent_of_the_rate(rate: float) -> None:
    run = simulate(
        RateLimiter(rate),
        int(rate * 20),
        max_in_flight=default_max_in_flight(rate),
        latency=lambda rng: rng.uniform(0.002, 0.015),
    )

    assert run.achieved() >= 0.97 * rate


def test_sends_are_spread_out_not_bursted() -> None:
    run = simulate(RateLimiter(25.0), 50, max_in_flight=5, latency=lambda rng: 0.001)

    gaps = [b - a for a, b in itertools.pairwise(run.starts)]
    assert min(gaps) >= 0.039


def test_a_rate_below_one_per_second() -> None:
    run = simulate(RateLimiter(0.5), 4, max_in_flight=2, latency=lambda rng: 0.01)

    assert all(b - a >= 2.0 for a, b in itertools.pairwise(sorted(run.arrivals)))


def test_two_percent_of_429s_cost_no_more_than_their_own_retries() -> None:
    run = simulate(
        RateLimiter(25.0),
        3000,
        max_in_flight=5,
        latency=lambda rng: rng.uniform(0.002, 0.015),
        refuse=lambda at, rng: rng.random() < 0.02,
    )

    assert len(run.refusals) >= 30  # about 60 expected
    assert run.accepted == dict.fromkeys(range(3000), 1)  # none lost, none twice
    assert run.achieved() >= 0.98 * 25
    assert most_in_any_window(run.arrivals) <= 25


def test_a_burst_of_429s_pauses_every_send_for_the_largest_retry_after() -> None:
    # Telegram refuses everything from t=2 s to t=3.5 s: a flood of the whole bot.
    run = simulate(
        RateLimiter(25.0),
        200,
        max_in_flight=5,
        latency=lambda rng: 0.01,
        refuse=lambda at, rng: 2.0 <= at < 3.5,
        retry_after=2.0,
    )

    # Three refusals in a row (plus those already in flight) stop the sender within a few
    # sends, and nothing starts for retry_after, instead of one 429 per message for 1.5 s.
    assert len(run.refusals) <= 3 + 5
    first = min(run.refusals)
    paused = [t for t in run.starts if first + 0.15 < t < first + 2.0]
    assert paused == []
    assert len(run.accepted) == 200


def test_one_429_delays_only_its_own_chat() -> None:
    limiter = RateLimiter(25.0)
    limiter.start(10.0, chat_id=7)
    limiter.start(10.04, chat_id=8)

    retry_at = limiter.refused(10.05, 3.0, chat_id=7)

    assert retry_at == pytest.approx(13.05)
    assert limiter.chat_ready_at(7, 11.0) == pytest.approx(13.05)
    assert limiter.ready_at(10.05) <= 10.08  # the next chat's message goes on
    assert limiter.paused_until < 10.05


def test_a_refused_request_gives_its_slot_back() -> None:
    limiter = RateLimiter(2.0)
    limiter.start(0.0, chat_id=1)
    limiter.start(0.5, chat_id=2)
    assert limiter.ready_at(0.6) == math.inf  # both slots in flight

    limiter.refused(0.6, 1.0, chat_id=2)

    assert limiter.available(0.6) == 1  # its slot and its place in the spacing


def test_a_slot_is_held_until_the_answer_and_a_window_after() -> None:
    limiter = RateLimiter(1.0)
    limiter.start(0.0, chat_id=1)
    assert limiter.ready_at(5.0) == math.inf

    limiter.finish(5.0, chat_id=1)

    assert limiter.ready_at(5.0) == pytest.approx(6.0)


def test_one_chat_gets_at_most_one_message_a_second_after_the_last_answer() -> None:
    limiter = RateLimiter(25.0)
    limiter.start(10.0, chat_id=7)

    assert limiter.chat_ready_at(7, 10.1) == math.inf  # in flight
    limiter.finish(10.2, chat_id=7)
    assert limiter.chat_ready_at(7, 10.5) == pytest.approx(11.2)
    assert limiter.chat_ready_at(8, 10.5) == 10.5
    assert limiter.chat_ready_at(7, 11.3) == 11.3


def test_pause_stops_every_send() -> None:
    limiter = RateLimiter(25.0)
    limiter.start(0.0)
    limiter.finish(0.01)
    limiter.pause(0.1, 3.0)

    assert limiter.ready_at(0.2) == pytest.approx(3.1)
    assert limiter.available(3.0) == 0
    assert limiter.available(3.1) == 1
