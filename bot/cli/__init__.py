"""The `omradesbot` command: one small function per subcommand, heavy imports only when used.

Each subcommand registers itself (`add_*`) and runs (`run_*`) from the module of its kind:
ask.py (ask, chat), content.py (check-content), run.py (run), data.py (db, export, import),
files.py (report, poster, survey export); common.py holds what they share.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from bot.cli.ask import add_ask, add_chat
from bot.cli.common import (
    AREA_CHOICES,
    EXIT_BROKEN_PIPE,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    LANGUAGE_CHOICES,
    Handler,
)
from bot.cli.content import add_check_content
from bot.cli.data import add_db, add_export, add_import
from bot.cli.files import add_poster, add_report, add_survey
from bot.cli.run import add_run
from bot.errors import ConfigError, ContentError

__all__ = ["AREA_CHOICES", "LANGUAGE_CHOICES", "build_parser", "main"]


# --- the parser -----------------------------------------------------------------------------

# One registration function per subcommand; adding one (e.g. `run`, `db`) means one entry here.
SUBCOMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    add_ask,
    add_chat,
    add_check_content,
    add_run,
    add_db,
    add_report,
    add_poster,
    add_export,
    add_import,
    add_survey,
]


def build_parser() -> argparse.ArgumentParser:
    """The `omradesbot` argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="omradesbot",
        description="Områdesboten: answers residents' questions about the area-based community "
        "work moving from Kållered to Balltorp (Mölndal).",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `omradesbot` command; return its exit status."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as exc:
        print("omradesbot: the content has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        print("Run 'omradesbot check-content' after fixing them.", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`omradesbot ask ... | head -1`): nothing more to say, and Python
        # must not complain about it when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
