"""`omradesbot db revision -m MSG` writes the next migration; alembic.ini finds the same chain."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.cli import main
from bot.storage.migrate import MIGRATIONS_DIR, head_revision, next_revision_id

ROOT = Path(__file__).resolve().parents[2]


def test_db_revision_writes_the_next_migration_after_the_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = head_revision()
    assert main(["db", "revision", "-m", "Add a column", "--dir", str(tmp_path)]) == 0

    (written,) = tmp_path.glob("*.py")
    new = next_revision_id(head)
    assert written.name == f"{new}_add_a_column.py"
    assert f"wrote {written}" in capsys.readouterr().out
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", f"{MIGRATIONS_DIR / 'versions'}{os.pathsep}{tmp_path}"
    )
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [new]
    assert script.get_revision(new).down_revision == head  # type: ignore[union-attr]
    assert head_revision() == head  # the shipped chain is untouched


def test_db_revision_needs_a_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["db", "revision", "-m", " ", "--dir", str(tmp_path)]) == 1
    assert "needs a message" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_alembic_ini_points_at_the_packaged_migrations() -> None:
    script = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    assert script.get_current_head() == head_revision()
