"""Reminder times from milestones: offsets, past milestones, misfire grace, daylight saving."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Milestone
from scheduler.reminders import (
    format_offset,
    normalize_local,
    plan_reminders,
    reminder_dedupe_key,
    reminder_due,
    reminders_for,
)

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
WEEK = dt.timedelta(days=7)
DEFAULTS = (WEEK, DAY)
GRACE = dt.timedelta(hours=6)


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def elapsed(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Real time between two instants (Python subtracts wall-clock time within one zone)."""
    return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)


def milestone(
    when: str, *, remind: tuple[dt.timedelta, ...] | None = None, id: str = "m1"
) -> Milestone:
    return Milestone(
        id=id, area="balltorp", when=local(when), title={"sv": "T", "en": "T"}, remind=remind
    )


def test_default_offsets_give_one_reminder_each_at_the_same_local_time() -> None:
    reminders = reminders_for(milestone("2027-01-15 18:00"), DEFAULTS)

    assert [r.due for r in reminders] == [local("2027-01-08 18:00"), local("2027-01-14 18:00")]
    assert [r.job_id for r in reminders] == ["reminder:m1:1w", "reminder:m1:1d"]


def test_milestone_offsets_override_the_defaults() -> None:
    reminders = reminders_for(milestone("2027-01-15 18:00", remind=(2 * HOUR, DAY * 0)), DEFAULTS)

    assert [r.due for r in reminders] == [local("2027-01-15 16:00"), local("2027-01-15 18:00")]


def test_one_day_before_spring_forward_keeps_the_wall_clock_time() -> None:
    # Clocks go 02:00 -> 03:00 on 2027-03-28, so that day is 23 hours long.
    due = reminder_due(local("2027-03-28 18:00"), DAY)

    assert due == local("2027-03-27 18:00")
    assert due.utcoffset() == dt.timedelta(hours=1)
    assert elapsed(due, local("2027-03-28 18:00")) == 23 * HOUR


def test_one_day_before_fall_back_keeps_the_wall_clock_time() -> None:
    # Clocks go 03:00 -> 02:00 on 2027-10-31, so that day is 25 hours long.
    due = reminder_due(local("2027-10-31 18:00"), DAY)

    assert due == local("2027-10-30 18:00")
    assert due.utcoffset() == dt.timedelta(hours=2)
    assert elapsed(due, local("2027-10-31 18:00")) == 25 * HOUR


def test_hour_offsets_across_spring_forward_are_elapsed_time() -> None:
    due = reminder_due(local("2027-03-28 04:00"), 3 * HOUR)

    # 04:00 CEST is 02:00 UTC; three real hours earlier is 23:00 UTC, i.e. 00:00 CET.
    assert due == local("2027-03-28 00:00")
    assert due.astimezone(dt.UTC) == dt.datetime(2027, 3, 27, 23, 0, tzinfo=dt.UTC)


def test_a_day_offset_landing_in_the_spring_gap_moves_to_the_next_real_time() -> None:
    due = reminder_due(local("2027-03-29 02:30"), DAY)  # the 28th, 02:30 does not exist

    assert due.hour == 3
    assert due.minute == 30
    assert normalize_local(due) == due


def test_future_reminders_are_upcoming() -> None:
    plan = plan_reminders(
        [milestone("2027-01-15 18:00")],
        now=local("2027-01-01 12:00"),
        default_offsets=DEFAULTS,
        misfire_grace=GRACE,
    )

    assert [r.job_id for r in plan.upcoming] == ["reminder:m1:1w", "reminder:m1:1d"]
    assert plan.late == plan.missed == ()


def test_a_reminder_missed_within_the_grace_is_sent_late_and_older_ones_are_skipped() -> None:
    plan = plan_reminders(
        [milestone("2027-01-15 18:00")],
        now=local("2027-01-14 23:00"),  # the 1d reminder was due 5 hours ago
        default_offsets=DEFAULTS,
        misfire_grace=GRACE,
    )

    assert [r.job_id for r in plan.late] == ["reminder:m1:1d"]
    assert [r.job_id for r in plan.missed] == ["reminder:m1:1w"]
    assert plan.upcoming == ()


def test_just_past_the_grace_is_missed() -> None:
    plan = plan_reminders(
        [milestone("2027-01-15 18:00")],
        now=local("2027-01-15 00:01"),
        default_offsets=DEFAULTS,
        misfire_grace=GRACE,
    )

    assert plan.late == ()
    assert len(plan.missed) == 2


def test_reminders_already_in_the_outbox_are_never_planned_again() -> None:
    m = milestone("2027-01-15 18:00")
    sent = {reminder_dedupe_key("m1", DAY, m.when)}

    plan = plan_reminders(
        [m], now=local("2027-01-14 19:00"), default_offsets=DEFAULTS, misfire_grace=GRACE, sent=sent
    )

    assert plan.late == ()
    assert [r.job_id for r in plan.done] == ["reminder:m1:1d"]


def test_a_milestone_already_past_when_added_gets_no_reminder() -> None:
    plan = plan_reminders(
        [milestone("2027-01-15 18:00", remind=(DAY, dt.timedelta(0)))],
        now=local("2027-01-15 19:00"),
        default_offsets=DEFAULTS,
        misfire_grace=GRACE,
        set_at={"m1": local("2027-01-15 19:00")},
    )

    assert plan.upcoming == plan.late == plan.missed == ()


def test_only_reminders_due_after_the_milestone_was_added_are_kept() -> None:
    plan = plan_reminders(
        [milestone("2027-01-15 18:00")],
        now=local("2027-01-10 12:00"),  # added five days ahead: the 7d reminder never existed
        default_offsets=DEFAULTS,
        misfire_grace=GRACE,
        set_at={"m1": local("2027-01-10 12:00")},
    )

    assert [r.job_id for r in plan.upcoming] == ["reminder:m1:1d"]
    assert plan.late == plan.missed == ()


def test_moving_a_milestone_gives_its_reminders_new_keys_but_the_same_job_ids() -> None:
    before = reminders_for(milestone("2027-01-15 18:00"), DEFAULTS)
    after = reminders_for(milestone("2027-02-15 18:00"), DEFAULTS)

    assert [r.job_id for r in before] == [r.job_id for r in after]
    assert not {r.dedupe_key for r in before} & {r.dedupe_key for r in after}


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        plan_reminders(
            [milestone("2027-01-15 18:00")],
            now=dt.datetime(2027, 1, 1),
            default_offsets=DEFAULTS,
            misfire_grace=GRACE,
        )


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (WEEK, "1w"),
        (DAY, "1d"),
        (2 * HOUR, "2h"),
        (dt.timedelta(minutes=30), "30m"),
        (DAY * 0, "0m"),
    ],
)
def test_offsets_render_as_content_writes_them(offset: dt.timedelta, text: str) -> None:
    assert format_offset(offset) == text
