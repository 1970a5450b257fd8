"""`omradesbot ask` (one question, --batch, --explain) and `omradesbot chat`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

if TYPE_CHECKING:
    from bot.core.dialogue import Dialogue
    from bot.domain import Lang, Reply

from bot.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    LANGUAGE_CHOICES,
    content_option,
    lang_option,
    load_dialogue,
    resolve_content_dir,
    settings_from_env,
)


class BadLineError(Exception):
    """One line of `ask --batch` input cannot be answered; the message says why."""


# --- ask ------------------------------------------------------------------------------------


def add_ask(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `omradesbot ask`."""
    parser = subparsers.add_parser(
        "ask",
        parents=[content_option(), lang_option()],
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
    except BrokenPipeError:
        raise  # the reader of stdout went away: main() ends quietly
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
        parents=[content_option(), lang_option()],
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
