"""Posters and deep links: drawing a poster, and what a deep-link start costs beside /start.

Posters: PDF and PNG drawn afresh (no cache), the median of a few; each is read back with
PDFium and zxing-cpp, as the tests do, so a fast poster that no phone can scan cannot pass.
Starts: `Invitations.start` through the core on SQLite, a deep-link start (sets the language,
adds one to the week's count) beside a plain /start, alternating, each for a new resident;
then the /stats query over a year of counts for many campaigns.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, median
from bot.bootstrap import build_services, load_live_content
from bot.config import Settings
from bot.core.deeplinks import DeepLink, link_url
from bot.domain import Caller
from bot.holder import ContentHolder
from bot.storage.starts import count_start, starts_since
from bot.visuals.poster import poster_bytes, poster_words

CAMPAIGNS = 30  # posters in as many stairwells, shops and meetings
WEEKS = 52


def _poster_figures(content: ContentHolder, runs: int) -> dict[str, Any]:
    from tests.visuals.poster_reading import read_pdf, read_png  # noqa: PLC0415 - dev extra

    link = DeepLink("balltorp", "sv", "trapphus")
    url = link_url("omradesbot", link)
    words = poster_words(content.current.content.texts, "sv", "balltorp")
    figures: dict[str, Any] = {}
    for fmt in ("pdf", "png"):
        timings, data = [], b""
        for _ in range(runs + 1):  # the first loads fonts and segno: not counted
            started = time.perf_counter()
            data = poster_bytes(url, words, fmt)  # type: ignore[arg-type]
            timings.append(time.perf_counter() - started)
        figures[f"{fmt}_ms"] = median(timings[1:]) * 1000
        figures[f"{fmt}_bytes"] = len(data)
        codes = read_pdf(data).codes if fmt == "pdf" else read_png(data)[1]
        figures[f"{fmt}_scans"] = codes == (url,)
    return figures


async def _start_figures(database: Path, starts: int) -> dict[str, Any]:
    settings = Settings(database_url=f"sqlite:///{database}", content_dir=ROOT / "content")
    services = build_services(settings)
    await services.prepare_database()
    invitations = services.invitations
    assert invitations is not None
    plain, linked = [], []
    try:
        for number in range(starts):
            for payload, timings in ((None, plain), ("balltorp-en-trapphus", linked)):
                caller = Caller(chat_id=10_000 + 2 * number + (payload is not None))
                started = time.perf_counter()
                await invitations.start(caller, payload)
                timings.append(time.perf_counter() - started)
        # A year of weekly counts for every campaign, then /stats' query of the last 4 weeks.
        today = dt.datetime.now(settings.timezone).date()
        async with services.sessions.begin() as session:
            for week in range(WEEKS):
                for campaign in range(CAMPAIGNS):
                    day = today - dt.timedelta(weeks=week)
                    await count_start(session, day, "balltorp", "sv", f"c{campaign}")
        query = []
        for _ in range(20):
            started = time.perf_counter()
            async with services.sessions() as session:
                rows = await starts_since(session, today - dt.timedelta(weeks=3))
            query.append(time.perf_counter() - started)
    finally:
        await services.close()
    return {
        "starts": starts,
        "plain_start_ms": median(plain) * 1000,
        "deeplink_start_ms": median(linked) * 1000,
        "ratio": median(linked) / median(plain),
        "count_rows": WEEKS * CAMPAIGNS,
        "stats_rows": len(rows),
        "stats_query_ms": median(query) * 1000,
    }


async def run(*, quick: bool = False) -> dict[str, Any]:
    """Both measurements; figures in milliseconds."""
    content = load_live_content(Settings(content_dir=ROOT / "content"))
    figures = _poster_figures(content, runs=1 if quick else 5)
    with tempfile.TemporaryDirectory() as scratch:
        figures |= await _start_figures(Path(scratch) / "bot.db", 20 if quick else 200)
    return figures
