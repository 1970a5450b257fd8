"""The delivery outbox sender: drains pending deliveries within Telegram's limits, crash-safely.

Limits: the sender takes a permit from the bot's send budget (scheduler/budget.py) for every
message, as a push: replies to residents go first, the outbox takes what they leave of the
bot's total rate, and at most one message a second goes to any one chat, counting the replies.

Failures: a 429 delays its own message by `retry_after` and retries it while the others go on;
three 429s within a second with no other answer in between are a flood, and every send pauses
for the largest `retry_after`; a 403 marks the delivery blocked and the resident's
subscriptions inactive, with no retry; network errors retry with exponential backoff and end as
failed after `max_attempts`; any other refusal fails at once with Telegram's error text.

Crash safety, and the in-flight window: a row is claimed ('sending', committed) just before
its send and settled ('sent' with the message id, committed) right after it, each result in
the next group commit. A SIGKILL can therefore repeat only the rows that were 'sending' at that
instant: claimed, and sent or about to be, but not yet committed. The sender never holds more
than `max_in_flight` such rows (default: a fifth of a second's worth at the configured rate,
at least 2, so 5 at 25/s), which bounds the duplicates after a kill. At start-up the sender
releases every 'sending' row at once, since only one sender runs per database (issue 6 gives
that role to one process at a time); a reclaimed row is resent, never lost.

A database that is briefly unavailable (SQLite locked by another program, PostgreSQL restarted)
pauses the sender with a growing wait (1 s up to 10 s) instead of ending it; outcomes that could
not be committed stay queued and are committed once the database answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Texts
from bot.domain import (
    DIGEST_KEY_PREFIX,
    UNSUB_PREFIX,
    Button,
    Buttons,
    Lang,
    survey_chart_data,
    survey_go_data,
)
from bot.logids import chat_pseudonym
from bot.ports import (
    DeliveryError,
    MessageGoneError,
    Messenger,
    PermanentSendError,
    RateLimitedError,
    RecipientBlockedError,
    TransientSendError,
)
from bot.storage import outbox as store
from bot.storage.columns import utcnow
from bot.storage.models import Broadcast, Delivery
from bot.storage.surveys import RESULTS, survey_of_push
from scheduler.budget import Priority, SendBudget
from scheduler.ratelimit import MonotonicClock, SystemClock

log = logging.getLogger(__name__)

# Kinds that go out as new messages carry an unsubscribe button; retractions delete instead.
_PUSH_KINDS = ("broadcast", "reminder", "notice")
MAX_RATE_LIMITED_RETRIES = 20
# Errors of a database that is briefly unavailable (locked, restarting, unreachable): the sender
# waits them out, 1 s, 2 s, 4 s ... at most DATABASE_RETRY_MAX apart, instead of stopping.
DATABASE_ERRORS = (SQLAlchemyError, OSError)
DATABASE_RETRY_MAX = 10.0


def default_max_in_flight(rate: float) -> int:
    """A fifth of a second's worth of messages, at least 2: enough to hide network latency."""
    return max(2, math.ceil(rate / 5))


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed delivery; settled in the next group commit."""

    delivery_id: int
    status: str  # sent | blocked | failed | retry
    message_id: int | None = None
    error: str | None = None
    retry_at: dt.datetime | None = None


class Renderer:
    """A delivery's text and buttons in the recipient's language, from the broadcast row."""

    def __init__(self, texts: Callable[[], Texts]) -> None:
        self._texts = texts

    def render(self, broadcast: Broadcast, language: str) -> tuple[str, Buttons]:
        """Text plus an unsubscribe button for pushes (and corrections, which keep it)."""
        text = broadcast.text_for(language)
        if broadcast.kind not in (*_PUSH_KINDS, "correction") or (
            broadcast.dedupe_key or ""
        ).startswith(DIGEST_KEY_PREFIX):
            return text, ()
        lang: Lang = "en" if language == "en" else "sv"
        survey = survey_of_push(broadcast.dedupe_key)
        if survey is not None:  # an invitation gets "Answer", published results "Show chart"
            survey_id, what = survey
            key, data = ("button_survey_answer", survey_go_data(survey_id))
            if what == RESULTS:
                key, data = ("button_survey_chart", survey_chart_data(survey_id))
            return text, ((Button(self._texts().get(key, lang), data),),)
        label = self._texts().get("button_unsubscribe", lang)
        return text, ((Button(label, UNSUB_PREFIX + broadcast.area),),)

    def report(self, broadcast: Broadcast, counts: store.DeliveryCounts) -> str:
        """The delivery report staff get when a broadcast (or a correction) has finished."""
        key = {"correction": "report_correction", "retraction": "report_retraction"}.get(
            broadcast.kind, "report_broadcast"
        )
        subject_id = broadcast.parent_id if broadcast.parent_id is not None else broadcast.id
        return self._texts().get(
            key,
            "sv",
            id=subject_id,
            delivered=counts.sent,
            blocked=counts.blocked,
            failed=counts.failed,
        )


class Sender:
    """The one loop that turns pending deliveries into Telegram messages."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        messenger: Messenger,
        renderer: Renderer,
        *,
        rate: float,
        max_in_flight: int | None = None,
        max_attempts: int = 5,
        backoff: float = 2.0,
        max_backoff: float = 300.0,
        poll_interval: float = 1.0,
        clock: MonotonicClock | None = None,
        now: Callable[[], dt.datetime] = utcnow,
        budget: SendBudget | None = None,
    ) -> None:
        """`budget`: the bot's send budget, shared with the replies; without one the sender has
        `rate` a second to itself (the outbox tests)."""
        self._sessions = sessions
        self._messenger = messenger
        self._renderer = renderer
        self._clock = clock or SystemClock()
        self.budget = budget or SendBudget.local(rate, clock=self._clock)
        self.max_in_flight = max_in_flight or default_max_in_flight(rate)
        self._batch = max(1, min(self.max_in_flight, math.ceil(rate / 20)))
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._poll_interval = poll_interval
        self._now = now
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()
        self._stopping = False
        self._unsettled = 0  # claimed rows whose outcome is not committed yet: the window
        self._peak_unsettled = 0
        self._deferred: list[tuple[float, int, store.ClaimedDelivery]] = []
        self._tie = itertools.count()
        self._outcomes: asyncio.Queue[Outcome] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._broadcasts: dict[int, Broadcast] = {}
        self._check_finished = True
        self._next_finish_check = -math.inf
        self._next_retry = math.inf  # monotonic time of the earliest backoff retry we know of

    @property
    def peak_in_flight(self) -> int:
        """The most rows ever claimed but not settled at once (never above max_in_flight)."""
        return self._peak_unsettled

    def wake(self) -> None:
        """Look for new deliveries now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the sends in flight, settle them, and return from `run`."""
        self._stopping = True
        self._wake.set()

    async def run(self, *, until_idle: bool = False) -> None:
        """Send until stopped (or, with `until_idle`, until nothing is pending or in flight)."""
        # The sender takes its permits itself (as pushes); its requests, and those of the tasks
        # started from here, must not take a second one in the request layer.
        with SendBudget.holding():
            await self._run(until_idle=until_idle)

    async def _run(self, *, until_idle: bool) -> None:
        await self._release_orphans_when_possible()
        committer = asyncio.create_task(self._commit_outcomes())
        try:
            await self._loop(until_idle=until_idle)
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._wait_settled()
            try:
                await self._report_finished()
            except DATABASE_ERRORS as exc:  # the report goes out at the next start instead
                log.warning(
                    "delivery reports deferred, database unavailable (%s)", _first_line(exc)
                )
        finally:
            committer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await committer
            for task in list(self._tasks):
                task.cancel()

    async def _loop(self, *, until_idle: bool) -> None:
        failures = 0
        while not self._stopping:
            try:
                if await self._step(until_idle=until_idle):
                    return
                failures = 0
            except DATABASE_ERRORS as exc:
                # A locked SQLite file or a restarted PostgreSQL must pause the sender, not end
                # it: nothing was claimed, so the rows wait, and the next step tries again.
                failures += 1
                self._check_finished = True
                delay = min(DATABASE_RETRY_MAX, 2.0 ** (failures - 1))
                log.warning(
                    "outbox paused, database unavailable (%s); retrying in %.0f s",
                    _first_line(exc),
                    delay,
                )
                await self._pause(delay)

    async def _step(self, *, until_idle: bool) -> bool:
        """One turn of the loop; True when `until_idle` is satisfied."""
        if self._check_finished and self._clock.monotonic() >= self._next_finish_check:
            await self._report_finished()
        if self._unsettled >= self.max_in_flight and not self._deferred_ready():
            await self._wait_for_settle()
            return False
        if await self._start_ready_deferred():
            return False
        free = self.max_in_flight - self._unsettled
        claimed = await self._claim(min(free, self._batch)) if free > 0 else []
        if claimed:
            for delivery in claimed:
                await self._start(delivery)
            return False
        if until_idle and self._unsettled == 0 and not self._deferred:
            await self._wait_settled()
            if self._check_finished:
                await self._report_finished()
            if not self._check_finished and await self._nothing_pending():
                return True
        await self._idle()
        return False

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds`, or less if woken (new work, or `stop`)."""
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    # --- claiming and starting sends ---------------------------------------------------------

    async def _claim(self, limit: int) -> list[store.ClaimedDelivery]:
        async with self._sessions() as session, session.begin():
            claimed = await store.claim_pending(session, limit, self._now())
            missing = [d.broadcast_id for d in claimed if d.broadcast_id not in self._broadcasts]
            if missing:
                self._broadcasts.update(await store.broadcasts_by_id(session, missing))
        self._unsettled += len(claimed)
        self._peak_unsettled = max(self._peak_unsettled, self._unsettled)
        return claimed

    async def _start(self, delivery: store.ClaimedDelivery) -> None:
        """Start one send when both the overall rate and the recipient's chat allow it."""
        mono = self._clock.monotonic()
        chat_ready = self.budget.chat_ready_at(delivery.chat_id, Priority.PUSH, mono)
        if chat_ready > mono:
            # Only when two broadcasts reach one chat within a second (or its last send got a
            # 429); it waits its turn here. `inf`: a message to it is in flight.
            ready = mono + 0.1 if chat_ready == math.inf else max(chat_ready, mono + 0.1)
            heapq.heappush(self._deferred, (ready, next(self._tie), delivery))
            return
        await self._acquire(delivery.chat_id)
        task = asyncio.create_task(self._send(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _deferred_ready(self) -> bool:
        return bool(self._deferred) and self._deferred[0][0] <= self._clock.monotonic()

    async def _start_ready_deferred(self) -> bool:
        started = False
        while self._deferred_ready():
            _, _, delivery = heapq.heappop(self._deferred)
            await self._start(delivery)
            started = True
        return started

    async def _acquire(self, chat_id: int) -> None:
        """Wait for a permit to `chat_id` (held until `_release`); replies go first."""
        await self.budget.acquire(chat_id, Priority.PUSH)

    def _release(self, chat_id: int, refused: RateLimitedError | None = None) -> float:
        """The request to `chat_id` was answered; returns when a refused one may be retried."""
        if refused is None:
            self.budget.finish(chat_id)
            return self._clock.monotonic()
        return self.budget.refused(chat_id, refused.retry_after)

    # --- one send ----------------------------------------------------------------------------

    async def _send(self, delivery: store.ClaimedDelivery) -> None:
        try:
            outcome = await self._deliver(delivery)
        except Exception as exc:  # a bug must not lose the row: retry it like a network error
            log.exception(
                "delivery %s to %s crashed", delivery.id, chat_pseudonym(delivery.chat_id)
            )
            outcome = self._retry_or_fail(delivery, f"internal error: {exc!r}")
        self._outcomes.put_nowait(outcome)

    async def _deliver(self, delivery: store.ClaimedDelivery) -> Outcome:
        """Send one claimed delivery; its slot in the rate window is already taken."""
        broadcast = self._broadcasts[delivery.broadcast_id]
        text, buttons = self._renderer.render(broadcast, delivery.language)
        rate_limited = 0
        while True:
            try:
                message_id = await self._request(broadcast.kind, delivery, text, buttons)
            except RateLimitedError as exc:
                # Telegram refused this chat's message: only it waits `retry_after` (the
                # budget pauses everything when 429s come in a burst), the others go on.
                retry_at = self._release(delivery.chat_id, exc)
                rate_limited += 1
                log.warning(
                    "429 for delivery %s: retrying it in %.1f s",
                    delivery.id,
                    retry_at - self._clock.monotonic(),
                )
                if rate_limited >= MAX_RATE_LIMITED_RETRIES:
                    return Outcome(delivery.id, "failed", error=str(exc))
                await self._clock.sleep(retry_at - self._clock.monotonic())
                await self._acquire(delivery.chat_id)
                continue
            except RecipientBlockedError as exc:
                return Outcome(delivery.id, "blocked", error=str(exc))
            except MessageGoneError:
                return Outcome(delivery.id, "sent", message_id=delivery.target_message_id)
            except TransientSendError as exc:
                return self._retry_or_fail(delivery, str(exc))
            except (PermanentSendError, DeliveryError) as exc:
                return Outcome(delivery.id, "failed", error=str(exc))
            return Outcome(delivery.id, "sent", message_id=message_id)

    async def _request(
        self, kind: str, delivery: store.ClaimedDelivery, text: str, buttons: Buttons
    ) -> int | None:
        """One request; every answer but a 429 releases its slot (a 429 is the caller's)."""
        try:
            message_id = await self._call(kind, delivery, text, buttons)
        except RateLimitedError:
            raise
        except BaseException:
            # A network error may still have reached Telegram: it counts, to be safe.
            self._release(delivery.chat_id)
            raise
        self._release(delivery.chat_id)
        return message_id

    async def _call(
        self, kind: str, delivery: store.ClaimedDelivery, text: str, buttons: Buttons
    ) -> int | None:
        target = delivery.target_message_id
        if kind == "retraction":
            if target is None:
                raise PermanentSendError("nothing to delete: no message id stored")
            await self._messenger.delete(delivery.chat_id, target)
            return target
        if kind == "correction":
            if target is None:
                raise PermanentSendError("nothing to edit: no message id stored")
            await self._messenger.edit_text(delivery.chat_id, target, text, buttons)
            return target
        return await self._messenger.send_text(delivery.chat_id, text, buttons)

    def _retry_or_fail(self, delivery: store.ClaimedDelivery, error: str) -> Outcome:
        if delivery.attempts >= self._max_attempts:
            return Outcome(delivery.id, "failed", error=error)
        delay = min(self._max_backoff, self._backoff * 2 ** (delivery.attempts - 1))
        retry_at = self._now() + dt.timedelta(seconds=delay)
        return Outcome(delivery.id, "retry", error=error, retry_at=retry_at)

    # --- settling ----------------------------------------------------------------------------

    async def _commit_outcomes(self) -> None:
        """Group commit: whatever finished while the last commit ran goes in the next one."""
        while True:
            batch = [await self._outcomes.get()]
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            try:
                await self._settle(batch)
            except Exception as exc:
                # Kept and tried again each second; if the process dies first, the rows stay
                # 'sending' and are resent after a restart: never silently dropped.
                if isinstance(exc, DATABASE_ERRORS):
                    log.warning(
                        "could not record %d delivery outcomes, database unavailable (%s); "
                        "retrying in 1 s",
                        len(batch),
                        _first_line(exc),
                    )
                else:
                    log.exception("could not record %d delivery outcomes", len(batch))
                await self._clock.sleep(1.0)
                for outcome in batch:
                    self._outcomes.put_nowait(outcome)
                continue
            self._unsettled -= len(batch)
            for outcome in batch:
                if outcome.retry_at is not None:
                    delay = (outcome.retry_at - self._now()).total_seconds()
                    self._next_retry = min(self._next_retry, self._clock.monotonic() + delay)
            self._check_finished = True
            self._settled.set()

    async def _settle(self, batch: list[Outcome]) -> None:
        now = self._now()
        sent = [(o.delivery_id, o.message_id) for o in batch if o.status == "sent"]
        async with self._sessions() as session, session.begin():
            await store.mark_sent_many(session, sent, now=now)
            for outcome in batch:
                if outcome.status == "sent":
                    continue
                if outcome.status == "blocked":
                    await store.mark_blocked(
                        session, outcome.delivery_id, outcome.error or "", now=now
                    )
                elif outcome.status == "failed":
                    await store.mark_failed(
                        session, outcome.delivery_id, outcome.error or "", now=now
                    )
                else:
                    assert outcome.retry_at is not None
                    await store.reschedule(
                        session, outcome.delivery_id, outcome.retry_at, error=outcome.error, now=now
                    )

    async def _wait_for_settle(self) -> None:
        self._settled.clear()
        if self._unsettled < self.max_in_flight:
            return
        timeout = self._poll_interval
        if self._deferred:
            timeout = min(timeout, max(0.0, self._deferred[0][0] - self._clock.monotonic()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout)

    async def _wait_settled(self) -> None:
        while self._unsettled > len(self._deferred) or not self._outcomes.empty():
            self._settled.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settled.wait(), self._poll_interval)

    async def _idle(self) -> None:
        timeout = self._poll_interval
        mono = self._clock.monotonic()
        if self._next_retry <= mono:
            self._next_retry = math.inf
        timeout = min(timeout, max(0.0, self._next_retry - mono))
        if self._deferred:
            timeout = min(timeout, max(0.0, self._deferred[0][0] - self._clock.monotonic()))
        self._wake.clear()
        wake = asyncio.create_task(self._wake.wait())
        settled = asyncio.create_task(self._settled.wait())
        self._settled.clear()
        try:
            await asyncio.wait({wake, settled}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            wake.cancel()
            settled.cancel()

    async def _nothing_pending(self) -> bool:
        async with self._sessions() as session:
            return await store.pending_count(session) == 0

    async def _release_orphans_when_possible(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._release_orphans()
            except DATABASE_ERRORS as exc:
                failures += 1
                delay = min(DATABASE_RETRY_MAX, 2.0 ** (failures - 1))
                log.warning(
                    "outbox waiting for the database (%s); retrying in %.0f s",
                    _first_line(exc),
                    delay,
                )
                await self._pause(delay)
            else:
                return

    async def _release_orphans(self) -> None:
        """Make rows a killed sender left 'sending' claimable now (their lease is moot)."""
        now = self._now()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Delivery)
                .where(Delivery.status == "sending")
                .values(status="pending", next_attempt_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        released = int(result.rowcount)  # type: ignore[attr-defined]
        if released:
            log.warning("resending %d deliveries left in flight by a stopped sender", released)

    # --- reports -----------------------------------------------------------------------------

    async def _report_finished(self) -> None:
        # Finding finished broadcasts scans their deliveries, so at most once a second while busy.
        self._check_finished = False
        self._next_finish_check = self._clock.monotonic() + 1.0
        async with self._sessions() as session, session.begin():
            finished = await store.finish_broadcasts(session)
            reports = [(b, await store.delivery_counts(session, b.id)) for b in finished]
        for broadcast, counts in reports:
            if broadcast.staff_chat_id is None:
                continue
            text = self._renderer.report(broadcast, counts)
            await self._acquire(broadcast.staff_chat_id)
            try:
                await self._messenger.send_text(broadcast.staff_chat_id, text)
            except RateLimitedError as exc:
                self._release(broadcast.staff_chat_id, exc)
                log.warning("delivery report for broadcast %s not sent: %s", broadcast.id, exc)
                self._check_finished = True
                continue
            except BaseException as exc:
                self._release(broadcast.staff_chat_id)
                if not isinstance(exc, DeliveryError):
                    raise
                log.warning("delivery report for broadcast %s not sent: %s", broadcast.id, exc)
                if isinstance(exc, TransientSendError):
                    self._check_finished = True
                    continue
            else:
                self._release(broadcast.staff_chat_id)
            async with self._sessions() as session, session.begin():
                await store.mark_report_sent(session, broadcast.id)
            self._broadcasts.pop(broadcast.id, None)


def _first_line(exc: BaseException) -> str:
    """An exception's first line: enough to recognise it, without SQL or a traceback."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
