"""Shared fixtures: content sets, and a throw-away database on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.telegram.logs import CHATTY_LOGGERS, PRIVATE_LOGGERS
from tests.databases import BACKENDS, Database, postgres_schema, sqlite_database

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
MIN_FAQ = Path(__file__).resolve().parent / "data" / "content_min" / "faq.yaml"

MakeContent = Callable[..., Path]


def _copy_content(target: Path, *, minimal: bool) -> Path:
    """Copy ./content to `target`; with `minimal`, swap in the tiny test FAQ (and no examples:
    they are labelled with the real FAQ's ids)."""
    shutil.copytree(CONTENT_DIR, target)
    if minimal:
        shutil.copyfile(MIN_FAQ, target / "faq.yaml")
        shutil.rmtree(target / "examples")
    return target


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo what `configure_logging` (called by some tests) does to the process's loggers."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS + PRIVATE_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in named.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture(scope="session")
def content() -> Content:
    """The real content in ./content, loaded once per test run."""
    return load_content(CONTENT_DIR)


@pytest.fixture(scope="session")
def min_content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A content directory with the tiny FAQ of tests/data/content_min and the real texts."""
    return _copy_content(tmp_path_factory.mktemp("content") / "content", minimal=True)


@pytest.fixture(scope="session")
def min_content(min_content_dir: Path) -> Content:
    """The tiny content set, loaded."""
    return load_content(min_content_dir)


@pytest.fixture
def tmp_content(tmp_path: Path) -> MakeContent:
    """Return `make(minimal=False, name="content")`: a fresh copy of the content to break."""

    def make(*, minimal: bool = False, name: str = "content") -> Path:
        return _copy_content(tmp_path / name, minimal=minimal)

    return make


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database, once as an SQLite file and once as a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path / "db" / "bot.db")
        return
    async with postgres_schema() as database:
        yield database
