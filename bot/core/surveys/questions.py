"""How a question is put to a resident (text and buttons), and a draft read back as answers.

Pure: no database, no Telegram. Button data names the survey and the question number, so a
press can be checked against where the resident stands (bot/core/surveys/flow.py).
"""

from __future__ import annotations

import json
from typing import Any

from bot.content import Texts
from bot.content.surveys import SCALE, Survey, SurveyQuestion
from bot.core.surveys.results import option_labels
from bot.domain import SURVEY_ANSWER as ANSWER
from bot.domain import SURVEY_DONE as DONE
from bot.domain import SURVEY_PREFIX as PREFIX
from bot.domain import SURVEY_SKIP as SKIP
from bot.domain import SURVEY_TOGGLE as TOGGLE
from bot.domain import Button, Lang, Reply
from bot.storage import surveys as store
from bot.storage.models import SURVEY_TEXT_LIMIT

TEXT_LIMIT = SURVEY_TEXT_LIMIT


def skip_button(survey_id: str, position: int, texts: Texts, lang: Lang) -> Button:
    """Skip under a text question (and under the notices about its answer)."""
    return Button(texts.get("button_survey_skip", lang), f"{PREFIX}{SKIP}:{survey_id}:{position}")


def question_reply(
    survey: Survey, position: int, chosen: set[int], texts: Texts, lang: Lang
) -> Reply:
    """Question `position` with its progress ("2/5") and buttons; `chosen`: a multi's ticks."""
    question = survey.questions[position]
    head = f"{position + 1}/{len(survey.questions)} {question.text[lang]}"
    base = f"{survey.id}:{position}"
    if question.kind == "text":
        prompt = texts.get("survey_text_prompt", lang, limit=TEXT_LIMIT)
        return Reply(f"{head}\n{prompt}", ((skip_button(survey.id, position, texts, lang),),))
    labels = option_labels(question, lang)
    if question.kind == "scale":
        row = tuple(Button(label, f"{PREFIX}{ANSWER}:{base}:{i}") for i, label in enumerate(labels))
        return Reply(f"{head}\n{texts.get('survey_scale_hint', lang)}", (row,))
    if question.kind == "choice":
        rows = tuple(
            (Button(label, f"{PREFIX}{ANSWER}:{base}:{i}"),) for i, label in enumerate(labels)
        )
        return Reply(head, rows)
    ticks = tuple(
        (Button(f"{'☑' if i in chosen else '☐'} {label}", f"{PREFIX}{TOGGLE}:{base}:{i}"),)
        for i, label in enumerate(labels)
    )
    done = Button(texts.get("button_survey_done", lang), f"{PREFIX}{DONE}:{base}")
    return Reply(f"{head}\n{texts.get('survey_multi_hint', lang)}", (*ticks, (done,)))


def draft_of(raw: str | None) -> dict[str, Any]:
    """A participation's answers so far: question id -> chosen values, or the text."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def answers_of(survey: Survey, draft: dict[str, Any]) -> list[store.Answer]:
    """The draft as answer rows, only for questions the survey still has, values checked."""
    answers: list[store.Answer] = []
    for question in survey.questions:
        value = draft.get(question.id)
        if value is None:
            continue
        if question.kind == "text":
            if isinstance(value, str) and value:
                answers.append(store.Answer(question.id, 0, text=value[:TEXT_LIMIT]))
            continue
        allowed = _allowed(question)
        for seq, choice in enumerate(v for v in value if isinstance(v, int) and v in allowed):
            answers.append(store.Answer(question.id, seq, choice=choice))
    return answers


def _allowed(question: SurveyQuestion) -> frozenset[int]:
    return frozenset(SCALE) if question.kind == "scale" else frozenset(range(question.choices))
