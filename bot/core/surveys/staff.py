"""Staff survey actions: /survey start|results|close|publish <id> and /surveys.

No Telegram here. The staff check happens again in every method that acts, so a forged or
stale press of Send by anyone else does nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.content.surveys import Survey
from bot.core.staff import DeliveryControl
from bot.core.surveys.flow import survey_state
from bot.core.surveys.results import option_labels, result_lines
from bot.core.surveys.stability import shape_of
from bot.domain import Button, Lang, Reply, chunk_lines
from bot.storage import surveys as store
from bot.storage.residents import subscriber_count

SEND_PREFIX = "staff:survey:send:"
DROP_PREFIX = "staff:survey:drop:"
SUBCOMMANDS = ("start", "results", "close", "publish")


@dataclass(frozen=True)
class SurveyResults:
    """What a staff survey command says: replies (each within Telegram's length) and, for
    results, the survey whose chart follows them."""

    replies: tuple[Reply, ...]
    chart: str | None = None  # survey id

    @property
    def reply(self) -> Reply:
        """The first reply (most commands have only one)."""
        return self.replies[0]


class SurveyStaff:
    """Staff survey actions; `actor` is checked against `staff_ids` every time."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Callable[[], Content],
        clock: Callable[[], dt.datetime],
        staff_ids: frozenset[int],
        delivery: DeliveryControl | None = None,
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._staff = staff_ids
        self._delivery = delivery

    def _t(self, key: str, lang: Lang, **values: object) -> str:
        return self._content().texts.get(key, lang, **values)

    def is_staff(self, actor: int | None) -> bool:
        """True for the configured staff user ids, at the moment of asking."""
        return actor is not None and actor in self._staff

    def _survey(self, survey_id: str) -> Survey | None:
        return next((s for s in self._content().surveys if s.id == survey_id), None)

    def _unknown(self, survey_id: str, lang: Lang) -> Reply:
        return Reply(self._t("staff_survey_unknown", lang, id=survey_id[:64]))

    def usage(self, lang: Lang) -> Reply:
        """How /survey is used."""
        return Reply(self._t("staff_survey_usage", lang))

    async def command(
        self, actor: int | None, chat_id: int, words: list[str], lang: Lang
    ) -> SurveyResults:
        """/survey <start|results|close|publish> <id>; the caller routed residents elsewhere."""
        if actor is None or not self.is_staff(actor):
            return SurveyResults((Reply(self._t("staff_only", lang)),))
        action = words[0].lower() if words else ""
        survey_id = words[1].lower() if len(words) > 1 else ""
        if action not in SUBCOMMANDS or not survey_id:
            return SurveyResults((self.usage(lang),))
        if action == "results":
            return await self.results(actor, survey_id, lang)
        if action == "start":
            reply = await self.preview(actor, survey_id, lang)
        elif action == "close":
            reply = await self.close(actor, survey_id, lang)
        else:
            reply = await self.publish(actor, chat_id, survey_id, lang)
        return SurveyResults((reply,))

    # --- /survey start ------------------------------------------------------------------

    async def preview(self, actor: int, survey_id: str, lang: Lang) -> Reply:
        """The survey as residents will see it, the number of recipients, Send and Cancel."""
        if not self.is_staff(actor):
            return Reply(self._t("staff_only", lang))
        survey = self._survey(survey_id)
        if survey is None:
            return self._unknown(survey_id, lang)
        refusal = await self._cannot_start(survey, lang)
        if refusal is not None:
            return refusal
        async with self._sessions() as session:
            count = await subscriber_count(session, survey.area)
        lines = [
            self._t(
                "staff_survey_preview",
                lang,
                id=survey.id,
                title=survey.title[lang],
                area=self._t(f"area_{survey.area}", lang),
                count=count,
            ),
            "",
        ]
        for number, question in enumerate(survey.questions, start=1):
            kind = self._t(f"survey_kind_{question.kind}", lang)
            lines.append(f"{number}. {question.text[lang]} ({kind})")
            if question.kind in ("choice", "multi"):
                lines.append("   " + " / ".join(option_labels(question, lang)))
        buttons = (
            (
                Button(self._t("button_send", lang), f"{SEND_PREFIX}{survey.id}"),
                Button(self._t("button_cancel", lang), f"{DROP_PREFIX}{survey.id}"),
            ),
        )
        return Reply("\n".join(lines), buttons)

    async def _cannot_start(self, survey: Survey, lang: Lang) -> Reply | None:
        async with self._sessions() as session:
            row = await store.survey_row(session, survey.id)
        today = self._clock().date()
        if row is not None:
            when = row.started_at.astimezone(self._clock().tzinfo).date().isoformat()
            return Reply(self._t("staff_survey_started_before", lang, id=survey.id, date=when))
        if survey.opens is not None and today < survey.opens:
            return Reply(self._t("staff_survey_opens_later", lang, id=survey.id, date=survey.opens))
        if survey.closes is not None and today > survey.closes:
            return Reply(
                self._t("staff_survey_closes_past", lang, id=survey.id, date=survey.closes)
            )
        return None

    async def press(self, actor: int | None, chat_id: int, data: str, lang: Lang) -> Reply:
        """Send or Cancel under a preview; re-checks staff at this very moment."""
        if not self.is_staff(actor):
            return Reply(self._t("staff_only", lang))
        assert actor is not None
        confirm = data.startswith(SEND_PREFIX)
        survey_id = data.removeprefix(SEND_PREFIX if confirm else DROP_PREFIX)
        survey = self._survey(survey_id)
        if survey is None:
            return self._unknown(survey_id, lang)
        if not confirm:
            return Reply(self._t("staff_survey_dropped", lang, id=survey.id))
        refusal = await self._cannot_start(survey, lang)
        if refusal is not None:
            return refusal
        async with self._sessions.begin() as session:
            count = await store.start_survey(
                session,
                survey.id,
                survey.area,
                shape_of(survey),
                (self._invitation(survey, "sv"), self._invitation(survey, "en")),
                actor=actor,
                staff_chat_id=chat_id,
                now=self._clock(),
            )
        if count is None:  # two presses at once: the other one started it
            return Reply(self._t("staff_survey_started_before", lang, id=survey.id, date="-"))
        if self._delivery is not None:
            self._delivery.wake()
        return Reply(self._t("staff_survey_sending", lang, id=survey.id, count=count))

    def _invitation(self, survey: Survey, lang: Lang) -> str:
        parts = [self._t("survey_invitation", lang, title=survey.title[lang])]
        if survey.intro is not None:
            parts.append(survey.intro[lang])
        parts.append(self._t("survey_invitation_privacy", lang, count=len(survey.questions)))
        return "\n\n".join(parts)

    # --- /survey results, close, publish ------------------------------------------------

    async def results(self, actor: int, survey_id: str, lang: Lang) -> SurveyResults:
        """Counts, shares and means; free text once enough residents answered."""
        if not self.is_staff(actor):
            return SurveyResults((Reply(self._t("staff_only", lang)),))
        survey = self._survey(survey_id)
        if survey is None:
            return SurveyResults((self._unknown(survey_id, lang),))
        async with self._sessions() as session:
            row = await store.survey_row(session, survey.id)
            if row is None:
                return SurveyResults(
                    (Reply(self._t("staff_survey_not_started", lang, id=survey.id)),)
                )
            tally = await store.tally(session, survey.id, with_texts=True)
        state = self._t(f"survey_state_{survey_state(survey, row, self._clock().date())}", lang)
        head = self._t(
            "staff_survey_results",
            lang,
            title=survey.title[lang],
            state=state,
            count=tally.respondents,
            invited=row.invited,
        )
        lines = [head, *result_lines(survey, tally, self._content().texts, lang, with_texts=True)]
        # Many free-text answers run past one message: as many messages as it takes.
        replies = tuple(Reply(chunk) for chunk in chunk_lines(lines))
        return SurveyResults(replies, chart=survey.id)

    async def close(self, actor: int, survey_id: str, lang: Lang) -> Reply:
        """End a survey early: no more answers are taken."""
        if not self.is_staff(actor):
            return Reply(self._t("staff_only", lang))
        survey = self._survey(survey_id)
        if survey is None:
            return self._unknown(survey_id, lang)
        async with self._sessions.begin() as session:
            row = await store.survey_row(session, survey.id)
            if row is None:
                return Reply(self._t("staff_survey_not_started", lang, id=survey.id))
            if survey_state(survey, row, self._clock().date()) == "closed":
                return Reply(self._t("staff_survey_already_closed", lang, id=survey.id))
            await store.close_survey(session, row, self._clock())
        return Reply(self._t("staff_survey_closed", lang, id=survey.id))

    async def publish(self, actor: int, chat_id: int, survey_id: str, lang: Lang) -> Reply:
        """Close the survey if open, and send its summary to everyone the invitation reached."""
        if not self.is_staff(actor):
            return Reply(self._t("staff_only", lang))
        survey = self._survey(survey_id)
        if survey is None:
            return self._unknown(survey_id, lang)
        async with self._sessions.begin() as session:
            row = await store.survey_row(session, survey.id)
            if row is None:
                return Reply(self._t("staff_survey_not_started", lang, id=survey.id))
            if row.published_at is not None:
                return Reply(self._t("staff_survey_published_before", lang, id=survey.id))
            now = self._clock()
            if row.closed_at is None:
                await store.close_survey(session, row, now)
            tally = await store.tally(session, survey.id)
            summary = (self.summary(survey, tally, "sv"), self.summary(survey, tally, "en"))
            count = await store.publish_results(
                session, survey.id, summary, actor=actor, staff_chat_id=chat_id, now=now
            )
        if count is None:
            return Reply(self._t("staff_survey_published_before", lang, id=survey.id))
        if self._delivery is not None:
            self._delivery.wake()
        return Reply(self._t("staff_survey_publishing", lang, id=survey.id, count=count))

    def summary(self, survey: Survey, tally: store.Tally, lang: Lang) -> str:
        """The results residents get: counts and shares, never the free texts."""
        head = self._t("survey_published", lang, title=survey.title[lang], count=tally.respondents)
        lines = result_lines(survey, tally, self._content().texts, lang, with_texts=False)
        return chunk_lines([head, *lines])[0]  # no free text: in practice one message

    # --- /surveys -----------------------------------------------------------------------

    async def overview(self, actor: int, lang: Lang) -> Reply:
        """Every survey in the content with its state and number of responses."""
        if not self.is_staff(actor):
            return Reply(self._t("staff_only", lang))
        surveys = self._content().surveys
        if not surveys:
            return Reply(self._t("staff_surveys_none", lang))
        async with self._sessions() as session:
            rows = await store.survey_rows(session)
            counts = await store.response_counts(session)
        lines = [self._t("staff_surveys_intro", lang)]
        today = self._clock().date()
        for survey in surveys:
            row = rows.get(survey.id)
            state = survey_state(survey, row, today)
            if row is not None and row.published_at is not None:
                state = "published"
            lines.append(
                self._t(
                    "staff_surveys_line",
                    lang,
                    id=survey.id,
                    title=survey.title[lang],
                    area=self._t(f"area_{survey.area}", lang),
                    state=self._t(f"survey_state_{state}", lang),
                    count=counts.get(survey.id, 0),
                    invited=row.invited if row is not None else 0,
                )
            )
        return Reply("\n".join(lines))
