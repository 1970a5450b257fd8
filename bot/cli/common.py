"""What every `omradesbot` subcommand shares: exit codes, the settings, the content, options."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.dialogue import Dialogue

# Kept literal (not imported from bot.content) so `--help` stays instant; a test checks they agree.
LANGUAGE_CHOICES = ("sv", "en")
AREA_CHOICES = ("balltorp", "kallered", "all")  # literal like LANGUAGE_CHOICES; a test checks
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # as a shell reports a command killed by SIGPIPE (128 + 13)

Handler = Callable[[argparse.Namespace], int]


# --- composition: what every subcommand that talks needs ------------------------------------


def resolve_content_dir(option: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """Pick the content directory: --content, else OMRADESBOT_CONTENT_DIR, else ./content."""
    from bot.config import Settings  # noqa: PLC0415 - keeps `omradesbot --help` instant

    settings = Settings.from_env(environ)  # read even with --content: a bad setting is an error
    path = Path(option) if option else settings.content_dir
    if not path.is_dir():
        raise ConfigError(
            f"content directory not found: {path.resolve()} "
            "(give --content DIR or set OMRADESBOT_CONTENT_DIR)"
        )
    return path


def settings_from_env(environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings, read once per command; a bad setting is an error for every command."""
    from bot import config  # noqa: PLC0415 - keeps `omradesbot --help` instant

    return config.Settings.from_env(environ)


def load_dialogue(content_dir: Path) -> Dialogue:
    """Load and validate the content, build the matcher once, and return the dialogue."""
    from bot.holder import build_dialogue  # noqa: PLC0415

    return build_dialogue(settings_from_env(), content_dir)


def content_option() -> argparse.ArgumentParser:
    """The --content option, for subcommands that read content/."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--content",
        metavar="DIR",
        help="content directory (default: $OMRADESBOT_CONTENT_DIR or ./content)",
    )
    return parent


def lang_option() -> argparse.ArgumentParser:
    """The --lang option, for subcommands that reply."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--lang", choices=LANGUAGE_CHOICES, default="sv", help="language of replies (default: sv)"
    )
    return parent
