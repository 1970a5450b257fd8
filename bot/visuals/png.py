"""Shared matplotlib set-up (Agg, no GUI) and PNG helpers for every picture the bot draws."""

from __future__ import annotations

import io
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH_PX = 1080  # a phone screen's width in pixels: Telegram shows it without scaling down
DPI = 100

# Telegram's limits for a photo upload and a caption.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_CAPTION = 1024

# Colours with enough contrast on white (WCAG AA for text) and distinguishable without hue.
INK = "#1a1a1a"
MUTED = "#767676"
ACCENT = "#00587a"
ACCENT_LIGHT = "#e3f1f6"
SECOND = "#c2571a"
GRID = "#d9d9d9"
FONT = "DejaVu Sans"  # ships with matplotlib and has å, ä, ö


def new_figure(height_px: float, width_px: float = WIDTH_PX) -> Figure:
    """A white figure of the given pixel size, not attached to any GUI or pyplot state."""
    figure = _figure_class()(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    figure.set_layout_engine(None)
    return figure


def _figure_class() -> type[Figure]:
    # matplotlib (and numpy under it) is imported on the first picture, not at start-up: it
    # is most of the bot's memory, and most processes never draw anything.
    import matplotlib as mpl  # noqa: PLC0415

    # Before pyplot or any backend loads: a server has no display, and Agg never needs one.
    mpl.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415 - after the backend choice

    return Figure


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes at its own pixel size, without metadata that changes per run."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def png_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height read from a PNG's IHDR chunk; ValueError if it is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def fit_caption(lines: list[str], limit: int = MAX_CAPTION) -> str:
    """Join caption lines; if too long, drop whole lines from the end and say so with '…'."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for line in lines:
        candidate = "\n".join([*kept, line, "…"])
        if len(candidate) > limit:
            break
        kept.append(line)
    if not kept:
        return text[: limit - 1] + "…"
    return "\n".join([*kept, "…"])
