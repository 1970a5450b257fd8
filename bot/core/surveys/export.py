"""`omradesbot survey export`: one CSV row per response, no resident id, UTF-8 with a header."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.surveys import Survey
from bot.core.surveys.results import option_labels
from bot.domain import Lang
from bot.storage import surveys as store

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _row(survey: Survey, number: int, answers: list[store.Answer], lang: Lang) -> list[str]:
    by_question: dict[str, list[store.Answer]] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    cells = [str(number)]
    for question in survey.questions:
        given = by_question.get(question.id, [])
        if question.kind == "text":
            cells.append(_cell(given[0].text or "") if given else "")
        elif question.kind == "scale":
            cells.append(str(given[0].choice) if given else "")
        else:
            labels = option_labels(question, lang)
            chosen = [
                labels[a.choice] for a in given if a.choice is not None and a.choice < len(labels)
            ]
            cells.append(_cell("; ".join(chosen)))
    return cells


async def write_csv(
    sessions: async_sessionmaker[AsyncSession], survey: Survey, out: TextIO, lang: Lang = "sv"
) -> int:
    """Write the header (question ids) and one row per response; return how many rows."""
    writer = csv.writer(out)
    writer.writerow(["response", *(q.id for q in survey.questions)])
    count = 0
    async with sessions() as session:
        async for answers in store.responses(session, survey.id):
            count += 1
            writer.writerow(_row(survey, count, answers, lang))
    return count


async def export_survey(
    sessions: async_sessionmaker[AsyncSession], survey: Survey, path: Path, lang: Lang = "sv"
) -> int:
    """`write_csv` into the file at `path` (UTF-8)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        return await write_csv(sessions, survey, out, lang)
