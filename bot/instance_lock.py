"""One `omradesbot run` per SQLite file: an OS lock on "<db>.lock" held for the process lifetime.

SQLite has one writer and no advisory locks across processes, and two processes would both
run the outbox sender; so a second process on the same file is refused with a clear message.
The lock is `flock`, which the kernel drops when the process dies, even by SIGKILL, so a crash
never leaves a stale lock behind. PostgreSQL needs no such lock: processes share the database
and elect one sender (scheduler/leadership.py).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from sqlalchemy import URL

from bot.errors import StorageError
from bot.storage.url import is_memory


class InstanceLock:
    """An exclusive, non-blocking lock on `path`; `acquire` raises StorageError when taken."""

    def __init__(self, path: Path, database: Path) -> None:
        self.path = path
        self._database = database
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or explain which process holds it."""
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise StorageError(
                f"another omradesbot process (pid {holder}) is already running on the SQLite "
                f"database {self._database}; SQLite allows one process (lock file {self.path}). "
                "Stop it first, or move to PostgreSQL to run several processes "
                "(docs/operations.md)."
            ) from None
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Free the lock (closing the file drops it); the file stays, harmlessly."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def instance_lock(url: URL) -> InstanceLock | None:
    """The lock for an SQLite file database; None for PostgreSQL and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or is_memory(url) or not url.database:
        return None
    database = Path(url.database).expanduser().resolve()
    return InstanceLock(database.with_name(database.name + ".lock"), database)
