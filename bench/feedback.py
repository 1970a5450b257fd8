"""Staff insight at scale: /stats and the report over 100,000 votes and 1,000,000 questions.

The datascale tables (bench/datascale.py) plus 100,000 answers with a vote spread over the
retention period (those older than the vote window already untied from their residents, as the
daily housekeeping leaves them) and a ticket for every hundredth resident who asked. Measured
through the services the handlers call: the whole /stats text (`StaffService.stats` with its
insight block: answers, votes, tickets, the week before), the chart it sends after (data and
PNG), and the report's feedback figures over 28 days (`read_overview` plus `votes_by_day`).
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import CONTENT_DIR
from bench.datascale import (
    ASKERS,
    NOW,
    RETENTION_DAYS,
    STAFF,
    TARGET_S,
    _batches,
    _sqlite_time,
    fill_postgres,
    fill_sqlite,
    postgres_schema,
    timed,
)
from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content, load_content
from bot.core.feedback import VOTE_WINDOW
from bot.core.insight import Insight, read_overview
from bot.core.staff import StaffService
from bot.storage.engine import create_engine, session_factory
from bot.storage.feedback import votes_by_day
from bot.storage.migrate import upgrade
from bot.visuals.cache import RenderCache
from bot.visuals.charts import render_stats
from bot.visuals.png import new_figure
from bot.visuals.report import topic_titles
from bot.visuals.stats import collect_stats

VIAS = ("text", "text", "text", "suggested", "menu")
ANSWER_COLUMNS = ["id", "token", "chat_id", "topic", "language", "via", "day", "vote"]
TICKET_COLUMNS = ["id", "chat_id", "text", "language", "status", "created_at", "answered_at"]


def answers(
    count: int, topics: list[str]
) -> Iterator[tuple[int, str | None, int | None, str, str, str, dt.date, int | None]]:
    """(id, token, chat_id, topic, language, via, day, vote): most voted, 3 in 4 of them 👍."""
    rng = random.Random(16)
    today = NOW.astimezone(STOCKHOLM).date()
    for number in range(1, count + 1):
        day = today - dt.timedelta(days=rng.randrange(RETENTION_DAYS))
        open_to_votes = (today - day) < VOTE_WINDOW
        vote = None if rng.random() < 0.1 else (1 if rng.random() < 0.75 else -1)
        yield (
            number,
            f"t{number:011d}" if open_to_votes else None,
            1 + number % ASKERS if open_to_votes else None,
            rng.choice(topics),
            "sv",
            rng.choice(VIAS),
            day,
            vote,
        )


def tickets(
    count: int,
) -> Iterator[tuple[int, int, str, str, str, dt.datetime, dt.datetime | None]]:
    """(id, chat_id, text, language, status, created_at, answered_at), half answered."""
    rng = random.Random(5)
    for number in range(1, count + 1):
        created = NOW - dt.timedelta(seconds=rng.random() * RETENTION_DAYS * 86_400)
        answered = created + dt.timedelta(hours=rng.random() * 48) if number % 2 else None
        yield (
            number,
            1 + number % ASKERS,
            "Var kan jag läsa mer?",
            "sv",
            "answered" if answered else "open",
            created,
            answered,
        )


def fill_sqlite_feedback(path: Path, votes: int, topics: list[str]) -> None:
    """Answers and tickets straight through sqlite3."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        for batch in _batches(answers(votes, topics)):
            connection.executemany(
                f"INSERT INTO answers ({', '.join(ANSWER_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ((*a[:6], a[6].isoformat(), a[7]) for a in batch),
            )
        connection.executemany(
            f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (*t[:5], _sqlite_time(t[5]), _sqlite_time(t[6]) if t[6] else None)
                for t in tickets(ASKERS // 100)
            ),
        )
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def fill_postgres_feedback(
    connection: asyncpg.Connection, schema: str, votes: int, topics: list[str]
) -> None:
    """COPY answers and tickets, then VACUUM ANALYZE as autovacuum would."""
    for batch in _batches(answers(votes, topics)):
        await connection.copy_records_to_table(
            "answers", schema_name=schema, records=batch, columns=ANSWER_COLUMNS
        )
    await connection.copy_records_to_table(
        "tickets", schema_name=schema, records=tickets(ASKERS // 100), columns=TICKET_COLUMNS
    )
    await connection.execute(f'VACUUM ANALYZE "{schema}".answers')
    await connection.execute(f'VACUUM ANALYZE "{schema}".tickets')


async def measure(engine: AsyncEngine, content: Content) -> dict[str, float]:
    """Seconds for /stats (text with insight, chart data, chart PNG) and the report's figures."""
    sessions = session_factory(engine)
    insight = Insight(sessions, lambda: content, lambda: NOW, STOCKHOLM)
    staff = StaffService(
        sessions,
        lambda: content,
        reload=lambda: None,
        clock=lambda: NOW,
        staff_ids=frozenset({STAFF}),
        insight=insight,
    )
    new_figure(100.0)  # matplotlib's import, timed apart in the datascale section
    text, text_s = await timed(lambda: staff.stats(STAFF, "sv"))
    _, insight_s = await timed(lambda: insight.overview(NOW))
    stats, collect_s = await timed(lambda: collect_stats(sessions, NOW))
    _, chart_s = await timed(
        lambda: render_stats(
            stats, "sv", content.texts, topic_titles(content, "sv"), cache=RenderCache()
        )
    )

    async def report_figures() -> None:
        async with sessions() as session:
            period = await read_overview(session, stats.as_of, STOCKHOLM, days=28)
            await votes_by_day(session, period.current.first_day, stats.as_of)

    _, report_s = await timed(report_figures)
    assert "👍" in text.text
    return {
        "stats_text_s": text_s,
        "insight_s": insight_s,
        "stats_chart_data_s": collect_s,
        "stats_chart_s": chart_s,
        "stats_total_s": text_s + collect_s + chart_s,
        "report_figures_s": report_s,
    }


async def sqlite_run(logged: int, votes: int, content: Content) -> dict[str, Any]:
    """Fill and measure a SQLite file."""
    topics = [e.id for e in content.faq]
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp:
        path = Path(tmp) / "bot.db"
        engine = create_engine(f"sqlite:///{path}")
        try:
            await upgrade(engine)
            started = time.perf_counter()
            fill_sqlite(path, ASKERS, logged, topics)
            fill_sqlite_feedback(path, votes, topics)
            fill_s = time.perf_counter() - started
            return {"backend": "SQLite", "fill_s": fill_s, **await measure(engine, content)}
        finally:
            await engine.dispose()


async def postgres_run(logged: int, votes: int, content: Content) -> dict[str, Any]:
    """Fill and measure a PostgreSQL schema; a note instead when the server is unreachable."""
    topics = [e.id for e in content.faq]
    try:
        async with postgres_schema() as (connection, schema, engine):
            started = time.perf_counter()
            await fill_postgres(connection, schema, ASKERS, logged, topics)
            await fill_postgres_feedback(connection, schema, votes, topics)
            fill_s = time.perf_counter() - started
            return {"backend": "PostgreSQL", "fill_s": fill_s, **await measure(engine, content)}
    except (OSError, asyncpg.PostgresError) as error:
        return {"backend": "PostgreSQL", "skipped": f"unreachable ({error})"}


async def run(*, quick: bool) -> dict[str, Any]:
    """Both backends at full size (a fiftieth of it with --quick)."""
    logged, votes = (20_000, 2_000) if quick else (1_000_000, 100_000)
    content = load_content(CONTENT_DIR)
    return {
        "questions": logged,
        "votes": votes,
        "target_s": TARGET_S,
        "backends": [
            await sqlite_run(logged, votes, content),
            await postgres_run(logged, votes, content),
        ],
    }


def report_lines(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The section for docs/benchmarks.md, and the targets it missed."""
    lines = [
        "## Staff insight at scale (feedback)",
        "",
        f"{data['questions']:,} logged questions and {data['votes']:,} answers with their votes "
        "(👍/👎) spread over the retention period, plus tickets, filled with bulk inserts (not "
        "measured). `/stats` is its whole text through `StaffService.stats` (subscribers, "
        "questions, and what the bot achieves: helpful and answered shares, residents helped "
        "without a ticket, tickets and median answer time, each with the week before, per "
        "topic, the most-👎 topics with their questions) plus the chart it sends after. The "
        "report figures are the feedback section's reads over 28 days.",
        "",
        "| Backend | Fill | /stats text | of it: insight | chart data | chart PNG "
        "| /stats total | report figures |",
        "|---|---|---|---|---|---|---|---|",
    ]
    misses = []
    for backend in data["backends"]:
        if "skipped" in backend:
            lines.append(f"| {backend['backend']} | skipped: {backend['skipped']} |||||||")
            continue
        lines.append(
            f"| {backend['backend']} | {backend['fill_s']:.1f} s "
            f"| {backend['stats_text_s']:.2f} s | {backend['insight_s']:.2f} s "
            f"| {backend['stats_chart_data_s']:.2f} s | {backend['stats_chart_s']:.2f} s "
            f"| {backend['stats_total_s']:.2f} s | {backend['report_figures_s']:.2f} s |"
        )
        if backend["stats_total_s"] > data["target_s"]:
            misses.append(
                f"/stats with {data['votes']:,} votes on {backend['backend']}: "
                f"{backend['stats_total_s']:.2f} s (target {data['target_s']:.0f} s)"
            )
    return [*lines, ""], misses
