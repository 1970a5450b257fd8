"""Enqueueing a broadcast for 10,000 recipients takes well under a second on SQLite."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from sqlalchemy import func, select

from bot.storage import outbox as store
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import Broadcast, Delivery, Resident
from bot.storage.residents import Recipient

NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=dt.UTC)


async def test_ten_thousand_recipients_are_enqueued_in_well_under_a_second(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        recipients = [Recipient(chat_id, "sv") for chat_id in range(1, 10_001)]
        async with sessions() as session, session.begin():
            rows = [
                {"chat_id": r.chat_id, "language": "sv", "created_at": NOW, "updated_at": NOW}
                for r in recipients
            ]
            await session.execute(Resident.__table__.insert(), rows)

        started = time.perf_counter()
        async with sessions() as session, session.begin():
            broadcast = Broadcast(
                kind="broadcast", area="all", text_sv="Hej", text_en="Hi", status="draft"
            )
            await store.enqueue_broadcast(session, broadcast, recipients, now=NOW)
        elapsed = time.perf_counter() - started

        async with sessions() as session:
            count = await session.scalar(select(func.count()).select_from(Delivery))
        assert count == 10_000
        # Measured 0.32-0.38 s here; the margin absorbs a busy CI machine.
        assert elapsed < 0.8, f"enqueueing took {elapsed:.3f} s"
    finally:
        await engine.dispose()
