"""Value types shared by every layer, defined once: languages, areas, the clock, replies.

The core produces `Reply` values (text + optional `Button` rows); every transport (Telegram, the
terminal, `omradesbot ask`) renders them, and the delivery scheduler sends them. Callback data
of the dialogue's buttons is part of that shared vocabulary, since transports route by it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

Lang = Literal["sv", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "sv"

Area = Literal["balltorp", "kallered", "all"]
AREAS: tuple[Area, ...] = get_args(Area)

# The time now, aware, in the settings' time zone; injected everywhere so tests choose it.
Clock = Callable[[], dt.datetime]

MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 code units (see telegram_length)
MAX_CALLBACK_DATA = 64  # Telegram's limit for callback data, in bytes

# --- callback data: the Telegram adapter routes presses by these ---------------------------------
FAQ_PREFIX = "faq:"
MENU_TOPICS = "menu:topics"
MENU_SUBSCRIBE = "menu:subscribe"
MENU_TIMELINE = "menu:timeline"
MENU_HELP = "menu:help"
SUB_PREFIX = "sub:"
UNSUB_PREFIX = "unsub:"
LANG_PREFIX = "lang:"
FORGET_YES = "forget:yes"
FORGET_NO = "forget:no"
ASK_STAFF = "ticket:ask"  # "Ask the staff"; the question itself never goes into button data

# The weekly digest to the staff is a notice with this dedupe key prefix: no unsubscribe button.
DIGEST_KEY_PREFIX = "digest:"

# Survey buttons (bot/core/surveys/): survey:<action>:<survey id>[:<question>[:<option>]].
SURVEY_PREFIX = "survey:"
SURVEY_GO, SURVEY_ANSWER, SURVEY_TOGGLE, SURVEY_DONE, SURVEY_SKIP, SURVEY_CHART = (
    "go",
    "a",
    "t",
    "d",
    "s",
    "chart",
)


def survey_go_data(survey_id: str) -> str:
    """Button data that begins (or resumes) a survey: under the invitation and in /enkat."""
    return f"{SURVEY_PREFIX}{SURVEY_GO}:{survey_id}"


def survey_chart_data(survey_id: str) -> str:
    """Button data that asks for a survey's results chart: under the published results."""
    return f"{SURVEY_PREFIX}{SURVEY_CHART}:{survey_id}"


@dataclass(frozen=True)
class Button:
    """One button under a reply; `data` comes back when it is pressed.

    A button with a `url` opens it instead (Telegram's share dialog, say) and sends nothing back.
    """

    label: str
    data: str = ""
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (not self.data):
            raise ValueError(f"a button has either data or a url: {self!r}")
        if len(self.data.encode()) > MAX_CALLBACK_DATA:
            raise ValueError(f"callback data over {MAX_CALLBACK_DATA} bytes: {self.data!r}")


@dataclass(frozen=True)
class Reply:
    """What the bot says once: plain text (never markup) and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    topic: str | None = None
    score: float = 0.0
    suggestions: tuple[str, ...] = ()
    smalltalk: str | None = None
    also: tuple[str, ...] = ()  # further topics answered in the same reply

    def __post_init__(self) -> None:
        if telegram_length(self.text) > MAX_TEXT:
            # Content is ours, so an over-long reply is a content bug (or a resident's text
            # quoted in a template); cut it rather than have Telegram refuse it.
            head, _ = split_at_length(self.text, MAX_TEXT - 1)
            object.__setattr__(self, "text", head + "…")


def share(part: int, whole: int) -> float | None:
    """`part` as a share of `whole`; None when `whole` is 0 (no data is not 0 %)."""
    return part / whole if whole else None


def telegram_length(text: str) -> int:
    """The length Telegram limits: UTF-16 code units, so an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


def split_at_length(text: str, limit: int) -> tuple[str, str]:
    """`text` cut after at most `limit` UTF-16 units, never inside a character; and the rest."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index], text[index:]
    return text, ""


Buttons = tuple[tuple[Button, ...], ...]


def chunk_lines(lines: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Join lines into as few texts of at most `limit` UTF-16 units (Telegram's measure); a line
    longer than a message is split rather than lost. No lines, no texts."""
    chunks: list[str] = []
    current = ""
    for whole in lines:
        line = whole
        while telegram_length(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            head, line = split_at_length(line, limit)
            chunks.append(head)
        candidate = f"{current}\n{line}" if current else line
        if telegram_length(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def language_from_telegram(code: str | None) -> Lang:
    """Swedish unless Telegram says the resident's app speaks English."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANG


@dataclass(frozen=True)
class Caller:
    """Who wrote: the chat to answer (and the only thing stored) and Telegram's language hint.

    Only private chats are residents: in a group the bot answers but stores nothing.
    """

    chat_id: int
    private: bool = True
    language_code: str | None = None

    @property
    def hinted_language(self) -> Lang:
        """The language Telegram suggests for this resident."""
        return language_from_telegram(self.language_code)
