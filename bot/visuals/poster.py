"""The printable poster: one A4 page with a large QR code of a deep link, in plain language.

Drawn with matplotlib (its PDF backend for print, Agg for the PNG preview) and segno for the
code, which is drawn as vector squares so it stays sharp at any print size. DejaVu Sans,
bundled with matplotlib, has å, ä and ö; the PDF embeds it as TrueType, so the page's text can
be selected, searched and read back.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.content import Texts
from bot.domain import Area, Lang
from bot.visuals.cache import DEFAULT_CACHE, RenderCache
from bot.visuals.png import ACCENT, FONT, INK, MUTED, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PosterFormat = Literal["pdf", "png"]
FORMATS: tuple[PosterFormat, ...] = ("pdf", "png")

A4_INCHES = (210 / 25.4, 297 / 25.4)
PNG_DPI = 150  # 1240 x 1753 pixels: sharp on a phone, small enough to send as a photo
QR_SIDE_CM = 11.0  # scans from about a metre and a half on a wall
QR_QUIET_ZONE = 4  # modules of white around the code, as the standard asks


@dataclass(frozen=True)
class PosterWords:
    """Everything written on one poster, in one language."""

    area: str
    title: str
    lines: tuple[str, str, str]
    scan: str
    link_hint: str
    privacy: str
    footer: str

    @property
    def message(self) -> str:
        """Title and the three lines: what the plain-language measure (LIX) is taken over."""
        return " ".join((self.title, *self.lines))


def poster_words(texts: Texts, lang: Lang, area: Area) -> PosterWords:
    """The poster's texts from content/texts.yaml."""
    name = texts.get(f"poster_area_{area}", lang)
    return PosterWords(
        area=name,
        title=texts.get("poster_title", lang),
        lines=(
            texts.get("poster_line_1", lang),
            texts.get("poster_line_2", lang, area=name),
            texts.get("poster_line_3", lang),
        ),
        scan=texts.get("poster_scan", lang),
        link_hint=texts.get("poster_link_hint", lang),
        privacy=texts.get("poster_privacy", lang),
        footer=texts.get("poster_footer", lang),
    )


def lix(text: str) -> float:
    """Läsbarhetsindex: words per sentence plus the percentage of words over six letters.

    Below 30 is very easy, 30-40 easy (plain language), 40-50 ordinary prose.
    """
    words = re.findall(r"[^\W\d_]+", text)
    if not words:
        return 0.0
    sentences = max(1, len(re.findall(r"[.!?:]+(?:\s|$)", text)))
    long_words = sum(1 for word in words if len(word) > 6)
    return len(words) / sentences + 100 * long_words / len(words)


def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of `url` as rows of dark (True) and light modules, without quiet zone."""
    import segno  # noqa: PLC0415 - loaded with the first poster, like matplotlib

    # Level M survives a scuffed or partly covered poster and keeps the code coarse.
    code = segno.make_qr(url, error="m", boost_error=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


def build_poster_figure(url: str, words: PosterWords) -> Figure:
    """The A4 page as a matplotlib figure (blocking; see `render_poster`)."""
    width_in, height_in = A4_INCHES
    figure = new_figure(height_in * 100, width_in * 100)  # new_figure takes pixels at 100 dpi

    def write(
        y: float, text: str, size: float, *, wrap: int, family: str = FONT, **style: Any
    ) -> float:
        """Centred text, wrapped at `wrap` characters; returns the y below it."""
        lines = textwrap.wrap(text, wrap) or [""]
        line_height = size * 1.35 / 72 / height_in  # points to figure fraction
        for line in lines:
            figure.text(0.5, y, line, ha="center", va="top", fontsize=size, family=family, **style)
            y -= line_height
        return y

    y = write(0.955, words.area.upper(), 20, wrap=40, color=ACCENT, weight="bold")
    y = write(y - 0.008, words.title, 34, wrap=24, color=INK, weight="bold")
    y -= 0.012
    for line in words.lines:
        y = write(y, line, 18, wrap=46, color=INK) - 0.008

    # The code's full size where the words leave room for it, else as large as they allow.
    bottom = 0.255
    side = min(QR_SIDE_CM / 2.54, (y - 0.015 - bottom) * height_in)
    axes = figure.add_axes(
        (0.5 - side / width_in / 2, bottom, side / width_in, side / height_in), frameon=False
    )
    _draw_qr(axes, qr_modules(url))

    y = write(bottom - 0.012, words.scan, 16, wrap=50, color=INK, weight="bold")
    y = write(y - 0.01, words.link_hint, 13, wrap=60, color=MUTED)
    write(y, url, 14, wrap=60, color=INK, family="DejaVu Sans Mono")
    write(0.105, words.privacy, 12, wrap=72, color=INK)
    write(0.035, words.footer, 11, wrap=80, color=MUTED)
    return figure


def _draw_qr(axes: Axes, modules: tuple[tuple[bool, ...], ...]) -> None:
    from matplotlib.collections import PolyCollection  # noqa: PLC0415 - see png.py

    size = len(modules)
    squares = []
    # One rectangle per run of dark modules in a row; a hair taller than a module, so that
    # rows touch without a seam of white in a viewer that antialiases.
    for row_index, row in enumerate(modules):
        top = size - row_index
        column = 0
        while column < size:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < size and row[column]:
                column += 1
            squares.append([(start, top - 1.02), (column, top - 1.02), (column, top), (start, top)])
    axes.add_collection(
        PolyCollection(squares, facecolors="black", edgecolors="none", antialiased=False)
    )
    axes.set_xlim(-QR_QUIET_ZONE, size + QR_QUIET_ZONE)
    axes.set_ylim(-QR_QUIET_ZONE, size + QR_QUIET_ZONE)
    axes.set_aspect("equal")
    axes.set_axis_off()


def poster_bytes(url: str, words: PosterWords, fmt: PosterFormat) -> bytes:
    """The poster as PDF or PNG bytes (blocking; call through `render_poster` in the bot)."""
    import matplotlib as mpl  # noqa: PLC0415

    figure = build_poster_figure(url, words)
    buffer = io.BytesIO()
    # TrueType (42) rather than Type 3 glyphs: printers and text extraction both read it.
    with mpl.rc_context({"pdf.fonttype": 42}):
        if fmt == "pdf":
            figure.savefig(
                buffer,
                format="pdf",
                facecolor="white",
                metadata={"Title": f"{words.title} {words.area}", "Creator": "Områdesboten"},
            )
        else:
            figure.savefig(
                buffer, format="png", dpi=PNG_DPI, facecolor="white", metadata={"Software": None}
            )
    return buffer.getvalue()


async def render_poster(
    url: str, words: PosterWords, fmt: PosterFormat, *, cache: RenderCache = DEFAULT_CACHE
) -> bytes:
    """The poster drawn off the event loop; the same link and words are drawn once."""
    key: Hashable = ("poster", fmt, url, words)
    return await cache.render(key, lambda: poster_bytes(url, words, fmt))
