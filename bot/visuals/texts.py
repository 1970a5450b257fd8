"""The UI strings the pictures, calendar files and report need, checked like the dialogue's."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content import Texts, missing_texts

# Every key in content/texts.yaml this package uses, with the placeholders each may contain.
VISUAL_TEXTS: Mapping[str, frozenset[str]] = {
    "timeline_title": frozenset(),
    "timeline_as_of": frozenset({"date"}),
    "timeline_state_done": frozenset(),
    "timeline_state_next": frozenset(),
    "timeline_state_coming": frozenset(),
    "timeline_caption_intro": frozenset({"date"}),
    "timeline_caption_line": frozenset({"state", "when", "title", "area"}),
    "calendar_button": frozenset({"title"}),
    "calendar_file_caption": frozenset({"title", "when"}),
    "calendar_approximate": frozenset({"when"}),
    "calendar_unknown": frozenset(),
    "stats_chart_title": frozenset({"date"}),
    "stats_chart_subscribers": frozenset(),
    "stats_chart_questions": frozenset({"days"}),
    "stats_chart_answered": frozenset(),
    "stats_chart_unanswered": frozenset(),
    "stats_chart_share": frozenset(),
    "stats_chart_topics": frozenset({"days"}),
    "stats_chart_empty": frozenset(),
    "stats_caption_intro": frozenset({"date"}),
    "stats_caption_subscribers": frozenset({"counts"}),
    "stats_caption_questions": frozenset({"days", "total", "answered", "share"}),
    "stats_caption_busiest": frozenset({"date", "count"}),
    "stats_caption_topics": frozenset({"topics"}),
    "stats_caption_no_topics": frozenset(),
    "report_title": frozenset(),
    "report_generated": frozenset({"date"}),
    "report_column_date": frozenset(),
    "report_column_area": frozenset(),
    "report_column_subscribers": frozenset(),
    "report_column_questions": frozenset(),
    "report_column_topic": frozenset(),
    "report_column_count": frozenset(),
    "area_balltorp": frozenset(),
    "area_kallered": frozenset(),
    "area_all": frozenset(),
    "milestone_time": frozenset({"date", "time"}),
}


def visual_text_problems(texts: Texts, where: str = "texts.yaml") -> list[str]:
    """One line per string this package needs that is missing or uses an unknown placeholder."""
    from bot.visuals.feedback import FEEDBACK_VISUAL_TEXTS  # noqa: PLC0415 - it imports the core

    return missing_texts(
        texts,
        {**VISUAL_TEXTS, **FEEDBACK_VISUAL_TEXTS},
        where=where,
        needed_by="the pictures and calendar files",
    )
