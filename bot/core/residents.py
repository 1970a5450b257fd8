"""The resident-facing core: answering, subscriptions, language, /mydata and /forget.

Transports (Telegram) call one method per resident action and render the `Reply` values it
returns. Storage is reached through the query functions in `bot.storage`, one unit of work per
action. No Telegram types here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Milestone
from bot.content.timeline import live_timeline
from bot.core.deeplinks import BotLinks
from bot.core.dialogue import Dialogue
from bot.core.flood import Gate, Verdict
from bot.core.tickets import ticket_lines
from bot.domain import (
    AREAS,
    FAQ_PREFIX,
    FORGET_NO,
    LANG_PREFIX,
    LANGUAGES,
    MENU_SUBSCRIBE,
    MENU_TIMELINE,
    SUB_PREFIX,
    UNSUB_PREFIX,
    Area,
    Caller,
    Lang,
    Reply,
    chunk_lines,
)
from bot.matching.normalise import fold
from bot.storage import privacy, questions
from bot.storage import residents as store

if TYPE_CHECKING:
    from bot.core.feedback import Feedback
    from bot.holder import ContentHolder

log = logging.getLogger(__name__)


# What residents type for an area or a language, after folding case and å/ä/ö.
_AREA_WORDS: Mapping[str, Area] = {
    "balltorp": "balltorp",
    "kallered": "kallered",
    "all": "all",
    "alla": "all",
    "bada": "all",
    "both": "all",
}
_LANGUAGE_WORDS: Mapping[str, Lang] = {
    "sv": "sv",
    "svenska": "sv",
    "swedish": "sv",
    "se": "sv",
    "en": "en",
    "engelska": "en",
    "english": "en",
}


def parse_area(word: str | None) -> Area | None:
    """The area a resident named ('Kållered', 'alla', 'both', ...), or None."""
    return _AREA_WORDS.get(fold(word)) if word else None


def parse_language(word: str | None) -> Lang | None:
    """The language a resident named ('sv', 'English', 'svenska', ...), or None."""
    return _LANGUAGE_WORDS.get(fold(word)) if word else None


class ChosenLanguages:
    """The language each recently seen resident chose (None: follows Telegram's hint).

    Reading it from the database for every message cost about as much CPU as the rest of an
    answer (docs/reliability.md). Only a process that is the database's sole writer may keep it:
    every change then goes through this process (`set_language`, `forget`). Bounded: the least
    recently seen chats are dropped first, and a dropped chat is simply read again.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._languages: OrderedDict[int, Lang | None] = OrderedDict()

    def __contains__(self, chat_id: int) -> bool:
        return chat_id in self._languages

    def get(self, chat_id: int) -> Lang | None:
        """The remembered choice (call only for a chat that is `in` this)."""
        self._languages.move_to_end(chat_id)
        return self._languages[chat_id]

    def remember(self, chat_id: int, language: Lang | None) -> None:
        """Keep a chat's choice, dropping the least recently seen chat when full."""
        self._languages[chat_id] = language
        self._languages.move_to_end(chat_id)
        if len(self._languages) > self._limit:
            self._languages.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        """Drop a chat (after /forget: nothing about the resident is kept, here either)."""
        self._languages.pop(chat_id, None)


class Residents:
    """Resident actions in, `Reply` values out; one database transaction per action."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: ContentHolder,
        clock: Callable[[], dt.datetime],
        flood: Gate,
        *,
        retention: dt.timedelta,
        sole_writer: bool = False,
        keep_drafts: bool = False,
        feedback: Feedback | None = None,
        links: BotLinks | None = None,
    ) -> None:
        """`sole_writer`: no other process changes this database (SQLite's instance lock), so
        the language a resident chose may be remembered instead of read for every message.
        `keep_drafts`: staff can be asked, so an unanswered question is kept as the resident's
        draft for "Ask the staff" (bot/core/tickets.py), in the same commit as the question.
        `feedback`: FAQ answers in private chats get 👍/👎 buttons (bot/core/feedback.py).
        `links`: the bot's username, for "Tell a neighbour" under a subscription (Telegram)."""
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._flood = flood
        self._retention = retention
        self._questions = questions.QuestionLog(sessions)
        self._chosen = ChosenLanguages() if sole_writer else None
        self._keep_drafts = keep_drafts
        self.feedback = feedback
        self._links = links or BotLinks()

    # --- helpers ------------------------------------------------------------------------------

    @property
    def _dialogue(self) -> Dialogue:
        return self._content.current.dialogue

    def _t(self, key: str, lang: Lang, **values: object) -> str:
        return self._content.current.content.texts.get(key, lang, **values)

    async def language(self, caller: Caller) -> Lang:
        """The language to answer in: the resident's choice, else Telegram's hint."""
        if not caller.private:
            return caller.hinted_language
        if self._chosen is not None and caller.chat_id in self._chosen:
            return self._chosen.get(caller.chat_id) or caller.hinted_language
        async with self._sessions() as session:
            resident = await store.get_resident(session, caller.chat_id)
        chosen = None
        if resident is not None and resident.language_chosen and resident.language in LANGUAGES:
            chosen = resident.language
        if self._chosen is not None:
            self._chosen.remember(caller.chat_id, chosen)
        return chosen or caller.hinted_language

    def _private_only(self, lang: Lang) -> Reply:
        return Reply(self._t("private_only", lang))

    # --- reading ------------------------------------------------------------------------------

    async def start(self, caller: Caller) -> Reply:
        """/start: the welcome with the main menu; nothing is stored yet."""
        return self._dialogue.welcome(await self.language(caller))

    async def help(self, caller: Caller) -> Reply:
        """/help: the commands."""
        return self._dialogue.help(await self.language(caller))

    async def topics(self, caller: Caller) -> Reply:
        """/faq: the topic buttons."""
        return self._dialogue.topics(await self.language(caller))

    async def milestones(self, caller: Caller) -> Reply:
        """/milestones: the live timeline (with staff changes), past and coming."""
        lang = await self.language(caller)
        return self._dialogue.milestones(lang, self._clock(), await self.timeline())

    async def timeline(self) -> list[Milestone]:
        """The milestones as residents see them now: milestones.yaml plus staff changes."""
        async with self._sessions() as session:
            return await live_timeline(session, self._content.current.content)

    async def ask(self, caller: Caller, text: str) -> Reply:
        """Free text: the answer; in a private chat the question is logged for staff statistics.

        The question is committed before the answer is returned (so before it is sent); the
        questions of residents asking at the same moment share one commit (`QuestionLog`). An
        unanswered one becomes the resident's draft for "Ask the staff" in that same commit.
        """
        if not caller.private:
            return self._dialogue.answer(text, caller.hinted_language)
        lang = await self.language(caller)
        reply = self._dialogue.answer(text, lang)
        given = None
        if reply.topic is not None and self.feedback is not None:
            reply, given = self.feedback.with_vote(reply, caller.chat_id, lang, "text")
        # Greetings and thanks are not questions; logging them would skew the statistics.
        if reply.smalltalk is None and text.strip():
            await self._questions.write(
                questions.AskedQuestion(
                    chat_id=caller.chat_id,
                    text=text,
                    language=lang,
                    topic=reply.topic,
                    score=reply.score,
                    answered=reply.topic is not None,
                    asked_at=self._clock(),
                    keep_draft=self._keep_drafts and reply.topic is None,
                    answer=given,
                )
            )
        return reply

    # --- buttons ------------------------------------------------------------------------------

    async def press(self, caller: Caller, data: str, pressed_on: str | None = None) -> Reply:
        """A button press; unknown, old or forged data gets a harmless notice.

        `pressed_on`: the text of the message the button was under, which tells a topic
        chosen after "did you mean" from one chosen in the menu (for staff statistics).
        """
        lang = await self.language(caller)
        if data == MENU_TIMELINE:
            return await self.milestones(caller)
        reply = self._dialogue.press(data, lang, self._clock())
        if reply is not None:
            if (
                reply.topic is not None
                and data.startswith(FAQ_PREFIX)
                and caller.private
                and self.feedback is not None
            ):
                texts = self._content.current.content.texts
                suggested = pressed_on in texts.strings["did_you_mean"].values()
                via = "suggested" if suggested else "menu"
                reply, given = self.feedback.with_vote(reply, caller.chat_id, lang, via)
                await self.feedback.record([given])
            return reply
        if data == MENU_SUBSCRIBE:
            return await self.subscribe(caller, None)
        if data.startswith(SUB_PREFIX):
            return await self.subscribe(caller, data.removeprefix(SUB_PREFIX))
        if data.startswith(UNSUB_PREFIX):
            return await self.unsubscribe(caller, data.removeprefix(UNSUB_PREFIX))
        if data.startswith(LANG_PREFIX):
            return await self.set_language(caller, data.removeprefix(LANG_PREFIX))
        # FORGET_YES is not a press for this service: /forget also blanks the staff copies of
        # the resident's tickets, one operation in bot/core/privacy.py the transport routes to.
        if data == FORGET_NO:
            return Reply(self._t("forget_kept", lang))
        return self._dialogue.expired_button(lang)

    # --- subscriptions ------------------------------------------------------------------------

    async def subscribe(self, caller: Caller, word: str | None) -> Reply:
        """/subscribe [area]: at once with an area, else the area buttons."""
        lang = await self.language(caller)
        if not caller.private:
            return self._private_only(lang)
        area = parse_area(word)
        if area is None:
            menu = self._dialogue.subscribe_menu(lang)
            if word:
                return Reply(self._t("area_unknown", lang), menu.buttons)
            return menu
        async with self._sessions.begin() as session:
            await store.get_or_create_resident(session, caller.chat_id, lang, now=self._clock())
            added = await store.subscribe(session, caller.chat_id, [area], now=self._clock())
        name = self._dialogue.area_name(area, lang)
        share = self._links.share_rows(self._content.current.content.texts, lang, area)
        return Reply(
            self._t("subscribed" if added else "already_subscribed", lang, area=name), share
        )

    async def unsubscribe(self, caller: Caller, word: str | None) -> Reply:
        """/unsubscribe [area]: at once with an area, else buttons for the resident's areas."""
        lang = await self.language(caller)
        if not caller.private:
            return self._private_only(lang)
        area = parse_area(word)
        if area is None:
            async with self._sessions() as session:
                current = await store.subscriptions_of(session, caller.chat_id)
            if not current:
                return Reply(self._t("no_subscriptions", lang))
            areas: list[Area] = [a for a in AREAS if a in current]
            if len(areas) > 1:
                areas.append("all")
            menu = self._dialogue.unsubscribe_menu(lang, areas)
            if word:
                return Reply(self._t("area_unknown", lang), menu.buttons)
            return menu
        async with self._sessions.begin() as session:
            removed = await store.unsubscribe(session, caller.chat_id, [area])
        name = self._dialogue.area_name(area, lang)
        return Reply(self._t("unsubscribed" if removed else "not_subscribed", lang, area=name))

    # --- language -----------------------------------------------------------------------------

    async def set_language(self, caller: Caller, word: str | None) -> Reply:
        """/language [sv|en]: remember the choice (private chats), else offer the buttons."""
        lang = await self.language(caller)
        chosen = parse_language(word)
        if chosen is None:
            return self._dialogue.language_menu(lang)
        if not caller.private:
            return self._private_only(lang)
        async with self._sessions.begin() as session:
            await store.set_language(session, caller.chat_id, chosen, now=self._clock())
        if self._chosen is not None:
            self._chosen.remember(caller.chat_id, chosen)
        return Reply(self._t("language_set", chosen))

    def chose_language(self, chat_id: int, language: Lang) -> None:
        """Note a language the resident chose and another service stored (a deep link's)."""
        if self._chosen is not None:
            self._chosen.remember(chat_id, language)

    # --- privacy ------------------------------------------------------------------------------

    async def mydata(self, caller: Caller) -> tuple[Reply, ...]:
        """/mydata: everything stored about the resident, split to fit Telegram's message size."""
        lang = await self.language(caller)
        if not caller.private:
            return (self._private_only(lang),)
        async with self._sessions() as session:
            data = await privacy.resident_data(session, caller.chat_id)
        if data.empty:
            return (Reply(self._t("mydata_nothing", lang)),)
        return tuple(Reply(chunk) for chunk in chunk_lines(self._describe(data, lang)))

    def _describe(self, data: privacy.ResidentData, lang: Lang) -> list[str]:
        zone = self._clock().tzinfo
        lines = [self._t("mydata_intro", lang), ""]
        resident = data.resident
        if resident is not None:
            language_name = self._t(f"language_name_{resident.language}", lang)
            language_key = "mydata_language" if resident.language_chosen else "mydata_language_auto"
            lines += [
                self._t("mydata_chat", lang, chat_id=resident.chat_id),
                self._t("mydata_since", lang, date=resident.created_at.astimezone(zone).date()),
                self._t(language_key, lang, language=language_name),
            ]
        active = [s.area for s in data.subscriptions if s.active]
        paused = [s.area for s in data.subscriptions if not s.active]
        if active:
            names = ", ".join(self._dialogue.area_name(a, lang) for a in _areas(active))
            lines.append(self._t("mydata_subscriptions", lang, areas=names))
        else:
            lines.append(self._t("mydata_subscriptions_none", lang))
        lines.extend(
            self._t("mydata_paused", lang, area=self._dialogue.area_name(a, lang))
            for a in _areas(paused)
        )
        if data.questions:
            days = self._retention.days
            lines += ["", self._t("mydata_questions", lang, count=len(data.questions), days=days)]
            for question in data.questions:
                when = question.asked_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                lines.append(self._t("mydata_question", lang, date=when, text=question.text))
        lines += ticket_lines(self._content.current.content.texts, data.tickets, lang, zone)
        if self.feedback is not None:
            lines += self.feedback.mydata_lines(data.answers, lang)
        if data.draft is not None:
            lines += ["", self._t("mydata_draft", lang, text=data.draft.text)]
        if data.surveys:
            surveys = {s.id: s.title[lang] for s in self._content.current.content.surveys}
            titles = ", ".join(
                surveys.get(i, i)
                if done
                else self._t("mydata_survey_unfinished", lang, title=surveys.get(i, i))
                for i, done in data.surveys
            )
            lines += ["", self._t("mydata_surveys", lang, titles=titles)]
        lines += ["", self._t("mydata_footer", lang)]
        return lines

    async def forget_confirm(self, caller: Caller) -> Reply:
        """/forget: ask with a button before erasing anything."""
        lang = await self.language(caller)
        if not caller.private:
            return self._private_only(lang)
        return self._dialogue.forget_confirm(lang)

    async def forget(self, caller: Caller) -> Reply:
        """Erase every row about the resident, then say so (bot/core/privacy.py calls this last)."""
        lang = await self.language(caller)
        if not caller.private:
            return self._private_only(lang)
        async with self._sessions.begin() as session:
            erased = await privacy.forget_resident(session, caller.chat_id)
        self._flood.forget(caller.chat_id)
        if self._chosen is not None:
            self._chosen.forget(caller.chat_id)
        log.info("a resident asked to be forgotten; their rows are deleted")
        if erased.get("survey_participations"):
            return Reply(f"{self._t('forgotten', lang)} {self._t('forgotten_surveys', lang)}")
        return Reply(self._t("forgotten", lang))

    async def prune_questions(self) -> int:
        """Delete logged questions older than the retention period; return how many."""
        cutoff = self._clock() - self._retention
        async with self._sessions.begin() as session:
            count = await questions.prune_questions(session, cutoff)
        log.info("pruned %d questions asked before %s", count, cutoff.date())
        if self.feedback is not None:
            closed, pruned = await self.feedback.close_old()
            log.info("answers: %d closed to votes, %d pruned", closed, pruned)
        return count

    # --- notices ------------------------------------------------------------------------------

    async def admit(self, caller: Caller) -> Verdict:
        """Count one message against the flood limit and say whether to answer it."""
        return await self._flood.admit(caller.chat_id)

    async def flood_notice(self, caller: Caller) -> Reply:
        """The one polite notice when a resident writes faster than the limit."""
        return self._dialogue.flood_notice(await self.language(caller))

    async def unknown_command(self, caller: Caller) -> Reply:
        """A command the bot does not have."""
        return self._dialogue.unknown_command(await self.language(caller))

    async def non_text(self, caller: Caller) -> Reply:
        """A sticker, photo, voice message and the like."""
        return self._dialogue.non_text(await self.language(caller))

    async def apology(self, caller: Caller) -> Reply:
        """Something failed: a short apology (in Telegram's language if the database failed)."""
        try:
            lang = await self.language(caller)
        except (SQLAlchemyError, OSError):
            lang = caller.hinted_language
        return self._dialogue.apology(lang)


def _areas(areas: list[str]) -> list[Area]:
    return [a for a in AREAS if a in areas]
