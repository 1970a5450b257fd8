"""Bringing residents in: /start through a deep link, "Tell a neighbour", staff posters.

A start through a link (`/start balltorp-en-trapphus`) welcomes in the link's language, which
becomes the resident's chosen one, and offers the link's area as a one-tap subscription:
consent is the press, never the scan. The start is counted per week and link, as a number with
no chat id. No Telegram types here; the transport renders the replies and draws the posters.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Texts
from bot.core.deeplinks import (
    BotLinks,
    DeepLink,
    DeepLinkError,
    normalise_campaign,
    parse_payload,
)
from bot.core.residents import Residents, parse_area
from bot.domain import DEFAULT_LANG, LANGUAGES, SUB_PREFIX, Area, Button, Caller, Lang, Reply
from bot.storage import residents as residents_store
from bot.storage.starts import WeeklyStarts, count_start, starts_since

if TYPE_CHECKING:
    from bot.holder import ContentHolder

log = logging.getLogger(__name__)

STATS_WEEKS = 4  # /stats shows this week and the three before


@dataclass(frozen=True)
class PosterOrder:
    """A poster a staff member asked for: the link on it and the language it is written in."""

    link: DeepLink
    lang: Lang


def parse_poster_order(args: str) -> PosterOrder | None:
    """`<area> [sv|en] [campaign]` (the language defaults to Swedish); None if malformed."""
    words = args.split()
    if not 1 <= len(words) <= 3:
        return None
    area = parse_area(words[0])
    if area is None:
        return None
    rest = words[1:]
    lang = next((lang for lang in LANGUAGES if rest and rest[0].lower() == lang), None)
    if lang is not None:
        rest = rest[1:]
    if len(rest) > 1:
        return None
    try:
        campaign = normalise_campaign(rest[0] if rest else None)
        return PosterOrder(DeepLink(area, lang or DEFAULT_LANG, campaign), lang or DEFAULT_LANG)
    except DeepLinkError:
        return None


class Invitations:
    """Deep-link starts, the share button and poster orders; one transaction per start."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: ContentHolder,
        residents: Residents,
        clock: Callable[[], dt.datetime],
        links: BotLinks,
        *,
        staff_ids: frozenset[int] = frozenset(),
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._residents = residents
        self._clock = clock
        self._links = links
        self._staff_ids = staff_ids

    def _texts(self) -> Texts:
        return self._content.current.content.texts

    async def start(self, caller: Caller, payload: str | None) -> Reply:
        """/start [payload]: the welcome; through a deep link also its area's subscribe button.

        An unknown or malformed payload is the ordinary welcome. In a group nothing is stored
        or counted: a link there is someone pasting it, not a resident arriving.
        """
        link = parse_payload(payload) if caller.private else None
        dialogue = self._content.current.dialogue
        if link is None:
            lang = await self._residents.language(caller)
            welcome = dialogue.welcome(lang)
            return Reply(welcome.text, (*welcome.buttons, *self.share(lang, None)))
        now = self._clock()
        # One unit of work: the link's language becomes the resident's, and the start is counted.
        async with self._sessions.begin() as session:
            if link.lang is not None:
                await residents_store.set_language(session, caller.chat_id, link.lang, now=now)
            await count_start(session, now.date(), link.area, link.lang, link.campaign)
        if link.lang is not None:
            self._residents.chose_language(caller.chat_id, link.lang)
        lang = link.lang or await self._residents.language(caller)
        welcome = dialogue.welcome(lang)
        texts = self._texts()
        area = dialogue.area_name(link.area, lang)
        offer = texts.get("deeplink_offer", lang, area=area)
        subscribe = Button(texts.get("deeplink_button", lang, area=area), SUB_PREFIX + link.area)
        return Reply(
            f"{welcome.text}\n\n{offer}",
            ((subscribe,), *welcome.buttons, *self.share(lang, link.area)),
        )

    def share(self, lang: Lang, area: Area | None) -> tuple[tuple[Button, ...], ...]:
        """The "Tell a neighbour" row passing on a link to `area` (none: the bot itself)."""
        return self._links.share_rows(self._texts(), lang, area)

    # --- staff --------------------------------------------------------------------------------

    def poster_order(self, actor: int | None, args: str, lang: Lang) -> PosterOrder | Reply:
        """/poster <area> [sv|en] [campaign]: the order, or a refusal or usage message."""
        texts = self._texts()
        if actor is None or actor not in self._staff_ids:
            return Reply(texts.get("staff_only", lang))
        order = parse_poster_order(args)
        if order is None:
            return Reply(texts.get("staff_usage_poster", lang))
        log.info("staff %s ordered a poster for %s", actor, order.link.payload)
        return order

    def poster_caption(self, url: str, lang: Lang) -> str:
        """The caption under a poster sent to staff: the link, to test or forward."""
        return self._texts().get("staff_poster_caption", lang, link=url)

    async def weekly_starts(self, weeks: int = STATS_WEEKS) -> list[WeeklyStarts]:
        """Starts per link in the last `weeks` weeks, this one included, newest first."""
        since = self._clock().date() - dt.timedelta(weeks=weeks - 1)
        async with self._sessions() as session:
            return await starts_since(session, since)


def starts_lines(starts: list[WeeklyStarts], texts: Texts, lang: Lang) -> str:
    """Start counts for /stats: a line per week, each link with its count."""
    if not starts:
        return texts.get("staff_stats_starts_none", lang)
    lines: list[str] = []
    week: dt.date | None = None
    parts: list[str] = []
    for start in [*starts, None]:
        if start is None or start.week != week:
            if week is not None:
                label = texts.get(
                    "starts_week", lang, week=week.isocalendar().week, date=week.isoformat()
                )
                lines.append(f"{label}: {'; '.join(parts)}")
            if start is None:
                break
            week, parts = start.week, []
        parts.append(f"{link_label(start, texts, lang)}: {start.count}")
    return texts.get("staff_stats_starts", lang, starts="".join(f"\n{line}" for line in lines))


def link_label(start: WeeklyStarts, texts: Texts, lang: Lang) -> str:
    """'Balltorp sv trapphus', 'Kållered – –': one link, a dash where it named nothing."""
    area = texts.get(f"area_{start.area}", lang)
    return f"{area} {start.language or '–'} {start.campaign or '–'}"
