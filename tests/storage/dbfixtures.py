"""The throw-away database the storage fixtures hand to tests (importable, unlike conftest)."""

from __future__ import annotations

from tests.databases import Database

__all__ = ["Database"]
