"""The files staff take away: `omradesbot report` (HTML, CSV), `poster` (PDF, PNG) and
`survey export` (CSV)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    pass

from bot.cli.common import (
    AREA_CHOICES,
    EXIT_OK,
    EXIT_PROBLEMS,
    LANGUAGE_CHOICES,
    content_option,
    lang_option,
    resolve_content_dir,
)

# --- report ---------------------------------------------------------------------------------


def add_report(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot report --out report.html`."""
    parser = subparsers.add_parser(
        "report",
        parents=[content_option(), lang_option()],
        help="write the staff statistics as one self-contained HTML page",
        description="Read OMRADESBOT_DATABASE_URL and write the /stats chart and numbers to one "
        "HTML file that needs nothing else (the chart is embedded).",
    )
    parser.add_argument("--out", metavar="FILE", help="where to write the page")
    parser.add_argument(
        "--csv",
        metavar="DIR",
        help="also (or instead) write the figures per day and per topic as CSV files into DIR",
    )
    parser.add_argument(
        "--days", type=int, default=28, help="days of questions to show (default: 28)"
    )
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Write the report and say where it is."""
    import asyncio  # noqa: PLC0415
    import datetime as dt  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.content import load_content  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.visuals.report import write_report  # noqa: PLC0415

    if args.days < 1:
        raise ConfigError("--days must be at least 1")
    if args.out is None and args.csv is None:
        raise ConfigError("report needs --out FILE, --csv DIR or both")
    settings = Settings.from_env()
    content = load_content(resolve_content_dir(args.content), zone=settings.timezone)
    out = Path(args.out) if args.out is not None else None
    csv_dir = Path(args.csv) if args.csv is not None else None
    try:
        stats = asyncio.run(
            write_report(
                out,
                database_url=settings.database_url,
                content=content,
                lang=args.lang,
                now=dt.datetime.now(settings.timezone),
                days=args.days,
                csv_dir=csv_dir,
                zone=settings.timezone,
            )
        )
    except StorageError as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    written = [str(out)] if out is not None else []
    if csv_dir is not None:
        written += [str(csv_dir / "days.csv"), str(csv_dir / "topics.csv")]
    print(f"wrote {', '.join(written)} ({stats.total_questions} questions in {stats.days} days)")
    return EXIT_OK


# --- poster ---------------------------------------------------------------------------------


def add_poster(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot poster --area balltorp --out poster.pdf`."""
    parser = subparsers.add_parser(
        "poster",
        parents=[content_option()],
        help="write a printable A4 poster with a QR code that opens the bot",
        description="Write a one-page A4 poster (PDF to print, PNG to preview) whose QR code "
        "opens the bot at https://t.me/<bot>?start=<area>-<lang>[-<campaign>].",
    )
    parser.add_argument("--area", required=True, choices=AREA_CHOICES, help="the area offered")
    parser.add_argument(
        "--lang", choices=LANGUAGE_CHOICES, default="sv", help="poster and welcome language"
    )
    parser.add_argument(
        "--campaign",
        metavar="NAME",
        help="where the poster hangs, counted in /stats: 1-32 letters a-z and digits",
    )
    parser.add_argument(
        "--bot-username",
        metavar="NAME",
        help="the bot's @username (default: asked from Telegram with TELEGRAM_BOT_TOKEN)",
    )
    parser.add_argument("--out", required=True, metavar="FILE", help="FILE.pdf or FILE.png")
    parser.set_defaults(handler=run_poster)


def run_poster(args: argparse.Namespace) -> int:
    """Write the poster and say what its code opens."""
    import asyncio  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.content import load_content  # noqa: PLC0415
    from bot.core.deeplinks import (  # noqa: PLC0415
        DeepLink,
        DeepLinkError,
        link_url,
        normalise_campaign,
        normalise_username,
    )
    from bot.visuals.poster import FORMATS, poster_bytes, poster_words  # noqa: PLC0415

    out = Path(args.out)
    fmt = out.suffix.lower().removeprefix(".")
    if fmt not in FORMATS:
        raise ConfigError(f"--out must end in .pdf (to print) or .png (to preview): {out}")
    settings = Settings.from_env()
    try:
        link = DeepLink(args.area, args.lang, normalise_campaign(args.campaign))
        if args.bot_username is not None:
            username = normalise_username(args.bot_username)
        elif settings.telegram_token is None:
            raise ConfigError(
                "the poster needs the bot's username: give --bot-username NAME, or set "
                "TELEGRAM_BOT_TOKEN so it is read from Telegram (getMe)"
            )
        else:
            from bot.telegram.posters import fetch_username  # noqa: PLC0415

            username = asyncio.run(fetch_username(settings))
    except DeepLinkError as exc:
        raise ConfigError(str(exc)) from exc
    content = load_content(resolve_content_dir(args.content))
    url = link_url(username, link)
    data = poster_bytes(url, poster_words(content.texts, args.lang, args.area), fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"wrote {out}: its QR code opens {url}")
    return EXIT_OK


# --- survey export --------------------------------------------------------------------------


def add_survey(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot survey export <id> --out FILE.csv`."""
    parser = subparsers.add_parser("survey", help="survey data: 'survey export'")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        parents=[content_option(), lang_option()],
        help="write a survey's responses to a CSV file",
        description="Write one row per response of the survey (no resident id), UTF-8 with a "
        "header of question ids, from OMRADESBOT_DATABASE_URL.",
    )
    export.add_argument("survey_id", metavar="ID", help="the survey's id in surveys.yaml")
    export.add_argument("--out", required=True, metavar="FILE", help="the CSV file to write")
    export.set_defaults(handler=run_survey_export)


def run_survey_export(args: argparse.Namespace) -> int:
    """Export one survey's responses."""
    import asyncio  # noqa: PLC0415

    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.content import load_content  # noqa: PLC0415
    from bot.core.surveys.export import export_survey  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.storage.engine import create_engine, session_factory  # noqa: PLC0415

    settings = Settings.from_env()
    content = load_content(resolve_content_dir(args.content))
    survey = next((s for s in content.surveys if s.id == args.survey_id), None)
    if survey is None:
        known = ", ".join(s.id for s in content.surveys) or "none"
        print(f"omradesbot: no survey {args.survey_id!r} (surveys: {known})", file=sys.stderr)
        return EXIT_PROBLEMS
    out = Path(args.out)

    async def export() -> int:
        engine = create_engine(settings.database_url)
        try:
            return await export_survey(session_factory(engine), survey, out, args.lang)
        finally:
            await engine.dispose()

    try:
        count = asyncio.run(export())
    except (StorageError, SQLAlchemyError, OSError) as exc:
        print(f"omradesbot: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"wrote {out} ({count} responses to {survey.id})")
    return EXIT_OK
