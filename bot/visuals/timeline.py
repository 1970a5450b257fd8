"""The timeline picture for /milestones: past steps muted, the next one highlighted, phone-sized.

`timeline_entries` decides what is shown (pure), `build_timeline_figure` draws it (tests read
its text artists), `timeline_caption` says the same in words, and `render_timeline_png` is what
a transport awaits: cached while the entries are unchanged, drawn in a worker thread.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from bot.content import Milestone, Texts, describe_when
from bot.domain import Lang
from bot.visuals.cache import DEFAULT_CACHE, RenderCache
from bot.visuals.png import (
    ACCENT,
    ACCENT_LIGHT,
    FONT,
    GRID,
    INK,
    MUTED,
    WIDTH_PX,
    figure_png,
    fit_caption,
    new_figure,
)

if TYPE_CHECKING:  # matplotlib loads with the first picture (see bot/visuals/png.py)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Layout in pixels of the 1,080 px wide picture; font sizes in points (1 pt = 100/72 px here).
_MARGIN = 60
_LINE_X = 110  # the vertical time line
_TEXT_X = 170  # where each entry's words start
_HEADER_PT, _SUB_PT, _WHEN_PT, _AREA_PT, _TITLE_PT, _TAG_PT = 34, 22, 28, 21, 25, 20
_LEADING = 1.32


class State(Enum):
    """Where a milestone stands relative to now."""

    DONE = "done"
    NEXT = "next"
    COMING = "coming"


@dataclass(frozen=True)
class TimelineEntry:
    """One milestone as the picture shows it: words already in the resident's language."""

    milestone_id: str
    state: State
    when: str
    title: str
    area: str


def coming_milestones(milestones: Iterable[Milestone], now: dt.datetime) -> list[Milestone]:
    """Milestones still ahead of `now`, soonest first (the ones a calendar file makes sense for)."""
    _require_aware(now)
    return sorted((m for m in milestones if m.when > now), key=lambda m: m.when)


def timeline_entries(
    milestones: Iterable[Milestone], lang: Lang, now: dt.datetime, texts: Texts
) -> tuple[TimelineEntry, ...]:
    """What the picture shows, in time order; the first milestone after `now` is the next one."""
    _require_aware(now)
    entries: list[TimelineEntry] = []
    next_seen = False
    for milestone in sorted(milestones, key=lambda m: m.when):
        if milestone.when <= now:
            state = State.DONE
        elif not next_seen:
            state, next_seen = State.NEXT, True
        else:
            state = State.COMING
        entries.append(
            TimelineEntry(
                milestone_id=milestone.id,
                state=state,
                when=describe_when(milestone, texts, lang),
                title=milestone.title[lang],
                area=texts.get(f"area_{milestone.area}", lang),
            )
        )
    return tuple(entries)


def _require_aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")


def _state_word(state: State, texts: Texts, lang: Lang) -> str:
    return texts.get(f"timeline_state_{state.value}", lang)


def _line_px(points: float) -> float:
    return points * 100 / 72 * _LEADING


def _wrap(text: str, points: float, width_px: float, *, bold: bool = False) -> list[str]:
    # DejaVu Sans averages about 0.55 em per character (bold about 0.63); wrap a bit early.
    em = 0.66 if bold else 0.56
    chars = max(12, int(width_px / (points * 100 / 72 * em)))
    return textwrap.wrap(text, width=chars) or [""]


@dataclass(frozen=True)
class _Block:
    entry: TimelineEntry
    title_lines: tuple[str, ...]
    height: float


def _blocks(entries: tuple[TimelineEntry, ...]) -> list[_Block]:
    width = WIDTH_PX - _TEXT_X - _MARGIN - 20
    blocks = []
    for entry in entries:
        lines = tuple(_wrap(entry.title, _TITLE_PT, width, bold=entry.state is State.NEXT))
        height = _line_px(_WHEN_PT) + _line_px(_AREA_PT) + len(lines) * _line_px(_TITLE_PT) + 2 * 22
        blocks.append(_Block(entry, lines, height))
    return blocks


def build_timeline_figure(
    entries: tuple[TimelineEntry, ...], as_of: str, texts: Texts, lang: Lang
) -> Figure:
    """Draw the timeline as a figure (not yet rendered), for `timeline_png` and for tests."""
    blocks = _blocks(entries)
    heading = _wrap(
        texts.get("timeline_title", lang), _HEADER_PT, WIDTH_PX - 2 * _MARGIN, bold=True
    )
    header = _MARGIN + len(heading) * _line_px(_HEADER_PT) + _line_px(_SUB_PT) + 40
    legend = 110
    height = header + sum(b.height for b in blocks) + legend + _MARGIN
    figure = new_figure(height)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0, WIDTH_PX)
    axes.set_ylim(height, 0)  # y grows downwards, like reading
    axes.axis("off")

    def write(x: float, y: float, text: str, points: float, **style: object) -> None:
        axes.text(x, y, text, fontsize=points, family=FONT, va="top", **style)  # type: ignore[arg-type]

    write(
        _MARGIN,
        _MARGIN,
        "\n".join(heading),
        _HEADER_PT,
        color=INK,
        weight="bold",
        linespacing=_LEADING,
    )
    as_of_y = _MARGIN + len(heading) * _line_px(_HEADER_PT) + 6
    write(_MARGIN, as_of_y, texts.get("timeline_as_of", lang, date=as_of), _SUB_PT, color=MUTED)

    y = header
    dots: list[tuple[float, State]] = []
    for block in blocks:
        entry = block.entry
        done, is_next = entry.state is State.DONE, entry.state is State.NEXT
        colour = MUTED if done else INK
        if is_next:
            from matplotlib.patches import FancyBboxPatch  # noqa: PLC0415 - see png.py

            axes.add_patch(
                FancyBboxPatch(
                    (_TEXT_X - 24, y + 4),
                    WIDTH_PX - _MARGIN - _TEXT_X + 24,
                    block.height - 16,
                    boxstyle="round,pad=0,rounding_size=18",
                    facecolor=ACCENT_LIGHT,
                    edgecolor=ACCENT,
                    linewidth=3,
                )
            )
        top = y + 18
        dot_y = top + _line_px(_WHEN_PT) / 2 - 2
        dots.append((dot_y, entry.state))
        write(
            _TEXT_X, top, entry.when, _WHEN_PT, color=ACCENT if is_next else colour, weight="bold"
        )
        write(
            WIDTH_PX - _MARGIN - 16,
            top + 4,
            _state_word(entry.state, texts, lang).upper(),
            _TAG_PT,
            color="white" if is_next else colour,
            weight="bold",
            ha="right",
            bbox={
                "boxstyle": "round,pad=0.35",
                "facecolor": ACCENT if is_next else "white",
                "edgecolor": ACCENT if is_next else GRID,
            },
        )
        line_y = top + _line_px(_WHEN_PT)
        write(
            _TEXT_X, line_y, entry.area, _AREA_PT, color=MUTED if done else ACCENT, style="italic"
        )
        line_y += _line_px(_AREA_PT)
        for line in block.title_lines:
            write(
                _TEXT_X,
                line_y,
                line,
                _TITLE_PT,
                color=colour,
                weight="bold" if is_next else "normal",
            )
            line_y += _line_px(_TITLE_PT)
        y += block.height

    if dots:
        axes.plot(
            [_LINE_X, _LINE_X],
            [dots[0][0], dots[-1][0]],
            color=GRID,
            linewidth=6,
            solid_capstyle="round",
            zorder=1,
        )
    for dot_y, state in dots:
        _dot(axes, _LINE_X, dot_y, state)

    legend_y = y + 40
    x: float = _MARGIN + 20
    for state in State:
        _dot(axes, x, legend_y + 16, state, scale=0.7)
        word = _state_word(state, texts, lang)
        write(x + 30, legend_y, word, _TAG_PT, color=MUTED if state is State.DONE else INK)
        x += 80 + len(word) * _TAG_PT * 100 / 72 * 0.62
    return figure


def _dot(axes: Axes, x: float, y: float, state: State, *, scale: float = 1.0) -> None:
    from matplotlib.patches import Circle  # noqa: PLC0415 - matplotlib loads with a picture

    if state is State.DONE:
        axes.add_patch(
            Circle((x, y), 14 * scale, facecolor=MUTED, edgecolor="white", linewidth=3, zorder=2)
        )
    elif state is State.NEXT:
        axes.add_patch(
            Circle(
                (x, y),
                24 * scale,
                facecolor=ACCENT,
                edgecolor=ACCENT_LIGHT,
                linewidth=8 * scale,
                zorder=2,
            )
        )
    else:
        axes.add_patch(
            Circle(
                (x, y),
                15 * scale,
                facecolor="white",
                edgecolor=ACCENT,
                linewidth=5 * scale,
                zorder=2,
            )
        )


def timeline_caption(
    entries: tuple[TimelineEntry, ...], as_of: str, texts: Texts, lang: Lang
) -> str:
    """The picture in words (for screen readers and slow connections), at most 1,024 chars."""
    lines = [texts.get("timeline_caption_intro", lang, date=as_of)]
    lines.extend(
        texts.get(
            "timeline_caption_line",
            lang,
            state=_state_word(entry.state, texts, lang),
            when=entry.when,
            title=entry.title,
            area=entry.area,
        )
        for entry in entries
    )
    return fit_caption(lines)


def timeline_png(entries: tuple[TimelineEntry, ...], as_of: str, texts: Texts, lang: Lang) -> bytes:
    """Draw and encode the picture (blocking: call through `render_timeline_png`)."""
    return figure_png(build_timeline_figure(entries, as_of, texts, lang))


@dataclass(frozen=True)
class TimelinePicture:
    """A rendered timeline and its caption."""

    png: bytes
    caption: str


async def render_timeline(
    milestones: Iterable[Milestone],
    lang: Lang,
    now: dt.datetime,
    texts: Texts,
    *,
    cache: RenderCache = DEFAULT_CACHE,
) -> TimelinePicture:
    """The timeline picture and caption for `now`, drawn off the event loop, cached by content."""
    entries = timeline_entries(milestones, lang, now, texts)
    as_of = now.date().isoformat()  # in the clock's zone, the settings' time zone
    words = tuple(
        texts.get(key, lang)
        for key in (
            "timeline_title",
            "timeline_as_of",
            *(f"timeline_state_{s.value}" for s in State),
        )
    )
    key: Hashable = ("timeline", lang, as_of, entries, words)
    png = await cache.render(key, lambda: timeline_png(entries, as_of, texts, lang))
    return TimelinePicture(png, timeline_caption(entries, as_of, texts, lang))


async def render_timeline_png(
    milestones: Iterable[Milestone], lang: Lang, now: dt.datetime, texts: Texts
) -> bytes:
    """Only the PNG of `render_timeline`."""
    return (await render_timeline(milestones, lang, now, texts)).png
