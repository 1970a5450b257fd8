"""The weekly digest's timetable: the housekeeping scheduler (scheduler/housekeeping.py) fires it.

The digest itself is the core's (bot/core/digest.py); this module only adds what needs the
transport: its trend chart is a Telegram photo, sent directly by the process that enqueued the text.
"""

from __future__ import annotations

from bot.telegram.context import BotApplication
from bot.telegram.visuals import send_trend_charts

DIGEST_JOB = "weekly-digest"


async def send_digest(application: BotApplication) -> None:
    """The weekly digest to the staff, through the outbox (bot/core/digest.py), then its chart."""
    services = application.bot_data.services
    sent = await services.digest.send(services.clock())
    if sent is None:
        return
    services.delivery.wake()
    # The text goes through the outbox; the trend chart follows it directly, from the one
    # process that enqueued the text (a chart lost to an error is logged, the text is not).
    await send_trend_charts(application, [(r.chat_id, r.language) for r in sent.recipients])


def schedule_digest(application: BotApplication) -> None:
    """Put the weekly digest on the housekeeping timetable, when it is on and has readers."""
    services = application.bot_data.services
    schedule = services.settings.digest
    if schedule is None or not services.digest.targets:
        return

    async def digest() -> None:
        await send_digest(application)

    services.housekeeping.every_week(
        digest,
        job_id=DIGEST_JOB,
        weekday=schedule.weekday,
        at=schedule.at,
        misfire_grace=services.settings.misfire_grace,
    )
