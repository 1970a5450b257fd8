"""What the bot says: questions, commands and button presses in, plain-text replies out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.content import Content, FaqEntry, Milestone, Texts, describe_when
from bot.content.texts import DIALOGUE, text_problems
from bot.domain import (
    AREAS,
    ASK_STAFF,
    FAQ_PREFIX,
    FORGET_NO,
    FORGET_YES,
    LANG_PREFIX,
    LANGUAGES,
    MENU_HELP,
    MENU_SUBSCRIBE,
    MENU_TIMELINE,
    MENU_TOPICS,
    SUB_PREFIX,
    UNSUB_PREFIX,
    Area,
    Button,
    Lang,
    Reply,
)
from bot.errors import ContentError


@dataclass(frozen=True)
class Command:
    """A resident command: its English name, its Swedish alias (ASCII) and its description key."""

    name: str
    alias: str
    description_key: str
    needs_staff: bool = False  # offered only when someone can answer (OMRADESBOT_STAFF_IDS)


# The order here is the order of /help and of the Telegram command menu.
COMMANDS: tuple[Command, ...] = (
    Command("faq", "fragor", "command_faq"),
    Command("subscribe", "prenumerera", "command_subscribe"),
    Command("unsubscribe", "avsluta", "command_unsubscribe"),
    Command("milestones", "tidslinje", "command_milestones"),
    Command("language", "sprak", "command_language"),
    Command("survey", "enkat", "command_survey"),
    Command("mydata", "minadata", "command_mydata"),
    Command("forget", "glom", "command_forget"),
    Command("ask", "fraga", "command_ask", needs_staff=True),
    Command("help", "hjalp", "command_help"),
)
_COMMAND_NAMES: Mapping[str, str] = {
    **{c.name: c.name for c in COMMANDS},
    **{c.alias: c.name for c in COMMANDS},
    "start": "start",
}


def available_commands(*, ask_staff: bool) -> tuple[Command, ...]:
    """The commands to offer: those needing staff only when staff can answer."""
    return tuple(c for c in COMMANDS if ask_staff or not c.needs_staff)


def resolve_command(word: str) -> str | None:
    """Map '/hjalp', 'hjalp', '/help@SomeBot' to the English command name; None if unknown."""
    name = word.strip().lstrip("/").split("@", 1)[0].lower()
    return _COMMAND_NAMES.get(name)


# Small talk after which a way on (the topic menu) would be noise.
_CLOSING_SMALLTALK = frozenset({"thanks", "goodbye"})


class MatchLike(Protocol):
    """What the dialogue reads from the matcher's answer (bot.matching.Match)."""

    @property
    def topic(self) -> str | None: ...
    @property
    def score(self) -> float: ...
    @property
    def suggestions(self) -> tuple[str, ...]: ...
    @property
    def smalltalk(self) -> str | None: ...
    @property
    def language(self) -> Lang | None: ...
    @property
    def also(self) -> tuple[str, ...]: ...
    @property
    def related(self) -> tuple[str, ...]: ...


class MatcherLike(Protocol):
    """The FAQ matcher (bot.matching.Matcher), seen from the dialogue."""

    def match(self, text: str, lang: Lang = "sv") -> MatchLike: ...


class Dialogue:
    """Turns questions, commands and button presses into replies; shared by every transport."""

    def __init__(self, content: Content, matcher: MatcherLike, *, ask_staff: bool = False) -> None:
        """`ask_staff`: offer "Ask the staff" when the bot can't help (only if staff exist)."""
        problems = text_problems(
            content.texts, str(content.directory / "texts.yaml"), parts=(DIALOGUE,)
        )
        if problems:
            raise ContentError(problems)
        self._content = content
        self._matcher = matcher
        self._texts = content.texts
        self._ask_staff = ask_staff

    @property
    def texts(self) -> Texts:
        """The UI strings, for transports that add words of their own (e.g. the terminal)."""
        return self._texts

    @property
    def content(self) -> Content:
        """The content this dialogue speaks from."""
        return self._content

    def _t(self, key: str, lang: Lang, **values: object) -> str:
        return self._texts.get(key, lang, **values)

    def _button(self, key: str, data: str, lang: Lang) -> Button:
        return Button(self._t(key, lang), data)

    def _topics_row(self, lang: Lang) -> tuple[Button, ...]:
        return (self._button("button_topics", MENU_TOPICS, lang),)

    # --- commands ---------------------------------------------------------------------------

    def welcome(self, lang: Lang) -> Reply:
        """/start: what the bot knows, what is stored, and the main menu."""
        text = f"{self._t('welcome', lang)}\n\n{self._t('welcome_privacy', lang)}"
        buttons = (
            (
                self._button("button_topics", MENU_TOPICS, lang),
                self._button("button_subscribe", MENU_SUBSCRIBE, lang),
            ),
            (
                self._button("button_timeline", MENU_TIMELINE, lang),
                self._button("button_help", MENU_HELP, lang),
            ),
        )
        return Reply(text, buttons)

    def help(self, lang: Lang) -> Reply:
        """/help: every command, the resident's language first and the other as alias."""
        lines = [self._t("help_intro", lang), ""]
        for command in available_commands(ask_staff=self._ask_staff):
            first, second = (
                (command.alias, command.name) if lang == "sv" else (command.name, command.alias)
            )
            lines.append(
                self._t(
                    "help_line",
                    lang,
                    command=f"/{first}",
                    alias=f"/{second}",
                    description=self._t(command.description_key, lang),
                )
            )
        return Reply("\n".join(lines), (self._topics_row(lang),))

    def topics(self, lang: Lang) -> Reply:
        """/faq: one button per FAQ entry, two per row."""
        buttons = [Button(entry.title[lang], FAQ_PREFIX + entry.id) for entry in self._content.faq]
        rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
        return Reply(self._t("topics_intro", lang), rows)

    def topic(self, topic_id: str, lang: Lang) -> Reply:
        """The answer of one FAQ entry (a topic button was pressed)."""
        entry = self._content.entry(topic_id)
        if entry is None:
            return Reply(self._t("unknown_topic", lang), (self._topics_row(lang),))
        more = (self._button("button_more_topics", MENU_TOPICS, lang),)
        return Reply(entry.answer[lang], (more,), topic=entry.id, score=1.0)

    def answer(self, text: str, lang: Lang) -> Reply:
        """Free text: the FAQ answer, small talk, 'did you mean', or an honest 'I don't know'."""
        if not text.strip():
            return self._dont_know(lang, 0.0)
        match = self._matcher.match(text, lang)
        lang = match.language or lang
        if match.topic is not None:
            entries = [
                e for e in map(self._content.entry, (match.topic, *match.also)) if e is not None
            ]
            if entries:
                more = (self._button("button_more_topics", MENU_TOPICS, lang),)
                if len(entries) == 1:
                    text = entries[0].answer[lang]
                else:
                    # Several questions in one message: every answer, each under its title.
                    text = "\n\n".join(f"{e.title[lang]}\n{e.answer[lang]}" for e in entries)
                return Reply(
                    text,
                    (more,),
                    topic=entries[0].id,
                    score=match.score,
                    suggestions=match.suggestions,
                    also=tuple(e.id for e in entries[1:]),
                )
        if match.smalltalk is not None:
            talk = next((t for t in self._content.smalltalk if t.id == match.smalltalk), None)
            if talk is not None:
                if talk.id == "human" and self._ask_staff:
                    ask = (self._button("button_ask_staff", ASK_STAFF, lang),)
                    text = self._t("human_ask_staff", lang)
                    return Reply(text, (ask, self._topics_row(lang)), smalltalk=talk.id)
                rows = () if talk.id in _CLOSING_SMALLTALK else (self._topics_row(lang),)
                return Reply(talk.answer[lang], rows, score=match.score, smalltalk=talk.id)
        suggested = [e for e in map(self._content.entry, match.suggestions) if e is not None]
        if suggested:
            choices = tuple((Button(e.title[lang], FAQ_PREFIX + e.id),) for e in suggested)
            return Reply(
                self._t("did_you_mean", lang),
                (*choices, self._topics_row(lang)),
                score=match.score,
                suggestions=tuple(e.id for e in suggested),
            )
        related = [e for e in map(self._content.entry, match.related) if e is not None]
        return self._dont_know(lang, match.score, related)

    def _dont_know(self, lang: Lang, score: float, related: Sequence[FaqEntry] = ()) -> Reply:
        """'I don't know', and a way on: the topic the question was near (its answer does not
        say what was asked, but may help), the topic menu, and asking the staff."""
        # The question is deliberately not quoted back: it could be anything a resident typed.
        near = tuple((Button(e.title[lang], FAQ_PREFIX + e.id),) for e in related)
        rows: tuple[tuple[Button, ...], ...] = (*near, self._topics_row(lang))
        if self._ask_staff:
            rows = (*rows, (self._button("button_ask_staff", ASK_STAFF, lang),))
        text = self._t("dont_know_related" if related else "dont_know", lang)
        return Reply(text, rows, score=score)

    def milestones(
        self, lang: Lang, now: dt.datetime, timeline: Sequence[Milestone] | None = None
    ) -> Reply:
        """/milestones: the timeline of the move (the live one when given), past steps marked."""
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        steps = self._content.milestones if timeline is None else timeline
        if not steps:
            return Reply(self._t("milestones_empty", lang), (self._topics_row(lang),))
        lines = [self._t("milestones_intro", lang), ""]
        for milestone in sorted(steps, key=lambda m: m.when):
            key = "milestone_done" if milestone.when <= now else "milestone_coming"
            when = describe_when(milestone, self._content.texts, lang)
            lines.append(self._t(key, lang, when=when, title=milestone.title[lang]))
            if milestone.details is not None:
                lines.append(f"   {milestone.details[lang]}")
        return Reply("\n".join(lines), (self._topics_row(lang),))

    def subscribe_menu(self, lang: Lang, areas: Iterable[Area] = AREAS) -> Reply:
        """/subscribe without an area: one button per area."""
        rows = tuple((self._button(f"area_{a}", SUB_PREFIX + a, lang),) for a in areas)
        return Reply(self._t("subscribe_choose", lang), rows)

    def unsubscribe_menu(self, lang: Lang, areas: Iterable[Area] = AREAS) -> Reply:
        """/unsubscribe without an area: one button per area (pass the resident's own)."""
        rows = tuple((self._button(f"area_{a}", UNSUB_PREFIX + a, lang),) for a in areas)
        return Reply(self._t("unsubscribe_choose", lang), rows)

    def area_name(self, area: Area, lang: Lang) -> str:
        """The resident-facing name of an area, e.g. for a subscription confirmation."""
        return self._t(f"area_{area}", lang)

    def language_menu(self, lang: Lang) -> Reply:
        """/language without an argument: one button per language."""
        row = (
            self._button("language_name_sv", LANG_PREFIX + "sv", lang),
            self._button("language_name_en", LANG_PREFIX + "en", lang),
        )
        return Reply(self._t("language_choose", lang), (row,))

    def forget_confirm(self, lang: Lang) -> Reply:
        """/forget: ask before erasing everything stored about the resident."""
        row = (
            self._button("button_forget_yes", FORGET_YES, lang),
            self._button("button_forget_no", FORGET_NO, lang),
        )
        return Reply(self._t("forget_confirm", lang), (row,))

    # --- notices ------------------------------------------------------------------------------

    def unknown_command(self, lang: Lang) -> Reply:
        """A command the bot does not have: point to /help."""
        return Reply(self._t("unknown_command", lang))

    def non_text(self, lang: Lang) -> Reply:
        """A sticker, photo, voice message and the like."""
        return Reply(self._t("non_text", lang))

    def flood_notice(self, lang: Lang) -> Reply:
        """Sent once when a resident writes faster than the flood limit."""
        return Reply(self._t("flood_notice", lang))

    def expired_button(self, lang: Lang) -> Reply:
        """A button press whose data is unknown, old or forged."""
        return Reply(self._t("expired_button", lang), (self._topics_row(lang),))

    def apology(self, lang: Lang) -> Reply:
        """Something failed while handling the message."""
        return Reply(self._t("apology", lang))

    # --- buttons ------------------------------------------------------------------------------

    def press(self, data: str, lang: Lang, now: dt.datetime) -> Reply | None:
        """Answer a button press that needs no stored state; None for the ones that do.

        Subscribing, changing language and forgetting (menu:subscribe, sub:, unsub:, lang:,
        forget:) touch storage, so the transport handles them. Unknown data gets a notice.
        """
        if data.startswith(FAQ_PREFIX):
            return self.topic(data.removeprefix(FAQ_PREFIX), lang)
        if data == MENU_TOPICS:
            return self.topics(lang)
        if data == MENU_TIMELINE:
            return self.milestones(lang, now)
        if data == MENU_HELP:
            return self.help(lang)
        if is_stateful(data):
            return None
        return self.expired_button(lang)


def is_stateful(data: str) -> bool:
    """True for well-formed button data that the transport must handle with storage."""
    if data in (MENU_SUBSCRIBE, FORGET_YES, FORGET_NO):
        return True
    for prefix in (SUB_PREFIX, UNSUB_PREFIX):
        if data.startswith(prefix):
            return data.removeprefix(prefix) in AREAS
    return data.startswith(LANG_PREFIX) and data.removeprefix(LANG_PREFIX) in LANGUAGES
