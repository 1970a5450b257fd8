"""PerChatOrder: a chat's updates one at a time in arrival order, different chats side by side."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram import Chat, Message, Update

from bot.telegram.ordering import PerChatOrder, chat_of

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def update_in(chat_id: int, update_id: int) -> Update:
    """A text message update in the private chat `chat_id`."""
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, NOW, chat, text=f"fråga {update_id}"))


class Handling:
    """Records when each update starts and lets the test decide when each one ends."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self.release: dict[int, asyncio.Event] = {}

    async def handle(self, update_id: int) -> None:
        self.started.append(update_id)
        await self.release.setdefault(update_id, asyncio.Event()).wait()
        self.finished.append(update_id)

    def finish(self, update_id: int) -> None:
        self.release.setdefault(update_id, asyncio.Event()).set()


async def settle() -> None:
    """Let every runnable task run until all are waiting again (no wall-clock sleeping)."""
    for _ in range(20):
        await asyncio.sleep(0)


def submit(processor: PerChatOrder, handling: Handling, update: Update) -> asyncio.Task[None]:
    """As PTB does with concurrent updates: one task per update, started in arrival order."""
    return asyncio.create_task(processor.process_update(update, handling.handle(update.update_id)))


async def test_same_chat_waits_its_turn_while_other_chats_go_ahead() -> None:
    processor, handling = PerChatOrder(), Handling()
    tasks = [
        submit(processor, handling, update_in(chat, update_id))
        for chat, update_id in [(1, 10), (1, 11), (2, 20), (1, 12), (3, 30)]
    ]
    await settle()
    # Chat 1's first update is still running: its others wait, chats 2 and 3 run alongside.
    assert handling.started == [10, 20, 30]

    handling.finish(20)
    handling.finish(12)  # released early, yet it must wait for 11
    await settle()
    assert handling.started == [10, 20, 30]
    assert handling.finished == [20]

    handling.finish(10)
    await settle()
    assert handling.started == [10, 20, 30, 11]
    handling.finish(11)
    handling.finish(30)
    await asyncio.gather(*tasks)
    chat_one = [u for u in handling.finished if u // 10 == 1]
    assert chat_one == [10, 11, 12]
    assert processor.chats_active == 0  # nothing is kept for idle chats


async def test_at_most_max_running_updates_at_once_and_a_flooding_chat_waits_behind_itself() -> (
    None
):
    processor, handling = PerChatOrder(max_running=2), Handling()
    flood = [submit(processor, handling, update_in(1, 100 + n)) for n in range(5)]
    others = [submit(processor, handling, update_in(chat, chat)) for chat in (2, 3, 4)]
    await settle()
    # One slot goes to the flooding chat's first update, the other to the next chat; the
    # flood's queued updates take no slot while they wait for their chat's turn.
    assert handling.started == [100, 2]

    handling.finish(2)
    await settle()
    assert handling.started == [100, 2, 3]
    for update_id in (100, 101, 102, 103, 104, 3, 4):
        handling.finish(update_id)
    await asyncio.gather(*flood, *others)
    assert [u for u in handling.finished if u >= 100] == [100, 101, 102, 103, 104]
    assert sorted(handling.started) == [2, 3, 4, 100, 101, 102, 103, 104]


async def test_a_failing_update_frees_its_chat_for_the_next() -> None:
    processor = PerChatOrder()
    handled: list[int] = []

    async def fail() -> None:
        raise RuntimeError("handler failed")

    async def handle() -> None:
        handled.append(2)

    with pytest.raises(RuntimeError):
        await processor.process_update(update_in(1, 1), fail())
    await processor.process_update(update_in(1, 2), handle())
    assert handled == [2]
    assert processor.chats_active == 0


def test_the_chat_of_an_update() -> None:
    assert chat_of(update_in(42, 1)) == 42
    assert chat_of(Update(2)) is None
    assert chat_of("not an update") is None
    with pytest.raises(ValueError, match="at least 1"):
        PerChatOrder(max_running=0)
