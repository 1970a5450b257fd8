"""Calendar files (RFC 5545 .ics) for milestones, so residents can add a date with one tap.

Every word comes from the content: the title (with the season for approximate dates), the
details, and a note that the date is approximate. A date given without a time, and every
approximate date, is an all-day event; a date with a time is a timed event in the bot's time zone
(the settings', which the milestone's time carries) with its VTIMEZONE included, so calendar apps
show the right local time across DST.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.content import Milestone, Texts, describe_when
from bot.domain import Button, Lang
from bot.visuals.timeline import coming_milestones

if TYPE_CHECKING:  # icalendar loads with the first calendar file, not at start-up
    from icalendar import Timezone

ICS_PREFIX = "ics:"  # callback data of the "Add to calendar" buttons: "ics:<milestone id>"
ICS_MIME_TYPE = "text/calendar"
PRODID = "-//Omradesboten//Molndal//SV"
_BUTTON_TITLE_CHARS = 32  # what a phone shows of a button before cutting it off
_FILENAME_RE = re.compile(r"[^a-z0-9-]+")


def ics_callback_data(milestone: Milestone) -> str:
    """The button data for `milestone`; ids are at most 41 ASCII characters, so under 64 bytes."""
    return ICS_PREFIX + milestone.id


def milestone_id_of(data: str) -> str | None:
    """The milestone id in 'ics:<id>' button data, or None for other data."""
    if not data.startswith(ICS_PREFIX):
        return None
    return data.removeprefix(ICS_PREFIX) or None


def calendar_button_label(milestone: Milestone, texts: Texts, lang: Lang) -> str:
    """'Lägg till i kalendern: <title>' with the title shortened to fit a phone's button."""
    title = milestone.title[lang].rstrip(".")
    if len(title) > _BUTTON_TITLE_CHARS:
        title = title[: _BUTTON_TITLE_CHARS - 1].rstrip() + "…"
    return texts.get("calendar_button", lang, title=title)


def calendar_buttons(
    milestones: Iterable[Milestone], lang: Lang, now: dt.datetime, texts: Texts
) -> tuple[tuple[Button, ...], ...]:
    """One "Add to calendar" button per coming milestone, one per row, soonest first."""
    return tuple(
        (Button(calendar_button_label(m, texts, lang), ics_callback_data(m)),)
        for m in coming_milestones(milestones, now)
    )


def ics_filename(milestone: Milestone) -> str:
    """A safe, stable file name such as 'balltorp-start.ics'."""
    stem = _FILENAME_RE.sub("-", milestone.id.lower()).strip("-") or "milestone"
    return f"{stem}.ics"


def ics_uid(milestone: Milestone) -> str:
    """The same UID every time, so importing the file twice updates rather than duplicates."""
    return f"milestone-{milestone.id}@omradesbot"


def is_all_day(milestone: Milestone) -> bool:
    """Approximate dates and dates without a time of day become all-day events."""
    return milestone.approximate or milestone.when.time() == dt.time(9, 0)


def ics_summary(milestone: Milestone, texts: Texts, lang: Lang) -> str:
    """The event title: the milestone's, with the season added when the date is approximate."""
    title = milestone.title[lang]
    if milestone.label is None:
        return title
    return f"{title.rstrip('.')} ({milestone.label[lang]})"


def ics_description(milestone: Milestone, texts: Texts, lang: Lang) -> str:
    """The milestone's details and, for an approximate date, a note saying so."""
    parts = []
    if milestone.details is not None:
        parts.append(milestone.details[lang])
    if milestone.label is not None:
        parts.append(texts.get("calendar_approximate", lang, when=milestone.label[lang]))
    return "\n\n".join(parts)


def zone_name(moment: dt.datetime) -> str:
    """The IANA name of the zone `moment` is in ('Asia/Tokyo'), as calendars want it."""
    zone = moment.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    return "UTC" if moment.utcoffset() == dt.timedelta(0) else str(zone)


def vtimezone(moment: dt.datetime) -> Timezone:
    """The VTIMEZONE of `moment`'s zone, with its offset changes from a year before to two after:
    enough for a calendar app to place the event and show it right across DST."""
    from icalendar import Timezone  # noqa: PLC0415

    assert moment.tzinfo is not None
    year = moment.year
    return Timezone.from_tzinfo(
        moment.tzinfo,
        tzid=zone_name(moment),
        first_date=dt.date(year - 1, 1, 1),
        last_date=dt.date(year + 2, 1, 1),
    )


def build_ics(milestone: Milestone, lang: Lang, texts: Texts, *, stamp: dt.datetime) -> bytes:
    """One VEVENT in a VCALENDAR, as the bytes of an .ics file; `stamp` is DTSTAMP (aware)."""
    if stamp.tzinfo is None:
        raise ValueError("stamp must be an aware datetime")
    from icalendar import Calendar, Event  # noqa: PLC0415 - a few MiB, only for a file

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    local = milestone.when  # in the bot's time zone, like every milestone
    calendar.add("x-wr-timezone", zone_name(local))

    event = Event()
    event.add("uid", ics_uid(milestone))
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    if is_all_day(milestone):
        event.add("dtstart", local.date())
        event.add("dtend", local.date() + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # a season is not a busy day
    else:
        # Timed: a moment, so no DTEND (RFC 5545 3.6.1: the event ends when it starts).
        event.add("dtstart", local)
        calendar.add_component(vtimezone(local))
    event.add("summary", ics_summary(milestone, texts, lang))
    description = ics_description(milestone, texts, lang)
    if description:
        event.add("description", description)
    event.add("categories", [texts.get(f"area_{milestone.area}", lang)])
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def calendar_caption(milestone: Milestone, texts: Texts, lang: Lang) -> str:
    """The caption sent with the file: what it is and how to use it."""
    return texts.get(
        "calendar_file_caption",
        lang,
        title=milestone.title[lang].rstrip("."),
        when=describe_when(milestone, texts, lang),
    )
