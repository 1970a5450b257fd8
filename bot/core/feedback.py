"""Did the answer help? 👍/👎 under every FAQ answer, the vote, and a way on after a 👎.

The buttons carry `fb:<token>:<u|d>`: a random token naming one stored answer (never a chat
id, at most 20 bytes). A press counts only when the token exists, belongs to the chat pressing
it and is younger than VOTE_WINDOW; anything else (forged, replayed from another chat, erased
by /forget, from before the upgrade, too old) gets a short polite notice and changes nothing.
No Telegram types here: the transport shows `VoteOutcome.notice` as the button's answer.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain import ASK_STAFF, FAQ_PREFIX, MENU_TOPICS, Button, Lang, Reply
from bot.storage import feedback as store
from bot.storage.models import QUESTION_TEXT_LIMIT, Answer
from bot.storage.tickets import save_draft

if TYPE_CHECKING:
    from bot.domain import Caller
    from bot.holder import ContentHolder

VOTE_PREFIX = "fb:"
UP, DOWN = "u", "d"
VOTE_LABELS = {UP: "👍", DOWN: "👎"}
# How long an answer may be voted on; afterwards only its counts remain (no chat id, no token).
VOTE_WINDOW = dt.timedelta(days=7)
NEAREST_TOPICS = 3
_TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")  # token_urlsafe's


def vote_data(token: str, vote: str) -> str:
    """The callback data of one vote button."""
    return f"{VOTE_PREFIX}{token}:{vote}"


def parse_vote(data: str) -> tuple[str, int] | None:
    """(token, 1 or -1) from vote button data; None for anything malformed."""
    token, sep, vote = data.removeprefix(VOTE_PREFIX).rpartition(":")
    if not data.startswith(VOTE_PREFIX) or not sep or vote not in VOTE_LABELS:
        return None
    if not 8 <= len(token) <= 16 or not all(c in _TOKEN_CHARACTERS for c in token):
        return None
    return token, 1 if vote == UP else -1


@dataclass(frozen=True)
class VoteOutcome:
    """What a vote press gets: a short notice on the button, and maybe a message (after 👎)."""

    notice: str
    reply: Reply | None = None
    counted: bool = False


class Feedback:
    """Adds the vote buttons to FAQ answers and records the residents' votes."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: ContentHolder,
        clock: Callable[[], dt.datetime],
        *,
        zone: ZoneInfo,
        retention: dt.timedelta,
        ask_staff: bool,
        language: Callable[[Caller], Awaitable[Lang]],
    ) -> None:
        """`language`: the resident's language (Residents.language), awaited per press.
        `retention`: how long answers are kept at all (the question retention)."""
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._zone = zone
        self._retention = retention
        self._ask_staff = ask_staff
        self._language = language

    def _t(self, key: str, lang: Lang, **values: object) -> str:
        return self._content.current.content.texts.get(key, lang, **values)

    def today(self) -> dt.date:
        """The local day now, in the bot's time zone."""
        return self._clock().astimezone(self._zone).date()

    # --- answers ----------------------------------------------------------------------------

    def with_vote(
        self, reply: Reply, chat_id: int, lang: Lang, via: str
    ) -> tuple[Reply, store.GivenAnswer]:
        """The FAQ answer `reply` with 👍/👎 above its other buttons, and the row to store."""
        if reply.topic is None:
            raise ValueError("only an FAQ answer gets vote buttons")
        token = secrets.token_urlsafe(9)  # 12 characters, 72 random bits
        row = tuple(Button(label, vote_data(token, vote)) for vote, label in VOTE_LABELS.items())
        given = store.GivenAnswer(token, chat_id, reply.topic, lang, via, self.today())
        return replace(reply, buttons=(row, *reply.buttons)), given

    async def record(self, answers: Sequence[store.GivenAnswer]) -> None:
        """Store answers given outside the question log (topic buttons)."""
        async with self._sessions.begin() as session:
            await store.record_answers(session, answers, now=self._clock())

    # --- votes ------------------------------------------------------------------------------

    async def vote(self, caller: Caller, data: str) -> VoteOutcome:
        """A press of 👍 or 👎: count it once per answer, or refuse it without effect."""
        lang = await self._language(caller)
        parsed = parse_vote(data)
        if parsed is None or not caller.private:
            return VoteOutcome(self._t("feedback_old", lang))
        token, vote = parsed
        oldest = self.today() - dt.timedelta(days=VOTE_WINDOW.days)
        async with self._sessions.begin() as session:
            result, answer = await store.cast_vote(
                session, token, caller.chat_id, vote, oldest_day=oldest
            )
            way_on = None
            if vote < 0 and result is not store.VoteResult.SAME and answer is not None:
                way_on = await self._way_on(session, caller, answer, lang)
        if result is store.VoteResult.REFUSED:
            return VoteOutcome(self._t("feedback_old", lang))
        if result is store.VoteResult.SAME:
            return VoteOutcome(self._t("feedback_already", lang))
        if vote > 0:
            key = "feedback_thanks" if result is store.VoteResult.NEW else "feedback_noted"
            return VoteOutcome(self._t(key, lang, vote=VOTE_LABELS[UP]), counted=True)
        return VoteOutcome(self._t("feedback_noted", lang, vote=VOTE_LABELS[DOWN]), way_on, True)

    async def _way_on(
        self, session: AsyncSession, caller: Caller, answer: Answer, lang: Lang
    ) -> Reply:
        """After 👎: ask the staff (the question already filled in) and the nearest topics."""
        bundle = self._content.current
        entry = bundle.content.entry(answer.topic)
        since = dt.datetime.combine(answer.day, dt.time(0), tzinfo=self._zone)
        question = None
        if answer.via != "menu":  # a topic from the menu had no question: its title stands in
            # Answered from the resident's words, the question led to the topic; after "did you
            # mean", it was the unanswered one before the choice.
            led_to = answer.topic if answer.via == "text" else None
            question = await store.question_behind(session, caller.chat_id, led_to, since)
        if question is None and entry is not None:
            question = entry.title[lang]
        rows: list[tuple[Button, ...]] = []
        if self._ask_staff and question:
            await save_draft(
                session, caller.chat_id, question[:QUESTION_TEXT_LIMIT], self._clock(), None
            )
            rows.append((Button(self._t("button_ask_staff", lang), ASK_STAFF),))
        for topic in self._nearest(question or "", answer.topic, lang):
            near = bundle.content.entry(topic)
            if near is not None:
                rows.append((Button(near.title[lang], FAQ_PREFIX + near.id),))
        rows.append((Button(self._t("button_topics", lang), MENU_TOPICS),))
        key = "feedback_sorry" if self._ask_staff else "feedback_sorry_no_staff"
        return Reply(self._t(key, lang), tuple(rows))

    def _nearest(self, question: str, topic: str, lang: Lang) -> list[str]:
        """The other topics the matcher finds most likely for the question, best first."""
        if not question:
            return []
        matcher = self._content.current.matcher
        match, decision, *_ = matcher.read(question, lang)
        found = [t for t in (*match.also, *match.suggestions, *match.related) if t != topic]
        if decision.probabilities is not None:
            likely = decision.probabilities[: len(matcher.ids)]
            for index in sorted(range(len(matcher.ids)), key=lambda i: -float(likely[i])):
                found.append(matcher.ids[index])
        unique = [t for i, t in enumerate(found) if t != topic and t not in found[:i]]
        return unique[:NEAREST_TOPICS]

    # --- privacy ----------------------------------------------------------------------------

    def mydata_lines(self, answers: Sequence[Answer], lang: Lang) -> list[str]:
        """/mydata: the answers still tied to the resident and their votes."""
        if not answers:
            return []
        titles = {e.id: e.title[lang] for e in self._content.current.content.faq}
        lines = ["", self._t("mydata_votes", lang, count=len(answers), days=VOTE_WINDOW.days)]
        for answer in answers:
            vote = (
                VOTE_LABELS[UP if answer.vote > 0 else DOWN]
                if answer.vote is not None
                else self._t("mydata_vote_none", lang)
            )
            topic = titles.get(answer.topic, answer.topic)
            lines.append(
                self._t("mydata_vote", lang, date=answer.day.isoformat(), topic=topic, vote=vote)
            )
        return lines

    async def close_old(self) -> tuple[int, int]:
        """Daily: untie answers past the vote window, delete those past the retention."""
        today = self.today()
        async with self._sessions.begin() as session:
            closed = await store.close_votes(session, today - dt.timedelta(days=VOTE_WINDOW.days))
            pruned = await store.prune_answers(
                session, today - dt.timedelta(days=self._retention.days)
            )
        return closed, pruned
