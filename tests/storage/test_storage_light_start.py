"""Start-up stays light: no Alembic when the database is current, no matplotlib until a picture."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from alembic.script import ScriptDirectory

from bot.storage.migrate import alembic_config, head_revision

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running `code`."""
    script = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(run.stdout.split())


def test_head_revision_without_alembic_agrees_with_alembic() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_importing_the_bot_loads_no_drawing_migration_or_training_libraries() -> None:
    loaded = _modules_after("import bot.telegram.app")

    assert "telegram" in loaded
    # numpy is not on the list: the answering engine's model needs it (bot/matching/model.py);
    # scipy is, as only training uses it.
    assert not loaded & {"matplotlib", "icalendar", "alembic", "mako", "pygments", "scipy"}


def test_a_current_database_is_started_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = _modules_after(
        f"import asyncio\nfrom bot.storage.migrate import upgrade\nasyncio.run(upgrade({url!r}))"
    )
    again = _modules_after(
        textwrap.dedent(f"""
        import asyncio
        from bot.storage.migrate import current_revision, head_revision, upgrade
        asyncio.run(upgrade({url!r}))
        """)
    )

    assert "alembic" in first  # the empty database was migrated
    assert "alembic" not in again
