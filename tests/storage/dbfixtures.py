"""The throw-away database the storage fixtures hand to tests (importable, unlike conftest)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import create_engine


@dataclass(frozen=True)
class Database:
    """A throw-away database: its URL and what the engine must be told to stay inside it."""

    backend: str
    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)

    def engine(self) -> AsyncEngine:
        """A new engine on this database."""
        return create_engine(self.url, connect_args=self.connect_args)
