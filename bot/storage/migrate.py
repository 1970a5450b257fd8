"""Run the Alembic migrations shipped inside the package, from any working directory.

Alembic (with Mako and Pygments under it, several MiB) is imported only when a migration
actually runs: a start-up on an up-to-date database compares two revision strings instead.
"""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, Connection, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StorageError
from bot.storage.engine import create_engine
from bot.storage.url import safe_url

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations; no alembic.ini needed.

    With `connection`, env.py migrates over it instead of opening its own.
    """
    from alembic.config import Config  # noqa: PLC0415 - see the module docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def next_revision_id(head: str | None) -> str:
    """The id after `head` in the project's numbering: '0003' -> '0004' (None -> '0001')."""
    return f"{int(head) + 1 if head else 1:04d}"


def create_revision(message: str, *, versions_dir: Path | None = None) -> Path:
    """Write an empty migration after the current head; return its file.

    The file is `NNNN_<message as slug>.py` from migrations/script.py.mako, numbered after the
    newest shipped revision, in `versions_dir` (default: the packaged migrations/versions).
    Nothing connects to a database: the upgrade and downgrade are written by hand.
    """
    from alembic import command  # noqa: PLC0415 - see the module docstring

    if not message.strip():
        raise StorageError("a migration needs a message (-m 'what it changes')")
    packaged = MIGRATIONS_DIR / "versions"
    target = versions_dir or packaged
    config = alembic_config()
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if target != packaged:
        config.set_main_option("version_locations", f"{packaged}{os.pathsep}{target}")
    from alembic.util import CommandError  # noqa: PLC0415

    extra = () if target == packaged else (target,)
    try:
        script = command.revision(
            config,
            message=message.strip(),
            rev_id=next_revision_id(head_revision(*extra)),
            version_path=str(target),
        )
    except CommandError as exc:
        raise StorageError(f"could not write the migration: {exc}") from exc
    assert script is not None
    assert not isinstance(script, list)
    return Path(script.path)


def head_revision(*extra: Path) -> str:
    """The newest revision shipped with this version of the bot.

    Read from the `revision` and `down_revision` assignments of the migration files (the
    one revision nothing builds on), so asking does not import Alembic; a test checks it
    against Alembic's own answer. `extra`: more versions directories to count in.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    files = [p for d in (MIGRATIONS_DIR / "versions", *extra) for p in sorted(d.glob("*.py"))]
    for path in files:
        for name, value in _assignments(ast.parse(path.read_text(encoding="utf-8"))):
            if name == "revision" and isinstance(value, str):
                revisions.add(value)
            elif name == "down_revision" and isinstance(value, str):
                parents.add(value)
            elif name == "down_revision" and isinstance(value, tuple | list):  # a merge
                parents.update(str(parent) for parent in value)
    heads = revisions - parents
    if len(heads) != 1:
        raise StorageError(f"the shipped migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def _assignments(module: ast.Module) -> list[tuple[str, object]]:
    """(name, literal value) of the module-level `name = literal` and `name: T = literal`."""
    found: list[tuple[str, object]] = []
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found.append((target.id, ast.literal_eval(value)))
            except ValueError:  # not a literal: not a revision either
                continue
    return found


async def upgrade(target: AsyncEngine | URL | str, revision: str = "head") -> None:
    """Migrate the database to `revision` (default the newest); StorageError when it fails."""
    engine, owned = _engine_for(target)
    try:
        async with engine.begin() as connection:
            if revision == "head" and await connection.run_sync(_at_revision, head_revision()):
                log.info("database %s is up to date", safe_url(engine.url))
                return
            await connection.run_sync(_upgrade_sync, revision)
    except (SQLAlchemyError, OSError) as error:
        raise StorageError(f"could not migrate {safe_url(engine.url)}: {error}") from error
    finally:
        if owned:
            await engine.dispose()
    log.info("database %s migrated to %s", safe_url(engine.url), revision)


async def current_revision(target: AsyncEngine | URL | str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine, owned = _engine_for(target)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_sync)
    except (SQLAlchemyError, OSError) as error:
        raise StorageError(f"could not read {safe_url(engine.url)}: {error}") from error
    finally:
        if owned:
            await engine.dispose()


def _engine_for(target: AsyncEngine | URL | str) -> tuple[AsyncEngine, bool]:
    if isinstance(target, AsyncEngine):
        return target, False
    return create_engine(target), True


def _at_revision(connection: Connection, revision: str) -> bool:
    """True when the database's one recorded revision is `revision` (plain SQL, no Alembic)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return False
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(rows) == [revision]


def _upgrade_sync(connection: Connection, revision: str) -> None:
    from alembic import command  # noqa: PLC0415 - see the module docstring

    command.upgrade(alembic_config(connection), revision)


def _current_sync(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    return MigrationContext.configure(connection).get_current_revision()
