"""Scale of the data: a broadcast enqueued for 100,000 subscribers, /stats over 1,000,000 questions.

Both through the staff service the Telegram handlers call (`StaffService.preview` and `press`,
`stats`, then `collect_stats` and `render_stats` for the chart /stats sends after its text), on
SQLite and on PostgreSQL. The tables are filled with bulk inserts first (executemany on SQLite,
COPY on PostgreSQL); filling is not what is measured.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import CONTENT_DIR
from bot.content import Content, load_content
from bot.core.staff import SEND_PREFIX, StaffService
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.url import database_url
from bot.visuals.cache import RenderCache
from bot.visuals.charts import render_stats
from bot.visuals.png import new_figure
from bot.visuals.report import topic_titles
from bot.visuals.stats import collect_stats

T = TypeVar("T")

STAFF = 4242
NOW = dt.datetime(2027, 3, 15, 12, 0, tzinfo=dt.UTC)
RETENTION_DAYS = 90  # OMRADESBOT_QUESTION_RETENTION_DAYS: the oldest question /stats can meet
ASKERS = 10_000
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 50_000
TARGET_S = 3.0


def residents(count: int) -> Iterator[tuple[int, str, bool, dt.datetime, dt.datetime]]:
    """(chat_id, language, language_chosen, created_at, updated_at)."""
    for chat in range(1, count + 1):
        created = NOW - dt.timedelta(minutes=chat % 100_000)
        yield chat, "en" if chat % 5 == 0 else "sv", True, created, created


def subscriptions(count: int) -> Iterator[tuple[int, int, str, bool, dt.datetime]]:
    """(id, chat_id, area, active, created_at): everyone subscribes to Balltorp."""
    for chat in range(1, count + 1):
        yield chat, chat, "balltorp", True, NOW - dt.timedelta(minutes=chat % 100_000)


def questions(
    count: int, topics: list[str], askers: int = ASKERS
) -> Iterator[tuple[int, int, dt.datetime, str, str, str | None, float, bool]]:
    """(id, chat_id, asked_at, text, language, topic, score, answered), spread evenly over the
    retention period, about three in four answered, asked by the first `askers` residents."""
    rng = random.Random(7)
    span = RETENTION_DAYS * 86_400
    for number in range(1, count + 1):
        answered = rng.random() < 0.75
        topic = rng.choice(topics) if answered else None
        yield (
            number,
            1 + number % askers,
            NOW - dt.timedelta(seconds=rng.random() * span),
            "När startar områdesarbetet i Balltorp?",
            "sv",
            topic,
            0.8 if answered else 0.2,
            answered,
        )


def _sqlite_time(value: dt.datetime) -> str:
    # What SQLAlchemy's SQLite DATETIME writes for the naive UTC value UTCDateTime binds.
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill_sqlite(path: Path, subscribers: int, logged: int, topics: list[str]) -> None:
    """Bulk rows straight through sqlite3 (the schema is already migrated)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        fix = _sqlite_time
        connection.executemany(
            "INSERT INTO residents (chat_id, language, language_chosen, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            ((c, lang, ch, fix(a), fix(b)) for c, lang, ch, a, b in residents(subscribers)),
        )
        connection.executemany(
            "INSERT INTO subscriptions (id, chat_id, area, active, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            ((i, c, area, act, fix(at)) for i, c, area, act, at in subscriptions(subscribers)),
        )
        for batch in _batches(questions(logged, topics, min(ASKERS, subscribers))):
            connection.executemany(
                "INSERT INTO questions (id, chat_id, asked_at, text, language, topic, score, "
                "answered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ((q[0], q[1], fix(q[2]), *q[3:]) for q in batch),
            )
        connection.commit()
    finally:
        connection.close()


async def fill_postgres(
    connection: asyncpg.Connection, schema: str, subscribers: int, logged: int, topics: list[str]
) -> None:
    """COPY every table, then VACUUM ANALYZE, as autovacuum would have done on a live server."""
    await connection.copy_records_to_table(
        "residents",
        schema_name=schema,
        records=residents(subscribers),
        columns=["chat_id", "language", "language_chosen", "created_at", "updated_at"],
    )
    await connection.copy_records_to_table(
        "subscriptions",
        schema_name=schema,
        records=subscriptions(subscribers),
        columns=["id", "chat_id", "area", "active", "created_at"],
    )
    for batch in _batches(questions(logged, topics, min(ASKERS, subscribers))):
        await connection.copy_records_to_table(
            "questions",
            schema_name=schema,
            records=batch,
            columns=["id", "chat_id", "asked_at", "text", "language", "topic", "score", "answered"],
        )
    await connection.execute(f'VACUUM ANALYZE "{schema}".residents')
    await connection.execute(f'VACUUM ANALYZE "{schema}".subscriptions')
    await connection.execute(f'VACUUM ANALYZE "{schema}".questions')


async def timed(action: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    """The result and the seconds it took."""
    started = time.perf_counter()
    result = await action()
    return result, time.perf_counter() - started


async def measure(engine: AsyncEngine, content: Content) -> dict[str, float]:
    """Seconds for each staff action over the filled database."""
    sessions = session_factory(engine)
    staff = StaffService(
        sessions,
        lambda: content,
        reload=lambda: None,
        clock=lambda: NOW,
        staff_ids=frozenset({STAFF}),
    )
    preview, preview_s = await timed(
        lambda: staff.preview(STAFF, STAFF, "balltorp Välkommen till Balltorp!", "sv")
    )
    data = next(b.data for row in preview.buttons for b in row if b.data.startswith(SEND_PREFIX))
    _, press_s = await timed(lambda: staff.press(STAFF, data, "sv"))
    # The first picture after start-up also imports matplotlib, whatever the data: timed apart
    # (once per process, so the first backend pays it), so /stats shows what the data costs.
    started = time.perf_counter()
    new_figure(100.0)
    import_s = time.perf_counter() - started
    _, text_s = await timed(lambda: staff.stats(STAFF, "sv"))
    stats, collect_s = await timed(lambda: collect_stats(sessions, NOW))
    _, chart_s = await timed(
        lambda: render_stats(
            stats, "sv", content.texts, topic_titles(content, "sv"), cache=RenderCache()
        )
    )
    return {
        "preview_s": preview_s,
        "enqueue_s": press_s,
        "stats_text_s": text_s,
        "stats_collect_s": collect_s,
        "stats_chart_s": chart_s,
        "stats_total_s": text_s + collect_s + chart_s,
        "matplotlib_import_s": import_s,
        "questions_in_chart": float(stats.total_questions),
    }


async def sqlite_run(
    subscribers: int, logged: int, content: Content, *, quick: bool = False
) -> dict[str, Any]:
    """Fill and measure a SQLite file."""
    with tempfile.TemporaryDirectory(prefix="bench-data-") as tmp:
        path = Path(tmp) / "bot.db"
        engine = create_engine(f"sqlite:///{path}")
        try:
            await upgrade(engine)
            started = time.perf_counter()
            fill_sqlite(path, subscribers, logged, [e.id for e in content.faq])
            fill_s = time.perf_counter() - started
            figures: dict[str, Any] = {
                "backend": "SQLite",
                "fill_s": fill_s,
                **await measure(engine, content),
            }
            if not quick and max(figures["enqueue_s"], figures["stats_total_s"]) > TARGET_S:
                figures["profiles"] = await profile(engine, content)
            return figures
        finally:
            await engine.dispose()


async def profile(engine: AsyncEngine, content: Content) -> dict[str, str]:
    """pyinstrument text reports of a second enqueue and a second /stats chart read."""
    from pyinstrument import Profiler  # noqa: PLC0415

    sessions = session_factory(engine)
    staff = StaffService(
        sessions,
        lambda: content,
        reload=lambda: None,
        clock=lambda: NOW,
        staff_ids=frozenset({STAFF}),
    )
    preview = await staff.preview(STAFF, STAFF, "balltorp Andra utskicket.", "sv")
    data = next(b.data for row in preview.buttons for b in row if b.data.startswith(SEND_PREFIX))
    reports = {}
    for name, action in (
        ("enqueue", lambda: staff.press(STAFF, data, "sv")),
        ("stats", lambda: collect_stats(sessions, NOW)),
    ):
        profiler = Profiler(interval=0.001, async_mode="enabled")
        with profiler:
            await action()
        reports[name] = profiler.output_text(unicode=False, color=False)
    return reports


def postgres_url() -> str:
    """The server the storage tests use, or the CI default."""
    return os.environ.get("OMRADESBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[tuple[asyncpg.Connection, str, AsyncEngine]]:
    """A throw-away migrated schema; raises OSError/PostgresError when the server is away."""
    url = database_url(postgres_url())
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=5)
    schema = f"bench_{secrets.token_hex(6)}"
    await connection.execute(f'CREATE SCHEMA "{schema}"')
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await upgrade(engine)
        yield connection, schema, engine
    finally:
        await engine.dispose()
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


async def postgres_run(subscribers: int, logged: int, content: Content) -> dict[str, Any]:
    """Fill and measure a PostgreSQL schema; a note instead when the server is unreachable."""
    try:
        async with postgres_schema() as (connection, schema, engine):
            started = time.perf_counter()
            await fill_postgres(
                connection, schema, subscribers, logged, [e.id for e in content.faq]
            )
            fill_s = time.perf_counter() - started
            return {"backend": "PostgreSQL", "fill_s": fill_s, **await measure(engine, content)}
    except (OSError, asyncpg.PostgresError) as error:
        return {"backend": "PostgreSQL", "skipped": f"unreachable ({error})"}


async def run(*, quick: bool) -> dict[str, Any]:
    """Both backends at full size (a tenth of it with --quick)."""
    subscribers, logged = (2_000, 20_000) if quick else (100_000, 1_000_000)
    content = load_content(CONTENT_DIR)
    return {
        "subscribers": subscribers,
        "questions": logged,
        "retention_days": RETENTION_DAYS,
        "backends": [
            await sqlite_run(subscribers, logged, content, quick=quick),
            await postgres_run(subscribers, logged, content),
        ],
    }
