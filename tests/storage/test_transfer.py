"""`omradesbot export` / `import`: SQLite -> PostgreSQL -> SQLite keeps every row of every table."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from bot.instance_lock import instance_lock
from bot.storage import create_engine, upgrade
from bot.storage.models import (
    Answer,
    Broadcast,
    Delivery,
    LostMessage,
    MilestoneRow,
    Question,
    Resident,
    StartCount,
    Subscription,
    SurveyAnswer,
    SurveyParticipation,
    SurveyResponse,
    SurveyRow,
    Ticket,
    TicketDraft,
    TicketMessage,
)
from bot.storage.transfer import tables
from bot.storage.url import database_url
from tests.databases import postgres_database

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)  # the night clocks go forward


async def fill(engine: AsyncEngine) -> None:
    """A little of everything: NULLs, Swedish text, big ids, a broadcast and its correction."""
    later = T0 + dt.timedelta(hours=3)
    rows: list[tuple[Any, list[dict[str, Any]]]] = [
        (
            Resident,
            [
                {"chat_id": 7001, "language": "sv", "language_chosen": False},
                {"chat_id": 9_007_199_254_740_993, "language": "en", "language_chosen": True},
            ],
        ),
        (
            Subscription,
            [
                {"chat_id": 7001, "area": "balltorp", "active": True},
                {"chat_id": 9_007_199_254_740_993, "area": "kallered", "active": False},
            ],
        ),
        (
            Question,
            [
                {
                    "chat_id": 7001,
                    "asked_at": T0,
                    "text": 'Varför flyttar områdesarbetet till Balltorp? ÅÄÖ "citat" 🙂',
                    "language": "sv",
                    "topic": "why_move",
                    "score": 0.8125,
                    "answered": True,
                },
                {
                    "chat_id": 7001,
                    "asked_at": later,
                    "text": "?",
                    "language": "sv",
                    "topic": None,
                    "score": 0.0,
                    "answered": False,
                },
            ],
        ),
        (
            Answer,
            [
                {
                    "token": "tok-answer_1",
                    "chat_id": 7001,
                    "topic": "why_move",
                    "language": "sv",
                    "via": "text",
                    "day": T0.date(),
                    "vote": -1,
                },
                {
                    "token": None,
                    "chat_id": None,
                    "topic": "timeline",
                    "language": "en",
                    "via": "menu",
                    "day": T0.date(),
                    "vote": None,
                },
            ],
        ),
        (
            MilestoneRow,
            [
                {
                    "id": "oppet-hus",
                    "source": "staff",
                    "area": "balltorp",
                    "when_at": later,
                    "title_sv": "Öppet hus",
                    "title_en": "Open house",
                    "created_by": 9001,
                },
                {
                    "id": "start-balltorp",
                    "source": "yaml",
                    "area": None,
                    "when_at": None,
                    "title_sv": None,
                    "title_en": None,
                    "removed": True,
                    "created_by": None,
                },
            ],
        ),
        (
            Broadcast,
            [
                {
                    "id": 1,
                    "kind": "broadcast",
                    "area": "all",
                    "text_sv": "Hej\nrad två",
                    "text_en": "Hi",
                    "status": "done",
                    "staff_chat_id": -100123,
                    "report_sent": True,
                    "scheduled_for": None,
                },
                {
                    "id": 2,
                    "kind": "correction",
                    "area": "all",
                    "text_sv": "Rättat",
                    "text_en": "Fixed",
                    "parent_id": 1,
                    "status": "queued",
                    "dedupe_key": None,
                },
                {
                    "id": 3,
                    "kind": "reminder",
                    "area": "balltorp",
                    "text_sv": "Påminnelse",
                    "text_en": "Reminder",
                    "milestone_id": "oppet-hus",
                    "dedupe_key": "reminder:oppet-hus:1d",
                    "status": "scheduled",
                    "scheduled_for": later,
                },
            ],
        ),
        (
            Delivery,
            [
                {
                    "broadcast_id": 1,
                    "chat_id": 7001,
                    "language": "sv",
                    "status": "sent",
                    "attempts": 1,
                    "next_attempt_at": T0,
                    "sent_message_id": 55,
                },
                {
                    "broadcast_id": 2,
                    "chat_id": 7001,
                    "language": "sv",
                    "status": "pending",
                    "next_attempt_at": later,
                    "target_message_id": 55,
                    "error": "Too Many Requests: retry after 3",
                },
            ],
        ),
        (
            Ticket,
            [
                {
                    "id": 1,
                    "chat_id": 7001,
                    "text": "Kan ni ringa mig?",
                    "language": "sv",
                    "area": None,
                    "shared_name": "Anna",
                    "status": "answered",
                    "answer": "Ja",
                    "answered_by": 9001,
                    "answered_at": later,
                    "closed_at": None,
                }
            ],
        ),
        (TicketMessage, [{"ticket_id": 1, "staff_chat_id": -100123, "message_id": 77}]),
        (TicketDraft, [{"chat_id": 7001, "text": "Var parkerar man?", "noted_at": later}]),
        (LostMessage, [{"day": "2027-01-10", "reason": "rate_limited", "count": 2}]),
        (
            SurveyRow,
            [
                {
                    "id": "trygghet",
                    "area": "balltorp",
                    "shape": '[["safe", "choice", 2]]',
                    "started_at": T0,
                    "invited": 2,
                    "closed_at": later,
                }
            ],
        ),
        (
            SurveyParticipation,
            [{"survey_id": "trygghet", "chat_id": 7001, "completed": True, "draft": None}],
        ),
        (SurveyResponse, [{"id": "ab" * 16, "survey_id": "trygghet"}]),
        (
            SurveyAnswer,
            [
                {
                    "response_id": "ab" * 16,
                    "question_id": "safe",
                    "seq": 0,
                    "survey_id": "trygghet",
                    "choice": 1,
                    "text": "Mer ljus, tack 🙂",
                }
            ],
        ),
        (
            StartCount,
            [
                {
                    "week": "2027-01-04",
                    "area": "balltorp",
                    "language": "sv",
                    "campaign": "",
                    "count": 3,
                }
            ],
        ),
    ]
    async with engine.begin() as connection:
        for model, values in rows:
            for value in values:  # one by one: the rows leave out different columns
                await connection.execute(insert(model), value)


async def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by primary key."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: [
                    dict(row._mapping)
                    for row in await connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in tables()
            }
    finally:
        await engine.dispose()


async def omradesbot(*argv: str) -> int:
    """The command, in a thread: it runs its own event loop, as it does in a shell."""
    return await asyncio.to_thread(main, list(argv))


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("OMRADESBOT_DATABASE_URL", url)


@pytest.mark.postgres
async def test_round_trip_sqlite_postgresql_sqlite_keeps_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    engine = create_engine(source)
    await upgrade(engine)
    await fill(engine)
    await engine.dispose()
    original = await snapshot(source)
    assert all(original[table.name] for table in tables()), "every table has rows"

    first_file, second_file = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    use_database(monkeypatch, source)
    assert await omradesbot("export", str(first_file)) == 0
    header = json.loads(first_file.read_text().splitlines()[0])
    assert header["format"] == "omradesbot-export"
    assert header["tables"]["residents"] == 2

    async with postgres_database() as postgres:
        await upgrade(postgres.url)
        use_database(monkeypatch, postgres.plain_url)
        assert await omradesbot("import", str(first_file)) == 0
        # 20 rows (issues 16 and 17 among them), 4 survey rows (issue 18).
        assert "imported 24 rows" in capsys.readouterr().out
        assert await snapshot(postgres.plain_url) == original
        # The id sequences moved past the imported ids: the bot can go on inserting.
        pg_engine = create_engine(postgres.plain_url)
        async with pg_engine.begin() as connection:
            new_id = (
                await connection.execute(
                    insert(Broadcast).returning(Broadcast.id),
                    {"kind": "notice", "area": "all", "text_sv": "x", "text_en": "x"},
                )
            ).scalar_one()
            assert new_id == 4
            await connection.execute(Broadcast.__table__.delete().where(Broadcast.id == 4))
        await pg_engine.dispose()
        assert await omradesbot("export", str(second_file)) == 0

    target = f"sqlite:///{tmp_path / 'target.db'}"
    await upgrade(target)
    use_database(monkeypatch, target)
    assert await omradesbot("import", str(second_file)) == 0
    assert await snapshot(target) == original


async def exported_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Path, dict[str, list[dict[str, Any]]]]:
    """A filled SQLite database as the bot's, its export file, and a snapshot of its rows."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    await fill(engine)
    await engine.dispose()
    export = tmp_path / "export.jsonl"
    use_database(monkeypatch, url)
    assert await omradesbot("export", str(export)) == 0
    return url, export, await snapshot(url)


async def test_import_refuses_a_database_with_data_unless_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, export, before = await exported_sqlite(tmp_path, monkeypatch)

    assert await omradesbot("import", str(export)) == 1
    err = capsys.readouterr().err
    assert "the target database is not empty (" in err
    assert "residents: 2" in err
    assert "--force" in err
    assert await omradesbot("import", "--force", str(export)) == 0
    assert await snapshot(url) == before


async def test_import_waits_for_a_bot_running_on_the_same_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, export, before = await exported_sqlite(tmp_path, monkeypatch)
    running = instance_lock(database_url(url))
    assert running is not None
    with running:  # what `omradesbot run` holds for its lifetime
        assert await omradesbot("import", "--force", str(export)) == 1
    assert "another omradesbot process" in capsys.readouterr().err
    assert await snapshot(url) == before
    assert await omradesbot("import", "--force", str(export)) == 0


async def test_import_refuses_other_revisions_and_files_that_are_no_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await upgrade(url)
    use_database(monkeypatch, url)
    other = tmp_path / "other.jsonl"
    other.write_text(
        json.dumps({"format": "omradesbot-export", "version": 1, "revision": "9999"}) + "\n"
    )
    assert await omradesbot("import", str(other)) == 1
    assert "the export is at schema revision 9999" in capsys.readouterr().err
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("chat_id,language\n7001,sv\n")
    assert await omradesbot("import", str(garbage)) == 1
    assert "not an omradesbot export" in capsys.readouterr().err
    assert await snapshot(url) == {table.name: [] for table in tables()}


async def test_a_truncated_export_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    engine = create_engine(source)
    await upgrade(engine)
    await fill(engine)
    await engine.dispose()
    export = tmp_path / "export.jsonl"
    use_database(monkeypatch, source)
    assert await omradesbot("export", str(export)) == 0
    lines = export.read_text().splitlines()
    export.write_text("\n".join(lines[:-3]) + "\n")

    target = f"sqlite:///{tmp_path / 'target.db'}"
    await upgrade(target)
    use_database(monkeypatch, target)
    assert await omradesbot("import", str(export)) == 1
    assert "the export is incomplete" in capsys.readouterr().err
    assert await snapshot(target) == {table.name: [] for table in tables()}
