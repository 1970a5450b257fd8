"""What the bot achieves, for staff: answered and helpful shares, tickets, the weakest topics.

Aggregates only, never a resident: every figure is a count from SQL (bot/storage/feedback.py),
and the questions shown beside a much-👎 topic are texts without any chat id (as /unanswered).
Shared by /stats, the weekly digest and `omradesbot report` (HTML and CSV).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content, Texts
from bot.core.tickets import group_similar
from bot.domain import Lang, share
from bot.storage import feedback as store

WEEK = dt.timedelta(days=7)
MOST_DOWN = 3  # topics with the most 👎 shown
QUESTIONS_PER_TOPIC = 3  # questions shown behind each of them
STATS_TOPICS = 8  # topics listed in /stats (the report lists all)
QUESTION_CHARS = 120


@dataclass(frozen=True)
class Week:
    """One span's overall figures (usually seven days)."""

    first_day: dt.date
    last_day: dt.date
    questions: int
    answered: int
    conversations: store.Conversations
    up: int
    down: int

    @property
    def answered_share(self) -> float | None:
        """Questions answered (versus "I don't know"); None without questions."""
        return share(self.answered, self.questions)

    @property
    def helpful_share(self) -> float | None:
        """👍 / (👍 + 👎); None without votes."""
        return share(self.up, self.up + self.down)


@dataclass(frozen=True)
class WeakTopic:
    """A topic with many 👎 and the questions residents asked about it."""

    topic: str
    down: int
    questions: tuple[tuple[str, int], ...]  # (question, how many like it)


@dataclass(frozen=True)
class Overview:
    """Everything staff see: this span and the one before, per topic, the weakest topics."""

    current: Week
    before: Week
    topics: tuple[store.TopicFigures, ...]
    weakest: tuple[WeakTopic, ...]


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The aware start of a local day."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


async def read_week(
    session: AsyncSession, first_day: dt.date, last_day: dt.date, zone: ZoneInfo
) -> Week:
    """The overall figures of the local days `first_day` to `last_day` (inclusive)."""
    start = local_midnight(first_day, zone)
    end = local_midnight(last_day + dt.timedelta(days=1), zone)
    total, answered = await store.questions_between(session, start, end)
    conversations = await store.conversations(session, start, end)
    up, down = await store.votes_between(session, first_day, last_day)
    return Week(first_day, last_day, total, answered, conversations, up, down)


async def read_overview(
    session: AsyncSession, last_day: dt.date, zone: ZoneInfo, *, days: int = 7
) -> Overview:
    """The `days` ending with `last_day`, the same span before, per topic, the weakest."""
    span = dt.timedelta(days=days)
    first_day = last_day - span + dt.timedelta(days=1)
    current = await read_week(session, first_day, last_day, zone)
    before = await read_week(session, first_day - span, first_day - dt.timedelta(days=1), zone)
    topics = await store.topic_figures(session, first_day, last_day)
    weakest = []
    for figures in sorted((t for t in topics if t.down), key=lambda t: (-t.down, t.topic))[
        :MOST_DOWN
    ]:
        texts = await store.questions_about(session, figures.topic, local_midnight(first_day, zone))
        similar = group_similar(texts)[:QUESTIONS_PER_TOPIC]
        weakest.append(WeakTopic(figures.topic, figures.down, tuple(similar)))
    return Overview(current, before, tuple(topics), tuple(weakest))


def percent(share: float | None) -> str:
    """`50 %`, or a dash when there is nothing to divide."""
    return "–" if share is None else f"{round(share * 100)} %"


def _hours(seconds: float | None, texts: Texts, lang: Lang) -> str:
    if seconds is None:
        return "–"
    return texts.get("insight_hours", lang, hours=f"{seconds / 3600:.1f}")


def overview_lines(
    overview: Overview,
    texts: Texts,
    lang: Lang,
    titles: Mapping[str, str],
    *,
    topics: int | None = STATS_TOPICS,
) -> list[str]:
    """The overview in words: overall (with the span before), per topic (the first `topics`,
    all for None, none for 0), the weakest topics."""
    t = texts.get
    now, before = overview.current, overview.before
    days = (now.last_day - now.first_day).days + 1
    lines = [
        t("insight_title", lang, days=days),
        t(
            "insight_helpful",
            lang,
            now=percent(now.helpful_share),
            before=percent(before.helpful_share),
            up=now.up,
            down=now.down,
        ),
        t(
            "insight_answered",
            lang,
            now=percent(now.answered_share),
            before=percent(before.answered_share),
        ),
        t(
            "insight_resolved",
            lang,
            now=percent(now.conversations.resolved_share),
            before=percent(before.conversations.resolved_share),
        ),
        t(
            "insight_tickets",
            lang,
            now=now.conversations.tickets,
            before=before.conversations.tickets,
            median=_hours(now.conversations.median_answer_seconds, texts, lang),
        ),
    ]
    shown = overview.topics if topics is None else overview.topics[:topics]
    if shown:
        lines.append(t("insight_topics", lang))
        lines += [
            t(
                "insight_topic",
                lang,
                topic=titles.get(f.topic, f.topic),
                given=f.given,
                direct=f.direct,
                suggested=f.suggested,
                up=f.up,
                down=f.down,
                helpful=percent(f.helpful_share),
            )
            for f in shown
        ]
    elif not overview.topics:
        lines.append(t("insight_none", lang))
    if overview.weakest:
        lines.append(t("insight_most_down", lang))
        for weak in overview.weakest:
            lines.append(
                t(
                    "insight_most_down_topic",
                    lang,
                    topic=titles.get(weak.topic, weak.topic),
                    down=weak.down,
                )
            )
            lines += [
                t("insight_question", lang, count=n, text=_shorten(q)) for q, n in weak.questions
            ]
    elif now.up + now.down == 0:
        lines.append(t("insight_no_votes", lang))
    return lines


def _shorten(text: str, limit: int = QUESTION_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def topic_titles(content: Content, lang: Lang) -> dict[str, str]:
    """FAQ topic ids to their titles in `lang`."""
    return {entry.id: entry.title[lang] for entry in content.faq}


class Insight:
    """Reads the overview for a moment in the bot's time zone; one short session per call."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Callable[[], Content],
        clock: Callable[[], dt.datetime],
        zone: ZoneInfo,
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self.zone = zone

    async def overview(self, now: dt.datetime | None = None, *, days: int = 7) -> Overview:
        """The `days` up to and including the local day of `now` (default: the clock's)."""
        moment = now if now is not None else self._clock()
        async with self._sessions() as session:
            return await read_overview(
                session, moment.astimezone(self.zone).date(), self.zone, days=days
            )

    async def stats_text(self, lang: Lang) -> str:
        """The /stats block about what the bot achieves."""
        content = self._content()
        lines = overview_lines(
            await self.overview(), content.texts, lang, topic_titles(content, lang)
        )
        return "\n".join(lines)

    def digest_text(self, overview: Overview, lang: Lang, *, zone: ZoneInfo | None = None) -> str:
        """The weekly digest in `lang`: the overview of the week just ended."""
        content = self._content()
        title = content.texts.get(
            "digest_title",
            lang,
            first=overview.current.first_day.isoformat(),
            last=overview.current.last_day.isoformat(),
        )
        body = overview_lines(overview, content.texts, lang, topic_titles(content, lang))[1:]
        return "\n".join([title, *body])
