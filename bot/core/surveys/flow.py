"""A resident's way through a survey: one question at a time, state in the database.

Where a resident stands (the next question, the answers so far) is their participation row,
never this process's memory: the next press may reach another process, or come after a
restart. On the last answer the draft becomes an anonymous response in the same transaction.
Every press names the survey and the question number it belongs to, so a stale, repeated or
forged press is recognised and answered without storing anything.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.content.surveys import SCALE, Survey
from bot.core.surveys.questions import (
    TEXT_LIMIT,
    answers_of,
    draft_of,
    question_reply,
    skip_button,
)
from bot.core.surveys.waiting import InProgress
from bot.domain import SURVEY_ANSWER as ANSWER
from bot.domain import SURVEY_DONE as DONE
from bot.domain import SURVEY_GO as GO
from bot.domain import SURVEY_PREFIX as PREFIX
from bot.domain import SURVEY_SKIP as SKIP
from bot.domain import SURVEY_TOGGLE as TOGGLE
from bot.domain import Button, Caller, Lang, Reply
from bot.domain import survey_chart_data as chart_data
from bot.domain import survey_go_data as go_data
from bot.storage import residents as resident_store
from bot.storage import surveys as store
from bot.storage.models import SurveyParticipation, SurveyRow


@dataclass(frozen=True)
class Step:
    """What to show after a resident's action; `edit`: replace the pressed message instead."""

    reply: Reply
    edit: bool = False


def survey_state(survey: Survey, row: SurveyRow | None, today: dt.date) -> str:
    """'new' (never started by staff), 'open' or 'closed'."""
    if row is None:
        return "new"
    if row.closed_at is not None or (survey.closes is not None and today > survey.closes):
        return "closed"
    return "open"


def clean_text(text: str) -> str:
    """Plain text: control characters (but line breaks) removed, surrounding space trimmed."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return "".join(kept).strip()


class SurveyFlow:
    """Resident survey actions in, `Step`/`Reply` values out; one transaction per action."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Callable[[], Content],
        clock: Callable[[], dt.datetime],
        language: Callable[[Caller], Awaitable[Lang]],
        *,
        sole_writer: bool = False,
    ) -> None:
        """`sole_writer`: no other process changes this database, so which chats have a survey
        in progress may be remembered instead of read for every message (waiting.py).
        """
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._language = language
        self._in_progress = InProgress(sessions) if sole_writer else None

    def _t(self, key: str, lang: Lang, **values: object) -> str:
        return self._content().texts.get(key, lang, **values)

    def _survey(self, survey_id: str) -> Survey | None:
        return next((s for s in self._content().surveys if s.id == survey_id), None)

    def _today(self) -> dt.date:
        return self._clock().date()

    # --- /enkat -------------------------------------------------------------------------

    async def list_open(self, caller: Caller) -> Reply:
        """/enkat, /survey: the open surveys for the resident's areas, each with its button."""
        lang = await self._language(caller)
        if not caller.private:
            return Reply(self._t("private_only", lang))
        async with self._sessions() as session:
            areas = set(await resident_store.subscriptions_of(session, caller.chat_id))
            rows = await store.survey_rows(session)
            taken = {p.survey_id: p for p in await store.participations_of(session, caller.chat_id)}
        lines = [self._t("survey_list_intro", lang)]
        buttons: list[tuple[Button, ...]] = []
        for survey in self._content().surveys:
            row = rows.get(survey.id)
            if survey_state(survey, row, self._today()) != "open":
                continue
            if survey.area != "all" and survey.area not in areas:
                continue
            part = taken.get(survey.id)
            title = survey.title[lang]
            if part is not None and part.completed:
                lines.append(self._t("survey_list_answered", lang, title=title))
                continue
            if part is not None:
                progress = f"{part.position + 1}/{len(survey.questions)}"
                lines.append(self._t("survey_list_resume", lang, title=title, progress=progress))
            else:
                lines.append(self._t("survey_list_open", lang, title=title))
            label = self._t("button_survey_answer", lang)
            buttons.append((Button(f"{label}: {title}"[:60], go_data(survey.id)),))
        if len(lines) == 1:
            return Reply(self._t("survey_list_none", lang))
        return Reply("\n".join(lines), tuple(buttons))

    # --- presses ------------------------------------------------------------------------

    async def press(self, caller: Caller, data: str) -> Step:
        """A survey button; anything malformed, stale or forged gets a notice, stores nothing."""
        lang = await self._language(caller)
        if not caller.private:
            return Step(Reply(self._t("private_only", lang)))
        parts = data.removeprefix(PREFIX).split(":")
        action, survey_id = parts[0], parts[1] if len(parts) > 1 else ""
        numbers = [_number(p) for p in parts[2:]]
        survey = self._survey(survey_id)
        if survey is None or None in numbers:
            return Step(Reply(self._t("survey_unknown", lang)))
        if action == GO and not numbers:
            return Step(await self._begin(caller, survey, lang))
        if action in (ANSWER, TOGGLE) and len(numbers) == 2:
            position, choice = numbers
            assert position is not None
            assert choice is not None
            return await self._answer(
                caller, survey, lang, position, choice, toggle=action == TOGGLE
            )
        if action in (DONE, SKIP) and len(numbers) == 1:
            assert numbers[0] is not None
            return await self._advance(caller, survey, lang, numbers[0], skip=action == SKIP)
        return Step(Reply(self._t("survey_unknown", lang)))

    async def _begin(self, caller: Caller, survey: Survey, lang: Lang) -> Reply:
        async with self._sessions.begin() as session:
            part = await store.participation(session, survey.id, caller.chat_id)
            if part is not None and part.completed:  # also once closed: with the results
                return await self._answered(session, survey, lang)
            refusal = await self._refusal(session, survey, lang)
            if refusal is not None:
                return refusal
            areas = await resident_store.subscriptions_of(session, caller.chat_id)
            if part is None and survey.area != "all" and survey.area not in areas:
                return Reply(self._t("survey_other_area", lang, title=survey.title[lang]))
            if part is None:
                await resident_store.get_or_create_resident(
                    session, caller.chat_id, lang, now=self._clock()
                )
                part = SurveyParticipation(
                    survey_id=survey.id, chat_id=caller.chat_id, position=0, draft="{}"
                )
                part.completed = False
                session.add(part)
                await session.flush()
                if self._in_progress is not None:
                    self._in_progress.began(caller.chat_id)
                intro = self._t("survey_begin", lang, count=len(survey.questions))
            elif part.position >= len(survey.questions):
                # Questions were taken away (before the first response) past where they stood.
                return await self._finish(session, survey, part, lang)
            else:
                intro = self._t("survey_resume", lang)
            question = self._question_reply(survey, part, lang)
        return Reply(f"{intro}\n\n{question.text}", question.buttons)

    async def _answered(self, session: AsyncSession, survey: Survey, lang: Lang) -> Reply:
        """Already answered; with the published results, once staff have sent them."""
        text = self._t("survey_already_answered", lang, title=survey.title[lang])
        published = await store.published_summary(session, survey.id, lang)
        if published is None:
            return Reply(text)
        chart = Button(self._t("button_survey_chart", lang), chart_data(survey.id))
        return Reply(f"{text}\n\n{published}", ((chart,),))

    async def _refusal(self, session: AsyncSession, survey: Survey, lang: Lang) -> Reply | None:
        state = survey_state(survey, await store.survey_row(session, survey.id), self._today())
        if state == "open":
            return None
        key = "survey_closed" if state == "closed" else "survey_not_open"
        return Reply(self._t(key, lang, title=survey.title[lang]))

    async def _current(
        self, session: AsyncSession, caller: Caller, survey: Survey, lang: Lang, position: int
    ) -> tuple[SurveyParticipation | None, Step | None]:
        """The participation to change, or the Step saying why nothing changes."""
        refusal = await self._refusal(session, survey, lang)
        if refusal is not None:
            return None, Step(refusal)
        part = await store.participation(session, survey.id, caller.chat_id)
        if part is None:
            # Never begun, or erased by /forget: an old button must not store anything.
            again = (Button(self._t("button_survey_answer", lang), go_data(survey.id)),)
            return None, Step(Reply(self._t("survey_not_begun", lang), (again,)))
        if part.completed:
            return None, Step(
                Reply(self._t("survey_already_answered", lang, title=survey.title[lang]))
            )
        if part.position >= len(survey.questions):
            return None, Step(await self._finish(session, survey, part, lang))
        if position != part.position:
            current = self._question_reply(survey, part, lang)
            return None, Step(
                Reply(f"{self._t('survey_stale', lang)}\n\n{current.text}", current.buttons)
            )
        return part, None

    async def _answer(
        self,
        caller: Caller,
        survey: Survey,
        lang: Lang,
        position: int,
        choice: int,
        *,
        toggle: bool,
    ) -> Step:
        async with self._sessions.begin() as session:
            part, refusal = await self._current(session, caller, survey, lang, position)
            if refusal is not None:
                return refusal
            assert part is not None
            question = survey.questions[position]
            wanted = "multi" if toggle else ("choice", "scale")
            if question.kind not in wanted or not 0 <= choice < question.choices:
                return Step(Reply(self._t("survey_unknown", lang)))
            draft = draft_of(part.draft)
            if toggle:
                chosen = set(draft.get(question.id, []))
                chosen ^= {choice}
                draft[question.id] = sorted(chosen)
                part.draft = json.dumps(draft)
                return Step(self._question_reply(survey, part, lang), edit=True)
            value = SCALE[choice] if question.kind == "scale" else choice
            draft[question.id] = [value]
            part.draft = json.dumps(draft)
            return Step(await self._next(session, survey, part, lang))

    async def _advance(
        self, caller: Caller, survey: Survey, lang: Lang, position: int, *, skip: bool
    ) -> Step:
        async with self._sessions.begin() as session:
            part, refusal = await self._current(session, caller, survey, lang, position)
            if refusal is not None:
                return refusal
            assert part is not None
            question = survey.questions[position]
            if question.kind != ("text" if skip else "multi"):
                return Step(Reply(self._t("survey_unknown", lang)))
            return Step(await self._next(session, survey, part, lang))

    async def text_answer(self, caller: Caller, text: str) -> Reply | None:
        """A message while a text question waits for it: the answer. None: not for a survey."""
        if not caller.private:
            return None
        if self._in_progress is not None and not await self._in_progress.maybe(caller.chat_id):
            return None  # the common case, with no database read: the FAQ answers
        async with self._sessions() as session:  # a read first: most messages are questions
            unfinished = await store.awaiting_text(session, caller.chat_id)
        if not unfinished:
            if self._in_progress is not None:
                self._in_progress.none_left(caller.chat_id)
            return None
        async with self._sessions.begin() as session:
            for part in await store.awaiting_text(session, caller.chat_id):
                survey = self._survey(part.survey_id)
                question = survey.question(part.position) if survey is not None else None
                if survey is None or question is None or question.kind != "text":
                    continue
                lang = await self._language(caller)
                if await self._refusal(session, survey, lang) is not None:
                    continue  # closed meanwhile: the message is a question for the FAQ
                answer = clean_text(text)
                if len(answer) > TEXT_LIMIT:
                    skip = self._skip_button(survey, part, lang)
                    notice = self._t(
                        "survey_text_too_long", lang, count=len(answer), limit=TEXT_LIMIT
                    )
                    return Reply(notice, ((skip,),))
                if not answer:
                    return Reply(
                        self._t("survey_text_empty", lang),
                        ((self._skip_button(survey, part, lang),),),
                    )
                draft = draft_of(part.draft)
                draft[question.id] = answer
                part.draft = json.dumps(draft)
                return await self._next(session, survey, part, lang)
        return None

    # --- moving on ----------------------------------------------------------------------

    async def _next(
        self, session: AsyncSession, survey: Survey, part: SurveyParticipation, lang: Lang
    ) -> Reply:
        part.position += 1
        if part.position < len(survey.questions):
            return self._question_reply(survey, part, lang)
        return await self._finish(session, survey, part, lang)

    async def _finish(
        self, session: AsyncSession, survey: Survey, part: SurveyParticipation, lang: Lang
    ) -> Reply:
        """The draft becomes an anonymous response; only "has answered" stays with the chat."""
        await store.submit_response(session, survey.id, answers_of(survey, draft_of(part.draft)))
        part.completed = True
        part.draft = None
        return Reply(self._t("survey_thanks", lang, title=survey.title[lang]))

    def _skip_button(self, survey: Survey, part: SurveyParticipation, lang: Lang) -> Button:
        return skip_button(survey.id, part.position, self._content().texts, lang)

    def _question_reply(self, survey: Survey, part: SurveyParticipation, lang: Lang) -> Reply:
        chosen = set(draft_of(part.draft).get(survey.questions[part.position].id, []))
        return question_reply(survey, part.position, chosen, self._content().texts, lang)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 3 else None
