"""Move every row between databases (SQLite -> PostgreSQL and back): `omradesbot export/import`.

The file is JSON lines. The first line is a header naming the format and the schema revision
(the Alembic revision the data was read at); each following line is one row:

    {"format": "omradesbot-export", "version": 1, "revision": "0001", "tables": {...counts}}
    {"table": "residents", "row": {"chat_id": 7001, "language": "sv", ...}}

Datetimes are ISO 8601 in UTC. Tables come in foreign-key order, so an import inserts parents
before children. An import needs a target migrated to the same revision and, unless `replace`
is given, empty: merging two bots' data would mix ids and is never what an operator wants.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Date, Integer, Table, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import StorageError
from bot.storage.columns import UTCDateTime
from bot.storage.migrate import current_revision
from bot.storage.models import Base

FORMAT = "omradesbot-export"
VERSION = 1
BATCH = 1000


@dataclass(frozen=True)
class TransferReport:
    """How many rows of each table moved, and at which schema revision."""

    revision: str
    rows: dict[str, int]

    @property
    def total(self) -> int:
        """All rows together."""
        return sum(self.rows.values())


def tables() -> list[Table]:
    """Every table of the schema that holds data, parents before children.

    Runtime state (`info={"transient": True}`: the shared send budget, the flood gate's last
    minute) is neither exported nor imported: it means nothing on another database.
    """
    return [t for t in Base.metadata.sorted_tables if not t.info.get("transient")]


async def export_data(engine: AsyncEngine, out: IO[str]) -> TransferReport:
    """Write every row of the database behind `engine` to `out`, in one consistent snapshot."""
    revision = await _revision(engine)
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # One snapshot for every table, so a running bot cannot make the export
            # inconsistent. (SQLite: stop the bot first, docs/operations.md.)
            await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            counts = {
                table.name: int(
                    await connection.scalar(select(func.count()).select_from(table)) or 0
                )
                for table in tables()
            }
            header = {"format": FORMAT, "version": VERSION, "revision": revision, "tables": counts}
            out.write(json.dumps(header) + "\n")
            for table in tables():
                primary = list(table.primary_key.columns)
                result = await connection.stream(select(table).order_by(*primary))
                async for row in result:
                    record = {"table": table.name, "row": _to_json(row._mapping)}
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return TransferReport(revision, counts)


async def import_data(
    engine: AsyncEngine, lines: Iterable[str], *, replace: bool = False
) -> TransferReport:
    """Insert the rows of an export into the database behind `engine`, all or nothing.

    StorageError when the file is not an export, its revision differs from the database's, or
    the database holds data and `replace` is False. With `replace`, every existing row is
    deleted first, inside the same transaction.
    """
    records = iter(lines)
    header = _header(next(records, ""))
    revision = await _revision(engine)
    if header["revision"] != revision:
        raise StorageError(
            f"the export is at schema revision {header['revision']}, the database at "
            f"{revision}: import with the bot version that made the export, then run "
            "`omradesbot db upgrade`"
        )
    by_name = {table.name: table for table in tables()}
    counts = dict.fromkeys(by_name, 0)
    async with engine.begin() as connection:
        existing = await _row_counts(connection)
        if any(existing.values()) and not replace:
            held = ", ".join(f"{name}: {n}" for name, n in existing.items() if n)
            raise StorageError(
                f"the target database is not empty ({held}); import into a freshly migrated "
                "database, or pass --force to delete its rows first"
            )
        if replace:
            for table in reversed(tables()):
                await connection.execute(delete(table))
        batch: list[dict[str, Any]] = []
        current: Table | None = None
        for number, line in enumerate(records, start=2):
            if not line.strip():
                continue
            table, row = _record(line, number, by_name)
            if table is not current and batch:
                assert current is not None
                await connection.execute(insert(current), batch)
                batch = []
            current = table
            batch.append(_from_json(table, row))
            counts[table.name] += 1
            if len(batch) >= BATCH:
                await connection.execute(insert(table), batch)
                batch = []
        if batch:
            assert current is not None
            await connection.execute(insert(current), batch)
        if header.get("tables") and header["tables"] != counts:
            raise StorageError(
                f"the export is incomplete: its header promises {header['tables']}, "
                f"the file holds {counts}; nothing was imported"
            )
        if connection.dialect.name == "postgresql":
            await _reset_sequences(connection)
    return TransferReport(revision, counts)


async def _revision(engine: AsyncEngine) -> str:
    revision = await current_revision(engine)
    if revision is None:
        raise StorageError("the database has no schema yet; run `omradesbot db upgrade` first")
    return revision


async def _row_counts(connection: AsyncConnection) -> dict[str, int]:
    return {
        table.name: int(await connection.scalar(select(func.count()).select_from(table)) or 0)
        for table in tables()
    }


async def _reset_sequences(connection: AsyncConnection) -> None:
    """Explicit ids were inserted; move each id sequence past them, or the next insert fails."""
    for table in tables():
        column = table.columns.get("id")
        if column is None or not isinstance(column.type, Integer) or not column.autoincrement:
            continue
        # Table names come from our own schema, never from the file.
        statement = (
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
            f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
        )
        await connection.execute(text(statement))


def _header(line: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StorageError(f"not an omradesbot export (the first line is no {FORMAT} header)")
    if header.get("version") != VERSION:
        raise StorageError(f"export format version {header.get('version')} is not supported")
    return header


def _record(line: str, number: int, by_name: dict[str, Table]) -> tuple[Table, dict[str, Any]]:
    try:
        record = json.loads(line)
        table = by_name[record["table"]]
        row = record["row"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise StorageError(f"line {number} of the export is not a row of a known table") from None
    if not isinstance(row, dict) or set(row) - set(table.columns.keys()):
        raise StorageError(f"line {number}: columns do not match table {table.name}")
    return table, row


def _to_json(row: Any) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value  # datetimes too
        for key, value in row.items()
    }


def _from_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    for name, value in row.items():
        if value is not None and isinstance(table.columns[name].type, UTCDateTime):
            values[name] = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(table.columns[name].type, Date):
            values[name] = dt.date.fromisoformat(value)  # answers.day
    return values


def read_lines(handle: IO[str]) -> Iterator[str]:
    """The lines of an export file, without their newlines."""
    for line in handle:
        yield line.rstrip("\n")
