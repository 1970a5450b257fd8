"""Ask the staff: a resident's unanswered question becomes a ticket, the staff's answer comes back.

Flow: the dialogue offers "Ask the staff" under an honest "I don't know"; the last unanswered
question is kept as a `Draft` in the database (never in button data, never in one process's
memory: the confirmation may land on another process, or after a restart; `Residents.ask`
writes it with the question), and the bot asks for
confirmation showing exactly what will be sent; the confirmed draft becomes a ticket posted to
the staff chat (or to each staff member privately). Staff answer by replying to that post or
with /reply; the resident gets the answer marked as coming from the staff. No Telegram types
here: messages go out through a `Messenger` (the outbox's Messenger fits).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Texts
from bot.content.suggestions import SuggestionError, append_suggestion
from bot.domain import DEFAULT_LANG, Button, Caller, Lang, Reply
from bot.matching.normalise import tokens
from bot.parsing import whole_number
from bot.ports import DeliveryError, Messenger
from bot.storage import questions as question_store
from bot.storage import residents as resident_store
from bot.storage import tickets as store
from bot.storage.models import QUESTION_TEXT_LIMIT, Ticket

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.holder import ContentHolder

log = logging.getLogger(__name__)


# --- callback data (the resident's buttons) -------------------------------------------------------
SEND_PREFIX = "ticket:send:"
CANCEL = "ticket:cancel"

# How long an unanswered question stays ready to be sent with the "Ask the staff" button.
DRAFT_TTL = dt.timedelta(minutes=30)
UNANSWERED_DAYS = 30
UNANSWERED_TOP = 10
_SIMILAR = 80  # rapidfuzz token_set_ratio at which two unanswered questions count as one
_LIST_TEXT = 200  # characters of a question shown in staff lists


class Speaker(Protocol):
    """Who knows the language to answer a resident in (bot.core.residents.Residents)."""

    async def language(self, caller: Caller) -> Lang:
        """The resident's chosen language, else Telegram's hint."""
        ...


@dataclass(frozen=True)
class Draft:
    """A question that may become a ticket; `token` ties a confirmation button to this text."""

    text: str
    noted_at: dt.datetime
    token: str | None = None


@dataclass(frozen=True)
class Offer:
    """What the transport shows, and the resident's draft after the action (None: none)."""

    reply: Reply
    draft: Draft | None


def parse_ticket_id(text: str) -> tuple[int | None, str]:
    """'12 the answer' -> (12, 'the answer'); '#12' works too; (None, text) without an id."""
    word, _, rest = text.strip().partition(" ")
    ticket_id = whole_number(word.removeprefix("#"), max_digits=9)
    if ticket_id is not None:
        return ticket_id, rest.strip()
    return None, text.strip()


class Tickets:
    """Resident and staff actions around tickets; one database transaction per action.

    `actor` is a Telegram user id, checked against the staff ids at the moment of every staff
    action, so a stale or forged update by anyone else does nothing.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: ContentHolder,
        residents: Speaker,
        settings: Settings,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._residents = residents
        self._settings = settings
        self._clock = clock

    # --- helpers ------------------------------------------------------------------------------

    def _t(self, key: str, lang: Lang, **values: object) -> str:
        return self._content.current.content.texts.get(key, lang, **values)

    @property
    def available(self) -> bool:
        """True when someone can answer: tickets need at least one staff member."""
        return bool(self._settings.staff_ids)

    def is_staff(self, actor: int | None) -> bool:
        """True for a configured staff user id, right now."""
        return actor is not None and actor in self._settings.staff_ids

    def refuse(self, lang: Lang) -> Reply:
        """What anyone but the staff gets for a staff action."""
        return Reply(self._t("staff_only", lang))

    def staff_targets(self) -> tuple[int, ...]:
        """Where new tickets go: the staff chat, else every staff member privately."""
        if self._settings.staff_chat_id is not None:
            return (self._settings.staff_chat_id,)
        return tuple(sorted(self._settings.staff_ids))

    def _fresh(self, draft: Draft | None) -> Draft | None:
        if draft is None or self._clock() - draft.noted_at > DRAFT_TTL:
            return None
        return draft

    def _area_name(self, area: str | None, lang: Lang) -> str:
        return self._t(f"area_{area}", lang) if area else self._t("ticket_area_none", lang)

    def _when(self, moment: dt.datetime) -> str:
        return moment.astimezone(self._settings.timezone).strftime("%Y-%m-%d %H:%M")

    # --- resident side --------------------------------------------------------------------------

    # --- the draft, kept in the database ---------------------------------------------------------

    async def draft(self, caller: Caller) -> Draft | None:
        """The resident's draft while it may still be sent, else None."""
        async with self._sessions() as session:
            row = await store.get_draft(session, caller.chat_id)
        draft = Draft(row.text, row.noted_at, row.token) if row is not None else None
        return self._fresh(draft)

    async def _keep(self, caller: Caller, before: Draft | None, after: Draft | None) -> None:
        """Store what an action left as the draft (nothing to do when it did not change)."""
        if after == before or not caller.private:
            return
        async with self._sessions.begin() as session:
            if after is None:
                await store.delete_draft(session, caller.chat_id)
            else:
                await store.save_draft(
                    session, caller.chat_id, after.text, after.noted_at, after.token
                )

    async def offer(self, caller: Caller, text: str | None = None) -> Offer:
        """The "Ask the staff" button (text None) or /ask <text>: show what would be sent."""
        before = await self.draft(caller)
        offer = await self._offer(caller, before, text)
        await self._keep(caller, before, offer.draft)
        return offer

    async def submit(self, caller: Caller, token: str, notifier: Messenger) -> Offer:
        """The send button: the draft it was shown for becomes a ticket and reaches the staff."""
        before = await self.draft(caller)
        offer = await self._submit(caller, before, token, notifier)
        await self._keep(caller, before, offer.draft)
        return offer

    async def cancel(self, caller: Caller) -> Offer:
        """The cancel button under a confirmation: nothing is sent, the draft is dropped."""
        lang = await self._residents.language(caller)
        await self._keep(caller, await self.draft(caller), None)
        return Offer(Reply(self._t("ticket_cancelled", lang)), None)

    async def _offer(self, caller: Caller, draft: Draft | None, text: str | None) -> Offer:
        lang = await self._residents.language(caller)
        if not caller.private:
            return Offer(Reply(self._t("private_only", lang)), draft)
        if not self.available:
            return Offer(Reply(self._t("ticket_unavailable", lang)), None)
        if text is not None and text.strip():
            draft = Draft(text.strip()[:QUESTION_TEXT_LIMIT], self._clock())
        draft = self._fresh(draft)
        if draft is None:
            return Offer(Reply(self._t("ticket_no_question", lang)), None)
        limited = await self._limit_reply(caller.chat_id, lang)
        if limited is not None:
            return Offer(limited, draft)
        draft = replace(draft, token=secrets.token_urlsafe(6))
        buttons = (
            (
                Button(self._t("button_ticket_send", lang), SEND_PREFIX + (draft.token or "")),
                Button(self._t("button_ticket_cancel", lang), CANCEL),
            ),
        )
        return Offer(Reply(self._t("ticket_confirm", lang, question=draft.text), buttons), draft)

    async def _limit_reply(self, chat_id: int, lang: Lang) -> Reply | None:
        async with self._sessions() as session:
            count = await store.open_ticket_count(session, chat_id)
        limit = self._settings.ticket_limit
        return Reply(self._t("ticket_limit", lang, limit=limit)) if count >= limit else None

    async def _submit(
        self, caller: Caller, draft: Draft | None, token: str, notifier: Messenger
    ) -> Offer:
        lang = await self._residents.language(caller)
        if not caller.private:
            return Offer(Reply(self._t("private_only", lang)), draft)
        if not self.available:
            return Offer(Reply(self._t("ticket_unavailable", lang)), None)
        draft = self._fresh(draft)
        if draft is None or draft.token is None or not secrets.compare_digest(draft.token, token):
            # An old confirmation (or a forged one) must never send some other text.
            return Offer(Reply(self._t("ticket_expired", lang)), draft)
        limited = await self._limit_reply(caller.chat_id, lang)
        if limited is not None:
            return Offer(limited, None)
        now = self._clock()
        async with self._sessions.begin() as session:
            await resident_store.get_or_create_resident(session, caller.chat_id, lang, now=now)
            areas = await resident_store.subscriptions_of(session, caller.chat_id)
            area = areas[0] if len(areas) == 1 else ("all" if areas else None)
            ticket = await store.create_ticket(
                session, caller.chat_id, draft.text, lang, area=area, now=now
            )
        await self._post_to_staff(ticket, notifier)
        text = (
            f"{self._t('ticket_sent', lang, id=ticket.id)} {self._t('ticket_response_time', lang)}"
        )
        return Offer(Reply(text), None)

    def staff_text(self, ticket: Ticket, lang: Lang = DEFAULT_LANG) -> str:
        """The staff's view of a ticket: id, area, language, question; never a name."""
        return self._t(
            "staff_ticket_new",
            lang,
            id=ticket.id,
            area=self._area_name(ticket.area, lang),
            language=self._t(f"language_name_{ticket.language}", lang),
            question=ticket.text,
        )

    async def _post_to_staff(self, ticket: Ticket, notifier: Messenger) -> None:
        text = self.staff_text(ticket)
        posted: list[tuple[int, int]] = []
        for chat_id in self.staff_targets():
            try:
                posted.append((chat_id, await notifier.send_text(chat_id, text)))
            except DeliveryError as exc:  # one unreachable staff chat must not stop the rest
                log.warning("ticket #%d could not reach staff chat %d: %s", ticket.id, chat_id, exc)
        if not posted:
            log.error("ticket #%d reached no staff chat; it is still listed by /tickets", ticket.id)
        async with self._sessions.begin() as session:
            for chat_id, message_id in posted:
                await store.record_ticket_message(session, ticket.id, chat_id, message_id)

    async def erase_staff_copies(self, chat_id: int, notifier: Messenger) -> int:
        """Before /forget: replace the resident's questions in the staff chats by a notice."""
        async with self._sessions() as session:
            copies = await store.staff_copies_of(session, chat_id)
        erased = 0
        for ticket_id, staff_chat_id, message_id in copies:
            text = self._t("staff_ticket_erased", DEFAULT_LANG, id=ticket_id)
            try:
                await notifier.edit_text(staff_chat_id, message_id, text)
                erased += 1
            except DeliveryError as exc:  # the rows are erased either way
                log.warning("could not erase the staff copy of ticket #%d: %s", ticket_id, exc)
        return erased

    # --- staff side -----------------------------------------------------------------------------

    async def ticket_for_message(self, staff_chat_id: int, message_id: int) -> int | None:
        """The id of the ticket a staff-chat message shows, or None for any other message."""
        async with self._sessions() as session:
            ticket = await store.ticket_for_message(session, staff_chat_id, message_id)
        return ticket.id if ticket is not None else None

    async def reply_command(
        self, actor: int | None, arguments: str, lang: Lang, notifier: Messenger
    ) -> Reply:
        """/reply <ticket> <text>."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        ticket_id, text = parse_ticket_id(arguments)
        if ticket_id is None or not text:
            return Reply(self._t("staff_usage_reply", lang))
        return await self.answer(actor, ticket_id, text, lang, notifier)

    async def answer(
        self, actor: int | None, ticket_id: int, text: str, lang: Lang, notifier: Messenger
    ) -> Reply:
        """Record the staff's answer (first one wins) and send it to the resident."""
        if actor is None or not self.is_staff(actor):
            return self.refuse(lang)
        async with self._sessions.begin() as session:
            ticket = await store.answer_ticket(
                session, ticket_id, text.strip(), answered_by=actor, now=self._clock()
            )
            current = None if ticket is not None else await store.get_ticket(session, ticket_id)
        if ticket is None:
            return self._not_open(ticket_id, current, lang)
        message = self._t(
            "ticket_answer",
            ticket.language,
            id=ticket.id,
            answer=ticket.answer or "",
            question=ticket.text,
        )
        try:
            await notifier.send_text(ticket.chat_id, message)
        except DeliveryError as exc:  # the answer is saved; staff must hear it failed
            log.warning("the answer to ticket #%d was not delivered: %s", ticket.id, exc)
            return Reply(self._t("staff_ticket_undelivered", lang, id=ticket.id))
        return Reply(self._t("staff_ticket_answered", lang, id=ticket.id))

    def _not_open(self, ticket_id: int, ticket: Ticket | None, lang: Lang) -> Reply:
        if ticket is None:
            return Reply(self._t("staff_ticket_unknown", lang, id=ticket_id))
        key = "staff_ticket_already_closed" if ticket.status == "closed" else None
        return Reply(self._t(key or "staff_ticket_already_answered", lang, id=ticket_id))

    async def close(self, actor: int | None, arguments: str, lang: Lang) -> Reply:
        """/close <ticket>: close without an answer; the resident is not told."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        ticket_id, _ = parse_ticket_id(arguments)
        if ticket_id is None:
            return Reply(self._t("staff_usage_close", lang))
        async with self._sessions.begin() as session:
            ticket = await store.close_ticket(session, ticket_id, now=self._clock())
            current = None if ticket is not None else await store.get_ticket(session, ticket_id)
        if ticket is None:
            return self._not_open(ticket_id, current, lang)
        return Reply(self._t("staff_ticket_closed", lang, id=ticket_id))

    async def list_open(self, actor: int | None, lang: Lang) -> Reply:
        """/tickets: every open ticket, oldest first."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        async with self._sessions() as session:
            tickets = await store.open_tickets(session)
        if not tickets:
            return Reply(self._t("staff_tickets_empty", lang))
        lines = [self._t("staff_tickets_intro", lang, count=len(tickets))]
        for ticket in tickets:
            lines.append(
                self._t(
                    "staff_tickets_line",
                    lang,
                    id=ticket.id,
                    date=self._when(ticket.created_at),
                    area=self._area_name(ticket.area, lang),
                    language=ticket.language,
                    text=_shorten(ticket.text),
                )
            )
        return Reply("\n".join(lines))

    async def unanswered(self, actor: int | None, lang: Lang) -> Reply:
        """/unanswered: the questions the bot could not answer lately, similar ones together."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        since = self._clock() - dt.timedelta(days=UNANSWERED_DAYS)
        async with self._sessions() as session:
            rows = await question_store.unanswered_questions(session, since)
        groups = group_similar(q.text for q in rows)
        if not groups:
            return Reply(self._t("staff_unanswered_empty", lang, days=UNANSWERED_DAYS))
        lines = [self._t("staff_unanswered_intro", lang, days=UNANSWERED_DAYS)]
        lines += [
            self._t("staff_unanswered_line", lang, count=count, text=_shorten(text))
            for text, count in groups[:UNANSWERED_TOP]
        ]
        return Reply("\n".join(lines))

    async def suggest(self, actor: int | None, arguments: str, lang: Lang) -> Reply:
        """/suggest <ticket>: a draft FAQ entry from an answered ticket, in suggestions.yaml."""
        if not self.is_staff(actor):
            return self.refuse(lang)
        ticket_id, _ = parse_ticket_id(arguments)
        if ticket_id is None:
            return Reply(self._t("staff_usage_suggest", lang))
        async with self._sessions() as session:
            ticket = await store.get_ticket(session, ticket_id)
        if ticket is None:
            return Reply(self._t("staff_ticket_unknown", lang, id=ticket_id))
        if ticket.status != "answered" or not ticket.answer:
            return Reply(self._t("staff_suggest_not_answered", lang, id=ticket_id))
        directory = Path(self._content.current.content.directory)
        try:
            suggestion = append_suggestion(
                directory,
                ticket_id=ticket.id,
                question=ticket.text,
                answer=ticket.answer,
                lang=ticket.language,
                now=self._clock(),
            )
        except SuggestionError as exc:
            if exc.existing is not None:
                return Reply(
                    self._t("staff_suggest_exists", lang, id=ticket_id, entry=exc.existing)
                )
            return Reply(self._t("staff_suggest_failed", lang, errors="\n".join(exc.problems)))
        return Reply(
            self._t(
                "staff_suggested",
                lang,
                id=ticket_id,
                entry=suggestion,
                file=directory.name + "/suggestions.yaml",
            )
        )

    # --- housekeeping -----------------------------------------------------------------------------

    async def prune(self) -> int:
        """Delete answered and closed tickets older than the question retention period."""
        cutoff = self._clock() - dt.timedelta(days=self._settings.question_retention_days)
        async with self._sessions.begin() as session:
            count = await store.prune_tickets(session, cutoff)
            await store.prune_drafts(session, self._clock() - DRAFT_TTL)
        log.info("pruned %d answered or closed tickets from before %s", count, cutoff.date())
        return count


def ticket_lines(
    texts: Texts, tickets: Sequence[Ticket], lang: Lang, zone: dt.tzinfo | None
) -> list[str]:
    """A resident's tickets for /mydata: question, status and the staff's answer."""
    if not tickets:
        return []
    lines = ["", texts.get("mydata_tickets", lang, count=len(tickets))]
    for ticket in tickets:
        status = texts.get(f"ticket_status_{ticket.status}", lang)
        when = ticket.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        lines.append(
            texts.get(
                "mydata_ticket", lang, id=ticket.id, date=when, status=status, text=ticket.text
            )
        )
        if ticket.answer:
            lines.append(texts.get("mydata_ticket_answer", lang, answer=ticket.answer))
    return lines


def group_similar(texts: Iterable[str], threshold: int = _SIMILAR) -> list[tuple[str, int]]:
    """Group questions that say the same thing; (an example text, count), most frequent first.

    Texts are compared after the matcher's folding (case, å/ä/ö, punctuation), so "När öppnar
    ni?" and "när öppnar ni" are one question. The example is the first text of its group
    (the newest, in the order /unanswered reads them).
    """
    groups: list[tuple[str, str, int]] = []  # (normalised, example, count)
    for text in texts:
        norm = " ".join(tokens(text))
        if not norm:
            continue
        for index, (key, example, count) in enumerate(groups):
            if fuzz.token_set_ratio(norm, key) >= threshold:
                groups[index] = (key, example, count + 1)
                break
        else:
            groups.append((norm, text.strip(), 1))
    ordered = sorted(enumerate(groups), key=lambda item: (-item[1][2], item[0]))
    return [(example, count) for _, (_, example, count) in ordered]


def _shorten(text: str, limit: int = _LIST_TEXT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
