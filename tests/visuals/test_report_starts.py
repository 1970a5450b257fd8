"""The report's table of starts through deep links and posters, per week and link."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import DEFAULT_TIMEZONE
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.storage.starts import count_start
from tests.visuals.conftest import ROOT


def test_omradesbot_report_lists_the_starts_per_week_and_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "bot.db"
    today = dt.datetime.now(DEFAULT_TIMEZONE).date()  # the report counts weeks in local time

    async def seed() -> None:
        engine = create_engine(f"sqlite:///{db}")
        await upgrade(engine)
        async with session_factory(engine).begin() as session:
            for _ in range(3):
                await count_start(session, today, "balltorp", "sv", "trapphus")
            await count_start(session, today, "kallered", None, None)
            await count_start(session, today - dt.timedelta(days=60), "balltorp", "sv", "gammal")
        await engine.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("OMRADESBOT_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("OMRADESBOT_CONTENT_DIR", str(ROOT / "content"))
    out = tmp_path / "report.html"

    assert main(["report", "--out", str(out), "--lang", "en"]) == 0

    page = out.read_text(encoding="utf-8")
    monday = today - dt.timedelta(days=today.weekday())
    week = f"week {monday.isocalendar().week} ({monday.isoformat()})"
    assert '<table id="starts">' in page
    assert "Starts through a link or poster per week" in page
    assert (
        f"<td>{week}</td><td>Balltorp</td><td>sv</td><td>trapphus</td><td class=number>3</td>"
    ) in page  # words left-aligned, the count right-aligned
    assert "<td>no language</td><td>no campaign</td>" in page
    assert "gammal" not in page  # older than the report's 28 days
