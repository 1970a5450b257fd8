"""`omradesbot run`: the bot on Telegram, by polling or webhook."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from bot.cli.common import EXIT_OK, EXIT_PROBLEMS

# --- run -----------------------------------------------------------------------------------


def add_run(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot run`."""
    parser = subparsers.add_parser(
        "run",
        help="start the Telegram bot (long polling, or a webhook) with TELEGRAM_BOT_TOKEN",
        description="Answer residents on Telegram until Ctrl-C or SIGTERM. Settings come from "
        "the environment (see the README). The embedded SQLite database is migrated at "
        "start-up; any other database must already be at the newest revision "
        "('omradesbot db upgrade'). Long polling unless --webhook is given or "
        "OMRADESBOT_WEBHOOK_URL is set (see docs/operations.md).",
    )
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="serve Telegram's webhook and /healthz, /readyz on OMRADESBOT_LISTEN "
        "(needs OMRADESBOT_WEBHOOK_URL and OMRADESBOT_WEBHOOK_SECRET)",
    )
    parser.set_defaults(handler=run_bot)


def run_bot(args: argparse.Namespace) -> int:
    """Start the bot and block until it is stopped."""
    from bot.bootstrap import build_bot  # noqa: PLC0415
    from bot.config import Settings  # noqa: PLC0415 - keeps `omradesbot --help` instant
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.instance_lock import instance_lock  # noqa: PLC0415
    from bot.storage.url import database_url  # noqa: PLC0415
    from bot.telegram.app import run_polling  # noqa: PLC0415
    from bot.telegram.logs import configure_logging  # noqa: PLC0415

    settings = Settings.from_env()
    token = settings.require_token()
    webhook = args.webhook or settings.webhook_url is not None
    if webhook:
        from bot.telegram.webhook import WebhookConfig, run_webhook  # noqa: PLC0415

        WebhookConfig.from_settings(settings)  # a missing URL or secret fails before start-up
    configure_logging(settings.log_level, secrets=[token.reveal()], log_format=settings.log_format)
    lock = instance_lock(database_url(settings.database_url))
    try:
        if lock is not None:
            lock.acquire()  # held until this process ends: one process per SQLite file
        application = build_bot(settings, polling=not webhook)
        if webhook:
            run_webhook(application)
        else:
            run_polling(application)
    except StorageError as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        if lock is not None:
            lock.release()
    return EXIT_OK
