"""The sender role: one holder per database, taken over when the holder's session dies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduler.leadership import LOCK_NAME, AdvisoryLock, Leadership, SoleProcessLock, role_lock
from tests.databases import postgres_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_engines() -> AsyncIterator[tuple[AsyncEngine, AsyncEngine, AsyncEngine]]:
    """Three engines on one fresh schema: two 'processes' and an admin."""
    async with postgres_schema() as database:
        engines = (database.engine(), database.engine(), database.engine())
        try:
            yield engines
        finally:
            for engine in engines:
                await engine.dispose()


async def kill_lock_holder(admin: AsyncEngine) -> int:
    """End the session that holds an advisory lock, as a SIGKILL of its process would."""
    async with admin.connect() as connection:
        pids = list(
            await connection.scalars(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                    "database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
        )
        for pid in pids:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    return len(pids)


class Recorder:
    """Hooks that remember what the election asked for."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def acquired(self) -> None:
        self.events.append("start")

    async def released(self) -> None:
        self.events.append("stop")


def leadership(lock: AdvisoryLock | SoleProcessLock, recorder: Recorder) -> Leadership:
    return Leadership(lock, on_acquire=recorder.acquired, on_release=recorder.released, interval=60)


async def test_one_holder_at_a_time_and_a_standby_takes_over_when_it_dies(
    pg_engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    first_engine, second_engine, admin = pg_engines
    assert isinstance(role_lock(first_engine), AdvisoryLock)
    first, second = Recorder(), Recorder()
    one = leadership(AdvisoryLock(first_engine), first)
    two = leadership(AdvisoryLock(second_engine), second)

    await one.step()
    await two.step()
    assert (one.role, two.role) == ("sender", "standby")
    assert (first.events, second.events) == (["start"], [])
    await two.step()  # still held: the standby keeps waiting
    assert two.role == "standby"

    assert await kill_lock_holder(admin) == 1
    await one.step()  # the holder notices its session is gone and stops sending
    assert one.role == "standby"
    assert first.events == ["start", "stop"]
    await two.step()
    assert two.role == "sender"
    assert second.events == ["start"]
    await one.step()  # and the old holder, back, waits its turn
    assert one.role == "standby"

    await two.stop()
    assert second.events == ["start", "stop"]
    await one.step()  # a clean stop frees the role at once
    assert one.role == "sender"
    await one.stop()


async def test_deployments_in_other_schemas_do_not_compete(
    pg_engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    mine = AdvisoryLock(pg_engines[0])
    assert await mine.try_acquire()
    async with postgres_schema() as other_database:
        other_engine = other_database.engine()
        other = AdvisoryLock(other_engine)
        try:
            assert await other.try_acquire()
        finally:
            await other.release()
            await other_engine.dispose()
    await mine.release()


async def test_a_released_lock_leaves_no_lock_in_the_pool(
    pg_engines: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    engine, other_engine, admin = pg_engines
    lock = AdvisoryLock(engine)
    assert await lock.try_acquire()
    await lock.release()
    async with admin.connect() as connection:
        # This schema's role lock only: the test server may be shared with other test runs.
        held = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = "
                "((hashtext(:name || ':' || current_schema())::bigint) & 4294967295)::oid"
            ),
            {"name": LOCK_NAME},
        )
    assert held == 0
    other = AdvisoryLock(other_engine)
    assert await other.try_acquire()
    await other.release()


async def test_on_sqlite_the_only_process_holds_the_role_at_once() -> None:
    recorder = Recorder()
    alone = leadership(SoleProcessLock(), recorder)
    await alone.start()
    assert alone.role == "sender"
    await alone.stop()
    assert recorder.events == ["start", "stop"]
