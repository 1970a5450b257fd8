"""What surveys put out: the results chart, long results split for Telegram, the CSV command."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.content import Content
from bot.domain import MAX_TEXT, chunk_lines, telegram_length
from bot.storage.models import SurveyRow
from bot.storage.surveys import Answer, Tally, submit_response
from bot.visuals.png import WIDTH_PX, png_dimensions
from bot.visuals.survey_chart import survey_png
from tests.databases import Database

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_the_chart_is_a_phone_wide_png_growing_with_the_options(content: Content) -> None:
    survey = content.surveys[0]
    tally = Tally(3, {"trygghet": 3, "vara-med": 3}, {"trygghet": {5: 2, 1: 1}, "vara-med": {0: 3}})
    width, height = png_dimensions(survey_png(survey, tally, content.texts, "en"))
    assert width == WIDTH_PX
    assert height > 1000  # four panels of bars: two scales, a multi and a choice


def test_long_results_are_split_into_messages_telegram_accepts() -> None:
    lines = ["Resultat", *(f"– {'🙂' * 400} {n}" for n in range(30)), "x" * 5000]
    chunks = chunk_lines(lines)
    assert all(telegram_length(chunk) <= MAX_TEXT for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == "".join(lines)  # nothing lost


async def test_export_writes_one_row_per_response_without_resident_ids(
    sessions: async_sessionmaker[AsyncSession],
    database: Database,
    content: Content,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if database.backend != "sqlite":
        pytest.skip("the command takes OMRADESBOT_DATABASE_URL; the test schema is not in it")
    survey = content.surveys[0]
    async with sessions.begin() as session:
        session.add(SurveyRow(id=survey.id, area="balltorp", shape="[]", started_at=NOW, invited=2))
        await session.flush()
        await submit_response(
            session,
            survey.id,
            [
                Answer("trygghet", 0, choice=4),
                Answer("viktigast", 0, choice=1),
                Answer("viktigast", 1, choice=2),
                Answer("onskan", 0, text='Mer ljus, "tack"\noch bänkar'),
            ],
        )
        await submit_response(session, survey.id, [])  # every question skipped
    monkeypatch.setenv("OMRADESBOT_DATABASE_URL", database.plain_url)
    out = tmp_path / "svar.csv"
    command = ["survey", "export", survey.id, "--out", str(out)]
    assert await asyncio.to_thread(main, command) == 0
    assert "2 responses" in capsys.readouterr().out
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["response", "trygghet", "trivsel", "viktigast", "vara-med", "onskan"]
    assert rows[1:] == [
        ["1", "4", "", "Ökad trivsel; Fler sociala sammanhang", "", 'Mer ljus, "tack"\noch bänkar'],
        ["2", "", "", "", "", ""],
    ]
    missing = await asyncio.to_thread(main, ["survey", "export", "nope", "--out", str(out)])
    assert missing == 1
    assert "no survey 'nope'" in capsys.readouterr().err
