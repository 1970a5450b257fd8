"""Every UI string the bot needs from content/texts.yaml, in one registry, checked at load.

Each part of the bot names the keys it uses and the placeholders each may contain; start-up,
/reload and `omradesbot check-content` report every key that is missing or uses a placeholder
it may not. A key stands once: under the first part that uses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.content import Texts, missing_texts
from bot.domain import AREAS

# The parts, as the problems name them ("... missing (needed by the dialogue)").
DIALOGUE = "the dialogue"
RESIDENTS = "the bot"
TICKETS = "asking the staff"
VISUALS = "the pictures and calendar files"
FEEDBACK = "answer feedback"
INSIGHT = "staff insight"
SURVEYS = "the surveys"
INVITATIONS = "deep links and posters"

_DIALOGUE: Mapping[str, frozenset[str]] = {
    "welcome": frozenset(),
    "welcome_privacy": frozenset(),
    "help_intro": frozenset(),
    "help_line": frozenset({"command", "alias", "description"}),
    "command_faq": frozenset(),
    "command_subscribe": frozenset(),
    "command_unsubscribe": frozenset(),
    "command_milestones": frozenset(),
    "command_language": frozenset(),
    "command_survey": frozenset(),
    "command_mydata": frozenset(),
    "command_forget": frozenset(),
    "command_ask": frozenset(),
    "command_help": frozenset(),
    "button_topics": frozenset(),
    "button_subscribe": frozenset(),
    "button_timeline": frozenset(),
    "button_help": frozenset(),
    "button_more_topics": frozenset(),
    "topics_intro": frozenset(),
    "unknown_topic": frozenset(),
    "did_you_mean": frozenset(),
    "dont_know": frozenset(),
    "dont_know_related": frozenset(),
    "milestones_intro": frozenset(),
    "milestones_empty": frozenset(),
    "milestone_done": frozenset({"when", "title"}),
    "milestone_coming": frozenset({"when", "title"}),
    "milestone_time": frozenset({"date", "time"}),
    "unknown_command": frozenset(),
    "non_text": frozenset(),
    "flood_notice": frozenset(),
    "expired_button": frozenset(),
    "apology": frozenset(),
    "subscribe_choose": frozenset(),
    "unsubscribe_choose": frozenset(),
    **{f"area_{area}": frozenset() for area in AREAS},
    "language_choose": frozenset(),
    "language_name_sv": frozenset(),
    "language_name_en": frozenset(),
    "forget_confirm": frozenset(),
    "button_forget_yes": frozenset(),
    "button_forget_no": frozenset(),
    "chat_intro": frozenset(),
    "chat_choice_invalid": frozenset({"count"}),
    "chat_no_subscriptions": frozenset(),
    "chat_nothing_stored": frozenset(),
    "chat_goodbye": frozenset(),
}

# Subscriptions, language, /mydata and /forget (bot/core/residents.py).
_RESIDENTS: Mapping[str, frozenset[str]] = {
    "command_start": frozenset(),
    "private_only": frozenset(),
    "area_unknown": frozenset(),
    "subscribed": frozenset({"area"}),
    "already_subscribed": frozenset({"area"}),
    "unsubscribed": frozenset({"area"}),
    "not_subscribed": frozenset({"area"}),
    "no_subscriptions": frozenset(),
    "language_set": frozenset(),
    "mydata_nothing": frozenset(),
    "mydata_intro": frozenset(),
    "mydata_chat": frozenset({"chat_id"}),
    "mydata_since": frozenset({"date"}),
    "mydata_language": frozenset({"language"}),
    "mydata_language_auto": frozenset({"language"}),
    "mydata_subscriptions": frozenset({"areas"}),
    "mydata_subscriptions_none": frozenset(),
    "mydata_paused": frozenset({"area"}),
    "mydata_questions": frozenset({"count", "days"}),
    "mydata_question": frozenset({"date", "text"}),
    "mydata_footer": frozenset(),
    "mydata_draft": frozenset({"text"}),
    "forgotten": frozenset(),
    "forget_kept": frozenset(),
}

# Asking the staff (bot/core/tickets.py).
_TICKETS: Mapping[str, frozenset[str]] = {
    "button_ask_staff": frozenset(),
    "human_ask_staff": frozenset(),
    "button_ticket_send": frozenset(),
    "button_ticket_cancel": frozenset(),
    "ticket_confirm": frozenset({"question"}),
    "ticket_no_question": frozenset(),
    "ticket_expired": frozenset(),
    "ticket_cancelled": frozenset(),
    "ticket_limit": frozenset({"limit"}),
    "ticket_unavailable": frozenset(),
    "ticket_sent": frozenset({"id"}),
    "ticket_response_time": frozenset(),
    "ticket_answer": frozenset({"id", "answer", "question"}),
    "ticket_area_none": frozenset(),
    "ticket_status_open": frozenset(),
    "ticket_status_answered": frozenset(),
    "ticket_status_closed": frozenset(),
    "mydata_tickets": frozenset({"count"}),
    "mydata_ticket": frozenset({"id", "date", "status", "text"}),
    "mydata_ticket_answer": frozenset({"answer"}),
    "staff_ticket_new": frozenset({"id", "area", "language", "question"}),
    "staff_ticket_erased": frozenset({"id"}),
    "staff_ticket_answered": frozenset({"id"}),
    "staff_ticket_undelivered": frozenset({"id"}),
    "staff_ticket_already_answered": frozenset({"id"}),
    "staff_ticket_already_closed": frozenset({"id"}),
    "staff_ticket_unknown": frozenset({"id"}),
    "staff_ticket_closed": frozenset({"id"}),
    "staff_usage_reply": frozenset(),
    "staff_usage_close": frozenset(),
    "staff_usage_suggest": frozenset(),
    "staff_tickets_empty": frozenset(),
    "staff_tickets_intro": frozenset({"count"}),
    "staff_tickets_line": frozenset({"id", "date", "area", "language", "text"}),
    "staff_unanswered_empty": frozenset({"days"}),
    "staff_unanswered_intro": frozenset({"days"}),
    "staff_unanswered_line": frozenset({"count", "text"}),
    "staff_suggested": frozenset({"id", "entry", "file"}),
    "staff_suggest_not_answered": frozenset({"id"}),
    "staff_suggest_exists": frozenset({"id", "entry"}),
    "staff_suggest_failed": frozenset({"errors"}),
    "staff_only": frozenset(),
}

# The pictures, calendar files and the report (bot/visuals/).
_VISUALS: Mapping[str, frozenset[str]] = {
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

# 👍/👎 under answers and the way on after a 👎 (bot/core/feedback.py).
_FEEDBACK: Mapping[str, frozenset[str]] = {
    "feedback_thanks": frozenset(),
    "feedback_noted": frozenset({"vote"}),
    "feedback_already": frozenset(),
    "feedback_old": frozenset(),
    "feedback_sorry": frozenset(),
    "feedback_sorry_no_staff": frozenset(),
    "mydata_votes": frozenset({"count", "days"}),
    "mydata_vote": frozenset({"date", "topic", "vote"}),
    "mydata_vote_none": frozenset(),
}

# What the bot achieves, for /stats, the report and the digest (bot/core/insight.py).
_INSIGHT: Mapping[str, frozenset[str]] = {
    "insight_title": frozenset({"days"}),
    "insight_answered": frozenset({"now", "before"}),
    "insight_resolved": frozenset({"now", "before"}),
    "insight_tickets": frozenset({"now", "before", "median"}),
    "insight_helpful": frozenset({"now", "before", "up", "down"}),
    "insight_topics": frozenset(),
    "insight_topic": frozenset({"topic", "given", "direct", "suggested", "up", "down", "helpful"}),
    "insight_most_down": frozenset(),
    "insight_most_down_topic": frozenset({"topic", "down"}),
    "insight_question": frozenset({"count", "text"}),
    "insight_none": frozenset(),
    "insight_no_votes": frozenset(),
    "insight_hours": frozenset({"hours"}),
    "digest_title": frozenset({"first", "last"}),
}

# The feedback trend chart and the report's section on it (bot/visuals/feedback.py).
_FEEDBACK_VISUALS: Mapping[str, frozenset[str]] = {
    "feedback_chart_title": frozenset({"days"}),
    "feedback_chart_votes": frozenset(),
    "feedback_chart_up": frozenset(),
    "feedback_chart_down": frozenset(),
    "feedback_chart_helpful": frozenset(),
    "report_feedback": frozenset(),
    "report_feedback_overall": frozenset(),
    "report_feedback_topics": frozenset({"days"}),
    "report_column_figure": frozenset(),
    "report_column_now": frozenset(),
    "report_column_before": frozenset(),
    "report_column_given": frozenset(),
    "report_column_direct": frozenset(),
    "report_column_suggested": frozenset(),
    "report_column_helpful": frozenset(),
}

# Surveys (bot/core/surveys/, content/surveys.yaml): residents, staff, results, /mydata and /forget.
_SURVEYS: Mapping[str, frozenset[str]] = {
    # residents
    "survey_list_intro": frozenset(),
    "survey_list_open": frozenset({"title"}),
    "survey_list_resume": frozenset({"title", "progress"}),
    "survey_list_answered": frozenset({"title"}),
    "survey_list_none": frozenset(),
    "button_survey_answer": frozenset(),
    "button_survey_skip": frozenset(),
    "button_survey_done": frozenset(),
    "button_survey_chart": frozenset(),
    "survey_unknown": frozenset(),
    "survey_already_answered": frozenset({"title"}),
    "survey_begin": frozenset({"count"}),
    "survey_resume": frozenset(),
    "survey_closed": frozenset({"title"}),
    "survey_not_open": frozenset({"title"}),
    "survey_not_begun": frozenset(),
    "survey_other_area": frozenset({"title"}),
    "survey_stale": frozenset(),
    "survey_text_prompt": frozenset({"limit"}),
    "survey_text_too_long": frozenset({"count", "limit"}),
    "survey_text_empty": frozenset(),
    "survey_scale_hint": frozenset(),
    "survey_multi_hint": frozenset(),
    "survey_thanks": frozenset({"title"}),
    "survey_invitation": frozenset({"title"}),
    "survey_invitation_privacy": frozenset({"count"}),
    "survey_published": frozenset({"title", "count"}),
    "survey_results_again": frozenset(),
    "mydata_surveys": frozenset({"titles"}),
    "mydata_survey_unfinished": frozenset({"title"}),
    "forgotten_surveys": frozenset(),
    "chat_no_surveys": frozenset(),
    # results
    "survey_result_answered": frozenset({"count"}),
    "survey_result_mean": frozenset({"mean"}),
    "survey_result_text_count": frozenset({"count"}),
    "survey_result_text_withheld": frozenset({"count", "minimum"}),
    "survey_chart_title": frozenset({"title", "count"}),
    "survey_chart_empty": frozenset(),
    # staff
    "staff_survey_usage": frozenset(),
    "staff_survey_unknown": frozenset({"id"}),
    "staff_survey_preview": frozenset({"id", "title", "area", "count"}),
    **{f"survey_kind_{kind}": frozenset() for kind in ("choice", "multi", "scale", "text")},
    "staff_survey_started_before": frozenset({"id", "date"}),
    "staff_survey_opens_later": frozenset({"id", "date"}),
    "staff_survey_closes_past": frozenset({"id", "date"}),
    "staff_survey_dropped": frozenset({"id"}),
    "staff_survey_sending": frozenset({"id", "count"}),
    "staff_survey_not_started": frozenset({"id"}),
    **{f"survey_state_{state}": frozenset() for state in ("new", "open", "closed", "published")},
    "staff_survey_results": frozenset({"title", "state", "count", "invited"}),
    "staff_survey_already_closed": frozenset({"id"}),
    "staff_survey_closed": frozenset({"id"}),
    "staff_survey_published_before": frozenset({"id"}),
    "staff_survey_publishing": frozenset({"id", "count"}),
    "staff_surveys_none": frozenset(),
    "staff_surveys_intro": frozenset(),
    "staff_surveys_line": frozenset({"id", "title", "area", "state", "count", "invited"}),
}


# Deep-link starts, "Tell a neighbour", staff posters and start counts (bot/core/invitations.py).
_INVITATIONS: Mapping[str, frozenset[str]] = {
    "deeplink_offer": frozenset({"area"}),
    "deeplink_button": frozenset({"area"}),
    "button_share": frozenset(),
    "share_text": frozenset(),
    "staff_only": frozenset(),
    "staff_usage_poster": frozenset(),
    "staff_poster_caption": frozenset({"link"}),
    "staff_stats_starts": frozenset({"starts"}),
    "staff_stats_starts_none": frozenset(),
    "starts_week": frozenset({"week", "date"}),
    "starts_no_language": frozenset(),
    "starts_no_campaign": frozenset(),
    "report_starts_title": frozenset(),
    "report_column_week": frozenset(),
    "report_column_language": frozenset(),
    "report_column_campaign": frozenset(),
    "report_column_starts": frozenset(),
}

# The printable poster (bot/visuals/poster.py).
_POSTER: Mapping[str, frozenset[str]] = {
    "poster_title": frozenset(),
    "poster_line_1": frozenset(),
    "poster_line_2": frozenset({"area"}),
    "poster_line_3": frozenset(),
    "poster_scan": frozenset(),
    "poster_link_hint": frozenset(),
    "poster_privacy": frozenset(),
    "poster_footer": frozenset(),
    **{f"poster_area_{area}": frozenset() for area in AREAS},
}


Keys = Mapping[str, frozenset[str]]


def _once(parts: Mapping[str, Keys]) -> dict[str, Keys]:
    seen: set[str] = set()
    registry: dict[str, Keys] = {}
    for part, keys in parts.items():
        registry[part] = {key: allowed for key, allowed in keys.items() if key not in seen}
        seen.update(keys)
    return registry


REQUIRED_TEXTS: Mapping[str, Keys] = _once(
    {
        DIALOGUE: _DIALOGUE,
        RESIDENTS: _RESIDENTS,
        TICKETS: _TICKETS,
        FEEDBACK: _FEEDBACK,
        INSIGHT: _INSIGHT,
        VISUALS: {**_VISUALS, **_FEEDBACK_VISUALS},
        SURVEYS: _SURVEYS,
        INVITATIONS: {**_INVITATIONS, **_POSTER},
    }
)


def text_problems(
    texts: Texts, where: str = "texts.yaml", *, parts: Iterable[str] | None = None
) -> list[str]:
    """One line per required string (of `parts`, default all) missing or badly filled."""
    chosen = REQUIRED_TEXTS if parts is None else {p: REQUIRED_TEXTS[p] for p in parts}
    return [
        problem
        for part, keys in chosen.items()
        for problem in missing_texts(texts, keys, where=where, needed_by=part)
    ]
