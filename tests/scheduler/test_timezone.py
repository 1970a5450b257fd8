"""OMRADESBOT_TIMEZONE is honoured: milestones are read, reminded and shown in the settings' zone.

The bot runs in Asia/Tokyo here: a milestone at 18:00 Tokyo time is scheduled by the real
APScheduler for 18:00 Tokyo time (09:00 UTC, not Stockholm's 16:00 UTC), fires then with the
clock injected, and residents and staff see 18:00.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.config import DEFAULT_TIMEZONE, Settings
from bot.core.staff import StaffService
from bot.domain import Caller
from bot.services import Services
from bot.storage.models import Broadcast, Delivery
from scheduler.jobs import Jobs
from tests.conftest import MakeContent

TOKYO = ZoneInfo("Asia/Tokyo")
ROOT = Path(__file__).resolve().parents[2]
MILESTONE = "tokyo-evening"
MILESTONES = f"""
milestones:
  - id: {MILESTONE}
    area: balltorp
    when: "2030-05-10 18:00"
    remind: [0m]
    title: {{sv: Kvällsmöte, en: Evening meeting}}
"""
RESIDENT = 4242
STAFF = 9001


class Clock:
    """The bot's clock, moved by the test (no sleeping)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def services(tmp_content: MakeContent, tmp_path: Path) -> AsyncIterator[Services]:
    content_dir = tmp_content(minimal=True)
    (content_dir / "milestones.yaml").write_text(MILESTONES, encoding="utf-8")
    settings = Settings.from_env(
        {
            "OMRADESBOT_TIMEZONE": "Asia/Tokyo",
            "OMRADESBOT_CONTENT_DIR": str(content_dir),
            "OMRADESBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "OMRADESBOT_STAFF_IDS": str(STAFF),
        }
    )
    built = build_services(settings, clock=Clock(dt.datetime(2030, 5, 1, 12, 0, tzinfo=TOKYO)))
    await built.prepare_database()
    yield built
    await built.close()


async def test_a_milestone_at_a_tokyo_time_is_reminded_then_and_shown_in_tokyo_time(
    services: Services,
) -> None:
    clock = services.clock
    assert isinstance(clock, Clock)
    resident = Caller(chat_id=RESIDENT, language_code="sv")
    await services.residents.subscribe(resident, "balltorp")
    settings = services.settings
    enqueued = asyncio.Event()
    scheduler = AsyncIOScheduler(timezone=settings.timezone)  # as DeliveryRuntime builds it
    jobs = Jobs(
        services.sessions,
        lambda: services.content.current.content,
        clock=clock,
        default_offsets=settings.remind_default,
        misfire_grace=settings.misfire_grace,
        wake_sender=enqueued.set,
        scheduler=scheduler,
    )
    scheduler.start()
    try:
        await jobs.rebuild()
        job = scheduler.get_job(f"reminder:{MILESTONE}:0m")
        assert job is not None
        due = dt.datetime(2030, 5, 10, 18, 0, tzinfo=TOKYO)
        assert job.next_run_time == due
        assert job.next_run_time.astimezone(dt.UTC).hour == 9  # Stockholm's 18:00 is 16 UTC
        assert not enqueued.is_set()

        # The moment comes: the clock says so, and APScheduler runs the job itself.
        clock.now = due
        scheduler.modify_job(job.id, next_run_time=dt.datetime.now(dt.UTC))
        await asyncio.wait_for(enqueued.wait(), timeout=10)
    finally:
        scheduler.shutdown(wait=False)

    async with services.sessions() as session:
        rows = (
            await session.execute(
                select(Broadcast.text_sv, Delivery.chat_id)
                .join(Delivery, Delivery.broadcast_id == Broadcast.id)
                .where(Broadcast.kind == "reminder")
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("⏰ Påminnelse: Kvällsmöte (2030-05-10 kl. 18:00)", RESIDENT)
    ]
    timeline = await services.residents.milestones(resident)
    assert "2030-05-10 kl. 18:00" in timeline.text


async def test_staff_dates_are_typed_and_shown_in_the_settings_zone(services: Services) -> None:

    staff = StaffService(
        services.sessions,
        lambda: services.content.current.content,
        reload=services.content.reload,
        clock=services.clock,
        staff_ids=frozenset({STAFF}),
        zone=services.settings.timezone,
    )
    reply = await staff.preview(STAFF, STAFF, "2030-06-01 10:00 balltorp Hej", "en", scheduled=True)
    assert "2030-06-01 10:00" in reply.text
    async with services.sessions() as session:
        stored = await session.scalar(select(Broadcast.scheduled_for))
    assert stored is not None
    assert stored.astimezone(dt.UTC) == dt.datetime(2030, 6, 1, 1, 0, tzinfo=dt.UTC)
    timeline = await services.residents.timeline()
    assert [m.when.utcoffset() for m in timeline] == [dt.timedelta(hours=9)]


def test_no_time_zone_is_named_outside_the_settings_default() -> None:
    """Every place takes the zone from settings: the name stands once, as the default."""
    pattern = re.compile(r"Europe/Stockholm|STOCKHOLM")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("bot", "scheduler")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == ['bot/config.py:21: DEFAULT_TIMEZONE = ZoneInfo("Europe/Stockholm")']
    assert DEFAULT_TIMEZONE.key == "Europe/Stockholm"
