"""A survey's tally in words: counts and shares per option, means for scales, free texts.

Free-text answers are shown only from MIN_RESPONDENTS_FOR_TEXT respondents on, so that no
single resident is recognisable by what they wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import Texts
from bot.content.surveys import SCALE, Survey, SurveyQuestion
from bot.domain import Lang
from bot.storage.surveys import Tally

MIN_RESPONDENTS_FOR_TEXT = 5
BAR_WIDTH = 10  # characters of a text bar at 100 %


@dataclass(frozen=True)
class OptionCount:
    """One option (or scale step) of a question: its label, count and share of answers."""

    label: str
    count: int
    share: float


@dataclass(frozen=True)
class QuestionResult:
    """One question's result; `mean` for scales, `texts` for text questions (maybe withheld)."""

    question: SurveyQuestion
    answered: int
    options: tuple[OptionCount, ...] = ()
    mean: float | None = None
    texts: tuple[str, ...] = ()


def option_labels(question: SurveyQuestion, lang: Lang) -> tuple[str, ...]:
    """The button labels of a choice, multi or scale question."""
    if question.kind == "scale":
        return tuple(str(v) for v in SCALE)
    return tuple(o[lang] for o in question.options)


def choice_value(question: SurveyQuestion, index: int) -> int:
    """What is stored for the button at `index`: the scale value, or the option number."""
    return SCALE[index] if question.kind == "scale" else index


def question_results(survey: Survey, tally: Tally, lang: Lang) -> tuple[QuestionResult, ...]:
    """Every question's counts, shares and mean from the tally."""
    results = []
    for question in survey.questions:
        answered = tally.answered.get(question.id, 0)
        counts = tally.counts.get(question.id, {})
        if question.kind == "text":
            texts = tuple(tally.texts.get(question.id, ()))
            results.append(QuestionResult(question, answered, texts=texts))
            continue
        labels = option_labels(question, lang)
        options = tuple(
            OptionCount(
                label,
                counts.get(choice_value(question, i), 0),
                counts.get(choice_value(question, i), 0) / answered if answered else 0.0,
            )
            for i, label in enumerate(labels)
        )
        mean = None
        if question.kind == "scale" and answered:
            mean = sum(v * counts.get(v, 0) for v in SCALE) / answered
        results.append(QuestionResult(question, answered, options, mean))
    return tuple(results)


def _bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _number(value: float, lang: Lang) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "sv" else text


def result_lines(
    survey: Survey, tally: Tally, texts: Texts, lang: Lang, *, with_texts: bool
) -> list[str]:
    """The results as lines of text (bars drawn with characters, so they read in any chat).

    `with_texts`: include the free-text answers (staff), if there are enough respondents.
    """
    lines: list[str] = []
    for number, result in enumerate(question_results(survey, tally, lang), start=1):
        lines += ["", f"{number}. {result.question.text[lang]}"]
        if result.question.kind == "text":
            if not with_texts:
                lines.append(texts.get("survey_result_text_count", lang, count=result.answered))
            elif tally.respondents < MIN_RESPONDENTS_FOR_TEXT:
                lines.append(
                    texts.get(
                        "survey_result_text_withheld",
                        lang,
                        count=result.answered,
                        minimum=MIN_RESPONDENTS_FOR_TEXT,
                    )
                )
            else:
                lines.append(texts.get("survey_result_text_count", lang, count=result.answered))
                lines += [f"– {text}" for text in result.texts]
            continue
        for option in result.options:
            share = round(option.share * 100)
            lines.append(f"{_bar(option.share)} {option.label}: {option.count} ({share} %)")
        if result.mean is not None:
            lines.append(texts.get("survey_result_mean", lang, mean=_number(result.mean, lang)))
        lines.append(texts.get("survey_result_answered", lang, count=result.answered))
    return lines
