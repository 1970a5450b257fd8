"""When milestone reminders are due: pure functions of milestones, offsets and an injected `now`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from bot.content import Milestone

_DAY = dt.timedelta(days=1)


def format_offset(offset: dt.timedelta) -> str:
    """Render an offset the way content writes it ('7d', '2h', '30m', '0m'), for stable ids."""
    seconds = int(offset.total_seconds())
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def normalize_local(moment: dt.datetime) -> dt.datetime:
    """Return a real instant in `moment`'s zone: a wall time in the spring-forward gap moves on.

    Wall-clock arithmetic can land on 02:30 on the last Sunday of March, which does not exist;
    a round trip through UTC turns it into the instant a clock on the wall would show (03:30).
    An ambiguous autumn time keeps its first occurrence (summer time).
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times are aware, in the settings' time zone")
    return moment.astimezone(dt.UTC).astimezone(moment.tzinfo)


def reminder_due(when: dt.datetime, offset: dt.timedelta) -> dt.datetime:
    """The moment a reminder `offset` before `when` is due.

    Whole days mean calendar days at the same local time ("1d" before 18:00 is 18:00 the day
    before, whether or not the clocks changed in between); hours and minutes mean elapsed time.
    Local is the zone `when` is in: milestones are held in the settings' time zone.
    """
    when = normalize_local(when)
    if offset % _DAY == dt.timedelta(0):
        return normalize_local(when - offset)  # same tzinfo: Python subtracts wall-clock time
    return (when.astimezone(dt.UTC) - offset).astimezone(when.tzinfo)


def reminder_job_id(milestone_id: str, offset: dt.timedelta) -> str:
    """The APScheduler job id of one reminder; moving the milestone replaces the same job."""
    return f"reminder:{milestone_id}:{format_offset(offset)}"


def reminder_dedupe_key(milestone_id: str, offset: dt.timedelta, when: dt.datetime) -> str:
    """The outbox key of one reminder: a moved milestone gets fresh reminders, a restart none."""
    stamp = normalize_local(when).astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
    return f"{reminder_job_id(milestone_id, offset)}:{stamp}"


@dataclass(frozen=True)
class Reminder:
    """One reminder of one milestone: due at `due`, enqueued at most once under `dedupe_key`."""

    milestone_id: str
    offset: dt.timedelta
    due: dt.datetime
    job_id: str
    dedupe_key: str


@dataclass(frozen=True)
class ReminderPlan:
    """What to do with every reminder at one moment: schedule, send now (late), or skip."""

    upcoming: tuple[Reminder, ...] = ()
    late: tuple[Reminder, ...] = ()
    missed: tuple[Reminder, ...] = ()
    done: tuple[Reminder, ...] = field(default=())


def reminders_for(milestone: Milestone, default_offsets: Iterable[dt.timedelta]) -> list[Reminder]:
    """Every reminder of `milestone` (its own offsets, else the defaults), earliest first."""
    offsets = milestone.remind if milestone.remind is not None else tuple(default_offsets)
    reminders = [
        Reminder(
            milestone_id=milestone.id,
            offset=offset,
            due=reminder_due(milestone.when, offset),
            job_id=reminder_job_id(milestone.id, offset),
            dedupe_key=reminder_dedupe_key(milestone.id, offset, milestone.when),
        )
        for offset in sorted(set(offsets), reverse=True)
    ]
    return sorted(reminders, key=lambda r: r.due)


def plan_reminders(
    milestones: Iterable[Milestone],
    *,
    now: dt.datetime,
    default_offsets: Iterable[dt.timedelta],
    misfire_grace: dt.timedelta,
    sent: Collection[str] = frozenset(),
    set_at: Mapping[str, dt.datetime] | None = None,
) -> ReminderPlan:
    """Sort every reminder into upcoming (schedule it), late (send now), missed or done.

    `sent` holds the dedupe keys already in the outbox, so a restart repeats nothing.
    `set_at` maps a milestone id to when its date was last set (added or moved by staff): a
    reminder due before that moment is never sent, so a milestone already past when it was
    added, or a "7d" reminder of a milestone added 3 days ahead, stays silent.
    A reminder due at most `misfire_grace` ago is late and still sent; older ones are missed.
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime: `now` must be aware")
    offsets = tuple(default_offsets)
    upcoming: list[Reminder] = []
    late: list[Reminder] = []
    missed: list[Reminder] = []
    done: list[Reminder] = []
    for milestone in milestones:
        since = (set_at or {}).get(milestone.id)
        for reminder in reminders_for(milestone, offsets):
            if reminder.dedupe_key in sent:
                done.append(reminder)
            elif since is not None and reminder.due < since:
                continue
            elif reminder.due > now:
                upcoming.append(reminder)
            elif now - reminder.due <= misfire_grace:
                late.append(reminder)
            else:
                missed.append(reminder)
    key = _by_due
    return ReminderPlan(
        upcoming=tuple(sorted(upcoming, key=key)),
        late=tuple(sorted(late, key=key)),
        missed=tuple(sorted(missed, key=key)),
        done=tuple(sorted(done, key=key)),
    )


def _by_due(reminder: Reminder) -> tuple[dt.datetime, str]:
    return (reminder.due, reminder.job_id)


def still_sendable(due: dt.datetime, now: dt.datetime, misfire_grace: dt.timedelta) -> bool:
    """True when a reminder firing at `now` is on time or late by no more than the grace."""
    return now - due <= misfire_grace
