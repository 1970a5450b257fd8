"""The texts.yaml keys the surveys need, with the placeholders each may use."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content import Texts, missing_texts
from bot.surveys.model import QUESTION_KINDS

_NONE: frozenset[str] = frozenset()

SURVEY_TEXTS: Mapping[str, frozenset[str]] = {
    # residents
    "survey_list_intro": _NONE,
    "survey_list_open": frozenset({"title"}),
    "survey_list_resume": frozenset({"title", "progress"}),
    "survey_list_answered": frozenset({"title"}),
    "survey_list_none": _NONE,
    "button_survey_answer": _NONE,
    "button_survey_skip": _NONE,
    "button_survey_done": _NONE,
    "button_survey_chart": _NONE,
    "survey_unknown": _NONE,
    "survey_already_answered": frozenset({"title"}),
    "survey_begin": frozenset({"count"}),
    "survey_resume": _NONE,
    "survey_closed": frozenset({"title"}),
    "survey_not_open": frozenset({"title"}),
    "survey_not_begun": _NONE,
    "survey_other_area": frozenset({"title"}),
    "survey_stale": _NONE,
    "survey_text_prompt": frozenset({"limit"}),
    "survey_text_too_long": frozenset({"count", "limit"}),
    "survey_text_empty": _NONE,
    "survey_scale_hint": _NONE,
    "survey_multi_hint": _NONE,
    "survey_thanks": frozenset({"title"}),
    "survey_invitation": frozenset({"title"}),
    "survey_invitation_privacy": frozenset({"count"}),
    "survey_published": frozenset({"title", "count"}),
    "survey_results_again": _NONE,
    "mydata_surveys": frozenset({"titles"}),
    "mydata_survey_unfinished": frozenset({"title"}),
    "forgotten_surveys": _NONE,
    "chat_no_surveys": _NONE,
    # results
    "survey_result_answered": frozenset({"count"}),
    "survey_result_mean": frozenset({"mean"}),
    "survey_result_text_count": frozenset({"count"}),
    "survey_result_text_withheld": frozenset({"count", "minimum"}),
    "survey_chart_title": frozenset({"title", "count"}),
    "survey_chart_empty": _NONE,
    # staff
    "staff_survey_usage": _NONE,
    "staff_survey_unknown": frozenset({"id"}),
    "staff_survey_preview": frozenset({"id", "title", "area", "count"}),
    **{f"survey_kind_{kind}": _NONE for kind in QUESTION_KINDS},
    "staff_survey_started_before": frozenset({"id", "date"}),
    "staff_survey_opens_later": frozenset({"id", "date"}),
    "staff_survey_closes_past": frozenset({"id", "date"}),
    "staff_survey_dropped": frozenset({"id"}),
    "staff_survey_sending": frozenset({"id", "count"}),
    "staff_survey_not_started": frozenset({"id"}),
    **{f"survey_state_{state}": _NONE for state in ("new", "open", "closed", "published")},
    "staff_survey_results": frozenset({"title", "state", "count", "invited"}),
    "staff_survey_already_closed": frozenset({"id"}),
    "staff_survey_closed": frozenset({"id"}),
    "staff_survey_published_before": frozenset({"id"}),
    "staff_survey_publishing": frozenset({"id", "count"}),
    "staff_surveys_none": _NONE,
    "staff_surveys_intro": _NONE,
    "staff_surveys_line": frozenset({"id", "title", "area", "state", "count", "invited"}),
}


def survey_text_problems(texts: Texts, where: str) -> list[str]:
    """One line per survey text that texts.yaml lacks or fills with an unknown placeholder."""
    return missing_texts(texts, SURVEY_TEXTS, where=where, needed_by="the surveys")
