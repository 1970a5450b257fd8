"""Staff actions: broadcasts with preview, scheduling, retract/correct, stats, reload, milestones.

No Telegram here: every method takes plain values and returns a Reply; the staff check happens
again in every method that acts, so a forged or stale button press by anyone else does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DEFAULT_TIMEZONE
from bot.content import Content, Milestone, Texts
from bot.content.timeline import live_timeline
from bot.core.insight import Insight
from bot.core.invitations import STATS_WEEKS, starts_lines
from bot.core.surveys.stability import database_problems
from bot.domain import AREAS, Button, Lang, Reply
from bot.errors import ContentError
from bot.parsing import whole_number
from bot.storage import outbox as store
from bot.storage.lost import lost_since
from bot.storage.milestones import add_milestone, move_milestone, remove_milestone
from bot.storage.models import Broadcast
from bot.storage.questions import question_stats
from bot.storage.residents import subscriber_chat_ids, subscriber_count, subscriber_counts
from bot.storage.starts import starts_since

log = logging.getLogger(__name__)

SEND_PREFIX = "staff:send:"
DROP_PREFIX = "staff:drop:"
LANGUAGE_SPLIT = "||"
_ASCII = str.maketrans("åäöé", "aaoe")
_WHEN_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s+(\d{1,2}:\d{2}))?\s*(.*)$", re.S)


class DeliveryControl(Protocol):
    """The parts of the delivery runtime staff actions poke: wake the sender, rebuild jobs."""

    def wake(self) -> None:
        """Send what was just enqueued."""
        ...

    async def rebuild(self) -> None:
        """Reschedule reminders and scheduled broadcasts after a change."""
        ...


class StaffService:
    """Staff actions; `actor` is the Telegram user id, checked against `staff_ids` every time."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Callable[[], Content],
        *,
        reload: Callable[[], object],
        clock: Callable[[], dt.datetime],
        staff_ids: frozenset[int],
        delivery: DeliveryControl | None = None,
        zone: ZoneInfo = DEFAULT_TIMEZONE,
        insight: Insight | None = None,
    ) -> None:
        """`zone`: the settings' time zone, in which staff type and read dates."""
        self._sessions = sessions
        self._zone = zone
        self._content = content
        self._reload = reload
        self._clock = clock
        self._staff = staff_ids
        self._delivery = delivery
        self._insight = insight

    @property
    def _texts(self) -> Texts:
        return self._content().texts

    def _t(self, key: str, lang: Lang, **values: object) -> str:
        return self._texts.get(key, lang, **values)

    def is_staff(self, actor: int | None) -> bool:
        """True for the configured staff user ids, at the moment of asking."""
        return actor is not None and actor in self._staff

    def refuse(self, lang: Lang) -> Reply:
        """What anyone else gets."""
        return Reply(self._t("staff_only", lang))

    def _area_name(self, area: str, lang: Lang) -> str:
        return self._t(f"area_{area}", lang)

    def _push_texts(self, text: str) -> tuple[str, str]:
        sv, sep, en = text.partition(LANGUAGE_SPLIT)
        sv, en = sv.strip(), (en.strip() if sep else sv.strip())
        return (
            self._t("push_broadcast", "sv", text=sv),
            self._t("push_broadcast", "en", text=en),
        )

    # --- broadcasts ------------------------------------------------------------------------

    async def preview(
        self,
        actor: int,
        chat_id: int,
        args: str,
        lang: Lang,
        *,
        scheduled: bool = False,
    ) -> Reply:
        """/broadcast <area> <text> or /schedule <date> <time> <area> <text>: a draft + preview."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        usage = Reply(
            self._t("staff_usage_schedule" if scheduled else "staff_usage_broadcast", lang)
        )
        when: dt.datetime | None = None
        rest = args.strip()
        if scheduled:
            parts = rest.split(None, 2)
            if len(parts) < 3:
                return usage
            when = _parse_local(parts[0], parts[1], self._zone)
            if when is None or when <= self._clock():
                return usage
            rest = parts[2]
        area, _, text = rest.partition(" ")
        if area not in AREAS or not text.strip():
            return usage
        text_sv, text_en = self._push_texts(text)
        now = self._clock()
        async with self._sessions() as session, session.begin():
            broadcast = Broadcast(
                kind="broadcast",
                area=area,
                text_sv=text_sv,
                text_en=text_en,
                created_by=actor,
                created_at=now,
                scheduled_for=when,
                status="draft",
                staff_chat_id=chat_id,
            )
            await store.add_broadcast(session, broadcast)
            count = await subscriber_count(session, area)
        shown = text_en if lang == "en" else text_sv
        if when is None:
            body = self._t(
                "staff_preview",
                lang,
                id=broadcast.id,
                area=self._area_name(area, lang),
                count=count,
                text=shown,
            )
        else:
            body = self._t(
                "staff_preview_scheduled",
                lang,
                id=broadcast.id,
                area=self._area_name(area, lang),
                when=_show(when, self._zone),
                count=count,
                text=shown,
            )
        buttons = (
            (
                Button(self._t("button_send", lang), f"{SEND_PREFIX}{broadcast.id}"),
                Button(self._t("button_cancel", lang), f"{DROP_PREFIX}{broadcast.id}"),
            ),
        )
        return Reply(body, buttons)

    async def press(self, actor: int | None, data: str, lang: Lang) -> Reply:
        """A press of Send or Cancel under a preview; re-checks staff at this very moment."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        confirm = data.startswith(SEND_PREFIX)
        broadcast_id = whole_number(data.removeprefix(SEND_PREFIX if confirm else DROP_PREFIX))
        if broadcast_id is None:
            return Reply(self._t("expired_button", lang))
        async with self._sessions() as session, session.begin():
            broadcast = await store.get_broadcast(session, broadcast_id)
            if broadcast is None or broadcast.status != "draft":
                status = broadcast.status if broadcast is not None else "?"
                return Reply(self._t("staff_not_draft", lang, id=broadcast_id, status=status))
            if not confirm:
                broadcast.status = "cancelled"
                return Reply(self._t("staff_dropped", lang, id=broadcast_id))
            if broadcast.scheduled_for is not None:
                broadcast.status = "scheduled"
                when = broadcast.scheduled_for
                count = None
            else:
                count = await store.enqueue_for_area(session, broadcast, now=self._clock()) or 0
        if count is None:
            if self._delivery is not None:
                await self._delivery.rebuild()
            return Reply(
                self._t("staff_scheduled", lang, id=broadcast_id, when=_show(when, self._zone))
            )
        if self._delivery is not None:
            self._delivery.wake()
        return Reply(self._t("staff_sending", lang, id=broadcast_id, count=count))

    async def scheduled(self, actor: int, lang: Lang) -> Reply:
        """/scheduled: pending broadcasts with their ids."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        async with self._sessions() as session:
            rows = await store.scheduled_broadcasts(session)
        if not rows:
            return Reply(self._t("staff_scheduled_empty", lang))
        lines = [self._t("staff_scheduled_intro", lang)]
        for b in rows:
            assert b.scheduled_for is not None
            text = b.text_for(lang).split("\n\n", 1)[-1]
            lines.append(
                self._t(
                    "staff_scheduled_line",
                    lang,
                    id=b.id,
                    when=_show(b.scheduled_for, self._zone),
                    area=self._area_name(b.area, lang),
                    text=text[:80],
                )
            )
        return Reply("\n".join(lines))

    async def cancel(self, actor: int, args: str, lang: Lang) -> Reply:
        """/cancel <id>."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        broadcast_id = whole_number(args)
        if broadcast_id is None:
            return Reply(self._t("staff_usage_cancel", lang))
        async with self._sessions() as session, session.begin():
            done = await store.cancel_broadcast(session, broadcast_id)
        if not done:
            return Reply(self._t("staff_cancel_unknown", lang, id=broadcast_id))
        if self._delivery is not None:
            await self._delivery.rebuild()
        return Reply(self._t("staff_cancelled", lang, id=broadcast_id))

    async def retract(self, actor: int, chat_id: int, args: str, lang: Lang) -> Reply:
        """/retract <id>: delete the broadcast for every recipient, through the outbox."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        broadcast_id = whole_number(args)
        if broadcast_id is None:
            return Reply(self._t("staff_usage_retract", lang))
        return await self._followup(actor, chat_id, broadcast_id, "retraction", "", lang=lang)

    async def correct(self, actor: int, chat_id: int, args: str, lang: Lang) -> Reply:
        """/correct <id> <new text>: edit the broadcast for every recipient, through the outbox."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        raw, _, text = args.strip().partition(" ")
        broadcast_id = whole_number(raw)
        if broadcast_id is None or not text.strip():
            return Reply(self._t("staff_usage_correct", lang))
        return await self._followup(actor, chat_id, broadcast_id, "correction", text, lang=lang)

    async def _followup(
        self, actor: int, chat_id: int, broadcast_id: int, kind: str, text: str, *, lang: Lang
    ) -> Reply:
        async with self._sessions() as session, session.begin():
            parent = await store.get_broadcast(session, broadcast_id)
            if (
                parent is None
                or parent.kind != "broadcast"
                or parent.status
                not in (
                    "queued",
                    "sending",
                    "done",
                )
            ):
                return Reply(self._t("staff_unknown_broadcast", lang, id=broadcast_id))
            text_sv, text_en = self._push_texts(text) if text else ("", "")
            followup = await store.enqueue_followup(
                session,
                broadcast_id,
                kind,
                text_sv=text_sv,
                text_en=text_en,
                created_by=actor,
                staff_chat_id=chat_id,
                now=self._clock(),
            )
            count = await store.delivery_total(session, followup.id)
        if self._delivery is not None:
            self._delivery.wake()
        key = "staff_retracting" if kind == "retraction" else "staff_correcting"
        return Reply(self._t(key, lang, id=broadcast_id, count=count))

    # --- stats and content -----------------------------------------------------------------

    async def stats(self, actor: int, lang: Lang) -> Reply:
        """/stats: subscribers per area and language, questions this week, top topics."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        now = self._clock()
        async with self._sessions() as session:
            counts = await subscriber_counts(session)
            questions = await question_stats(session, since=now - dt.timedelta(days=7))
            lost = await lost_since(session, (now - dt.timedelta(days=7)).astimezone(dt.UTC).date())
            starts = await starts_since(session, now.date() - dt.timedelta(weeks=STATS_WEEKS - 1))
        subscribers = ", ".join(
            f"{self._area_name(area, lang)} {language}: {n}"
            for (area, language), n in sorted(counts.items())
        )
        share = round(100 * questions.answered / questions.total) if questions.total else 0
        topics = ", ".join(f"{topic} ({n})" for topic, n in questions.top_topics) or "-"
        reasons = ", ".join(
            f"{self._t(f'lost_reason_{reason}', lang)} {n}" for reason, n in sorted(lost.items())
        )
        text = self._t(
            "staff_stats",
            lang,
            subscribers=subscribers or "0",
            questions=questions.total,
            answered_share=share,
            topics=topics,
            unanswered=questions.unanswered,
        )
        # Replies, ticket relays and notices the send budget gave up on (scheduler/budget.py).
        undelivered = self._t(
            "staff_stats_lost",
            lang,
            count=sum(lost.values()),
            reasons=f" ({reasons})" if reasons else "",
        )
        if self._insight is not None:  # answers, votes and tickets (bot/core/insight.py)
            undelivered += "\n\n" + await self._insight.stats_text(lang)
        # Starts through deep links and posters (issue 17): counts only, per week and link.
        return Reply(f"{text}\n{undelivered}\n\n{starts_lines(starts, self._texts, lang)}")

    async def reload(self, actor: int, lang: Lang) -> Reply:
        """/reload: re-read content; invalid content is rejected and the old stays live."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        # A survey with answers must keep its questions (bot/core/surveys/stability.py).
        problems = await database_problems(self._content().directory, self._sessions)
        if not problems:
            try:
                self._reload()
            except ContentError as exc:
                problems = exc.problems
        if problems:
            errors = "\n".join(problems[:20])
            return Reply(self._t("staff_reload_failed", lang, errors=errors))
        content = self._content()
        if self._delivery is not None:
            await self._delivery.rebuild()
        return Reply(
            self._t(
                "staff_reloaded",
                lang,
                topics=len(content.faq),
                milestones=len(content.milestones),
            )
        )

    # --- milestones ------------------------------------------------------------------------

    async def milestone(
        self, actor: int, args: str, lang: Lang, timeline: list[Milestone] | None = None
    ) -> Reply:
        """/milestone add|move|remove; `timeline`: the live timeline, read now when not given."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        if timeline is None:
            async with self._sessions() as session:
                timeline = await live_timeline(session, self._content())
        usage = Reply(self._t("staff_usage_milestone", lang))
        action, _, rest = args.strip().partition(" ")
        now = self._clock()
        known = {m.id: m for m in timeline}
        if action == "add":
            match = _WHEN_RE.match(rest.strip())
            if not match:
                return usage
            when = _parse_local(match.group(1), match.group(2) or "09:00", self._zone)
            area, _, title = match.group(3).partition(" ")
            if when is None or area not in AREAS or not title.strip():
                return usage
            if when <= now:
                return Reply(self._t("staff_milestone_past", lang, when=_show(when, self._zone)))
            milestone_id = _slug(title, when, self._zone)
            async with self._sessions() as session, session.begin():
                row = await add_milestone(
                    session,
                    milestone_id,
                    area=area,
                    when_at=when,
                    title_sv=title.strip(),
                    title_en=title.strip(),
                    created_by=actor,
                    now=now,
                )
            if row is None or milestone_id in known:
                return Reply(self._t("staff_milestone_exists", lang, id=milestone_id))
            await self._rebuild()
            return Reply(
                self._t(
                    "staff_milestone_added",
                    lang,
                    id=milestone_id,
                    when=_show(when, self._zone),
                    area=self._area_name(area, lang),
                    title=title.strip(),
                )
            )
        if action == "move":
            milestone_id, _, date_text = rest.strip().partition(" ")
            parts = date_text.split()
            if not milestone_id or not 1 <= len(parts) <= 2:
                return usage
            when = _parse_local(parts[0], parts[1] if len(parts) == 2 else "09:00", self._zone)
            if when is None:
                return usage
            old = known.get(milestone_id)
            if old is None:
                return Reply(self._t("staff_milestone_unknown", lang, id=milestone_id))
            if when <= now:
                return Reply(self._t("staff_milestone_past", lang, when=_show(when, self._zone)))
            texts = self._texts
            async with self._sessions() as session, session.begin():
                await move_milestone(session, milestone_id, when, moved_by=actor, now=now)
                recipients = await subscriber_chat_ids(session, old.area)
                notice = Broadcast(
                    kind="notice",
                    area=old.area,
                    text_sv=_date_changed(texts, old, when, "sv", self._zone),
                    text_en=_date_changed(texts, old, when, "en", self._zone),
                    milestone_id=milestone_id,
                    created_by=actor,
                    created_at=now,
                    status="draft",
                )
                await store.enqueue_broadcast(session, notice, recipients, now=now)
            await self._rebuild()
            if self._delivery is not None:
                self._delivery.wake()
            return Reply(
                self._t(
                    "staff_milestone_moved",
                    lang,
                    id=milestone_id,
                    when=_show(when, self._zone),
                    count=len(recipients),
                )
            )
        if action == "remove":
            milestone_id = rest.strip()
            if not milestone_id:
                return usage
            if milestone_id not in known:
                return Reply(self._t("staff_milestone_unknown", lang, id=milestone_id))
            async with self._sessions() as session, session.begin():
                await remove_milestone(session, milestone_id, removed_by=actor, now=now)
            await self._rebuild()
            return Reply(self._t("staff_milestone_removed", lang, id=milestone_id))
        return usage

    async def _rebuild(self) -> None:
        if self._delivery is not None:
            await self._delivery.rebuild()


def _parse_local(date: str, time: str, zone: ZoneInfo) -> dt.datetime | None:
    """'2021-05-03', '18:30' as a wall time in `zone`; a time in the spring-forward gap moves on."""
    try:
        naive = dt.datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return naive.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)


def _show(when: dt.datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _slug(title: str, when: dt.datetime, zone: ZoneInfo) -> str:
    ascii_title = title.lower().translate(_ASCII)
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:24].strip("-") or "milestone"
    return f"{when.astimezone(zone):%Y%m%d}-{words}"


def _date_changed(
    texts: Texts, old: Milestone, when: dt.datetime, lang: Lang, zone: ZoneInfo
) -> str:
    before = old.label[lang] if old.label is not None else _show(old.when, zone)
    return texts.get(
        "push_date_changed", lang, title=old.title[lang], when=_show(when, zone), before=before
    )
