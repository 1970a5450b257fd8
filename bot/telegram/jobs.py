"""The weekly digest on PTB's JobQueue: its trend chart goes out through the bot itself.

The other timed jobs live in scheduler/ (delivery: scheduler/jobs.py; housekeeping:
scheduler/housekeeping.py); the digest stays with the transport because half of it, the chart,
is a Telegram photo sent directly by the process that enqueued the text.
"""

from __future__ import annotations

from bot.telegram.context import BotApplication, BotContext
from bot.telegram.visuals import send_trend_charts

DIGEST_JOB = "weekly-digest"


async def send_digest(context: BotContext) -> None:
    """The weekly digest to the staff, through the outbox (bot/core/digest.py)."""
    services = context.services
    sent = await services.digest.send(services.clock())
    if sent is None:
        return
    services.delivery.wake()
    # The text goes through the outbox; the trend chart follows it directly, from the one
    # process that enqueued the text (a chart lost to an error is logged, the text is not).
    await send_trend_charts(context, [(r.chat_id, r.language) for r in sent.recipients])


def schedule_digest(application: BotApplication) -> None:
    """Add the weekly digest to the application's job queue, when it is on and has readers."""
    services = application.bot_data.services
    schedule = services.settings.digest
    if schedule is None or not services.digest.targets:
        return
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    job_queue.run_daily(
        send_digest,
        time=schedule.at.replace(tzinfo=services.settings.timezone),
        days=((schedule.weekday + 1) % 7,),  # PTB counts from Sunday = 0
        name=DIGEST_JOB,
        job_kwargs={"misfire_grace_time": int(services.settings.misfire_grace.total_seconds())},
    )
