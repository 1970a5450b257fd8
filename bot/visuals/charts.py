"""The staff chart for /stats and the report: subscribers, questions per day, top topics.

One 1,080 px wide picture with three panels, each readable on a phone, and a caption that says
the same numbers in words. Colour is never the only cue: areas also differ by line style and
answered/unanswered bars by hatching.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.content import Texts
from bot.domain import Lang
from bot.visuals.cache import DEFAULT_CACHE, RenderCache
from bot.visuals.png import (
    ACCENT,
    FONT,
    GRID,
    INK,
    MUTED,
    SECOND,
    figure_png,
    fit_caption,
    new_figure,
)
from bot.visuals.stats import StaffStats

if TYPE_CHECKING:  # matplotlib loads with the first picture (see bot/visuals/png.py)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_HEIGHT_PX = 1900
_TITLE_PT, _PANEL_PT, _TICK_PT, _LABEL_PT = 30, 24, 18, 19
_AREA_STYLE = {"balltorp": (ACCENT, "-"), "kallered": (SECOND, "--")}


def _style(axes: Axes, title: str) -> None:
    axes.set_title(title, loc="left", fontsize=_PANEL_PT, family=FONT, color=INK, pad=16)
    axes.tick_params(labelsize=_TICK_PT, colors=INK)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color=GRID, linewidth=1)
    axes.set_axisbelow(True)


def _empty(axes: Axes, texts: Texts, lang: Lang) -> None:
    axes.text(
        0.5,
        0.5,
        texts.get("stats_chart_empty", lang),
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=_PANEL_PT,
        family=FONT,
        color=MUTED,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _x(days: Sequence[dt.date]) -> list[int]:
    """Days as plain numbers on the x axis (ticks are labelled by `_date_axis`)."""
    return [day.toordinal() for day in days]


def _date_axis(axes: Axes, days: Sequence[dt.date], ticks: int = 5) -> None:
    """Day ticks as 'dd/mm', evenly spread and always including the last day."""
    step = max(1, (len(days) - 1) // (ticks - 1)) if len(days) > 1 else 1
    shown = list(days[::-1][::step])[::-1]
    axes.set_xticks(_x(shown), [d.strftime("%d/%m") for d in shown])


def topic_label(topic: str, topic_titles: Mapping[str, str]) -> str:
    """A topic's title in the staff member's language, or its id if the FAQ no longer has it."""
    return topic_titles.get(topic, topic)


def build_stats_figure(
    stats: StaffStats, texts: Texts, lang: Lang, topic_titles: Mapping[str, str]
) -> Figure:
    """Draw the three panels (not yet rendered), for `stats_png` and for tests."""
    figure = new_figure(_HEIGHT_PX)
    figure.suptitle(
        texts.get("stats_chart_title", lang, date=stats.as_of.isoformat()),
        x=0.055,
        y=0.985,
        ha="left",
        fontsize=_TITLE_PT,
        family=FONT,
        weight="bold",
        color=INK,
    )
    subscribers, questions, topics = figure.subplots(
        3, 1, gridspec_kw={"height_ratios": (1.0, 1.1, 1.0), "hspace": 0.42}
    )
    figure.subplots_adjust(left=0.1, right=0.9, top=0.915, bottom=0.03)
    _draw_subscribers(subscribers, stats, texts, lang)
    _draw_questions(questions, stats, texts, lang)
    _draw_topics(topics, stats, texts, lang, topic_titles)
    return figure


def _draw_subscribers(axes: Axes, stats: StaffStats, texts: Texts, lang: Lang) -> None:
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - see bot/visuals/png.py

    _style(axes, texts.get("stats_chart_subscribers", lang))
    if not any(series.current for series in stats.subscribers):
        _empty(axes, texts, lang)
        return
    for series in stats.subscribers:
        colour, line = _AREA_STYLE.get(series.area, (INK, ":"))
        days = [day for day, _ in series.points]
        counts = [count for _, count in series.points]
        name = texts.get(f"area_{series.area}", lang)
        axes.step(
            _x(days),
            counts,
            where="post",
            color=colour,
            linestyle=line,
            linewidth=4,
            label=f"{name}: {series.current}",
        )
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _date_axis(axes, [day for day, _ in stats.subscribers[0].points])
    axes.legend(loc="upper left", fontsize=_LABEL_PT, frameon=False)


def _draw_questions(axes: Axes, stats: StaffStats, texts: Texts, lang: Lang) -> None:
    from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: PLC0415 - see png.py

    _style(axes, texts.get("stats_chart_questions", lang, days=stats.days))
    if not stats.total_questions:
        _empty(axes, texts, lang)
        return
    days = _x([d.day for d in stats.questions])
    answered = [d.answered for d in stats.questions]
    unanswered = [d.total - d.answered for d in stats.questions]
    axes.bar(days, answered, color=ACCENT, width=0.8, label=texts.get("stats_chart_answered", lang))
    axes.bar(
        days,
        unanswered,
        bottom=answered,
        color="white",
        edgecolor=SECOND,
        hatch="//",
        width=0.8,
        label=texts.get("stats_chart_unanswered", lang),
    )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _date_axis(axes, [d.day for d in stats.questions])
    share = axes.twinx()
    asked = [d for d in stats.questions if d.total]
    share.plot(
        _x([d.day for d in asked]),
        [d.share_answered for d in asked],
        color=INK,
        marker="o",
        markersize=7,
        linewidth=2,
        label=texts.get("stats_chart_share", lang),
    )
    share.set_ylim(0, 1.05)
    share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    share.tick_params(labelsize=_TICK_PT, colors=INK)
    share.spines["top"].set_visible(False)
    handles = axes.get_legend_handles_labels()
    line_handles = share.get_legend_handles_labels()
    axes.legend(
        handles[0] + line_handles[0],
        handles[1] + line_handles[1],
        loc="upper left",
        fontsize=_TICK_PT,
        frameon=False,
        ncols=3,
        bbox_to_anchor=(0.0, -0.12),
    )


def _draw_topics(
    axes: Axes, stats: StaffStats, texts: Texts, lang: Lang, topic_titles: Mapping[str, str]
) -> None:
    _style(axes, texts.get("stats_chart_topics", lang, days=stats.days))
    axes.grid(False)
    if not stats.top_topics:
        _empty(axes, texts, lang)
        return
    labels = [_short(topic_label(t, topic_titles), 60) for t, _ in stats.top_topics]
    counts = [count for _, count in stats.top_topics]
    # Each label sits above its bar: long Swedish titles need the whole width on a phone.
    rows = [index * 1.6 for index in range(len(labels))]
    axes.barh(rows, counts, color=ACCENT, height=0.6)
    for row, label, count in zip(rows, labels, counts, strict=True):
        axes.text(0, row - 0.42, label, va="bottom", fontsize=_LABEL_PT, family=FONT, color=INK)
        axes.text(
            count,
            row,
            f" {count}",
            va="center",
            fontsize=_LABEL_PT,
            family=FONT,
            color=INK,
            weight="bold",
        )
    axes.set_ylim(rows[-1] + 0.6, -1.3)  # the most asked on top
    axes.set_xlim(0, max(counts) * 1.12)
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("bottom", "left"):
        axes.spines[side].set_visible(False)


def stats_caption(
    stats: StaffStats, texts: Texts, lang: Lang, topic_titles: Mapping[str, str]
) -> str:
    """The chart in words, at most 1,024 characters."""
    counts = ", ".join(
        f"{texts.get(f'area_{s.area}', lang)} {s.current}" for s in stats.subscribers
    )
    lines = [
        texts.get("stats_caption_intro", lang, date=stats.as_of.isoformat()),
        texts.get("stats_caption_subscribers", lang, counts=counts),
        texts.get(
            "stats_caption_questions",
            lang,
            days=stats.days,
            total=stats.total_questions,
            answered=stats.answered_questions,
            share=round(stats.share_answered * 100),
        ),
    ]
    busiest = stats.busiest_day
    if busiest is not None:
        lines.append(
            texts.get(
                "stats_caption_busiest", lang, date=busiest.day.isoformat(), count=busiest.total
            )
        )
    if stats.top_topics:
        topics = ", ".join(f"{topic_label(t, topic_titles)} ({n})" for t, n in stats.top_topics)
        lines.append(texts.get("stats_caption_topics", lang, topics=topics))
    else:
        lines.append(texts.get("stats_caption_no_topics", lang))
    return fit_caption(lines)


def stats_png(
    stats: StaffStats, texts: Texts, lang: Lang, topic_titles: Mapping[str, str]
) -> bytes:
    """Draw and encode the chart (blocking: call through `render_stats`)."""
    return figure_png(build_stats_figure(stats, texts, lang, topic_titles))


@dataclass(frozen=True)
class StatsPicture:
    """A rendered staff chart and its caption."""

    png: bytes
    caption: str


async def render_stats(
    stats: StaffStats,
    lang: Lang,
    texts: Texts,
    topic_titles: Mapping[str, str],
    *,
    cache: RenderCache = DEFAULT_CACHE,
) -> StatsPicture:
    """The chart and caption, drawn off the event loop, cached while the numbers are the same."""
    shown = tuple((t, topic_label(t, topic_titles)) for t, _ in stats.top_topics)
    key: Hashable = ("stats", lang, stats, shown, _words(texts, lang))
    png = await cache.render(key, lambda: stats_png(stats, texts, lang, topic_titles))
    return StatsPicture(png, stats_caption(stats, texts, lang, topic_titles))


async def render_stats_png(
    stats: StaffStats, lang: Lang, texts: Texts, topic_titles: Mapping[str, str]
) -> bytes:
    """Only the PNG of `render_stats`."""
    return (await render_stats(stats, lang, texts, topic_titles)).png


def _words(texts: Texts, lang: Lang) -> tuple[str, ...]:
    keys = sorted(k for k in texts.strings if k.startswith(("stats_chart_", "area_")))
    return tuple(texts.strings[k][lang] for k in keys)
