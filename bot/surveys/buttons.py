"""The callback data of survey buttons: `survey:<action>:<survey id>[:<question>[:<option>]]`."""

from __future__ import annotations

PREFIX = "survey:"
GO, ANSWER, TOGGLE, DONE, SKIP, CHART = "go", "a", "t", "d", "s", "chart"


def go_data(survey_id: str) -> str:
    """Button data that begins (or resumes) a survey."""
    return f"{PREFIX}{GO}:{survey_id}"


def chart_data(survey_id: str) -> str:
    """Button data that asks for a survey's results chart."""
    return f"{PREFIX}{CHART}:{survey_id}"
