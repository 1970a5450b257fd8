"""A survey with answers keeps its questions: none lost, none renumbered, no option removed.

Answers refer to a question by its id and to an option by its number, so once a survey has
responses its shape as started (bot/storage/surveys.py) may only grow at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.surveys import SURVEYS_FILE, Survey, load_surveys
from bot.storage import surveys as store


def shape_of(survey: Survey) -> store.Shape:
    """(id, kind, number of choices) per question, as stored when the survey starts."""
    return tuple((q.id, q.kind, q.choices) for q in survey.questions)


def shape_problems(
    path: Path | str,
    surveys: Iterable[Survey],
    stored: Mapping[str, tuple[store.Shape, int]],
) -> list[str]:
    """One line per change that would break the answers of a started survey with responses.

    `stored` maps a survey id to its shape at the start and its number of responses.
    """
    by_id = {s.id: s for s in surveys}
    problems: list[str] = []
    for survey_id, (shape, answered) in sorted(stored.items()):
        if answered == 0:
            continue
        survey = by_id.get(survey_id)
        if survey is None:
            problems.append(
                f"{path}: {survey_id}: has {answered} response(s) in the database and cannot be "
                "removed (close it with /survey close instead)"
            )
            continue
        where = (
            f"{path}: {survey_id} (line {survey.line})" if survey.line else f"{path}: {survey_id}"
        )
        for number, (question_id, kind, choices) in enumerate(shape, start=1):
            question = survey.question(number - 1)
            if question is None:
                problems.append(
                    f"{where}: question {number} '{question_id}' was removed, but the survey has "
                    f"{answered} response(s): a survey with answers cannot lose a question"
                )
                continue
            at = f"{where}: {question.id} (line {question.line})" if question.line else where
            if question.id != question_id:
                problems.append(
                    f"{at}: question {number} was '{question_id}' when the survey started; a "
                    f"survey with {answered} response(s) cannot renumber or rename a question "
                    "(add new questions at the end)"
                )
            elif question.kind != kind:
                problems.append(
                    f"{at}: kind changed from {kind} to {question.kind}, but the survey has "
                    f"{answered} response(s)"
                )
            elif question.choices < choices:
                problems.append(
                    f"{at}: had {choices} options when the survey started, now "
                    f"{question.choices}: options of a survey with answers may only be added at "
                    "the end"
                )
    return problems


async def stored_shapes(
    sessions: async_sessionmaker[AsyncSession],
) -> dict[str, tuple[store.Shape, int]]:
    """Each started survey's shape and response count."""
    async with sessions() as session:
        rows = await store.survey_rows(session)
        counts = await store.response_counts(session)
    return {sid: (store.decode_shape(row.shape), counts.get(sid, 0)) for sid, row in rows.items()}


async def live_problems(
    content_dir: Path, surveys: Iterable[Survey], sessions: async_sessionmaker[AsyncSession]
) -> list[str]:
    """Problems of the loaded surveys against the database (at start-up, after migrating)."""
    return shape_problems(content_dir / SURVEYS_FILE, surveys, await stored_shapes(sessions))


async def database_problems(
    directory: Path, sessions: async_sessionmaker[AsyncSession]
) -> list[str]:
    """Problems of `directory/surveys.yaml` against the database (for /reload, check-content)."""
    problems: list[str] = []
    surveys = load_surveys(directory, problems)
    if problems:
        return problems  # the content check reports these itself
    try:
        stored = await stored_shapes(sessions)
    except SQLAlchemyError:
        return []  # not migrated yet: no survey was ever started here
    return shape_problems(directory / SURVEYS_FILE, surveys, stored)
