"""Liveness and readiness of one bot process, as plain values any transport can serve as JSON.

`/healthz` says the process is up and its event loop answers; `/readyz` says whether it can do
useful work: the database answers, which role this process has (the one that runs the scheduler
and the outbox sender, or a standby that only handles updates), and how many deliveries wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.outbox import pending_count

log = logging.getLogger(__name__)

# "sender": runs the scheduler and outbox sender; "standby": handles updates, waits for the role;
# "starting": not yet decided (the first election has not run).
Role = Literal["sender", "standby", "starting"]

DATABASE_TIMEOUT = 3.0


@dataclass(frozen=True)
class Readiness:
    """What /readyz reports; `ready` is False only when the database cannot be reached."""

    ready: bool
    database: str  # "ok" or the error, without credentials
    role: Role
    backlog: int | None  # deliveries pending or in flight; None when the database is down

    def to_json(self) -> dict[str, Any]:
        """The JSON body /readyz answers with."""
        return {"status": "ready" if self.ready else "unavailable", **asdict(self)}


def liveness() -> dict[str, Any]:
    """The JSON body /healthz answers with: the process runs and its event loop is free."""
    return {"status": "ok"}


async def check_readiness(
    sessions: async_sessionmaker[AsyncSession],
    role: Callable[[], Role],
    *,
    timeout: float = DATABASE_TIMEOUT,  # noqa: ASYNC109 - a probe must answer, not hang
) -> Readiness:
    """Ask the database for the outbox backlog within `timeout` seconds and report the role.

    A standby is ready: every process answers updates, only one sends. An unreachable database
    makes the process unready, so a load balancer stops sending it webhook requests.
    """
    try:
        async with asyncio.timeout(timeout):
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
                backlog = await pending_count(session)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        reason = "timed out" if isinstance(error, TimeoutError) else type(error).__name__
        log.warning("readiness check: database unreachable (%s)", reason)
        return Readiness(ready=False, database=f"unreachable: {reason}", role=role(), backlog=None)
    return Readiness(ready=True, database="ok", role=role(), backlog=backlog)
