"""Housekeeping jobs run by PTB's JobQueue: pruning old questions, freeing flood-gate memory."""

from __future__ import annotations

import datetime as dt

from bot.telegram.context import BotApplication, BotContext
from bot.telegram.visuals import send_trend_charts

PRUNE_AT = dt.time(3, 30)  # a quiet hour, local time
FLOOD_SWEEP_EVERY = dt.timedelta(minutes=10)
DIGEST_JOB = "weekly-digest"


async def prune_questions(context: BotContext) -> None:
    """Delete logged questions older than the retention period."""
    await context.services.residents.prune_questions()


async def send_digest(context: BotContext) -> None:
    """The weekly digest to the staff, through the outbox (bot/digest.py)."""
    services = context.services
    sent = await services.digest.send(services.clock()) if services.digest is not None else None
    if sent is None:
        return
    if services.delivery is not None:
        services.delivery.wake()
    # The text goes through the outbox; the trend chart follows it directly, from the one
    # process that enqueued the text (a chart lost to an error is logged, the text is not).
    await send_trend_charts(context, [(r.chat_id, r.language) for r in sent.recipients])


async def sweep_flood_gate(context: BotContext) -> None:
    """Forget the message times of chats that have been quiet for a minute."""
    await context.services.flood.tidy()


def schedule_housekeeping(application: BotApplication) -> None:
    """Add the daily prune and the flood-gate sweep to the application's job queue."""
    services = application.bot_data.services
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    job_queue.run_daily(
        prune_questions,
        time=PRUNE_AT.replace(tzinfo=services.settings.timezone),
        name="prune-questions",
    )
    job_queue.run_repeating(sweep_flood_gate, interval=FLOOD_SWEEP_EVERY, name="sweep-flood-gate")
    schedule = services.settings.digest
    if schedule is not None and services.digest is not None and services.digest.targets:
        job_queue.run_daily(
            send_digest,
            time=schedule.at.replace(tzinfo=services.settings.timezone),
            days=((schedule.weekday + 1) % 7,),  # PTB counts from Sunday = 0
            name=DIGEST_JOB,
            job_kwargs={"misfire_grace_time": int(services.settings.misfire_grace.total_seconds())},
        )
