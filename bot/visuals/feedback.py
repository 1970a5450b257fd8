"""The feedback part of the staff report: a trend chart, its tables, and the CSV export.

The trend chart shows, per local day of the report's period, the share of questions answered
and the share of helpful answers (👍 / (👍 + 👎)) as two lines told apart by style and marker,
not only by colour, over the day's 👍 and 👎 as bars. Pure rendering from counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DEFAULT_TIMEZONE
from bot.content import Texts
from bot.core.insight import Overview, overview_lines, percent
from bot.domain import Lang, share
from bot.storage.feedback import votes_by_day
from bot.visuals.html import table
from bot.visuals.png import ACCENT, FONT, GRID, INK, SECOND, figure_png, new_figure
from bot.visuals.stats import DEFAULT_DAYS, collect_stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_HEIGHT_PX = 1000
_TITLE_PT, _TICK_PT = 26, 18


@dataclass(frozen=True)
class TrendDay:
    """One local day: questions asked and answered, answers given, 👍 and 👎."""

    day: dt.date
    questions: int
    answered: int
    answers: int
    up: int
    down: int

    @property
    def answered_share(self) -> float | None:
        """Answered as a share of questions; None without questions."""
        return share(self.answered, self.questions)

    @property
    def helpful_share(self) -> float | None:
        """👍 / (👍 + 👎); None without votes."""
        return share(self.up, self.up + self.down)


async def collect_trend(
    sessions: async_sessionmaker[AsyncSession],
    now: dt.datetime,
    *,
    days: int = DEFAULT_DAYS,
    zone: ZoneInfo = DEFAULT_TIMEZONE,
) -> tuple[TrendDay, ...]:
    """The trend of the `days` local days up to `now`'s, read in SQL (by hour and by day)."""
    stats = await collect_stats(sessions, now, days=days, zone=zone)
    async with sessions() as session:
        votes = await votes_by_day(session, stats.questions[0].day, stats.as_of)
    return trend_days(
        [(d.day, d.total, d.answered) for d in stats.questions],
        votes,
        [d.day for d in stats.questions],
    )


def trend_days(
    questions: Sequence[tuple[dt.date, int, int]],
    votes: Sequence[tuple[dt.date, int, int, int]],
    days: Sequence[dt.date],
) -> tuple[TrendDay, ...]:
    """One `TrendDay` per day in `days` from (day, questions, answered) and
    (day, answers, 👍, 👎) counts; days without counts are zeros."""
    asked = {day: (total, answered) for day, total, answered in questions}
    voted = {day: (n, up, down) for day, n, up, down in votes}
    return tuple(TrendDay(day, *asked.get(day, (0, 0)), *voted.get(day, (0, 0, 0))) for day in days)


def build_trend_figure(days: Sequence[TrendDay], texts: Texts, lang: Lang) -> Figure:
    """Votes per day as bars, the answered and helpful shares as lines above them."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: PLC0415 - see png.py

    figure = new_figure(_HEIGHT_PX)
    axes = figure.add_subplot(1, 1, 1)
    figure.subplots_adjust(left=0.1, right=0.9, top=0.88, bottom=0.25)
    axes.set_title(
        texts.get("feedback_chart_title", lang, days=len(days)),
        loc="left",
        fontsize=_TITLE_PT,
        family=FONT,
        color=INK,
        pad=16,
    )
    x = [d.day.toordinal() for d in days]
    # The chart font has no emoji: the bars are named in words.
    up_label = texts.get("feedback_chart_up", lang)
    axes.bar(x, [d.up for d in days], color=ACCENT, width=0.8, label=up_label)
    axes.bar(
        x,
        [d.down for d in days],
        bottom=[d.up for d in days],
        color="white",
        edgecolor=SECOND,
        hatch="//",
        width=0.8,
        label=texts.get("feedback_chart_down", lang),
    )
    axes.set_ylabel(texts.get("feedback_chart_votes", lang), fontsize=_TICK_PT, family=FONT)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=_TICK_PT, colors=INK)
    axes.grid(axis="y", color=GRID, linewidth=1)
    axes.set_axisbelow(True)
    step = max(1, (len(days) - 1) // 4) if len(days) > 1 else 1
    shown = list(days[::-1][::step])[::-1]
    axes.set_xticks([d.day.toordinal() for d in shown], [d.day.strftime("%d/%m") for d in shown])
    share = axes.twinx()
    for label, values, style, marker in (
        (texts.get("stats_chart_share", lang), [d.answered_share for d in days], "-", "o"),
        (texts.get("feedback_chart_helpful", lang), [d.helpful_share for d in days], "--", "s"),
    ):
        points = [(xi, v) for xi, v in zip(x, values, strict=True) if v is not None]
        share.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            color=INK,
            linestyle=style,
            marker=marker,
            markersize=7,
            linewidth=2,
            label=label,
        )
    share.set_ylim(0, 1.05)
    share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    share.tick_params(labelsize=_TICK_PT, colors=INK)
    bars, lines = axes.get_legend_handles_labels(), share.get_legend_handles_labels()
    axes.legend(
        bars[0] + lines[0],
        bars[1] + lines[1],
        loc="upper left",
        fontsize=_TICK_PT,
        frameon=False,
        ncols=2,  # two rows: the long Swedish labels fit the phone's width
        bbox_to_anchor=(0.0, -0.1),
    )
    return figure


def trend_png(days: Sequence[TrendDay], texts: Texts, lang: Lang) -> bytes:
    """The trend chart as PNG (blocking: call it off the event loop)."""
    return figure_png(build_trend_figure(days, texts, lang))


def trend_caption(days: Sequence[TrendDay], texts: Texts, lang: Lang) -> str:
    """The chart's figures in words, for the alt text."""
    up = sum(d.up for d in days)
    down = sum(d.down for d in days)
    helpful = percent(up / (up + down) if up + down else None)
    return (
        f"{texts.get('feedback_chart_title', lang, days=len(days))}: 👍 {up}, 👎 {down}, {helpful}"
    )


def feedback_section_html(
    overview: Overview,
    period: Overview,
    chart: tuple[str, str],
    texts: Texts,
    lang: Lang,
    *,
    titles: Mapping[str, str],
) -> str:
    """The report's feedback section: summary (week and week before), chart, per-topic table.

    `overview` is the last seven days; `period` the report's whole period (per topic); `chart`
    the trend chart's data URI and caption.
    """
    chart_uri, caption = chart
    t = texts.get
    now, before = overview.current, overview.before
    overall = table(
        t("report_feedback_overall", lang),
        [
            t("report_column_figure", lang),
            t("report_column_now", lang),
            t("report_column_before", lang),
        ],
        [
            (
                t("feedback_chart_helpful", lang),
                percent(now.helpful_share),
                percent(before.helpful_share),
            ),
            ("👍", now.up, before.up),
            ("👎", now.down, before.down),
            (
                t("stats_chart_share", lang),
                percent(now.answered_share),
                percent(before.answered_share),
            ),
        ],
        "feedback-overall",
    )
    days = (period.current.last_day - period.current.first_day).days + 1
    topics = table(
        t("report_feedback_topics", lang, days=days),
        [
            t("report_column_topic", lang),
            t("report_column_given", lang),
            t("report_column_direct", lang),
            t("report_column_suggested", lang),
            "👍",
            "👎",
            t("report_column_helpful", lang),
        ],
        [
            (
                titles.get(f.topic, f.topic),
                f.given,
                f.direct,
                f.suggested,
                f.up,
                f.down,
                percent(f.helpful_share),
            )
            for f in period.topics
        ],
        "feedback-topics",
    )
    summary = "\n".join(overview_lines(overview, texts, lang, titles, topics=0))
    return f"""<section id="feedback">
<h2>{escape(t("report_feedback", lang))}</h2>
<figure>
<img class="chart" id="feedback-chart" src="{chart_uri}" alt="{escape(caption)}">
<figcaption>{escape(caption)}</figcaption>
</figure>
{overall}
<pre class="summary">{escape(summary)}</pre>
{topics}
</section>"""


# --- CSV -----------------------------------------------------------------------------------------

DAYS_CSV = "days.csv"
TOPICS_CSV = "topics.csv"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def days_csv(days: Sequence[TrendDay]) -> str:
    """Per local day: questions, answered, answers given, 👍, 👎 and both shares."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "date",
            "questions",
            "answered",
            "answered_share",
            "answers",
            "up",
            "down",
            "helpful_share",
        ]
    )
    for d in days:
        writer.writerow(
            [
                d.day.isoformat(),
                d.questions,
                d.answered,
                _share(d.answered_share),
                d.answers,
                d.up,
                d.down,
                _share(d.helpful_share),
            ]
        )
    return out.getvalue()


def topics_csv(period: Overview, titles: Mapping[str, str]) -> str:
    """Per topic over the period: answers given (and how), 👍, 👎 and the helpful share."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "first_date",
            "last_date",
            "topic",
            "title",
            "given",
            "direct",
            "after_did_you_mean",
            "from_menu",
            "up",
            "down",
            "helpful_share",
        ]
    )
    first, last = period.current.first_day.isoformat(), period.current.last_day.isoformat()
    for f in period.topics:
        writer.writerow(
            [
                first,
                last,
                f.topic,
                titles.get(f.topic, f.topic),
                f.given,
                f.direct,
                f.suggested,
                f.given - f.direct - f.suggested,
                f.up,
                f.down,
                _share(f.helpful_share),
            ]
        )
    return out.getvalue()


def write_csv(
    directory: Path, days: Sequence[TrendDay], period: Overview, titles: Mapping[str, str]
) -> list[Path]:
    """Write days.csv and topics.csv (UTF-8, header row, ISO dates) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in ((DAYS_CSV, days_csv(days)), (TOPICS_CSV, topics_csv(period, titles))):
        path = directory / name
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written
