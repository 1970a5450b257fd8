"""Surveys at scale: inviting 10,000 subscribers and tallying 10,000 responses (issue 18).

Through the staff service the Telegram handlers call: `SurveyStaff.press` (Send under the
preview: the survey row and one outbox delivery per subscriber) and `SurveyStaff.results`
(the tally and its text), plus the chart `/survey results` sends after it. SQLite and
PostgreSQL; residents, subscriptions and responses are bulk-filled first (not measured).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import CONTENT_DIR
from bench.datascale import fill_postgres, fill_sqlite, postgres_schema
from bot.content import Content, load_content
from bot.core.surveys.staff import SEND_PREFIX, SurveyStaff
from bot.storage import surveys as store
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import SurveyAnswer, SurveyResponse
from bot.visuals.survey_chart import survey_png

STAFF = 4242
NOW = dt.datetime(2027, 3, 15, 12, 0, tzinfo=dt.UTC)
SURVEY = "balltorp-kartlaggning"
TARGET_S = 3.0


async def fill_responses(engine: AsyncEngine, content: Content, count: int) -> None:
    """`count` complete responses to the shipped survey, answers drawn at random."""
    survey = next(s for s in content.surveys if s.id == SURVEY)
    rng = random.Random(18)
    responses, answers = [], []
    for number in range(count):
        response = f"{number:032x}"
        responses.append({"id": response, "survey_id": SURVEY})
        for question in survey.questions:
            row = {"response_id": response, "survey_id": SURVEY, "question_id": question.id}
            if question.kind == "scale":
                answers.append({**row, "seq": 0, "choice": rng.randint(1, 5), "text": None})
            elif question.kind == "choice":
                answers.append({**row, "seq": 0, "choice": rng.randrange(question.choices)})
            elif question.kind == "multi":
                chosen = rng.sample(range(question.choices), rng.randint(1, 2))
                answers += [
                    {**row, "seq": seq, "choice": c, "text": None} for seq, c in enumerate(chosen)
                ]
            elif rng.random() < 0.3:
                answers.append({**row, "seq": 0, "choice": None, "text": "Mer ljus i parken"})
    for row in answers:
        row.setdefault("text", None)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await session.execute(insert(SurveyResponse), responses)
        await session.execute(insert(SurveyAnswer), answers)


async def measure(engine: AsyncEngine, content: Content, responses: int) -> dict[str, Any]:
    """Seconds for Send (the invitations) and for the results, text and chart."""
    staff = SurveyStaff(session_factory(engine), lambda: content, lambda: NOW, frozenset({STAFF}))
    started = time.perf_counter()
    sent = await staff.press(STAFF, STAFF, f"{SEND_PREFIX}{SURVEY}", "sv")
    invite_s = time.perf_counter() - started
    started = time.perf_counter()
    await fill_responses(engine, content, responses)
    fill_s = time.perf_counter() - started
    started = time.perf_counter()
    results = await staff.results(STAFF, SURVEY, "sv")
    tally_s = time.perf_counter() - started
    assert f"{responses} svar av {responses} inbjudna" in results.reply.text
    # The chart /survey results sends next: its own tally, then the picture.
    started = time.perf_counter()
    async with session_factory(engine)() as session:
        tally = await store.tally(session, SURVEY)
    survey = next(s for s in content.surveys if s.id == SURVEY)
    await asyncio.to_thread(survey_png, survey, tally, content.texts, "sv")
    chart_s = time.perf_counter() - started
    return {
        "invite_s": invite_s,
        "responses_fill_s": fill_s,
        "tally_s": tally_s,
        "chart_s": chart_s,
        "confirmation": sent.text,
    }


async def sqlite_run(subscribers: int, responses: int, content: Content) -> dict[str, Any]:
    """Fill and measure a SQLite file."""
    with tempfile.TemporaryDirectory(prefix="bench-surveys-") as tmp:
        path = Path(tmp) / "bot.db"
        engine = create_engine(f"sqlite:///{path}")
        try:
            await upgrade(engine)
            fill_sqlite(path, subscribers, 0, [])
            return {"backend": "SQLite", **await measure(engine, content, responses)}
        finally:
            await engine.dispose()


async def postgres_run(subscribers: int, responses: int, content: Content) -> dict[str, Any]:
    """Fill and measure a PostgreSQL schema; a note instead when the server is unreachable."""
    try:
        async with postgres_schema() as (connection, schema, engine):
            await fill_postgres(connection, schema, subscribers, 0, [])
            return {"backend": "PostgreSQL", **await measure(engine, content, responses)}
    except (OSError, asyncpg.PostgresError) as error:
        return {"backend": "PostgreSQL", "skipped": f"unreachable ({error})"}


async def run(*, quick: bool) -> dict[str, Any]:
    """Both backends: 10,000 invitations and 10,000 responses (1,000 with --quick)."""
    size = 1_000 if quick else 10_000
    content = load_content(CONTENT_DIR)
    return {
        "subscribers": size,
        "responses": size,
        "target_s": TARGET_S,
        "backends": [
            await sqlite_run(size, size, content),
            await postgres_run(size, size, content),
        ],
    }


if __name__ == "__main__":
    for backend in asyncio.run(run(quick=False))["backends"]:
        print(backend)
