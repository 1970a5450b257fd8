"""Updates of different chats handled side by side, each chat's one at a time in arrival order.

python-telegram-bot handles one update at a time by default, so 200 residents asking at once
queue behind each other. Its `concurrent_updates` runs updates side by side but keeps no order:
a resident's second question could be answered before the first, and the per-chat state (the
flood gate's count, the "Ask the staff" draft, /forget's erasure; all in the database) would
see a chat's messages out of order or interleaved.

`PerChatOrder` gives every chat a turn: a chat's updates queue on that chat's lock in the order
they arrived, and only an update holding its chat's turn takes one of the `max_running` slots,
so a chat flooding the bot waits behind itself and not in front of everyone else.

Why arrival order holds: PTB starts one task per update in arrival order and asyncio runs new
tasks first come, first served; from the start of a task to asking for its chat's lock nothing
yields (PTB's own semaphore is sized so that it never makes an update wait), and a contended
`asyncio.Lock` serves its waiters in order, never letting a newcomer overtake them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Enough to keep the database and the Bot API busy while some updates wait on either; few
# enough that a burst does not start hundreds of database sessions at once.
DEFAULT_MAX_RUNNING = 64
# Updates taken off the queue at once, running or waiting for their chat's turn. PTB's own
# semaphore bounds this; past it PTB keeps updates waiting, still in order.
MAX_ADMITTED = 10_000


@dataclass
class _Turn:
    """One chat's lock and how many of its updates hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


class PerChatOrder(BaseUpdateProcessor):
    """At most `max_running` updates handled at once, never two of the same chat."""

    __slots__ = ("_running", "_turns")

    def __init__(self, max_running: int = DEFAULT_MAX_RUNNING) -> None:
        if max_running < 1:
            raise ValueError("max_running must be at least 1")
        super().__init__(max(MAX_ADMITTED, max_running))
        self._running = asyncio.Semaphore(max_running)
        self._turns: dict[int, _Turn] = {}

    @property
    def chats_active(self) -> int:
        """Chats with an update being handled or waiting (0 when idle: nothing is kept)."""
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's turn and a free slot, then handle the update."""
        chat_id = chat_of(update)
        if chat_id is None:
            async with self._running:
                await coroutine
            return
        turn = self._turns.get(chat_id)
        if turn is None:
            turn = self._turns[chat_id] = _Turn()
        turn.holders += 1
        try:
            async with turn.lock, self._running:
                await coroutine
        finally:
            turn.holders -= 1
            if turn.holders == 0:
                del self._turns[chat_id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: the application itself waits for the updates still running."""


def chat_of(update: object) -> int | None:
    """The chat an update belongs to; the user's id when it has no chat (a press on a message
    too old to carry one); None for anything else."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
