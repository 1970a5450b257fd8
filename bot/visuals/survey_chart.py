"""A survey's results as one picture: a panel of horizontal bars per choice, multi and scale
question, each bar labelled with its count and share (so colour is never the only cue)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import Texts
from bot.content.surveys import Survey
from bot.core.surveys.results import question_results
from bot.domain import Lang
from bot.storage.surveys import Tally
from bot.visuals.png import ACCENT, FONT, INK, MUTED, figure_png, fit_caption, new_figure

_PANEL_PX, _ROW_PX, _TOP_PX = 150, 70, 110
_TITLE_PT, _QUESTION_PT, _LABEL_PT = 28, 21, 18


@dataclass(frozen=True)
class SurveyPicture:
    """The chart and a caption saying the same in words."""

    png: bytes
    caption: str


def survey_png(survey: Survey, tally: Tally, texts: Texts, lang: Lang) -> bytes:
    """Draw the chart (blocking; call it off the event loop)."""
    results = [r for r in question_results(survey, tally, lang) if r.question.kind != "text"]
    rows = sum(len(r.options) for r in results)
    height = _TOP_PX + _PANEL_PX * max(1, len(results)) + _ROW_PX * rows
    figure = new_figure(height)
    figure.text(
        0.03,
        1 - 40 / height,
        texts.get("survey_chart_title", lang, title=survey.title[lang], count=tally.respondents),
        fontsize=_TITLE_PT,
        family=FONT,
        color=INK,
        weight="bold",
        va="top",
    )
    if not results:
        figure.text(0.5, 0.5, texts.get("survey_chart_empty", lang), ha="center", color=MUTED)
        return figure_png(figure)
    top = 1 - _TOP_PX / height
    for number, result in enumerate(results, start=1):
        panel = (_PANEL_PX + _ROW_PX * len(result.options)) / height
        axes = figure.add_axes((0.03, top - panel + 40 / height, 0.94, panel - 90 / height))
        title = f"{number}. {result.question.text[lang]}"[:70]
        if result.mean is not None:
            mean = f"{result.mean:.1f}".replace(".", "," if lang == "sv" else ".")
            title += f" ({texts.get('survey_result_mean', lang, mean=mean).strip()})"
        axes.set_title(
            title,
            loc="left",
            fontsize=_QUESTION_PT,
            family=FONT,
            color=INK,
        )
        shares = [o.share for o in result.options]
        positions = list(range(len(shares)))
        axes.barh(positions, shares, color=ACCENT, height=0.42)
        for row, option in zip(positions, result.options, strict=True):
            axes.text(
                0,
                row - 0.27,
                option.label[:50],
                va="bottom",
                fontsize=_LABEL_PT,
                family=FONT,
                color=INK,
            )
            axes.text(
                option.share,
                row,
                f" {option.count} ({round(option.share * 100)} %)",
                va="center",
                fontsize=_LABEL_PT,
                family=FONT,
                color=INK,
            )
        axes.set_xlim(0, 1.3)
        axes.set_ylim(len(shares) - 0.4, -1.0)
        axes.set_xticks([])
        axes.set_yticks([])
        for side in ("top", "right", "bottom", "left"):
            axes.spines[side].set_visible(False)
        top -= panel
    return figure_png(figure)


def survey_caption(survey: Survey, tally: Tally, texts: Texts, lang: Lang) -> str:
    """The chart's title as its caption (the numbers are in the text message beside it)."""
    return fit_caption(
        [texts.get("survey_chart_title", lang, title=survey.title[lang], count=tally.respondents)]
    )
