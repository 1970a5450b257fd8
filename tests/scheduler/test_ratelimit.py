"""The send-rate limiter on a virtual clock: never above the limit, close to it when busy."""

from __future__ import annotations

import bisect
import itertools

import pytest

from scheduler.ratelimit import RateLimiter


def drive(limiter: RateLimiter, sends: int, *, jitter: float = 0.0) -> list[float]:
    """Start `sends` sends as soon as allowed, waking up `jitter` seconds late each time."""
    now = 0.0
    times: list[float] = []
    for _ in range(sends):
        ready = limiter.ready_at(now)
        now = max(now, ready) + jitter
        assert limiter.available(now) == 1
        limiter.record(now)
        times.append(now)
    return times


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    return max(bisect.bisect_left(times, t + window) - i for i, t in enumerate(times))


@pytest.mark.parametrize("rate", [1.0, 25.0, 30.0, 1000.0])
def test_never_more_than_the_rate_in_any_second(rate: float) -> None:
    times = drive(RateLimiter(rate), int(rate * 10))

    assert max_in_any_window(times) <= rate


@pytest.mark.parametrize("rate", [25.0, 1000.0])
def test_sustains_at_least_97_percent_of_the_rate(rate: float) -> None:
    sends = int(rate * 10)
    times = drive(RateLimiter(rate), sends)

    achieved = (sends - 1) / (times[-1] - times[0])
    assert achieved >= 0.97 * rate


def test_late_wake_ups_are_caught_up_without_breaking_the_window() -> None:
    times = drive(RateLimiter(25.0), 250, jitter=0.003)

    assert max_in_any_window(times) <= 25
    assert 249 / (times[-1] - times[0]) >= 0.97 * 25 * 0.95


def test_sends_are_spread_out_not_bursted() -> None:
    times = drive(RateLimiter(25.0), 50)

    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.039


def test_a_rate_below_one_per_second() -> None:
    times = drive(RateLimiter(0.5), 4)

    assert all(b - a >= 2.0 for a, b in itertools.pairwise(times))


def test_one_chat_gets_at_most_one_message_a_second() -> None:
    limiter = RateLimiter(25.0)
    limiter.record(10.0, chat_id=7)

    assert limiter.chat_ready_at(7, 10.5) >= 11.0
    assert limiter.chat_ready_at(8, 10.5) == 10.5
    assert limiter.chat_ready_at(7, 11.1) == 11.1


def test_retry_after_pauses_every_send() -> None:
    limiter = RateLimiter(25.0)
    limiter.record(0.0)
    limiter.pause(0.1, 3.0)

    assert limiter.ready_at(0.2) == pytest.approx(3.1)
    assert limiter.available(3.0) == 0
    assert limiter.available(3.1) == 1
