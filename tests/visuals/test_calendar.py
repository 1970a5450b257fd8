"""Calendar files: RFC 5545 as the icalendar library reads it, stable UIDs, Stockholm time."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content, Milestone
from bot.domain import MAX_CALLBACK_DATA
from bot.visuals.calendar import (
    build_ics,
    calendar_buttons,
    ics_callback_data,
    ics_filename,
    milestone_id_of,
)
from tests.visuals.conftest import WINTER_2021

STAMP = dt.datetime(2021, 1, 15, 12, 0, tzinfo=STOCKHOLM)


def milestone(content: Content, milestone_id: str) -> Milestone:
    return next(m for m in content.milestones if m.id == milestone_id)


def evening(when: dt.datetime) -> Milestone:
    return Milestone(
        id="evening-meeting",
        area="balltorp",
        when=when,
        title={"sv": "Möte om områdesarbetet", "en": "Meeting about the area work"},
        details={"sv": "I Balltorp.", "en": "In Balltorp."},
    )


def parse(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_an_approximate_milestone_is_an_all_day_event_named_with_its_season(
    real_content: Content,
) -> None:
    start = milestone(real_content, "balltorp-start")
    calendar, event = parse(build_ics(start, "sv", real_content.texts, stamp=STAMP))
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert str(event["SUMMARY"]) == "Områdesarbetet i Balltorp drar igång (hösten 2021)"
    assert event.decoded("DTSTART") == dt.date(2021, 9, 1)
    assert event.decoded("DTEND") == dt.date(2021, 9, 2)
    assert "hösten 2021" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTAMP") == STAMP.astimezone(dt.UTC)


def test_english_residents_get_english_words(real_content: Content) -> None:
    start = milestone(real_content, "balltorp-start")
    _, event = parse(build_ics(start, "en", real_content.texts, stamp=STAMP))
    assert str(event["SUMMARY"]) == "The area-based community work in Balltorp starts (autumn 2021)"
    assert "approximate" in str(event["DESCRIPTION"])


def test_the_uid_is_the_same_every_time_and_differs_between_milestones(
    real_content: Content,
) -> None:
    texts = real_content.texts
    uids = {
        m.id: {
            str(parse(build_ics(m, lang, texts, stamp=STAMP + dt.timedelta(days=n)))[1]["UID"])
            for lang in ("sv", "en")
            for n in range(2)
        }
        for m in real_content.milestones
    }
    assert all(len(found) == 1 for found in uids.values())
    assert len({next(iter(found)) for found in uids.values()}) == len(real_content.milestones)


@pytest.mark.parametrize(
    ("when", "offset_hours"),
    [
        (dt.datetime(2027, 1, 15, 18, 0, tzinfo=STOCKHOLM), 1),  # winter: CET
        (dt.datetime(2027, 7, 15, 18, 0, tzinfo=STOCKHOLM), 2),  # summer: CEST
        (dt.datetime(2027, 3, 28, 3, 30, tzinfo=STOCKHOLM), 2),  # just after the spring change
    ],
)
def test_a_timed_milestone_is_in_stockholm_time_with_its_vtimezone(
    real_content: Content, when: dt.datetime, offset_hours: int
) -> None:
    data = build_ics(evening(when), "sv", real_content.texts, stamp=STAMP)
    calendar, event = parse(data)
    assert b"DTSTART;TZID=Europe/Stockholm:" in data
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/Stockholm"
    start = event.decoded("DTSTART")
    assert start.utcoffset() == dt.timedelta(hours=offset_hours)
    assert start.astimezone(dt.UTC) == when.astimezone(dt.UTC)
    assert str(event["SUMMARY"]) == "Möte om områdesarbetet"
    assert str(event["DESCRIPTION"]) == "I Balltorp."


def test_a_date_without_a_time_is_all_day(real_content: Content) -> None:
    day = evening(dt.datetime(2027, 2, 1, 9, 0, tzinfo=STOCKHOLM))
    _, event = parse(build_ics(day, "en", real_content.texts, stamp=STAMP))
    assert event.decoded("DTSTART") == dt.date(2027, 2, 1)


def test_buttons_only_for_coming_milestones_with_short_data(real_content: Content) -> None:
    rows = calendar_buttons(real_content.milestones, "sv", WINTER_2021, real_content.texts)
    data = [button.data for (button,) in rows]
    assert data == ["ics:balltorp-survey", "ics:balltorp-start"]
    assert all(button.label.startswith("Lägg till i kalendern") for (button,) in rows)
    english = calendar_buttons(real_content.milestones, "en", WINTER_2021, real_content.texts)
    assert all(button.label.startswith("Add to calendar") for (button,) in english)
    longest_id = "a" * 41  # the longest id content validation accepts
    longest = evening(WINTER_2021 + dt.timedelta(days=1))
    longest = Milestone(**{**longest.__dict__, "id": longest_id})
    assert len(ics_callback_data(longest).encode()) <= MAX_CALLBACK_DATA
    assert milestone_id_of(ics_callback_data(longest)) == longest_id
    assert milestone_id_of("faq:x") is None
    assert ics_filename(longest) == f"{longest_id}.ics"


def test_a_naive_stamp_is_refused(real_content: Content) -> None:
    with pytest.raises(ValueError, match="aware"):
        build_ics(
            real_content.milestones[0], "sv", real_content.texts, stamp=dt.datetime(2021, 1, 1)
        )
