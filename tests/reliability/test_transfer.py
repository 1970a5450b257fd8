"""Backups and exports exclude nothing needed to restore: the first-release database, upgraded,
exported with `omradesbot export`, imported into a fresh database (SQLite, and PostgreSQL when
configured) with `omradesbot import`, and exported again gives the same rows."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest

from bot.storage.migrate import upgrade
from tests.databases import BACKENDS, postgres_database
from tests.reliability.conftest import ROOT
from tests.reliability.fixtures.build_first_release import TARGET as FIRST_RELEASE_DB
from tests.reliability.results import Results
from tests.reliability.support import table_rows


async def omradesbot(database_url: str, *args: str) -> None:
    """Run one `omradesbot` command against `database_url`; fail with its output otherwise."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, "OMRADESBOT_DATABASE_URL": database_url},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, f"omradesbot {' '.join(args)}: {err.decode()}{out.decode()}"


def rows(export: Path) -> list[str]:
    """The data lines of an export (the first line names the revision)."""
    return sorted(export.read_text(encoding="utf-8").splitlines()[1:])


@pytest.mark.parametrize("backend", BACKENDS)
async def test_export_import_round_trip_keeps_every_row(
    backend: str, tmp_path: Path, results: Results
) -> None:
    source = tmp_path / "source.db"
    shutil.copyfile(FIRST_RELEASE_DB, source)
    source_url = f"sqlite:///{source}"
    await upgrade(source_url)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    await omradesbot(source_url, "export", str(first))

    async def round_trip(target_url: str) -> None:
        await omradesbot(target_url, "db", "upgrade")
        await omradesbot(target_url, "import", str(first))
        await omradesbot(target_url, "export", str(second))

    if backend == "sqlite":
        await round_trip(f"sqlite:///{tmp_path / 'target.db'}")
    else:
        async with postgres_database() as database:
            await round_trip(database.plain_url)
    exported = rows(first)
    stored = sum(len(r) for t, r in table_rows(source).items() if t != "alembic_version")
    assert len(exported) == stored  # the export itself left nothing out
    assert rows(second) == exported
    results.record("data", f"export_import_{backend}", {"rows": len(exported), "lost": 0})
