"""The staff report as one self-contained HTML page: the chart inline, the numbers as tables.

No external files, scripts or fonts: the chart is a base64 PNG data URI, the styles are inline,
and every text is HTML-escaped, so the page can be mailed or opened offline.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_TIMEZONE
from bot.content import Content, Texts
from bot.core.insight import read_overview
from bot.domain import Lang
from bot.storage.feedback import votes_by_day
from bot.storage.starts import WeeklyStarts, starts_since
from bot.visuals.charts import StatsPicture, render_stats, topic_label
from bot.visuals.feedback import (
    feedback_section_html,
    trend_caption,
    trend_days,
    trend_png,
    write_csv,
)
from bot.visuals.html import table
from bot.visuals.stats import DEFAULT_DAYS, StaffStats, collect_stats

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
.generated { color: #595959; margin-top: 0; }
img.chart { width: 100%; max-width: 1080px; height: auto; border: 1px solid #d9d9d9; }
figcaption { white-space: pre-line; color: #333; margin: 0.5rem 0 1.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 2rem; min-width: 20rem; }
caption { text-align: left; font-weight: bold; font-size: 1.15rem; padding-bottom: 0.4rem; }
th, td { border-bottom: 1px solid #d9d9d9; padding: 0.3rem 0.8rem; text-align: left; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
h2 { font-size: 1.4rem; margin-top: 2.5rem; }
pre.summary { white-space: pre-wrap; font-family: inherit; }
"""


def png_data_uri(png: bytes) -> str:
    """`data:image/png;base64,...` for an <img> that needs no other file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def build_report_html(
    stats: StaffStats,
    picture: StatsPicture,
    texts: Texts,
    lang: Lang,
    topic_titles: Mapping[str, str],
    *,
    generated_at: dt.datetime,
    sections: str = "",
    starts: Sequence[WeeklyStarts] = (),
) -> str:
    """The whole page as a string; `sections`: further HTML (already escaped) at the end;
    `starts`: deep-link starts per week and link (issue 17)."""
    t = texts.get
    title = t("report_title", lang)
    generated = generated_at.strftime("%Y-%m-%d %H:%M")  # in the clock's (settings') zone
    subscribers = table(
        t("stats_chart_subscribers", lang),
        [t("report_column_area", lang), t("report_column_subscribers", lang)],
        [(t(f"area_{s.area}", lang), s.current) for s in stats.subscribers],
        "subscribers",
    )
    questions = table(
        t("stats_chart_questions", lang, days=stats.days),
        [
            t("report_column_date", lang),
            t("report_column_questions", lang),
            t("stats_chart_answered", lang),
            t("stats_chart_share", lang),
        ],
        [
            (d.day.isoformat(), d.total, d.answered, f"{round(d.share_answered * 100)} %")
            for d in stats.questions
        ],
        "questions",
    )
    topics = table(
        t("stats_chart_topics", lang, days=stats.days),
        [t("report_column_topic", lang), t("report_column_count", lang)],
        [(topic_label(topic, topic_titles), count) for topic, count in stats.top_topics],
        "topics",
    )
    starts_table = table(
        t("report_starts_title", lang),
        [
            t("report_column_week", lang),
            t("report_column_area", lang),
            t("report_column_language", lang),
            t("report_column_campaign", lang),
            t("report_column_starts", lang),
        ],
        [
            (
                t("starts_week", lang, week=s.week.isocalendar().week, date=s.week.isoformat()),
                t(f"area_{s.area}", lang),
                s.language or t("starts_no_language", lang),
                s.campaign or t("starts_no_campaign", lang),
                s.count,
            )
            for s in starts
        ],
        "starts",
        text_columns=4,
    )
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="generated">{escape(t("report_generated", lang, date=generated))}</p>
<figure>
<img class="chart" id="chart" src="{png_data_uri(picture.png)}" alt="{escape(picture.caption)}">
<figcaption>{escape(picture.caption)}</figcaption>
</figure>
{subscribers}
{questions}
{topics}
{starts_table}
{sections}
</body>
</html>
"""


def topic_titles(content: Content, lang: Lang) -> dict[str, str]:
    """FAQ topic ids to their titles in `lang`, for chart labels."""
    return {entry.id: entry.title[lang] for entry in content.faq}


async def write_report(
    out: Path | None,
    *,
    database_url: str,
    content: Content,
    lang: Lang,
    now: dt.datetime,
    days: int = DEFAULT_DAYS,
    csv_dir: Path | None = None,
    zone: ZoneInfo = DEFAULT_TIMEZONE,
) -> StaffStats:
    """Read the statistics from the database, render the charts and write the page to `out`
    and/or the aggregated figures per day and per topic as CSV files into `csv_dir`."""
    from bot.services import prepare_database  # noqa: PLC0415 - the composition root's helper
    from bot.storage.engine import create_engine, session_factory  # noqa: PLC0415

    engine = create_engine(database_url)
    try:
        await prepare_database(database_url, engine)
        sessions = session_factory(engine)
        stats = await collect_stats(sessions, now, days=days, zone=zone)
        async with sessions() as session:
            week = await read_overview(session, stats.as_of, zone, days=7)
            period = await read_overview(session, stats.as_of, zone, days=days)
            votes = await votes_by_day(session, period.current.first_day, stats.as_of)
            starts = await starts_since(session, stats.as_of - dt.timedelta(days=days - 1))
    finally:
        await engine.dispose()
    titles = topic_titles(content, lang)
    trend = trend_days(
        [(d.day, d.total, d.answered) for d in stats.questions],
        votes,
        [d.day for d in stats.questions],
    )
    if csv_dir is not None:
        await asyncio.to_thread(write_csv, csv_dir, trend, period, titles)
    if out is None:
        return stats
    picture = await render_stats(stats, lang, content.texts, titles)
    chart = await asyncio.to_thread(trend_png, trend, content.texts, lang)
    feedback = feedback_section_html(
        week,
        period,
        (png_data_uri(chart), trend_caption(trend, content.texts, lang)),
        content.texts,
        lang,
        titles=titles,
    )
    page = build_report_html(
        stats,
        picture,
        content.texts,
        lang,
        titles,
        generated_at=now,
        sections=feedback,
        starts=starts,
    )
    await asyncio.to_thread(_write, out, page)
    return stats


def _write(out: Path, page: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
