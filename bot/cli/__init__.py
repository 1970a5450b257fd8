"""The `omradesbot` command: one small function per subcommand, heavy imports only when used."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from bot.errors import ConfigError, ContentError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.content import Content
    from bot.core.dialogue import Dialogue
    from bot.domain import Lang, Reply

# Kept literal (not imported from bot.content) so `--help` stays instant; a test checks they agree.
LANGUAGE_CHOICES = ("sv", "en")
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class BadLineError(Exception):
    """One line of `ask --batch` input cannot be answered; the message says why."""


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


# --- ask ------------------------------------------------------------------------------------


def add_ask(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot ask`."""
    parser = subparsers.add_parser(
        "ask",
        parents=[_content_option(), _lang_option()],
        help="print the reply a resident would get to a question",
        description="Print the reply a resident would get. With --batch, answer JSON lines "
        '{"text": ..., "lang": "sv"|"en"} from stdin, one JSON object per line, same order.',
    )
    parser.add_argument("text", nargs="*", help="the question (quote it, or write several words)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--batch", action="store_true", help="answer JSON lines from stdin")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="show how the answer was decided: sentences, words and weights, best candidates",
    )
    parser.set_defaults(handler=run_ask, parser=parser)


def run_ask(args: argparse.Namespace) -> int:
    """Answer one question, or every line of stdin with --batch."""
    text = " ".join(args.text)
    if args.batch == bool(text):
        args.parser.error("give either a question TEXT or --batch")
    if args.explain:
        if args.batch or args.json:
            args.parser.error("--explain takes a question TEXT, not --batch or --json")
        return explain_question(resolve_content_dir(args.content), text, args.lang)
    dialogue = load_dialogue(resolve_content_dir(args.content))
    if args.batch:
        return answer_batch(dialogue, args.lang, _binary(sys.stdin), sys.stdout, sys.stderr)
    reply = dialogue.answer(text, args.lang)
    if args.json:
        print(json.dumps(_record(reply), ensure_ascii=False))
    else:
        print(_render(reply))
    return EXIT_OK


def explain_question(content_dir: Path, text: str, lang: Lang) -> int:
    """Print the reply, then how the matcher reached it: for content editors."""
    from bot.content import load_content  # noqa: PLC0415
    from bot.core.dialogue import Dialogue  # noqa: PLC0415
    from bot.holder import model_store  # noqa: PLC0415
    from bot.matching import Matcher  # noqa: PLC0415
    from bot.matching.explain import render  # noqa: PLC0415

    settings = settings_from_env()
    content = load_content(content_dir, zone=settings.timezone)
    matcher = Matcher(content, store=model_store(settings))
    print(_render(Dialogue(content, matcher).answer(text, lang)))
    print("\n--- how it was decided ---")
    print(render(matcher.explain(text, lang)))
    return EXIT_OK


def answer_batch(
    dialogue: Dialogue, default_lang: Lang, stdin: BinaryIO, stdout: TextIO, stderr: TextIO
) -> int:
    """Answer JSON lines; a bad line gets an error record in its place and the batch goes on."""
    try:
        for number, raw in enumerate(_lines(stdin), start=1):
            try:
                text, lang = _parse_question(raw, default_lang)
            except BadLineError as exc:
                stderr.write(f"omradesbot ask --batch: line {number}: {exc}\n")
                record: dict[str, Any] = {**_record(None), "error": f"line {number}: {exc}"}
            else:
                record = _record(dialogue.answer(text, lang))
            stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            stdout.flush()  # a caller may be waiting for each answer before sending the next
    except OSError as exc:
        stderr.write(f"omradesbot ask --batch: cannot read stdin: {exc}\n")
        return EXIT_PROBLEMS
    return EXIT_OK


def _binary(stream: TextIO) -> BinaryIO:
    # Bytes, so that one line of bad UTF-8 is that line's error rather than the batch's end.
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    import io  # noqa: PLC0415 - only for in-memory text streams (tests)

    return io.BytesIO(stream.read().encode())


def _lines(stdin: BinaryIO) -> Iterator[bytes]:
    for raw in stdin:
        yield raw.rstrip(b"\r\n")


def _parse_question(raw: bytes, default_lang: Lang) -> tuple[str, Lang]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadLineError("not valid UTF-8") from None
    if not line.strip():
        raise BadLineError('empty line; expected {"text": ..., "lang": "sv"|"en"}')
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLineError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(item, dict):
        raise BadLineError('expected a JSON object like {"text": ..., "lang": "sv"}')
    text = item.get("text")
    if not isinstance(text, str):
        raise BadLineError(f'"text" must be a string, not {json.dumps(text)}')
    lang = item.get("lang", default_lang)
    if lang not in LANGUAGE_CHOICES:
        raise BadLineError(f'unknown "lang" {json.dumps(lang)}; expected "sv" or "en"')
    return text, lang


def _record(reply: Reply | None) -> dict[str, Any]:
    if reply is None:
        return {
            "topic": None,
            "topics": [],
            "score": 0.0,
            "reply": "",
            "suggestions": [],
            "smalltalk": None,
        }
    return {
        "topic": reply.topic,
        "topics": [reply.topic, *reply.also] if reply.topic is not None else [],
        "score": round(reply.score, 4),
        "reply": reply.text,
        "suggestions": list(reply.suggestions),
        "smalltalk": reply.smalltalk,
    }


def _render(reply: Reply) -> str:
    rows = [" ".join(f"[{b.label}]" for b in row) for row in reply.buttons]
    return "\n".join([reply.text, *rows]) if rows else reply.text


# --- chat -----------------------------------------------------------------------------------


def add_chat(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot chat`."""
    parser = subparsers.add_parser(
        "chat",
        parents=[_content_option(), _lang_option()],
        help="talk to the bot in this terminal",
        description="The same conversation as on Telegram, in the terminal. Buttons are "
        "numbered: type the number to press one. /quit or Ctrl-D leaves.",
    )
    parser.set_defaults(handler=run_chat_command)


def run_chat_command(args: argparse.Namespace) -> int:
    """Hold a conversation on stdin/stdout."""
    from bot.terminal import run_chat  # noqa: PLC0415

    dialogue = load_dialogue(resolve_content_dir(args.content))
    return run_chat(dialogue, args.lang, sys.stdin, sys.stdout)


# --- check-content --------------------------------------------------------------------------


def add_check_content(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot check-content`."""
    parser = subparsers.add_parser(
        "check-content",
        parents=[_content_option()],
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


# --- db -------------------------------------------------------------------------------------


def add_db(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot db upgrade` and `omradesbot db revision -m MSG`."""
    parser = subparsers.add_parser(
        "db", help="database maintenance: 'db upgrade', 'db revision -m MSG'"
    )
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    upgrade = actions.add_parser(
        "upgrade",
        help="migrate the database to the newest schema (Alembic)",
        description="Apply the migrations shipped with the bot to OMRADESBOT_DATABASE_URL. "
        "Safe to run again: a database at the newest revision is left as it is.",
    )
    upgrade.set_defaults(handler=run_db_upgrade)
    revision = actions.add_parser(
        "revision",
        help="write a new, empty migration after the newest one (for developers)",
        description="Write bot/storage/migrations/versions/NNNN_<message>.py, numbered after "
        "the newest migration, with upgrade() and downgrade() to fill in. Needs no database.",
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")
    revision.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    revision.set_defaults(handler=run_db_revision)


def run_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate OMRADESBOT_DATABASE_URL to head and say where it is now."""
    import asyncio  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.storage.migrate import head_revision, upgrade  # noqa: PLC0415
    from bot.storage.url import database_url, safe_url  # noqa: PLC0415

    settings = Settings.from_env()
    url = database_url(settings.database_url)
    try:
        asyncio.run(upgrade(url))
    except StorageError as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"database {safe_url(url)} is at revision {head_revision()} (the newest)")
    return EXIT_OK


def run_db_revision(args: argparse.Namespace) -> int:
    """Write an empty migration after the newest one and say where."""
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.storage.migrate import create_revision  # noqa: PLC0415

    try:
        path = create_revision(args.message, versions_dir=args.dir)
    except StorageError as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"wrote {path}: fill in upgrade() and downgrade(), then run the tests")
    return EXIT_OK


# --- report ---------------------------------------------------------------------------------


def add_report(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot report --out report.html`."""
    parser = subparsers.add_parser(
        "report",
        parents=[_content_option(), _lang_option()],
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

AREA_CHOICES = ("balltorp", "kallered", "all")  # literal like LANGUAGE_CHOICES; a test checks


def add_poster(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot poster --area balltorp --out poster.pdf`."""
    parser = subparsers.add_parser(
        "poster",
        parents=[_content_option()],
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


# --- export / import ------------------------------------------------------------------------


def add_export(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot export`."""
    parser = subparsers.add_parser(
        "export",
        help="write every row of the database to a file (JSON lines)",
        description="Write every row of OMRADESBOT_DATABASE_URL to FILE ('-' for stdout) as "
        "JSON lines, with the schema revision in the first line. Use it to move from SQLite "
        "to PostgreSQL (see docs/operations.md).",
    )
    parser.add_argument("file", metavar="FILE", help="where to write the export, or -")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Export the database to a file."""
    import asyncio  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.storage.engine import create_engine  # noqa: PLC0415
    from bot.storage.transfer import export_data  # noqa: PLC0415

    settings = Settings.from_env()

    async def export(out: TextIO) -> None:
        engine = create_engine(settings.database_url)
        try:
            report = await export_data(engine, out)
        finally:
            await engine.dispose()
        print(
            f"exported {report.total} rows at revision {report.revision}: "
            + ", ".join(f"{name} {n}" for name, n in report.rows.items()),
            file=sys.stderr,
        )

    try:
        if args.file == "-":
            asyncio.run(export(sys.stdout))
        else:
            with Path(args.file).open("w", encoding="utf-8") as out:
                asyncio.run(export(out))
    except (StorageError, OSError) as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def add_import(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot import`."""
    parser = subparsers.add_parser(
        "import",
        help="load an export into an empty, migrated database",
        description="Insert every row of FILE (from 'omradesbot export') into "
        "OMRADESBOT_DATABASE_URL, all or nothing. The database must be migrated to the same "
        "revision ('omradesbot db upgrade') and empty; stop the bot first.",
    )
    parser.add_argument("file", metavar="FILE", help="the export to load, or -")
    parser.add_argument(
        "--force",
        action="store_true",
        help="delete every row already in the target database first (in the same transaction)",
    )
    parser.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Import a file into the database."""
    import asyncio  # noqa: PLC0415

    from bot.config import Settings  # noqa: PLC0415
    from bot.errors import StorageError  # noqa: PLC0415
    from bot.instance_lock import instance_lock  # noqa: PLC0415
    from bot.storage.engine import create_engine  # noqa: PLC0415
    from bot.storage.transfer import import_data, read_lines  # noqa: PLC0415
    from bot.storage.url import database_url  # noqa: PLC0415

    settings = Settings.from_env()
    # A running bot on the same SQLite file would not see the rows change under it (it keeps
    # residents' languages in memory, its jobs and outbox run on), so import waits for it to stop.
    lock = instance_lock(database_url(settings.database_url))

    async def load(handle: TextIO) -> None:
        engine = create_engine(settings.database_url)
        try:
            report = await import_data(engine, read_lines(handle), replace=args.force)
        finally:
            await engine.dispose()
        print(
            f"imported {report.total} rows at revision {report.revision}: "
            + ", ".join(f"{name} {n}" for name, n in report.rows.items())
        )

    try:
        if lock is not None:
            lock.acquire()
        if args.file == "-":
            asyncio.run(load(sys.stdin))
        else:
            with Path(args.file).open(encoding="utf-8") as handle:
                asyncio.run(load(handle))
    except (StorageError, OSError) as exc:
        print(f"omradesbot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        if lock is not None:
            lock.release()
    return EXIT_OK


# --- survey export --------------------------------------------------------------------------


def add_survey(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot survey export <id> --out FILE.csv`."""
    parser = subparsers.add_parser("survey", help="survey data: 'survey export'")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        parents=[_content_option(), _lang_option()],
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


def _content_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--content",
        metavar="DIR",
        help="content directory (default: $OMRADESBOT_CONTENT_DIR or ./content)",
    )
    return parent


def _lang_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--lang", choices=LANGUAGE_CHOICES, default="sv", help="language of replies (default: sv)"
    )
    return parent


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
