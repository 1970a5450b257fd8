"""Throw-away test databases: an SQLite file, a PostgreSQL schema, or a whole PostgreSQL database.

The PostgreSQL server comes from OMRADESBOT_TEST_POSTGRES_URL. Unset: PostgreSQL variants skip
with a visible reason. Set but unreachable: they skip too, unless OMRADESBOT_REQUIRE_POSTGRES=1
(CI), where they fail.

- `postgres_schema()`: a fresh schema reached through `search_path`, for engines built in this
  process (connect_args).
- `postgres_database()`: a fresh database with a plain URL, for code that builds its own engine
  from a URL (`build_services`, an `omradesbot run` subprocess).
- `postgres_admin()`: a superuser connection to the server, e.g. to terminate the bot's sessions.
- `private_postgres()`: a throw-away PostgreSQL server of the test's own (initdb, pg_ctl), for
  tests that stop and start the server itself; the shared one serves other tests meanwhile.
  Skips (or fails under OMRADESBOT_REQUIRE_POSTGRES=1) without the binaries or, as root,
  without the `postgres` OS user that initdb insists on.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import secrets
import shutil
import socket
import stat
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import create_engine
from bot.storage.url import database_url

POSTGRES_ENV = "OMRADESBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "OMRADESBOT_REQUIRE_POSTGRES"
CI_URL = "postgresql://postgres@127.0.0.1:5432/test"

# For `@pytest.fixture(params=BACKENDS)`: the PostgreSQL variant carries the `postgres` mark.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Database:
    """A throw-away database: its URL and what the engine must be told to stay inside it."""

    backend: str
    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)

    def engine(self) -> AsyncEngine:
        """A new engine on this database."""
        return create_engine(self.url, connect_args=self.connect_args)

    @property
    def plain_url(self) -> str:
        """The URL as an operator writes it (password kept), for settings and subprocesses."""
        return self.url.render_as_string(hide_password=False)


def sqlite_database(path: os.PathLike[str] | str) -> Database:
    """An SQLite file database at `path` (not created until first used)."""
    return Database("sqlite", database_url(f"sqlite:///{path}"))


@asynccontextmanager
async def postgres_admin() -> AsyncIterator[tuple[URL, asyncpg.Connection]]:
    """The test server's URL and a superuser connection to it (skip or fail as CI says)."""
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(f"PostgreSQL tests skipped: set {POSTGRES_ENV} (CI uses {CI_URL})")
    url = database_url(raw)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {url.render_as_string(hide_password=True)} unreachable: {error}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_ENV}=1)")
        pytest.skip(message)
    try:
        yield url, admin
    finally:
        await admin.close()


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[Database]:
    """A fresh schema on the test server, dropped afterwards with everything in it."""
    async with postgres_admin() as (url, admin):
        schema = f"t_{secrets.token_hex(6)}"
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            # search_path makes every unqualified table, alembic_version included, live in the
            # schema, so tests neither see each other's rows nor leave any behind.
            yield Database("postgres", url, {"server_settings": {"search_path": schema}})
        finally:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@asynccontextmanager
async def postgres_database() -> AsyncIterator[Database]:
    """A fresh database on the test server, reachable by a plain URL; dropped afterwards."""
    async with postgres_admin() as (url, admin):
        name = f"t_{secrets.token_hex(6)}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield Database("postgres", url.set(database=name))
        finally:
            # WITH (FORCE): a killed bot process may leave a session behind for a moment.
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a private server -----------------------------------------------------------------------

POSTGRES_BINARIES = "/usr/lib/postgresql/*/bin"
POSTGRES_OS_USER = "postgres"


def _skip_or_fail(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)")
    pytest.skip(reason)


def _postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian layout), if any."""
    found = [
        path
        for path in Path("/").glob(POSTGRES_BINARIES.lstrip("/"))
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file()
    ]
    versions = [path for path in found if path.parent.name.isdigit()]
    return max(versions, key=lambda path: int(path.parent.name), default=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _reachable_temp_dir() -> str:
    """A temp directory every user can traverse to (a root-only TMPDIR would lock postgres out)."""
    base = Path(tempfile.gettempdir()).resolve()
    if all(parent.stat().st_mode & stat.S_IXOTH for parent in [base, *base.parents]):
        return str(base)
    return "/tmp"  # world-traversable by definition; the directory made in it is 0700


@dataclass
class PrivatePostgres:
    """A PostgreSQL server that belongs to one test: stop and start it at will."""

    bin_dir: Path
    base: Path
    port: int
    run_as: list[str]

    @property
    def data_dir(self) -> Path:
        """The cluster; its sockets and server.log live beside it in `base`."""
        return self.base / "data"

    @property
    def url(self) -> str:
        """A plain URL for the `postgres` database (trust authentication, no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, program: str, *args: str, check: bool = True) -> str:
        """Run one PostgreSQL program as the server's OS user without blocking the loop."""
        process = await asyncio.create_subprocess_exec(
            *self.run_as,
            str(self.bin_dir / program),
            *args,
            cwd=self.base,  # the OS user may not be allowed into the test's directory
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        text = output.decode(errors="replace")
        if check and process.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{text}\n{tail}")
        return text

    async def init(self) -> None:
        """Create the cluster: trust authentication, no fsync (nothing here must survive)."""
        await self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    async def start(self) -> None:
        """Start the server on its port and return once it accepts connections (`-w`)."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} -c fsync=off"
        await self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.base / "server.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    async def stop(self, mode: str = "fast") -> None:
        """Stop the server; `fast` disconnects every client, as a restart by an operator does."""
        await self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", mode, "stop")

    async def kill(self) -> None:
        """Stop the server if it runs, at once and without complaint (clean-up)."""
        if (self.data_dir / "postmaster.pid").exists():
            await self._run(
                "pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop", check=False
            )


@asynccontextmanager
async def private_postgres() -> AsyncIterator[PrivatePostgres]:
    """A fresh, started PostgreSQL server on a free port; stopped and deleted afterwards."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        _skip_or_fail(
            f"private PostgreSQL server unavailable: no initdb/pg_ctl in {POSTGRES_BINARIES}"
        )
    assert bin_dir is not None
    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        # initdb refuses to run as root; the server runs as the OS user made for it.
        runuser = shutil.which("runuser")
        try:
            owner = pwd.getpwnam(POSTGRES_OS_USER)
        except KeyError:
            owner = None
        if owner is None or runuser is None:
            _skip_or_fail(
                f"private PostgreSQL server unavailable: running as root needs the "
                f"{POSTGRES_OS_USER!r} OS user and runuser"
            )
        assert owner is not None
        assert runuser is not None
        run_as = [runuser, "-u", POSTGRES_OS_USER, "--"]
    base = Path(tempfile.mkdtemp(prefix="omradesbot-pg-", dir=_reachable_temp_dir()))
    server = PrivatePostgres(bin_dir, base, _free_port(), run_as)
    try:
        if owner is not None:
            os.chown(base, owner.pw_uid, owner.pw_gid)
        await server.init()
        await server.start()
        yield server
    finally:
        try:
            await server.kill()
        finally:
            shutil.rmtree(base, ignore_errors=True)
