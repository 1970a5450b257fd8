"""`omradesbot check-content`: validate content/ (and the surveys against the database)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ContentError

if TYPE_CHECKING:
    from bot.content import Content

from bot.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    content_option,
    resolve_content_dir,
    settings_from_env,
)

# --- check-content --------------------------------------------------------------------------


def add_check_content(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot check-content`."""
    parser = subparsers.add_parser(
        "check-content",
        parents=[content_option()],
        help="validate the content files",
        description="Validate faq.yaml, texts.yaml and milestones.yaml. Exit 0 with a summary, "
        "or 1 with one line per problem.",
    )
    parser.add_argument("directory", nargs="?", help="content directory (default: as --content)")
    parser.set_defaults(handler=run_check_content)


def run_check_content(args: argparse.Namespace) -> int:
    """Report every content problem, or a one-line summary."""
    from bot.content import TEXTS_FILE, load_content  # noqa: PLC0415
    from bot.content.texts import text_problems  # noqa: PLC0415
    from bot.matching import lexicon_problems  # noqa: PLC0415

    directory = resolve_content_dir(args.directory or args.content)
    language = lexicon_problems()  # the matcher's word data is checked with the content
    try:
        content = load_content(directory, zone=settings_from_env().timezone)
    except ContentError as exc:
        problems = [*exc.problems, *language]
    else:
        where = str(content.directory / TEXTS_FILE)
        problems = [*text_problems(content.texts, where), *language, *_survey_problems(directory)]
        if not problems:
            print(
                f"content OK: {len(content.faq)} FAQ entries, {len(content.smalltalk)} small-talk, "
                f"{len(content.milestones)} milestones, {len(content.texts.strings)} texts, "
                f"{len(content.examples)} examples, {len(content.surveys)} "
                f"survey{'' if len(content.surveys) == 1 else 's'} in {directory}/"
            )
            print(_check_matcher(content))
            return EXIT_OK
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {directory}/", file=sys.stderr)
    return EXIT_PROBLEMS


def _survey_problems(directory: Path) -> list[str]:
    """Surveys compared with the database (OMRADESBOT_DATABASE_URL), when there is one."""
    import asyncio  # noqa: PLC0415

    from sqlalchemy.engine import make_url  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.core.surveys.stability import database_problems  # noqa: PLC0415
    from bot.storage.engine import create_engine, session_factory  # noqa: PLC0415
    from bot.storage.url import database_url  # noqa: PLC0415

    raw = Settings.from_env().database_url
    if raw.startswith("sqlite") and not Path(make_url(raw).database or "").exists():
        return []  # no database yet: no survey has answers (and none is created here)
    url = database_url(raw)

    async def compare() -> list[str]:
        engine = create_engine(url)
        try:
            return await database_problems(directory, session_factory(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(compare())
    except OSError as exc:  # an unreachable PostgreSQL: say so, the content itself is fine
        print(f"surveys: not compared with the database ({exc})", file=sys.stderr)
        return []


def _check_matcher(content: Content) -> str:
    """Train the matcher unless a current model is kept, and say which it was."""
    import time  # noqa: PLC0415

    from bot.holder import model_store  # noqa: PLC0415
    from bot.matching import Matcher  # noqa: PLC0415
    from bot.matching.decide import forget_trained  # noqa: PLC0415

    store = model_store(settings_from_env())
    forget_trained()  # this process may have trained already; the question is the store
    started = time.perf_counter()
    matcher = Matcher(content, store=store)
    seconds = time.perf_counter() - started
    count = len(matcher.learned.examples)
    if store is None:
        return f"matcher: trained from {count} examples in {seconds:.1f} s (no cache directory)"
    path = store.path(matcher.key)
    if matcher.trained_now:
        kept = f"kept in {path}" if path.exists() else f"could not be kept in {store.directory}"
        return (
            f"matcher: no trained model for this content yet (new or changed examples, synonyms "
            f"or word data): trained from {count} examples in {seconds:.1f} s, {kept}"
        )
    return f"matcher: the trained model in {path} is current ({count} examples)"
