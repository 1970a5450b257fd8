"""`omradesbot db`, `export` and `import`: the database's schema and its rows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    pass

from bot.cli.common import EXIT_OK, EXIT_PROBLEMS

# --- db -------------------------------------------------------------------------------------


def add_db(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot db upgrade` and `omradesbot db revision -m MSG`."""
    parser = subparsers.add_parser(
        "db", help="database maintenance: 'db upgrade', 'db revision -m MSG'"
    )
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    upgrade = actions.add_parser(
        "upgrade",
        help="migrate the database to the newest schema (Alembic)",
        description="Apply the migrations shipped with the bot to OMRADESBOT_DATABASE_URL. "
        "Safe to run again: a database at the newest revision is left as it is.",
    )
    upgrade.set_defaults(handler=run_db_upgrade)
    revision = actions.add_parser(
        "revision",
        help="write a new, empty migration after the newest one (for developers)",
        description="Write bot/storage/migrations/versions/NNNN_<message>.py, numbered after "
        "the newest migration, with upgrade() and downgrade() to fill in. Needs no database.",
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")
    revision.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    revision.set_defaults(handler=run_db_revision)


def run_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate OMRADESBOT_DATABASE_URL to head and say where it is now."""
    import asyncio  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.storage.migrate import head_revision, upgrade  # noqa: PLC0415
    from bot.storage.url import database_url, safe_url  # noqa: PLC0415

    settings = Settings.from_env()
    url = database_url(settings.database_url)
    try:
        asyncio.run(upgrade(url))
    except StorageError as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"database {safe_url(url)} is at revision {head_revision()} (the newest)")
    return EXIT_OK


def run_db_revision(args: argparse.Namespace) -> int:
    """Write an empty migration after the newest one and say where."""
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.storage.migrate import create_revision  # noqa: PLC0415

    try:
        path = create_revision(args.message, versions_dir=args.dir)
    except StorageError as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"wrote {path}: fill in upgrade() and downgrade(), then run the tests")
    return EXIT_OK


# --- export / import ------------------------------------------------------------------------


def add_export(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot export`."""
    parser = subparsers.add_parser(
        "export",
        help="write every row of the database to a file (JSON lines)",
        description="Write every row of OMRADESBOT_DATABASE_URL to FILE ('-' for stdout) as "
        "JSON lines, with the schema revision in the first line. Use it to move from SQLite "
        "to PostgreSQL (see docs/operations.md).",
    )
    parser.add_argument("file", metavar="FILE", help="where to write the export, or -")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Export the database to a file."""
    import asyncio  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.storage.engine import create_engine  # noqa: PLC0415
    from bot.storage.transfer import export_data  # noqa: PLC0415

    settings = Settings.from_env()

    async def export(out: TextIO) -> None:
        engine = create_engine(settings.database_url)
        try:
            report = await export_data(engine, out)
        finally:
            await engine.dispose()
        print(
            f"exported {report.total} rows at revision {report.revision}: "
            + ", ".join(f"{name} {n}" for name, n in report.rows.items()),
            file=sys.stderr,
        )

    try:
        if args.file == "-":
            asyncio.run(export(sys.stdout))
        else:
            with Path(args.file).open("w", encoding="utf-8") as out:
                asyncio.run(export(out))
    except (StorageError, OSError) as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def add_import(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot import`."""
    parser = subparsers.add_parser(
        "import",
        help="load an export into an empty, migrated database",
        description="Insert every row of FILE (from 'omradesbot export') into "
        "OMRADESBOT_DATABASE_URL, all or nothing. The database must be migrated to the same "
        "revision ('omradesbot db upgrade') and empty; stop the bot first.",
    )
    parser.add_argument("file", metavar="FILE", help="the export to load, or -")
    parser.add_argument(
        "--force",
        action="store_true",
        help="delete every row already in the target database first (in the same transaction)",
    )
    parser.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Import a file into the database."""
    import asyncio  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.instance_lock import instance_lock  # noqa: PLC0415
    from bot.storage.engine import create_engine  # noqa: PLC0415
    from bot.storage.transfer import import_data, read_lines  # noqa: PLC0415
    from bot.storage.url import database_url  # noqa: PLC0415

    settings = Settings.from_env()
    # A running bot on the same SQLite file would not see the rows change under it (it keeps
    # residents' languages in memory, its jobs and outbox run on), so import waits for it to stop.
    lock = instance_lock(database_url(settings.database_url))

    async def load(handle: TextIO) -> None:
        engine = create_engine(settings.database_url)
        try:
            report = await import_data(engine, read_lines(handle), replace=args.force)
        finally:
            await engine.dispose()
        print(
            f"imported {report.total} rows at revision {report.revision}: "
            + ", ".join(f"{name} {n}" for name, n in report.rows.items())
        )

    try:
        if lock is not None:
            lock.acquire()
        if args.file == "-":
            asyncio.run(load(sys.stdin))
        else:
            with Path(args.file).open(encoding="utf-8") as handle:
                asyncio.run(load(handle))
    except (StorageError, OSError) as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        if lock is not None:
            lock.release()
    return EXIT_OK
